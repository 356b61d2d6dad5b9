//! Rejected rows. A bad row never disappears: it is kept with where it came from and why.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::{BuildError, MergeRule, TableData, TableSpec};

/// Name of the quarantine table in the lake.
pub const TABLE: &str = "quarantine";

/// One rejected field of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub source: String,
    /// Extract file, API page or database table (`url#table`) the row came from.
    pub file: String,
    pub file_sha256: String,
    /// Row number as a person finds it: the spreadsheet line (header = 1), the record's
    /// position in an API page (first = 1), or a database row's id.
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
        unit_column: None,
    }
}

/// The rejections as quarantine table rows.
pub fn table(rejections: &[Rejection], batch_id: &str) -> Result<TableData, BuildError> {
    fn text<'a>(rows: &'a [Rejection], f: impl Fn(&'a Rejection) -> &'a str) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    }
    let columns = vec![
        text(rejections, |r| &r.source),
        text(rejections, |r| &r.file),
        text(rejections, |r| &r.file_sha256),
        Arc::new(Int64Array::from_iter_values(
            rejections.iter().map(|r| r.row as i64),
        )) as ArrayRef,
        text(rejections, |r| &r.field),
        text(rejections, |r| &r.value),
        text(rejections, |r| &r.reason),
        text(rejections, |_| batch_id),
    ];
    TableData::from_columns(spec(), columns)
}
