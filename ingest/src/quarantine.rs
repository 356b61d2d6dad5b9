//! Rejected rows. A bad row never disappears: it is kept with where it came from and why.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use crate::{IngestError, MergeRule, Result, TableData, TableSpec};

/// Name of the quarantine table in the lake.
pub const TABLE: &str = "quarantine";

/// One rejected field of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub source: String,
    /// Extract file (or API page) the row came from.
    pub file: String,
    pub file_sha256: String,
    /// Row number as a person finds it: the spreadsheet line (header = 1), or the record's
    /// position in an API page (first = 1).
    pub row: u64,
    /// Source field name.
    pub field: String,
    /// The offending value; personal fields are masked.
    pub value: String,
    /// Why, in Vietnamese, for the officer who must fix the source.
    pub reason: String,
}

/// The quarantine table's declaration.
pub fn spec() -> TableSpec {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Dòng dữ liệu nguồn bị loại khi kiểm tra, kèm tệp, dòng, trường và lý do"
            .to_string(),
        schema: Arc::new(Schema::new(vec![
            s("source"),
            s("file"),
            s("file_sha256"),
            Field::new("row", DataType::Int64, false),
            s("field"),
            s("value"),
            s("reason"),
            s("_batch_id"),
        ])),
        key: vec!["file_sha256".into(), "row".into(), "field".into()],
        merge: MergeRule::InsertNew,
    }
}

/// The rejections as quarantine table rows.
pub fn table(rejections: &[Rejection], batch_id: &str) -> Result<TableData> {
    let spec = spec();
    let mut cols: Vec<StringBuilder> = (0..7).map(|_| StringBuilder::new()).collect();
    let mut rows = Int64Builder::new();
    for r in rejections {
        cols[0].append_value(&r.source);
        cols[1].append_value(&r.file);
        cols[2].append_value(&r.file_sha256);
        rows.append_value(r.row as i64);
        cols[3].append_value(&r.field);
        cols[4].append_value(&r.value);
        cols[5].append_value(&r.reason);
        cols[6].append_value(batch_id);
    }
    let mut s = cols
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef);
    let mut next = || s.next().expect("seven string columns");
    let arrays: Vec<ArrayRef> = vec![
        next(),
        next(),
        next(),
        Arc::new(rows.finish()),
        next(),
        next(),
        next(),
        next(),
    ];
    let batch =
        RecordBatch::try_new(spec.schema.clone(), arrays).map_err(|source| IngestError::Arrow {
            table: TABLE.into(),
            source,
        })?;
    Ok(TableData {
        spec,
        batches: vec![batch],
    })
}
