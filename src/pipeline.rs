//! Running a source once: read its extracts, commit the batch, say what happened.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use ingest::Pseudonymiser;
use ingest::extract::SourceFile;
use sha2::{Digest, Sha256};
use warehouse::{CommitReport, Lake, Outcome, RunRecord};

use crate::config::Config;

/// Opens the configured lake.
pub fn open_lake(cfg: &Config) -> Result<Lake> {
    let options = cfg.lake.options.clone().into_iter().collect();
    Ok(Lake::open_with(&cfg.lake.location, &cfg.base_dir, options)
        .context("opening the lake")?
        .with_engine(cfg.engine.clone()))
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
        let lock = lake.lock_source(name).await?;
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
            Ok(mut report) => {
                keep_rollups(cfg, lake, &mut report).await;
                run.finished_at = chrono::Utc::now();
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
        lock.release().await?;
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

/// Brings the indicator rollups up to date with what the run committed, in the same run: the
/// rollup table's commit is logged with the data's. A failure leaves the data in and the
/// rollups behind; figures are then counted from the raw tables (the evaluator uses kept
/// counts only when they match the tables' versions) until a later run catches up.
async fn keep_rollups(cfg: &Config, lake: &Lake, report: &mut CommitReport) {
    if report.changes.is_empty() {
        return;
    }
    let kept = async {
        let lock = lake.lock_source(metrics::rollup::TABLE).await?;
        let catalogue = metrics::Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
        let kept =
            metrics::rollup::update(lake, &catalogue, cfg.timezone(), &report.changes).await?;
        lock.release().await?;
        anyhow::Ok(kept)
    };
    match kept.await {
        Ok(k) => {
            if let Some(c) = k.commit {
                ingest::progress::report(&format!(
                    "{}: số đếm chỉ tiêu: tính lại {} ngày, {} chỉ tiêu toàn bộ; phiên bản {}",
                    report.source,
                    k.days.values().sum::<usize>(),
                    k.whole.len(),
                    c.current_version
                ));
                report.tables.push(c);
            }
        }
        Err(e) => tracing::warn!(
            "{}: the indicator rollups were not brought up to date: {e:#}",
            report.source
        ),
    }
}

/// Recomputes the indicator rollups from the raw tables and logs it as a run of its own.
pub async fn rebuild_rollups(
    cfg: &Config,
    lake: &Lake,
) -> Result<metrics::rollup::keep::KeptReport> {
    let lock = lake.lock_source(metrics::rollup::TABLE).await?;
    let catalogue = metrics::Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let started_at = chrono::Utc::now();
    let kept = metrics::rollup::rebuild(lake, &catalogue, cfg.timezone()).await?;
    if let Some(c) = &kept.commit {
        let mut report = nothing_new(ROLLUPS, 0);
        report.batch_id = format!("{ROLLUPS}-v{}", c.current_version);
        report.tables.push(c.clone());
        lake.log_run(&RunRecord {
            source: ROLLUPS.to_string(),
            started_at,
            finished_at: chrono::Utc::now(),
            outcome: Outcome::Committed,
            report: Some(report),
            error: None,
        })
        .await?;
    }
    lock.release().await?;
    Ok(kept)
}

/// The run log's name for a rebuild of the rollups.
const ROLLUPS: &str = "rollups";

/// One run of one source: what arrived by its transports (files not seen before, the API's
/// pages changed since the lake's latest, the database's rows changed since), read into one
/// batch, committed.
async fn run_source(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    source: &ingest::Source,
    key: &Pseudonymiser,
) -> Result<CommitReport> {
    // objects of a store prefix are copied here for the run's readers
    let staging = tempfile::tempdir().context("creating a staging folder")?;
    let (mut inputs, skipped) = files(cfg, lake, name, source, staging.path()).await?;
    if let Some(http) = source.http_source() {
        let pages = source
            .system
            .pages
            .as_ref()
            .context("a system with pages")?;
        let latest = lake.latest(&[pages.watermark]).await?.remove(0);
        // a day of overlap: a state recorded late in the source is still asked for, and asking
        // twice costs nothing (the commit writes only what changes)
        let since = latest.map(|t| t - chrono::Duration::days(1));
        inputs.pages = ingest::http::fetch_pages(&http, since, cfg.timezone())
            .await
            .with_context(|| format!("source {name}"))?;
    }
    if source.sql.is_some() {
        inputs.rows = rows(cfg, lake, name, source).await?;
    }
    if inputs.is_empty() {
        return Ok(nothing_new(name, skipped));
    }
    let mut lookups = BTreeMap::new();
    for &(table, column) in source.system.lookups {
        lookups.insert((table, column), lake.values(table, column).await?);
    }
    let ctx = ingest::Context {
        ward: &cfg.ward,
        tz: cfg.timezone(),
        pseudonymiser: key,
        lookups,
    };
    let batch =
        ingest::read(name, source, &ctx, inputs).with_context(|| format!("source {name}"))?;
    commit(lake, &batch, skipped).await
}

/// The files of a source not seen before, each under the table it fills, and how many were
/// passed over. A file matched by the patterns of two tables fills the first (the one-stop
/// catalogue is not also read as dossiers). None at all is an error worth a hint, when files
/// are all the source has.
async fn files(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    source: &ingest::Source,
    staging: &std::path::Path,
) -> Result<(ingest::Inputs, u64)> {
    let mut inputs = ingest::Inputs::default();
    let patterns = source.patterns();
    if patterns.is_empty() {
        return Ok((inputs, 0));
    }
    let mut claimed = BTreeSet::new();
    let mut found = Vec::new();
    for (table, pattern) in &patterns {
        for f in matching(cfg, pattern, staging).await? {
            if claimed.insert(f.path.clone()) {
                found.push((*table, f));
            }
        }
    }
    if found.is_empty() && source.http.is_none() {
        anyhow::bail!(
            "source {name}: no file matches {}; run `chiso sample` or check the paths",
            patterns
                .iter()
                .map(|(_, p)| *p)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let known = lake.known_files(name).await?;
    let (fresh, skipped) = unseen(found, &known);
    for (table, f) in fresh {
        match source.table_for(table, &f.path) {
            Some(t) => inputs.files.entry(t).or_default().push(f),
            None => inputs.unclaimed.push(f),
        }
    }
    for files in inputs.files.values_mut() {
        files.sort_by(|a, b| a.display.cmp(&b.display));
    }
    Ok((inputs, skipped))
}

/// The rows of each table of a database source changed since the lake's latest.
async fn rows(
    cfg: &Config,
    lake: &Lake,
    name: &str,
    source: &ingest::Source,
) -> Result<BTreeMap<&'static str, (ingest::FileInfo, Vec<ingest::raw::RawRecord>)>> {
    let sql = source.sql.as_ref().context("a database source")?;
    let url = source
        .database_url()
        .map_err(|e| anyhow::anyhow!("source {name}: {e}"))?;
    let tables: Vec<_> = source
        .system
        .tables
        .iter()
        .filter_map(|t| t.dataset.map(|d| (t, d())))
        .collect();
    let pairs: Vec<(&str, &str)> = tables
        .iter()
        .map(|(_, d)| (d.table, sql.watermark.as_str()))
        .collect();
    let marks = lake.latest(&pairs).await?;
    let mut queries = Vec::new();
    for ((t, d), mark) in tables.iter().zip(marks) {
        // an hour of overlap: a row written by a transaction that committed late is still
        // read, and reading a row twice costs nothing (the commit writes only what changed)
        let since = mark.map(|t| {
            (t - chrono::Duration::hours(1))
                .with_timezone(&cfg.timezone())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        });
        queries.push(ingest::sql::SqlTable {
            dataset: d,
            from: match sql.queries.get(t.id) {
                Some(q) => ingest::sql::From::Query(q.clone()),
                None => ingest::sql::From::Table(t.id.to_string()),
            },
            watermark_column: sql.watermark.clone(),
            since,
        });
    }
    let fetched = ingest::sql::fetch(&url, &queries)
        .await
        .with_context(|| format!("source {name}"))?;
    Ok(tables.iter().map(|(t, _)| t.id).zip(fetched).collect())
}

/// The files one pattern names: a local glob, or objects under a store prefix.
async fn matching(
    cfg: &Config,
    pattern: &str,
    staging: &std::path::Path,
) -> Result<Vec<SourceFile>> {
    if ingest::object_drop::is_object_url(pattern) {
        Ok(ingest::object_drop::fetch(pattern, staging).await?)
    } else {
        cfg.glob(pattern)
    }
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

/// The files whose bytes no earlier run ingested or refused, each with its SHA-256 so that
/// the reader does not hash it again, and how many were passed over. Hashing streams the
/// file: a large export is not held twice. A file that cannot be read is kept: its reader
/// refuses it, saying why.
fn unseen<T>(files: Vec<(T, SourceFile)>, known: &BTreeSet<String>) -> (Vec<(T, SourceFile)>, u64) {
    let mut out = Vec::new();
    let mut skipped = 0;
    for (table, mut f) in files {
        // the file's reader needs to know whether it is UTF-8 it can stream: that is looked
        // at on the other core while this one hashes, instead of in a second pass after
        let (hashed, streams_from) = std::thread::scope(|s| {
            let looking = s
                .spawn(|| std::fs::File::open(&f.path).and_then(ingest::encoding::streamable_utf8));
            let mut hasher = Sha256::new();
            let hashed = std::fs::File::open(&f.path)
                .and_then(|mut file| std::io::copy(&mut file, &mut hasher))
                .map(|_| hex::encode(hasher.finalize()));
            let streams_from = match looking.join() {
                Ok(looked) => looked.ok().map(|skip| skip.map(|n| n as u64)),
                Err(panic) => std::panic::resume_unwind(panic),
            };
            (hashed, streams_from)
        });
        if let Ok(sha) = &hashed
            && known.contains(sha)
        {
            skipped += 1;
            continue;
        }
        f.sha256 = hashed.ok();
        f.streams_from = streams_from.filter(|_| f.sha256.is_some());
        out.push((table, f));
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
        changes: Vec::new(),
    }
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
