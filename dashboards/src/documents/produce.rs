//! Producing a report's files in a folder: each format asked for and, on request, the
//! evidence annex of every figure in it. The CLI, the schedule and the `/bao-cao` page all
//! come here, so a report is the same file whichever way it was asked for.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use metrics::{Evaluator, Period};
use serde::Serialize;

use super::DocError;
use super::archive::sha256_hex;
use super::evidence::{self, AnnexSpec};
use super::report::{self, Format, ReportKind, ReportRequest, ReportsConfig};
use crate::Site;

/// A report to produce.
#[derive(Debug, Clone)]
pub struct ProduceRequest {
    pub kind: ReportKind,
    pub period: Period,
    /// Khu phố code; `None` for the whole ward.
    pub unit: Option<String>,
    pub date: NaiveDate,
    pub formats: Vec<Format>,
    pub evidence: bool,
}

/// One file produced.
#[derive(Debug, Clone, Serialize)]
pub struct Produced {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// The khu phố of a code, named.
pub fn unit_named(site: &Site, unit: Option<&str>) -> Result<Option<(String, String)>, DocError> {
    match unit {
        None => Ok(None),
        Some(u) => site
            .units
            .iter()
            .find(|(c, _)| c == u)
            .cloned()
            .map(Some)
            .ok_or_else(|| {
                DocError::Request(format!("không có khu phố “{u}” trong pipelines.toml"))
            }),
    }
}

/// Writes the report's files into `dir` (created if missing), each whole or not at all.
pub async fn produce(
    ev: &Evaluator,
    site: &Site,
    reports: &ReportsConfig,
    req: &ProduceRequest,
    dir: &Path,
) -> Result<Vec<Produced>, DocError> {
    std::fs::create_dir_all(dir)?;
    let unit = unit_named(site, req.unit.as_deref())?;
    let doc = report::build(
        ev,
        &ReportRequest {
            kind: req.kind,
            period: req.period,
            unit: unit.clone(),
            date: req.date,
            ward: &site.ward_name,
            place: &reports.place,
            setup: reports.setup(req.kind),
            plans: &site.plans,
        },
    )
    .await?;
    let stem = report::file_stem(req.kind, req.period, req.unit.as_deref());
    let doc = Arc::new(doc);
    let mut out = Vec::new();
    for format in &req.formats {
        let d = doc.clone();
        let format = *format;
        // typst and the spreadsheet writer keep a core busy: off the async workers
        let bytes = tokio::task::spawn_blocking(move || report::render(&d, format))
            .await
            .map_err(|e| DocError::Layout(e.to_string()))??;
        let path = dir.join(format!("{stem}.{}", format.extension()));
        out.push(write_whole(&path, &bytes)?);
    }
    if req.evidence {
        let spec = AnnexSpec {
            ward: site.ward_name.clone(),
            indicators: ev.catalogue().ids(),
            period: req.period,
            unit,
            date: Some(req.date),
        };
        let path = dir.join(format!("{stem}-minh-chung.zip"));
        out.push(write_annex(ev, &spec, &path).await?);
    }
    Ok(out)
}

/// Writes an annex to `path` through a temporary file beside it.
pub async fn write_annex(
    ev: &Evaluator,
    spec: &AnnexSpec,
    path: &Path,
) -> Result<Produced, DocError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let (file, _) = evidence::write(ev, spec, std::io::BufWriter::new(tmp.reopen()?)).await?;
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    persist(tmp, path)
}

/// Renames a written, synced temporary file into place, readable by all.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<Produced, DocError> {
    readable(tmp.as_file())?;
    tmp.persist(path).map_err(|e| e.error)?;
    let bytes = std::fs::metadata(path)?.len();
    Ok(Produced {
        path: path.to_path_buf(),
        sha256: hash_file(path)?,
        bytes,
    })
}

/// Writes a file whole or not at all, through a temporary file beside it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<Produced, DocError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.as_file().sync_all()?;
    readable(tmp.as_file())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(Produced {
        path: path.to_path_buf(),
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
    })
}

/// A document is for people: readable by all, like any file they save (a temporary file is
/// private until it is renamed into place).
fn readable(f: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}

/// SHA-256 of a file, read in pieces.
pub fn hash_file(path: &Path) -> Result<String, DocError> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// Produces a report into the outbox and records the production (kind, period, lake version,
/// each file's SHA-256) in the lake's register. `trigger` says who asked: `schedule`, `web`.
pub async fn into_outbox(
    ev: &Evaluator,
    site: &Site,
    lake: &warehouse::Lake,
    req: &ProduceRequest,
    trigger: &str,
) -> Result<warehouse::Production, DocError> {
    let reports = site.reports.as_ref().ok_or_else(|| {
        DocError::Request("pipelines.toml chưa có mục [reports]: chưa lập được báo cáo".to_string())
    })?;
    let files = produce(ev, site, reports, req, &site.outbox).await?;
    record(ev, lake, req, &files, trigger).await
}

/// Records a production of `req` in the lake's register: kind, period, lake version, date and
/// each file's name and SHA-256. `trigger` says who asked: `schedule`, `web`, `cli`.
pub async fn record(
    ev: &Evaluator,
    lake: &warehouse::Lake,
    req: &ProduceRequest,
    files: &[Produced],
    trigger: &str,
) -> Result<warehouse::Production, DocError> {
    let production = warehouse::Production {
        kind: req.kind.as_str().to_string(),
        period: req.period.to_string(),
        unit: req.unit.clone().unwrap_or_default(),
        lake_version: ev.lake_version(),
        date: req.date.format("%Y-%m-%d").to_string(),
        produced_at: chrono::Utc::now(),
        trigger: trigger.to_string(),
        files: files
            .iter()
            .map(|f| warehouse::ProducedFile {
                name: f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: f.sha256.clone(),
                bytes: f.bytes,
            })
            .collect(),
    };
    lake.log_production(&production)
        .await
        .map_err(|e| DocError::Query(e.to_string()))?;
    Ok(production)
}
