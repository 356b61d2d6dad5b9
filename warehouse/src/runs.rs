//! The run log: one row per batch that changed the lake, written after its data.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use deltalake::protocol::SaveMode;
use ingest::Batch;

use crate::{Lake, Result};

/// Name of the run log table.
pub const TABLE: &str = "ingest_runs";

fn spec() -> ingest::TableSpec {
    ingest::TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Nhật ký nạp dữ liệu: mỗi lô đã ghi vào kho một dòng".to_string(),
        schema: schema(),
        key: vec!["batch_id".to_string(), "committed_at".to_string()],
        merge: ingest::MergeRule::InsertNew,
    }
}

fn schema() -> SchemaRef {
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        s("batch_id"),
        s("source"),
        Field::new(
            "committed_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        s("files"),
        i("rows_read"),
        i("rows_accepted"),
        i("rows_duplicates"),
        i("rows_quarantined"),
        s("tables"),
    ]))
}

/// Appends the batch's row (`tables`: what each table got); returns the run log's new
/// version.
pub async fn record(lake: &Lake, batch: &Batch, tables: &serde_json::Value) -> Result<u64> {
    let c = &batch.counts;
    let now = chrono::Utc::now().timestamp_micros();
    let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
    let text = |v: String| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let row = RecordBatch::try_new(
        schema(),
        vec![
            text(batch.batch_id.clone()),
            text(batch.source.clone()),
            Arc::new(TimestampMicrosecondArray::from(vec![now]).with_timezone("UTC")),
            text(serde_json::to_string(&batch.files)?),
            int(c.read),
            int(c.accepted),
            int(c.duplicates),
            int(c.quarantined),
            text(tables.to_string()),
        ],
    )?;
    let table = match lake.table(TABLE).await? {
        Some(t) => t,
        None => lake.create_table(&spec()).await?,
    };
    let table = table
        .write(vec![row])
        .with_save_mode(SaveMode::Append)
        .await?;
    Ok(table.version().unwrap_or(0))
}
