//! Extract files already ingested, by SHA-256, so that a file is read once however often a
//! source hands it over again.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use tables::{Batch, MergeRule, TableData, TableSpec};

use crate::{Lake, Result};

/// Name of the table.
pub const TABLE: &str = "ingest_files";

fn spec() -> TableSpec {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Tệp nguồn đã nạp, nhận biết theo SHA-256".to_string(),
        schema: Arc::new(Schema::new(vec![
            s("source"),
            s("sha256"),
            s("path"),
            i("bytes"),
            i("rows"),
            s("_batch_id"),
        ])),
        key: vec!["source".to_string(), "sha256".to_string()],
        merge: MergeRule::InsertNew,
        unit_column: None,
    }
}

/// The batch's files as rows of the table.
pub(crate) fn table(batch: &Batch) -> Result<TableData, tables::BuildError> {
    let f = &batch.files;
    let text = |v: Vec<&str>| Arc::new(StringArray::from_iter_values(v)) as ArrayRef;
    let int = |v: Vec<u64>| {
        Arc::new(Int64Array::from_iter_values(
            v.into_iter().map(|x| x as i64),
        )) as ArrayRef
    };
    TableData::from_columns(
        spec(),
        vec![
            text(f.iter().map(|_| batch.source.as_str()).collect()),
            text(f.iter().map(|x| x.sha256.as_str()).collect()),
            text(f.iter().map(|x| x.path.as_str()).collect()),
            int(f.iter().map(|x| x.bytes).collect()),
            int(f.iter().map(|x| x.rows).collect()),
            text(f.iter().map(|_| batch.batch_id.as_str()).collect()),
        ],
    )
}

impl Lake {
    /// SHA-256 of every file of `source` already ingested.
    pub async fn known_files(&self, source: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let Some(table) = self.table(TABLE).await? else {
            return Ok(out);
        };
        let Some(runs) = self.table(crate::runs::TABLE).await? else {
            return Ok(out);
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, TABLE, &table).await?;
        crate::lake::register(&ctx, crate::runs::TABLE, &runs).await?;
        // a file counts as ingested once a logged run vouches for its batch; a run stopped
        // before its log row will have its files read again, and its rows completed
        let sql = format!(
            "SELECT DISTINCT f.sha256 FROM {TABLE} f JOIN {runs} r \
             ON f._batch_id = r.batch_id AND f.source = r.source \
             WHERE f.source = '{source}' AND r.outcome IN ('committed', 'unchanged')",
            runs = crate::runs::TABLE,
            source = source.replace('\'', "''"),
        );
        for b in ctx.sql(&sql).await?.collect().await? {
            out.extend(crate::columns::utf8(b.column(0))?.into_iter().flatten());
        }
        Ok(out)
    }
}
