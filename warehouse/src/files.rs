//! Extract files already ingested or refused, by SHA-256, so that a file is read once however
//! often a source hands it over again, and a refused one is not tried again until its bytes
//! change.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use tables::{Batch, MergeRule, TableData, TableSpec};

use crate::{Lake, Result};

/// Name of the table.
pub const TABLE: &str = "ingest_files";
/// Name of the table of refused files.
pub const REFUSED_TABLE: &str = "ingest_refused_files";

fn refused_spec() -> TableSpec {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    TableSpec {
        name: REFUSED_TABLE.to_string(),
        group: None,
        description: "Tệp nguồn bị từ chối cả tệp (không đọc được, sai cấu trúc, vượt giới hạn), \
                      kèm lý do; không đọc lại cho đến khi nội dung tệp thay đổi"
            .to_string(),
        schema: Arc::new(Schema::new(vec![
            s("source"),
            s("sha256"),
            s("path"),
            Field::new("bytes", DataType::Int64, false),
            s("reason"),
            s("_batch_id"),
        ])),
        key: vec!["source".to_string(), "sha256".to_string()],
        merge: MergeRule::InsertNew,
        unit_column: None,
    }
}

/// The batch's refused files (those whose bytes could be read) as rows of their table.
pub(crate) fn refused_table(batch: &Batch) -> Result<TableData, tables::BuildError> {
    let f: Vec<_> = batch
        .refused
        .iter()
        .filter(|f| !f.sha256.is_empty())
        .collect();
    let text = |v: Vec<&str>| Arc::new(StringArray::from_iter_values(v)) as ArrayRef;
    TableData::from_columns(
        refused_spec(),
        vec![
            text(f.iter().map(|_| batch.source.as_str()).collect()),
            text(f.iter().map(|x| x.sha256.as_str()).collect()),
            text(f.iter().map(|x| x.path.as_str()).collect()),
            Arc::new(Int64Array::from_iter_values(
                f.iter().map(|x| x.bytes as i64),
            )) as ArrayRef,
            text(f.iter().map(|x| x.reason.as_str()).collect()),
            text(f.iter().map(|_| batch.batch_id.as_str()).collect()),
        ],
    )
}

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
    /// SHA-256 of every file of `source` already ingested or refused.
    pub async fn known_files(&self, source: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let Some(runs) = self.table(crate::runs::TABLE).await? else {
            return Ok(out);
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, crate::runs::TABLE, &runs).await?;
        for name in [TABLE, REFUSED_TABLE] {
            let Some(table) = self.table(name).await? else {
                continue;
            };
            crate::lake::register(&ctx, name, &table).await?;
            // a file counts as seen once a logged run vouches for its batch; a run stopped
            // before its log row will have its files read again, and its rows completed
            let sql = format!(
                "SELECT DISTINCT f.sha256 FROM {name} f JOIN {runs} r \
                 ON f._batch_id = r.batch_id AND f.source = r.source \
                 WHERE f.source = '{source}' AND r.outcome IN ({logged})",
                runs = crate::runs::TABLE,
                logged = crate::runs::LOGGED,
                source = source.replace('\'', "''"),
            );
            for b in ctx.sql(&sql).await?.collect().await? {
                out.extend(crate::columns::utf8(b.column(0))?.into_iter().flatten());
            }
        }
        Ok(out)
    }

    /// The files of each source refused and not replaced since: no file of the same path
    /// went in after the refusal. Sorted by source, then path.
    pub async fn refused_files(&self) -> Result<Vec<(String, tables::RefusedFile)>> {
        let mut out = Vec::new();
        let (Some(refused), Some(runs)) = (
            self.table(REFUSED_TABLE).await?,
            self.table(crate::runs::TABLE).await?,
        ) else {
            return Ok(out);
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, REFUSED_TABLE, &refused).await?;
        crate::lake::register(&ctx, crate::runs::TABLE, &runs).await?;
        let later = match self.table(TABLE).await? {
            Some(files) => {
                crate::lake::register(&ctx, TABLE, &files).await?;
                format!(
                    "AND NOT EXISTS (SELECT 1 FROM {TABLE} f JOIN {runs} fr \
                     ON f._batch_id = fr.batch_id AND f.source = fr.source \
                     WHERE f.source = x.source AND f.path = x.path \
                     AND fr.outcome IN ({logged}) AND fr.finished_at > r.finished_at)",
                    runs = crate::runs::TABLE,
                    logged = crate::runs::LOGGED,
                )
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT x.source, x.path, x.sha256, x.bytes, x.reason FROM {REFUSED_TABLE} x \
             JOIN {runs} r ON x._batch_id = r.batch_id AND x.source = r.source \
             WHERE r.outcome IN ({logged}) {later} ORDER BY x.source, x.path, r.finished_at",
            runs = crate::runs::TABLE,
            logged = crate::runs::LOGGED,
        );
        for b in ctx.sql(&sql).await?.collect().await? {
            let text = |i: usize| crate::columns::utf8(b.column(i));
            let (source, path, sha, reason) = (text(0)?, text(1)?, text(2)?, text(4)?);
            let bytes =
                arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b.column(3));
            for r in 0..b.num_rows() {
                out.push((
                    source[r].clone().unwrap_or_default(),
                    tables::RefusedFile {
                        path: path[r].clone().unwrap_or_default(),
                        sha256: sha[r].clone().unwrap_or_default(),
                        bytes: bytes.value(r) as u64,
                        reason: reason[r].clone().unwrap_or_default(),
                    },
                ));
            }
        }
        Ok(out)
    }
}
