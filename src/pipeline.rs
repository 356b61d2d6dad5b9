//! Running a source once: read its extracts, commit the batch, say what happened.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use ingest::declared::{self, Dataset, Input};
use ingest::extract::SourceFile;
use ingest::one_stop::{self, OneStopFiles};
use ingest::petitions;
use ingest::{KhoGroup, Pseudonymiser};
use sha2::{Digest, Sha256};
use warehouse::{CommitReport, Lake, Outcome, RunRecord};

use crate::config::{Config, SourceConfig};

/// Opens the configured lake.
pub fn open_lake(cfg: &Config) -> Result<Lake> {
    Lake::open(&cfg.lake.location, &cfg.base_dir).context("opening the lake")
}

/// Runs one source (or every source when `only` is `None`); returns one report per source.
pub async fn ingest(
    cfg: &Config,
    lake: &Lake,
    only: Option<&str>,
    key: &Pseudonymiser,
) -> Result<Vec<CommitReport>> {
    if let Some(name) = only
        && !cfg.sources.contains_key(name)
    {
        anyhow::bail!(
            "no source “{name}” in pipelines.toml; configured: {}",
            cfg.sources.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for (name, source) in &cfg.sources {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let _lock = lake.lock_source(name)?;
        ingest::progress::report(&format!("{name}: bắt đầu đọc nguồn"));
        let started_at = chrono::Utc::now();
        let result = run_source(cfg, lake, name, source, key).await;
        let mut run = RunRecord {
            source: name.clone(),
            started_at,
            finished_at: chrono::Utc::now(),
            outcome: Outcome::Failed,
            report: None,
            error: None,
        };
        match result {
            Ok(report) => {
                run.outcome = Outcome::of(&report);
                run.report = Some(report.clone());
                lake.log_run(&run).await?;
                reports.push(report);
            }
            Err(e) => {
                run.error = Some(format!("{e:#}"));
                // the failure is logged; if even that fails, the original error matters more
                if let Err(log) = lake.log_run(&run).await {
                    tracing::error!("cannot log the failed run of {name}: {log}");
                }
                failures.push(e);
            }
        }
    }
    match failures.len() {
        0 => Ok(reports),
        1 => Err(failures.remove(0)),
        n => Err(anyhow::anyhow!(
            "{n} sources failed: {}",
            failures
                .iter()
                .map(|e| format!("{e:#}"))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// One run of one source: read its new files, commit the batch.
async fn run_source(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    source: &SourceConfig,
    key: &Pseudonymiser,
) -> Result<CommitReport> {
    // objects of a store prefix are copied here for the run's readers
    let staging = tempfile::tempdir().context("creating a staging folder")?;
    Ok(match source {
        SourceConfig::VneidFiles { files, .. } => {
            let found = find(cfg, name, files, staging.path()).await?;
            let known = lake.known_files(name).await?;
            let (found, skipped) = unseen(found, &known);
            if found.is_empty() {
                return Ok(nothing_new(name, skipped));
            }
            let batch = ingest::vneid::read(
                &found,
                name,
                &cfg.ward,
                source.kho_group(),
                ingest::Limits::default(),
            )
            .with_context(|| format!("source {name}"))?;
            commit(lake, &batch, skipped).await?
        }
        SourceConfig::PetitionsFiles { files, .. } => {
            let dataset = petitions::dataset();
            let found = find(cfg, name, files, staging.path()).await?;
            let parts = vec![(&dataset, source.kho_group(), found)];
            declared_files(cfg, lake, name, key, parts).await?
        }
        SourceConfig::PetitionsHttp { .. } => {
            let latest = latest(lake, petitions::TABLE, petitions::UPDATED).await?;
            let pages = fetch(cfg, name, source, latest).await?;
            let dataset = petitions::dataset();
            let parts = vec![(&dataset, pages.iter().map(Input::Page).collect())];
            let ctx = declared_context(cfg, key);
            let batch = declared::read(name, &ctx, source.kho_group(), parts)
                .with_context(|| format!("source {name}"))?;
            commit(lake, &batch, 0).await?
        }
        SourceConfig::MarketFiles { files, .. } => {
            let datasets = ingest::market::datasets();
            let group = source.kho_group();
            let mut parts: Vec<(&Dataset, KhoGroup, Vec<SourceFile>)> = datasets
                .iter()
                .map(|(_, d)| (d, group, Vec::new()))
                .collect();
            for f in find(cfg, name, files, staging.path()).await? {
                let stem = f.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let Some(i) = datasets.iter().position(|(t, _)| *t == stem) else {
                    anyhow::bail!(
                        "source {name}: {} is not the export of a market table; name each file after its table ({})",
                        f.display,
                        datasets.map(|(t, _)| format!("{t}.csv")).join(", ")
                    );
                };
                parts[i].2.push(f);
            }
            declared_files(cfg, lake, name, key, parts).await?
        }
        SourceConfig::MarketSql {
            url,
            url_env,
            queries,
            ..
        } => {
            let url = std::env::var(url_env)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .or_else(|| url.clone())
                .with_context(|| {
                    format!("source {name}: no database address; set {url_env} or `url` in pipelines.toml")
                })?;
            let datasets = ingest::market::datasets();
            let marks = latest_of(
                lake,
                &datasets.each_ref().map(|(_, d)| (d.table, "updated_at")),
            )
            .await?;
            let mut tables = Vec::new();
            for ((from, d), mark) in datasets.iter().zip(marks) {
                // an hour of overlap: a row written by a transaction that committed late is
                // still read, and reading a row twice costs nothing (the commit writes only
                // what changed)
                let since = mark.map(|t| {
                    (t - chrono::Duration::hours(1))
                        .with_timezone(&cfg.timezone())
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                });
                tables.push(ingest::sql::SqlTable {
                    dataset: d,
                    from: match queries.get(d.table) {
                        Some(q) => ingest::sql::From::Query(q.clone()),
                        None => ingest::sql::From::Table(from.to_string()),
                    },
                    watermark_column: "updated_at".to_string(),
                    since,
                });
            }
            let fetched = ingest::sql::fetch(&url, &tables)
                .await
                .with_context(|| format!("source {name}"))?;
            let parts = datasets
                .iter()
                .zip(fetched)
                .map(|((_, d), (info, records))| (d, vec![Input::Records(info, records)]))
                .collect();
            let ctx = declared_context(cfg, key);
            let batch = declared::read(name, &ctx, source.kho_group(), parts)
                .with_context(|| format!("source {name}"))?;
            commit(lake, &batch, 0).await?
        }
        SourceConfig::UploadsFiles { .. } => {
            let uploads = source.uploads();
            let datasets: Vec<Dataset> = uploads.iter().map(|(u, _, _)| u.dataset()).collect();
            let mut claimed: BTreeMap<std::path::PathBuf, &str> = BTreeMap::new();
            let mut parts = Vec::new();
            for ((upload, patterns, group), dataset) in uploads.iter().zip(&datasets) {
                let mut found = Vec::new();
                for pattern in *patterns {
                    for f in self::files(cfg, pattern, staging.path()).await? {
                        // read as two uploads, a file would fail one of them for its columns
                        if let Some(other) = claimed.insert(f.path.clone(), upload.id())
                            && other != upload.id()
                        {
                            anyhow::bail!(
                                "source {name}: {} matches the patterns of both {other} and {}; \
                                 make the patterns tell the uploads apart",
                                f.display,
                                upload.id()
                            );
                        }
                        found.push(f);
                    }
                }
                found.sort_by(|a, b| a.display.cmp(&b.display));
                found.dedup_by(|a, b| a.path == b.path);
                parts.push((dataset, *group, found));
            }
            if claimed.is_empty() {
                let patterns: Vec<&str> = uploads
                    .iter()
                    .flat_map(|(_, p, _)| p.iter().map(String::as_str))
                    .collect();
                anyhow::bail!(
                    "source {name}: no file matches {}; run `chiso sample` or check the paths",
                    patterns.join(", ")
                );
            }
            declared_files(cfg, lake, name, key, parts).await?
        }
        SourceConfig::OneStopFiles {
            catalogue,
            dossiers,
            ..
        } => {
            let mut files = OneStopFiles {
                catalogue: files(cfg, catalogue, staging.path()).await?,
                ..Default::default()
            };
            for pattern in dossiers {
                // a broad pattern may also match the catalogue; it is read once, as such
                files.dossiers.extend(
                    self::files(cfg, pattern, staging.path())
                        .await?
                        .into_iter()
                        .filter(|f| !files.catalogue.iter().any(|c| c.path == f.path)),
                );
            }
            if files.catalogue.is_empty() && files.dossiers.is_empty() {
                anyhow::bail!(
                    "source {name}: no file matches {catalogue} or {}; run `chiso sample` or check the paths",
                    dossiers.join(", ")
                );
            }
            let known = lake.known_files(name).await?;
            let (catalogue_files, skipped_catalogue) = unseen(files.catalogue, &known);
            let (dossier_files, skipped_dossiers) = unseen(files.dossiers, &known);
            let skipped = skipped_catalogue + skipped_dossiers;
            if catalogue_files.is_empty() && dossier_files.is_empty() {
                return Ok(nothing_new(name, skipped));
            }
            let files = OneStopFiles {
                catalogue: catalogue_files,
                dossiers: dossier_files,
                pages: Vec::new(),
            };
            commit_one_stop(cfg, lake, name, source, key, &files, skipped).await?
        }
        SourceConfig::OneStopHttp { catalogue, .. } => {
            let known = lake.known_files(name).await?;
            let (catalogue_files, skipped) =
                unseen(files(cfg, catalogue, staging.path()).await?, &known);
            let latest = latest(lake, one_stop::dossier::HISTORY_TABLE, "ngay_cap_nhat").await?;
            let pages = fetch(cfg, name, source, latest).await?;
            let files = OneStopFiles {
                catalogue: catalogue_files,
                dossiers: Vec::new(),
                pages,
            };
            commit_one_stop(cfg, lake, name, source, key, &files, skipped).await?
        }
    })
}

/// Every page of an HTTP source changed since a day before `latest`, the greatest update
/// time the lake holds (everything when it holds none); a page that cannot be had fails the
/// whole run.
async fn fetch(
    cfg: &Config,
    name: &str,
    source: &SourceConfig,
    latest: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<ingest::extract::ExtractFile>> {
    let http = source
        .http()
        .with_context(|| format!("source {name} is not an HTTP source"))?;
    // a day of overlap: a state recorded late in the source is still asked for, and asking
    // twice costs nothing (the commit writes only what changes)
    let since = latest.map(|t| t - chrono::Duration::days(1));
    ingest::http::fetch_pages(&http, since, cfg.timezone())
        .await
        .with_context(|| format!("source {name}"))
}

/// Every file matching the source's patterns, local or in an object store (copied into
/// `staging`); none at all is an error worth a hint.
async fn find(
    cfg: &Config,
    name: &str,
    patterns: &[String],
    staging: &std::path::Path,
) -> Result<Vec<SourceFile>> {
    let mut found = Vec::new();
    for pattern in patterns {
        found.extend(files(cfg, pattern, staging).await?);
    }
    if found.is_empty() {
        anyhow::bail!(
            "source {name}: no file matches {}; run `chiso sample` or check the paths",
            patterns.join(", ")
        );
    }
    Ok(found)
}

fn declared_context<'a>(cfg: &'a Config, key: &'a Pseudonymiser) -> declared::Context<'a> {
    declared::Context {
        ward: &cfg.ward,
        tz: cfg.timezone(),
        pseudonymiser: key,
        limits: ingest::Limits::default(),
    }
}

/// The files one pattern names: a local glob, or objects under a store prefix.
async fn files(cfg: &Config, pattern: &str, staging: &std::path::Path) -> Result<Vec<SourceFile>> {
    if ingest::object_drop::is_object_url(pattern) {
        Ok(ingest::object_drop::fetch(pattern, staging).await?)
    } else {
        cfg.glob(pattern)
    }
}

/// Reads the new files of a source made of declared tables and commits them as one batch.
async fn declared_files(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    key: &Pseudonymiser,
    parts: Vec<(&Dataset, KhoGroup, Vec<SourceFile>)>,
) -> Result<CommitReport> {
    let known = lake.known_files(name).await?;
    let mut skipped = 0;
    let mut fresh = Vec::new();
    for (dataset, group, files) in parts {
        let (files, passed) = unseen(files, &known);
        skipped += passed;
        if !files.is_empty() {
            fresh.push((dataset, group, files));
        }
    }
    if fresh.is_empty() {
        return Ok(nothing_new(name, skipped));
    }
    let ctx = declared_context(cfg, key);
    let parts = fresh
        .iter()
        .map(|(d, group, files)| (*d, *group, files.iter().map(Input::File).collect()))
        .collect();
    let batch =
        declared::read_grouped(name, &ctx, parts).with_context(|| format!("source {name}"))?;
    commit(lake, &batch, skipped).await
}

/// Reads one-stop files and pages into a batch and commits it.
async fn commit_one_stop(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    source: &SourceConfig,
    key: &Pseudonymiser,
    files: &OneStopFiles,
    skipped: u64,
) -> Result<CommitReport> {
    let ctx = one_stop::Context {
        source: name,
        ward: &cfg.ward,
        group: source.kho_group(),
        pseudonymiser: key,
        known_procedures: known_procedures(lake).await?,
        limits: ingest::Limits::default(),
    };
    let batch = one_stop::read(files, &ctx).with_context(|| format!("source {name}"))?;
    commit(lake, &batch, skipped).await
}

/// Commits a batch; its report also counts the files passed over before reading.
async fn commit(lake: &Lake, batch: &ingest::Batch, skipped: u64) -> Result<CommitReport> {
    ingest::progress::report(&format!(
        "{}: đã đọc {} dòng; đang ghi {} bảng vào kho dữ liệu",
        batch.source,
        tables::number::integer(batch.counts.read),
        batch.tables.len()
    ));
    let mut report = lake
        .commit(batch)
        .await
        .with_context(|| format!("committing source {}", batch.source))?;
    report.skipped_files = skipped;
    Ok(report)
}

/// The greatest value of a time column of a lake table: the watermark of incremental
/// fetches. `None` while the table is missing or empty.
async fn latest(
    lake: &Lake,
    table: &str,
    column: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(latest_of(lake, &[(table, column)]).await?.remove(0))
}

/// [`latest`] of several (table, column) pairs, from one snapshot of the lake.
async fn latest_of(
    lake: &Lake,
    pairs: &[(&str, &str)],
) -> Result<Vec<Option<chrono::DateTime<chrono::Utc>>>> {
    let ctx = lake.session().await?;
    let mut out = Vec::new();
    for (table, column) in pairs {
        // a table no logged run has written is not in the snapshot: nothing to start from
        if !ctx.table_exist(*table)? {
            out.push(None);
            continue;
        }
        let b = ctx
            .sql(&format!("SELECT max(\"{column}\") FROM \"{table}\""))
            .await?
            .collect()
            .await?;
        out.push(warehouse::columns::instants(b[0].column(0))?[0]);
    }
    Ok(out)
}

/// The files whose bytes no earlier run ingested or refused, each with its SHA-256 so that
/// the reader does not hash it again, and how many were passed over. Hashing streams the
/// file: a large export is not held twice. A file that cannot be read is kept: its reader
/// refuses it, saying why.
fn unseen(files: Vec<SourceFile>, known: &BTreeSet<String>) -> (Vec<SourceFile>, u64) {
    let mut out = Vec::new();
    let mut skipped = 0;
    for mut f in files {
        let mut hasher = Sha256::new();
        let hashed = std::fs::File::open(&f.path)
            .and_then(|mut file| std::io::copy(&mut file, &mut hasher))
            .map(|_| hex::encode(hasher.finalize()));
        if let Ok(sha) = &hashed
            && known.contains(sha)
        {
            skipped += 1;
            continue;
        }
        f.sha256 = hashed.ok();
        out.push(f);
    }
    (out, skipped)
}

/// The report of a run that found only files it had seen.
fn nothing_new(source: &str, skipped: u64) -> CommitReport {
    CommitReport {
        source: source.to_string(),
        batch_id: String::new(),
        counts: ingest::RowCounts::default(),
        tables: Vec::new(),
        files: Vec::new(),
        refused: Vec::new(),
        skipped_files: skipped,
    }
}

async fn known_procedures(lake: &Lake) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let ctx = lake.session().await?;
    // a catalogue no logged run has written is not in the snapshot: no procedure is known
    if !ctx.table_exist(ingest::one_stop::catalogue::TABLE)? {
        return Ok(out);
    }
    let batches = ctx
        .sql("SELECT ma_tthc FROM one_stop_procedures")
        .await?
        .collect()
        .await?;
    for b in batches {
        out.extend(warehouse::columns::utf8(b.column(0))?.into_iter().flatten());
    }
    Ok(out)
}

/// A report as printed by `chiso ingest`.
pub fn describe(r: &CommitReport) -> String {
    if r.batch_id.is_empty() {
        return format!(
            "{}: nothing new — all {} files were ingested before (same SHA-256)\n",
            r.source, r.skipped_files
        );
    }
    let mut s = format!(
        "{}: batch {} — {} rows read, {} accepted, {} duplicates, {} quarantined\n",
        r.source,
        r.batch_id,
        r.counts.read,
        r.counts.accepted,
        r.counts.duplicates,
        r.counts.quarantined
    );
    if r.skipped_files > 0 {
        s.push_str(&format!(
            "  {} files passed over: ingested before (same SHA-256)\n",
            r.skipped_files
        ));
    }
    for f in &r.refused {
        s.push_str(&format!(
            "  refused {} — {}\n    (not read again until the file changes)\n",
            f.path, f.reason
        ));
    }
    if r.unchanged() && !r.files.is_empty() {
        s.push_str("  nothing new: the lake already holds every row of this batch\n");
    }
    for t in &r.tables {
        match t.version {
            Some(v) => s.push_str(&format!(
                "  {:<28} {:>7} rows written, version {v}\n",
                t.table, t.rows_changed
            )),
            None => s.push_str(&format!("  {:<28} unchanged\n", t.table)),
        }
    }
    if r.counts.quarantined > 0 {
        s.push_str(&format!(
            "  {} rows were quarantined with their reasons: SELECT * FROM quarantine WHERE _batch_id = '{}'\n",
            r.counts.quarantined, r.batch_id
        ));
    }
    s
}
