//! Evidence annexes (phụ lục minh chứng): one ZIP per report or figure, one folder per
//! indicator with its figure, the SQL behind it, every record it counts and the source batches
//! those records came from, plus `SHA256SUMS` and `manifest.json` over every file. Anyone can
//! check an annex offline (`chiso verify`, or `sha256sum -c` and a spreadsheet).

pub mod province;
mod readme;
mod records;
pub mod recount;
pub mod verify;

use std::io::{Seek, Write};

use chrono::NaiveDate;
use metrics::{Evaluator, IndicatorValue, Period, Recount, Window};
use serde::{Deserialize, Serialize};

use super::DocError;
use super::archive::{Archive, Entry, sha256sums};

pub use verify::{Recounted, VerifyFailure, VerifyReport};

/// Checks the annex at `path`, a ward's or a province's: every file against `SHA256SUMS`,
/// every record against its check code, every figure counted again; in a province's annex
/// also every ward's annex, and the province's figures added up from them.
pub fn verify(path: &std::path::Path) -> Result<VerifyReport, VerifyFailure> {
    let mut report = verify::files(path)?;
    if let Some(figures) = province::verify(path)? {
        report.figures = figures;
    }
    Ok(report)
}

/// Names of the files an annex holds.
pub const SUMS: &str = "SHA256SUMS";
pub const MANIFEST: &str = "manifest.json";
pub const README: &str = "README.txt";
pub const FIGURE: &str = "figure.json";
pub const RECORDS: &str = "records.csv";
pub const RECORD_HASHES: &str = "records.sha256";

/// What an annex covers.
#[derive(Debug, Clone)]
pub struct AnnexSpec {
    /// The ward's name, as documents print it.
    pub ward: String,
    /// Indicator ids, in the order their folders appear.
    pub indicators: Vec<String>,
    pub period: Period,
    /// Khu phố code and name; `None` for the whole ward.
    pub unit: Option<(String, String)>,
    /// The date the annex bears (its entries are dated so); none: 1980-01-01.
    pub date: Option<NaiveDate>,
}

/// `figure.json`: one figure, as the annex proves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FigureFile {
    pub id: String,
    pub name: String,
    /// ĐVT.
    pub unit_of_measure: String,
    pub period: String,
    pub period_label: String,
    pub window: Window,
    /// Khu phố code; none for the whole ward.
    pub khu_pho: Option<String>,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub value_text: String,
    pub target_text: Option<String>,
    pub status_text: String,
    pub lake_version: Option<u64>,
    /// How the records count back into the figure; none when the figure reads no records.
    pub recount: Option<Recount>,
    /// Records listed in `records.csv`.
    pub records: u64,
}

/// `manifest.json`: the annex as a whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub kind: String,
    pub ward: String,
    pub khu_pho: Option<String>,
    pub period: String,
    pub period_label: String,
    pub lake_version: Option<u64>,
    pub date: Option<NaiveDate>,
    pub indicators: Vec<ManifestIndicator>,
    /// Every file before the manifest, with its SHA-256.
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestIndicator {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub records: u64,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value_text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

impl From<&Entry> for ManifestFile {
    fn from(e: &Entry) -> Self {
        Self {
            path: e.path.clone(),
            sha256: e.sha256.clone(),
            bytes: e.bytes,
        }
    }
}

/// Writes the annex of `spec` from the evaluator's snapshot into `out`. Records stream
/// through temporary files: a figure over a million rows is written without holding them.
/// Fails when the listed records do not count back to the figure.
pub async fn write<W: Write + Seek>(
    ev: &Evaluator,
    spec: &AnnexSpec,
    out: W,
) -> Result<(W, Manifest), DocError> {
    let mut zip = Archive::large(out, spec.date);
    let unit = spec.unit.as_ref().map(|(c, _)| c.as_str());
    let mut figures = Vec::new();
    let mut indicators = Vec::new();
    for id in &spec.indicators {
        let ind = ev.catalogue().indicator(id)?.clone();
        let v = ev.value(id, spec.period, unit).await?;
        let query = ev.record_query(id, spec.period, unit).await?;
        let figure_sql = ev.explain_sql(id, spec.period, unit).await?;
        let tmp = tempfile::tempdir()?;
        let listed = match &query {
            Some(q) => {
                let stream = ev.records(q).await?;
                let files = records::write(stream, &q.recount, ev.timezone(), tmp.path()).await?;
                check(&v, files.totals)?;
                Some(files)
            }
            None => None,
        };
        let figure = FigureFile {
            id: ind.id.clone(),
            name: ind.name.clone(),
            unit_of_measure: ind.unit.clone(),
            period: spec.period.to_string(),
            period_label: spec.period.label_vi(),
            window: v.window,
            khu_pho: v.unit.clone(),
            numerator: v.numerator,
            denominator: v.denominator,
            value: v.value,
            value_text: v.value_text.clone(),
            target_text: v.target_text.clone(),
            status_text: v.status_text.clone(),
            lake_version: ev.lake_version(),
            recount: query.as_ref().map(|q| q.recount.clone()),
            records: listed.as_ref().map(|f| f.rows).unwrap_or(0),
        };
        let folder = ind.id.clone();
        zip.add(
            &format!("{folder}/{FIGURE}"),
            &serde_json::to_vec_pretty(&figure)?,
        )?;
        let mut sql = String::new();
        if let Some(s) = &figure_sql {
            sql.push_str(&format!("-- Số liệu (tử số, mẫu số)\n{s};\n\n"));
        }
        if let Some(q) = &query {
            sql.push_str(&format!("-- Danh sách bản ghi ({RECORDS})\n{};\n", q.sql));
        }
        if !sql.is_empty() {
            zip.add(&format!("{folder}/query.sql"), sql.as_bytes())?;
        }
        if let Some(f) = &listed {
            zip.add_reader(&format!("{folder}/{RECORDS}"), std::fs::File::open(&f.csv)?)?;
            zip.add_reader(
                &format!("{folder}/{RECORD_HASHES}"),
                std::fs::File::open(&f.hashes)?,
            )?;
            zip.add_reader(
                &format!("{folder}/records.xlsx"),
                std::fs::File::open(&f.xlsx)?,
            )?;
            zip.add(
                &format!("{folder}/batches.csv"),
                &batches_csv(ev, &f.batches).await?,
            )?;
        }
        indicators.push(ManifestIndicator {
            id: ind.id.clone(),
            name: ind.name.clone(),
            folder,
            records: figure.records,
            numerator: figure.numerator,
            denominator: figure.denominator,
            value_text: figure.value_text.clone(),
        });
        figures.push(figure);
    }
    zip.add(
        README,
        readme::text(spec, ev.lake_version(), &figures).as_bytes(),
    )?;
    let manifest = Manifest {
        kind: "phu_luc_minh_chung".to_string(),
        ward: spec.ward.clone(),
        khu_pho: spec.unit.as_ref().map(|(c, _)| c.clone()),
        period: spec.period.to_string(),
        period_label: spec.period.label_vi(),
        lake_version: ev.lake_version(),
        date: spec.date,
        indicators,
        files: zip.entries().iter().map(ManifestFile::from).collect(),
    };
    zip.add(MANIFEST, &serde_json::to_vec_pretty(&manifest)?)?;
    let sums = sha256sums(zip.entries());
    zip.add(SUMS, sums.as_bytes())?;
    Ok((zip.finish()?, manifest))
}

/// The records must give the figure back, or the annex proves nothing.
fn check(v: &IndicatorValue, totals: Option<(i128, i128)>) -> Result<(), DocError> {
    let Some((n, d)) = totals else {
        return Ok(());
    };
    let want = (
        v.numerator.map(i128::from).unwrap_or(0),
        v.denominator.map(i128::from).unwrap_or(0),
    );
    if (n, d) != want {
        return Err(DocError::Mismatch(format!(
            "{}: bản ghi cho {n}/{d}, số liệu là {}/{}",
            v.id, want.0, want.1
        )));
    }
    Ok(())
}

/// The source files the records came from, each with its lake batch, source, size, rows and
/// SHA-256 as the ingest recorded them.
async fn batches_csv(
    ev: &Evaluator,
    files: &std::collections::BTreeSet<(String, String)>,
) -> Result<Vec<u8>, DocError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["_batch_id", "source", "path", "sha256", "bytes", "rows"])?;
    let ctx = ev.session();
    if !files.is_empty() && ctx.table_exist("ingest_files").unwrap_or(false) {
        let ids: std::collections::BTreeSet<&str> = files.iter().map(|(b, _)| b.as_str()).collect();
        let ids = ids
            .iter()
            .map(|b| format!("'{}'", b.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT _batch_id, source, path, sha256, CAST(bytes AS VARCHAR), \
             CAST(rows AS VARCHAR) FROM ingest_files WHERE _batch_id IN ({ids}) \
             ORDER BY _batch_id, path, sha256"
        );
        let q = |e: datafusion::error::DataFusionError| DocError::Query(e.to_string());
        for b in ctx.sql(&sql).await.map_err(q)?.collect().await.map_err(q)? {
            let cols = (0..6)
                .map(|i| warehouse::columns::utf8(b.column(i)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| DocError::Query(e.to_string()))?;
            for r in 0..b.num_rows() {
                let row: Vec<String> = cols
                    .iter()
                    .map(|c| c[r].clone().unwrap_or_default())
                    .collect();
                // a batch reads many files; only those the records came from are listed
                if files.contains(&(row[0].clone(), row[2].clone())) {
                    w.write_record(&row)?;
                }
            }
        }
    }
    w.into_inner()
        .map_err(|e| DocError::Io(std::io::Error::other(e.to_string())))
}
