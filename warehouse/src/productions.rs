//! The register of documents produced: one row per report (or annex) made, with the lake
//! version its figures come from and the SHA-256 of each file, so that a paper on a desk can be
//! matched to the data it was made from.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use deltalake::protocol::SaveMode;
use serde::{Deserialize, Serialize};

use crate::columns::{instants, int64, utf8};
use crate::{Lake, Result};

/// Name of the table.
pub const TABLE: &str = "report_productions";

/// One file of a production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedFile {
    /// File name (in the outbox, or in the folder `chiso report --out` named).
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One production of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Production {
    /// `monthly`, `quarterly`.
    pub kind: String,
    /// `2026-10`, `2026-Q3`.
    pub period: String,
    /// Khu phố code; empty for the whole ward.
    pub unit: String,
    pub lake_version: Option<u64>,
    /// The date the report bears (YYYY-MM-DD).
    pub date: String,
    pub produced_at: DateTime<Utc>,
    /// `schedule`, `web` or `cli`.
    pub trigger: String,
    pub files: Vec<ProducedFile>,
}

fn schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        s("kind"),
        s("period"),
        s("unit"),
        Field::new("lake_version", DataType::Int64, true),
        s("date"),
        Field::new(
            "produced_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        s("trigger"),
        s("files"),
    ]))
}

fn spec() -> tables::TableSpec {
    tables::TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Sổ báo cáo đã lập: loại, kỳ, phiên bản dữ liệu và SHA-256 của từng tệp"
            .to_string(),
        schema: schema(),
        key: vec!["kind".to_string(), "produced_at".to_string()],
        merge: tables::MergeRule::InsertNew,
        unit_column: None,
    }
}

impl Lake {
    /// Appends a production to the register.
    pub async fn log_production(&self, p: &Production) -> Result<()> {
        let text = |v: &str| Arc::new(StringArray::from(vec![v.to_string()])) as ArrayRef;
        let row = arrow::record_batch::RecordBatch::try_new(
            schema(),
            vec![
                text(&p.kind),
                text(&p.period),
                text(&p.unit),
                Arc::new(Int64Array::from(vec![p.lake_version.map(|v| v as i64)])),
                text(&p.date),
                Arc::new(
                    TimestampMicrosecondArray::from(vec![p.produced_at.timestamp_micros()])
                        .with_timezone("UTC"),
                ),
                text(&p.trigger),
                text(&serde_json::to_string(&p.files)?),
            ],
        )?;
        let table = self.table_or_create(&spec()).await?;
        table
            .write(vec![row])
            .with_save_mode(SaveMode::Append)
            .await?;
        Ok(())
    }

    /// Every production, the latest first.
    pub async fn productions(&self) -> Result<Vec<Production>> {
        let Some(table) = self.table(TABLE).await? else {
            return Ok(Vec::new());
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, TABLE, &table).await?;
        let batches = ctx
            .sql(&format!(
                "SELECT kind, period, unit, lake_version, date, produced_at, trigger, files \
                 FROM {TABLE} ORDER BY produced_at DESC"
            ))
            .await?
            .collect()
            .await?;
        let mut out = Vec::new();
        for b in &batches {
            let (kind, period, unit) = (utf8(b.column(0))?, utf8(b.column(1))?, utf8(b.column(2))?);
            let version = int64(b.column(3))?;
            let date = utf8(b.column(4))?;
            let at = instants(b.column(5))?;
            let trigger = utf8(b.column(6))?;
            let files = utf8(b.column(7))?;
            for r in 0..b.num_rows() {
                let Some(produced_at) = at[r] else { continue };
                out.push(Production {
                    kind: kind[r].clone().unwrap_or_default(),
                    period: period[r].clone().unwrap_or_default(),
                    unit: unit[r].clone().unwrap_or_default(),
                    lake_version: version[r].map(|v| v.max(0) as u64),
                    date: date[r].clone().unwrap_or_default(),
                    produced_at,
                    trigger: trigger[r].clone().unwrap_or_default(),
                    files: serde_json::from_str(files[r].as_deref().unwrap_or("[]"))?,
                });
            }
        }
        Ok(out)
    }

    /// When a report of `kind` was last produced on schedule.
    pub async fn last_scheduled_production(&self, kind: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .productions()
            .await?
            .into_iter()
            .filter(|p| p.kind == kind && p.trigger == "schedule")
            .map(|p| p.produced_at)
            .max())
    }
}
