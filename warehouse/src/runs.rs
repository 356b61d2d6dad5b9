//! The run log: one row per run of a source, whatever its outcome, written after the run's
//! data. A `committed` row means every table of the batch holds its rows.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use deltalake::protocol::SaveMode;
use serde::Serialize;

use crate::{CommitReport, Lake, Result};

/// Name of the run log table.
pub const TABLE: &str = "ingest_runs";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// New rows were committed.
    Committed,
    /// Files were read, but the lake already held every row.
    Unchanged,
    /// Every file had been ingested before; nothing was read.
    NothingNew,
    /// Every new file was refused as a whole; the refusals are recorded, nothing else.
    Refused,
    /// The run stopped with an error; nothing of it is counted.
    Failed,
}

/// The outcomes of runs whose batch is wholly in the lake, as an SQL list.
pub(crate) const LOGGED: &str = "'committed', 'unchanged', 'refused'";

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Committed => "committed",
            Outcome::Unchanged => "unchanged",
            Outcome::NothingNew => "nothing_new",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    /// The outcome of a run that produced `report`.
    pub fn of(report: &CommitReport) -> Outcome {
        if report.batch_id.is_empty() {
            Outcome::NothingNew
        } else if report.files.is_empty() && !report.refused.is_empty() {
            Outcome::Refused
        } else if report.unchanged() {
            Outcome::Unchanged
        } else {
            Outcome::Committed
        }
    }
}

/// One run of one source.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// What the run committed; `None` when it failed before committing.
    pub report: Option<CommitReport>,
    /// The error, for failed runs.
    pub error: Option<String>,
}

fn spec() -> tables::TableSpec {
    tables::TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Nhật ký nạp dữ liệu: mỗi lần chạy một nguồn một dòng, kèm kết quả"
            .to_string(),
        schema: schema(),
        key: vec!["source".to_string(), "started_at".to_string()],
        merge: tables::MergeRule::InsertNew,
        unit_column: None,
    }
}

fn schema() -> SchemaRef {
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let t = |n: &str| {
        Field::new(
            n,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        )
    };
    Arc::new(Schema::new(vec![
        s("source"),
        s("batch_id"),
        t("started_at"),
        t("finished_at"),
        s("outcome"),
        i("rows_read"),
        i("rows_accepted"),
        i("rows_duplicates"),
        i("rows_quarantined"),
        i("files_skipped"),
        s("files"),
        s("tables"),
        Field::new("error", DataType::Utf8, true),
        // added after the first lakes were written: nullable, merged into their schema
        Field::new("files_refused", DataType::Utf8, true),
    ]))
}

impl Lake {
    /// The run log's latest version, read from the listing of its log alone (no commit is
    /// opened): what a reader polls to notice runs logged by another process. `None` before
    /// the first run.
    pub async fn log_version(&self) -> Result<Option<u64>> {
        if !self.exists(TABLE).await? {
            return Ok(None);
        }
        let table = self.builder(self.table_url(TABLE)?)?.build()?;
        match table.get_latest_version().await {
            Ok(v) => Ok(Some(v)),
            Err(deltalake::DeltaTableError::NotATable(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Appends a run to the log; returns the log's new version.
    pub async fn log_run(&self, run: &RunRecord) -> Result<u64> {
        let r = run.report.as_ref();
        let counts = r.map(|r| r.counts).unwrap_or_default();
        let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
        let text = |v: String| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let time = |t: DateTime<Utc>| {
            Arc::new(
                TimestampMicrosecondArray::from(vec![t.timestamp_micros()]).with_timezone("UTC"),
            ) as ArrayRef
        };
        let files = match r {
            Some(r) => serde_json::to_string(&r.files)?,
            None => "[]".to_string(),
        };
        let tables = match r {
            Some(r) => serde_json::to_string(&r.tables)?,
            None => "[]".to_string(),
        };
        let row = arrow::record_batch::RecordBatch::try_new(
            schema(),
            vec![
                text(run.source.clone()),
                text(r.map(|r| r.batch_id.clone()).unwrap_or_default()),
                time(run.started_at),
                time(run.finished_at),
                text(run.outcome.as_str().to_string()),
                int(counts.read),
                int(counts.accepted),
                int(counts.duplicates),
                int(counts.quarantined),
                int(r.map(|r| r.skipped_files).unwrap_or(0)),
                text(files),
                text(tables),
                Arc::new(StringArray::from(vec![run.error.clone()])),
                Arc::new(StringArray::from(vec![match r {
                    Some(r) if !r.refused.is_empty() => Some(serde_json::to_string(&r.refused)?),
                    _ => None,
                }])),
            ],
        )?;
        let table = self.table_or_create(&spec()).await?;
        let table = table
            .write(vec![row])
            .with_save_mode(SaveMode::Append)
            .with_schema_mode(deltalake::operations::write::SchemaMode::Merge)
            .await?;
        Ok(table.version().unwrap_or(0))
    }
}
