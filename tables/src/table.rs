//! What a lake table is, as ingest declares it: name, group, schema, natural key and how new
//! rows meet old ones.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use crate::KhoGroup;
use crate::spool::Rows;

/// How rows of a batch are merged into the table's existing rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeRule {
    /// Append rows whose key is not in the table yet; a known key is left alone
    /// (history of states, quarantine).
    InsertNew,
    /// One row per key, the one with the greatest value of this column (the latest state of
    /// a dossier). An older or equal state never replaces a newer one.
    LatestBy(String),
    /// One row per key; a row whose content differs from the stored one replaces it
    /// (catalogues).
    Upsert,
}

/// A lake table's declaration.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// Table name in the lake and in SQL.
    pub name: String,
    /// Kho dữ liệu group it is filed under; `None` for the lake's own book-keeping tables
    /// (quarantine, run log).
    pub group: Option<KhoGroup>,
    /// One line for people: what one row is.
    pub description: String,
    /// Arrow schema. Columns whose names start with `_` are provenance (file, row, batch) and
    /// do not count as content when deciding whether a row changed.
    pub schema: SchemaRef,
    /// Natural key columns.
    pub key: Vec<String>,
    pub merge: MergeRule,
    /// Column holding the reporting unit (khu phố code), for freshness per unit.
    pub unit_column: Option<String>,
}

impl TableSpec {
    /// Content columns: everything but provenance.
    pub fn content_columns(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !n.starts_with('_'))
            .collect()
    }
}

/// Building a table's Arrow batch failed: the columns do not fit its declaration, a bug
/// rather than bad input.
#[derive(Debug, thiserror::Error)]
#[error("building the {table} batch: {source}")]
pub struct BuildError {
    pub table: String,
    #[source]
    pub source: arrow::error::ArrowError,
}

/// Rows for one table.
#[derive(Debug, Clone)]
pub struct TableData {
    pub spec: TableSpec,
    pub rows: Rows,
}

impl TableData {
    /// Rows for `spec` from its columns, in schema order.
    pub fn from_columns(
        spec: TableSpec,
        columns: Vec<arrow::array::ArrayRef>,
    ) -> Result<Self, BuildError> {
        let batch =
            RecordBatch::try_new(spec.schema.clone(), columns).map_err(|source| BuildError {
                table: spec.name.clone(),
                source,
            })?;
        Ok(TableData {
            rows: Rows::from_batches(spec.schema.clone(), vec![batch]),
            spec,
        })
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.rows.num_rows()
    }
}
