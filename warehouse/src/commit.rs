//! Committing an ingest batch: for each table, only the rows that change it, in one Delta
//! commit carrying the batch's provenance; nothing at all when nothing changed.

use std::num::NonZeroU64;
use std::sync::Arc;

use arrow::array::BooleanArray;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;
use deltalake::kernel::Add;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::write::WriteBuilder;
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::parquet::schema::types::ColumnPath;
use deltalake::protocol::SaveMode;
use futures::StreamExt;
use serde::Serialize;
use serde_json::json;
use tables::{Batch, MergeRule, TableData, TableSpec};

use crate::lake::register;
use crate::{Lake, Result};

/// What one table got from a batch.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TableCommit {
    pub table: String,
    /// Version after the commit; `None` when the table was left unchanged.
    pub version: Option<u64>,
    /// Rows inserted or replaced.
    pub rows_changed: u64,
    /// The table's version once the batch is in: readers pin the lake to these (see
    /// [`Lake::session`]), so an unchanged table's version is recorded too — it may hold rows a
    /// run that was stopped before its log row wrote.
    pub current_version: u64,
}

/// What a batch did to the lake.
#[derive(Debug, Clone, Serialize)]
pub struct CommitReport {
    pub source: String,
    pub batch_id: String,
    pub counts: tables::RowCounts,
    pub tables: Vec<TableCommit>,
    /// The files read.
    pub files: Vec<tables::FileInfo>,
    /// The files refused as a whole, with the reason.
    pub refused: Vec<tables::RefusedFile>,
    /// Files passed over because an earlier run ingested the same bytes.
    pub skipped_files: u64,
    /// The keys of the rows each table got, for what is derived from the tables (the
    /// indicator rollups) to recompute only what they touch; not part of the run log.
    #[serde(skip)]
    pub changes: Vec<Changed>,
}

/// The rows a commit inserted or replaced in one table, by key.
#[derive(Debug, Clone)]
pub struct Changed {
    pub table: String,
    /// The table's key columns.
    pub key: Vec<String>,
    /// The table's version before the commit.
    pub before: Option<u64>,
    /// The version the commit made.
    pub after: u64,
    /// The key columns of every inserted or replaced row; `None` when the table is new or
    /// more than [`KEYS_KEPT`] rows changed: what is derived from it is then recomputed whole,
    /// which costs no more than looking up so many keys and holds none of them.
    pub keys: Option<Vec<RecordBatch>>,
}

impl CommitReport {
    /// True when the batch changed no table.
    pub fn unchanged(&self) -> bool {
        self.tables.iter().all(|t| t.version.is_none())
    }
}

impl Lake {
    /// Commits a batch, table by table, then remembers its files. The caller logs the run
    /// afterwards ([`Lake::log_run`]): a `committed` row in the run log means the whole batch
    /// is in, and re-running a batch that stopped half-way completes it without counting
    /// anything twice, because only changing rows are ever written.
    pub async fn commit(&self, batch: &Batch) -> Result<CommitReport> {
        let mut tables = Vec::new();
        let mut changes = Vec::new();
        // tables are written two at a time, one a core: a table's writer uses one; the
        // batch's provenance goes with each, without its rows
        let header = Arc::new(Batch {
            tables: Vec::new(),
            rejections: Vec::new(),
            source: batch.source.clone(),
            batch_id: batch.batch_id.clone(),
            files: batch.files.clone(),
            refused: batch.refused.clone(),
            counts: batch.counts,
        });
        let mut written = futures::stream::iter(with_copies(&batch.tables))
            .map(|(data, copies)| {
                let (lake, header) = (self.clone(), header.clone());
                tokio::spawn(async move { lake.commit_with_copies(&header, &data, &copies).await })
            })
            .buffered(TABLES_AT_ONCE);
        // a table that fails stops nothing under way: the run ends once every write has
        let mut failed = None;
        while let Some(written) = written.next().await {
            let results = match written {
                Ok(results) => results,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => vec![Err(DataFusionError::External(Box::new(e)).into())],
            };
            for result in results {
                let Committed { done, changed, .. } = match result {
                    Ok(written) => written,
                    Err(e) => {
                        failed.get_or_insert(e);
                        continue;
                    }
                };
                changes.extend(changed);
                if let Some(v) = done.version {
                    tables::progress::report(&format!(
                        "{}: {}: đã ghi {} dòng, phiên bản {v}",
                        batch.source,
                        done.table,
                        tables::number::integer(done.rows_changed)
                    ));
                }
                tables.push(done);
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        // the files are remembered even when they brought nothing new, so they are not read
        // again; after the data, so a file is never remembered without its rows
        self.commit_table(batch, &crate::files::table(batch)?)
            .await?;
        if !batch.refused.is_empty() {
            self.commit_table(batch, &crate::files::refused_table(batch)?)
                .await?;
        }
        let report = CommitReport {
            source: batch.source.clone(),
            batch_id: batch.batch_id.clone(),
            counts: batch.counts,
            tables,
            files: batch.files.clone(),
            refused: batch.refused.clone(),
            skipped_files: 0,
            changes,
        };
        Ok(report)
    }

    /// Commits `data`, then each of `copies` (tables getting the very same rows): as copies
    /// of the files written for `data` when both tables held none, on its own otherwise.
    async fn commit_with_copies(
        &self,
        batch: &Batch,
        data: &TableData,
        copies: &[TableData],
    ) -> Vec<Result<Committed>> {
        let first = self.commit_table(batch, data).await;
        let files = match &first {
            Ok(c) => c.files.clone(),
            Err(_) => Vec::new(),
        };
        let mut out = vec![first];
        for copy in copies {
            let copied = match files.is_empty() {
                true => Ok(None),
                false => self.commit_copy(batch, copy, &data.spec.name, &files).await,
            };
            out.push(match copied {
                Ok(Some(c)) => Ok(c),
                Ok(None) => self.commit_table(batch, copy).await,
                Err(e) => Err(e),
            });
        }
        out
    }

    async fn commit_table(&self, batch: &Batch, data: &TableData) -> Result<Committed> {
        let spec = &data.spec;
        let mut table = self.table_or_create(spec).await?;
        let before = table.version();
        let empty = table.snapshot()?.log_data().num_files() == 0;
        if empty {
            return self.commit_whole(batch, data, table, before).await;
        }
        let (mut rows, mut keys) = (0, before.map(|_| Vec::new()));
        // the batch is compared and written a slice at a time, so that what the comparison
        // and the writer hold stays bounded whatever the batch's size; readers see none of
        // the slices' versions until the run's log row names the last one. A batch holds one
        // row per key, so each slice is compared with the table as it was before the batch:
        // the slices written before it hold none of its keys, and need not be read again
        let ctx = SessionContext::new();
        register(&ctx, "tgt", &table).await?;
        for slice in slices(data.rows.batches()?, SLICE_ROWS) {
            let slice = slice?;
            let _ = ctx.deregister_table("src")?;
            let src = MemTable::try_new(spec.schema.clone(), vec![slice])?;
            ctx.register_table("src", Arc::new(src))?;
            let changed: Vec<RecordBatch> =
                ctx.sql(&changed_rows_sql(spec)).await?.collect().await?;
            let n: usize = changed.iter().map(|b| b.num_rows()).sum();
            if n == 0 {
                continue;
            }
            rows += n;
            if rows > KEYS_KEPT {
                keys = None;
            }
            for b in changed.iter().filter(|b| b.num_rows() > 0) {
                let Some(keys) = &mut keys else { break };
                let idx: Vec<usize> = spec
                    .key
                    .iter()
                    .filter_map(|k| b.schema().index_of(k).ok())
                    .collect();
                keys.push(b.project(&idx)?);
            }
            // rows whose key the table does not hold yet are appended: only those replacing
            // a row need the merge, which reads the table to find them
            let (new, replacing) = split_replacing(&changed)?;
            if !new.is_empty() {
                table = append(table, new, batch, spec).await?;
            }
            if !replacing.is_empty() {
                let props = commit_properties(batch, spec);
                table = merge(&ctx, table, spec, replacing, props).await?;
            }
        }
        Ok(outcome(spec, &table, before, rows, keys).into())
    }
}

/// What committing one table did, and the data files a whole write made (see
/// [`Lake::commit_whole`]).
pub(crate) struct Committed {
    pub done: TableCommit,
    pub changed: Option<Changed>,
    pub files: Vec<Add>,
}

impl From<(TableCommit, Option<Changed>)> for Committed {
    fn from((done, changed): (TableCommit, Option<Changed>)) -> Self {
        Self {
            done,
            changed,
            files: Vec::new(),
        }
    }
}

/// The batch's tables, each with the later tables that get the very same rows.
fn with_copies(tables: &[TableData]) -> Vec<(TableData, Vec<TableData>)> {
    let mut out: Vec<(TableData, Vec<TableData>)> = Vec::new();
    for t in tables {
        let same = out
            .iter_mut()
            .find(|(first, _)| first.rows.same_rows(&t.rows) && first.spec.schema == t.spec.schema);
        match same {
            Some((_, copies)) => copies.push(t.clone()),
            None => out.push((t.clone(), Vec::new())),
        }
    }
    out
}

/// What a commit of `rows` rows (keys listed or not) did to `table`, at `before` until then.
pub(crate) fn outcome(
    spec: &TableSpec,
    table: &DeltaTable,
    before: Option<u64>,
    rows: usize,
    keys: Option<Vec<RecordBatch>>,
) -> (TableCommit, Option<Changed>) {
    let after = table.version().unwrap_or(0);
    let done = TableCommit {
        table: spec.name.clone(),
        version: if rows == 0 { None } else { table.version() },
        rows_changed: rows as u64,
        current_version: after,
    };
    if rows == 0 {
        return (done, None);
    }
    let changed = Changed {
        table: spec.name.clone(),
        key: spec.key.clone(),
        before,
        after,
        keys,
    };
    (done, Some(changed))
}

/// Appends `rows` (or, once [`WriteBuilder::with_input_plan`] is given, what a plan gives) to
/// `table` in one version.
fn append(
    table: DeltaTable,
    rows: Vec<RecordBatch>,
    batch: &Batch,
    spec: &TableSpec,
) -> WriteBuilder {
    table
        .write(rows)
        .with_writer_properties(writer_properties(spec))
        .with_target_file_size(Some(FILE_BYTES))
        .with_save_mode(SaveMode::Append)
        .with_commit_properties(commit_properties(batch, spec))
}

/// How a table's Parquet files are written. A writer holds a row group's pages until it is
/// full, so row groups are kept to a size that bounds what a commit holds. Columns whose
/// values rarely repeat (keys, keyed hashes of personal data, row numbers, times) are written
/// without a dictionary: one would only be built to be given up.
pub(crate) fn writer_properties(spec: &TableSpec) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for field in spec.schema.fields() {
        let name = field.name();
        let distinct = spec.key.first() == Some(name)
            || name.ends_with("_token")
            || name == "_row"
            || matches!(field.data_type(), DataType::Timestamp(..));
        if distinct {
            props = props.set_column_dictionary_enabled(ColumnPath::from(name.as_str()), false);
        }
    }
    props.build()
}

/// Tables of a batch written at the same time.
const TABLES_AT_ONCE: usize = 2;

/// Rows of one row group of the lake's files.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Bytes a data file is written up to before the next one starts.
pub(crate) const FILE_BYTES: NonZeroU64 = NonZeroU64::new(32 << 20).unwrap();

/// Rows compared and written at a time.
const SLICE_ROWS: usize = 256 * 1024;

/// Changed rows whose keys a commit lists for the rollups ([`Changed::keys`]).
pub const KEYS_KEPT: usize = 512 * 1024;

/// Batches regrouped into slices of at most `rows` rows, read as they are asked for (no data
/// is copied).
fn slices<E>(
    batches: impl Iterator<Item = std::result::Result<RecordBatch, E>>,
    rows: usize,
) -> impl Iterator<Item = std::result::Result<Vec<RecordBatch>, E>> {
    let mut batches = batches.peekable();
    let mut rest: Option<RecordBatch> = None;
    std::iter::from_fn(move || {
        let mut current = Vec::new();
        let mut held = 0;
        while held < rows {
            let b = match rest.take() {
                Some(b) => b,
                None => match batches.next() {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => return Some(Err(e)),
                    None => break,
                },
            };
            let take = (rows - held).min(b.num_rows());
            if take < b.num_rows() {
                rest = Some(b.slice(take, b.num_rows() - take));
            }
            if take > 0 {
                current.push(b.slice(0, take));
            }
            held += take;
        }
        (!current.is_empty()).then_some(Ok(current))
    })
}

async fn merge(
    ctx: &SessionContext,
    table: DeltaTable,
    spec: &TableSpec,
    changed: Vec<RecordBatch>,
    props: CommitProperties,
) -> Result<DeltaTable> {
    let source = ctx.read_batches(changed)?;
    let on = spec
        .key
        .iter()
        .map(|k| format!("target.{k} = source.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let columns: Vec<String> = spec
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let newer = match &spec.merge {
        MergeRule::LatestBy(col) => Some(format!("source.{col} > target.{col}")),
        _ => None,
    };
    let (table, _metrics) = table
        .merge(source, on)
        .with_source_alias("source")
        .with_target_alias("target")
        .with_commit_properties(props)
        .with_writer_properties(writer_properties(spec))
        .when_matched_update(|mut u| {
            if let Some(p) = &newer {
                u = u.predicate(p.as_str());
            }
            for c in &columns {
                u = u.update(c.as_str(), format!("source.{c}"));
            }
            u
        })?
        .when_not_matched_insert(|mut i| {
            for c in &columns {
                i = i.set(c.as_str(), format!("source.{c}"));
            }
            i
        })?
        .await?;
    Ok(table)
}

/// The column [`changed_rows_sql`] adds: true where the row replaces one of the target's.
const REPLACES: &str = "_replaces";

/// Changed rows (with [`REPLACES`] last) as the rows new to the table and those replacing
/// one of its rows, both without that column.
fn split_replacing(changed: &[RecordBatch]) -> Result<(Vec<RecordBatch>, Vec<RecordBatch>)> {
    let (mut new, mut replacing) = (Vec::new(), Vec::new());
    for b in changed.iter().filter(|b| b.num_rows() > 0) {
        let last = b.num_columns() - 1;
        let flags = b
            .column(last)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .ok_or_else(|| {
                datafusion::error::DataFusionError::Internal(format!("{REPLACES} is boolean"))
            })?;
        let rows = b.project(&(0..last).collect::<Vec<_>>())?;
        let fresh = arrow::compute::not(flags)?;
        for (mask, out) in [(&fresh, &mut new), (flags, &mut replacing)] {
            let part = arrow::compute::filter_record_batch(&rows, mask)?;
            if part.num_rows() > 0 {
                out.push(part);
            }
        }
    }
    Ok((new, replacing))
}

/// The source rows that would change the target, each with whether it replaces a target row
/// ([`REPLACES`]). Comparing before merging keeps a repeated batch from writing a new version
/// with nothing new in it.
fn changed_rows_sql(spec: &TableSpec) -> String {
    let on = |a: &str, b: &str| {
        spec.key
            .iter()
            .map(|k| format!("{a}.{k} = {b}.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    match &spec.merge {
        MergeRule::InsertNew => format!(
            "SELECT s.*, false AS {REPLACES} FROM src s LEFT ANTI JOIN tgt t ON {}",
            on("s", "t")
        ),
        MergeRule::LatestBy(col) => format!(
            "SELECT s.*, t.{k} IS NOT NULL AS {REPLACES} FROM src s LEFT JOIN tgt t ON {} \
             WHERE t.{k} IS NULL OR s.{col} > t.{col}",
            on("s", "t"),
            k = spec.key[0],
        ),
        MergeRule::Upsert => {
            let content = spec.content_columns().join(", ");
            format!(
                "SELECT s.*, t.{k} IS NOT NULL AS {REPLACES} FROM \
                 (SELECT s.* FROM src s LEFT SEMI JOIN \
                  (SELECT {content} FROM src EXCEPT SELECT {content} FROM tgt) c ON {}) s \
                 LEFT JOIN (SELECT DISTINCT {keys} FROM tgt) t ON {}",
                on("s", "c"),
                on("s", "t"),
                k = spec.key[0],
                keys = spec.key.join(", "),
            )
        }
    }
}

pub(crate) fn commit_properties(batch: &Batch, spec: &TableSpec) -> CommitProperties {
    CommitProperties::default().with_metadata([
        ("chiso.source".to_string(), json!(batch.source)),
        ("chiso.batch_id".to_string(), json!(batch.batch_id)),
        ("chiso.table".to_string(), json!(spec.name)),
        ("chiso.files".to_string(), json!(batch.files)),
        ("chiso.rows".to_string(), json!(batch.counts)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn slices_hold_every_row_once_and_at_most_so_many() {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
        let batch = |from: i64, n: i64| {
            RecordBatch::try_new(
                schema.clone(),
                vec![Arc::new(Int64Array::from_iter_values(from..from + n))],
            )
            .unwrap()
        };
        let batches = [batch(0, 5), batch(5, 1), batch(6, 9)];
        let cut: Vec<Vec<RecordBatch>> = slices(batches.into_iter().map(Ok::<_, ()>), 4)
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        let sizes: Vec<usize> = cut
            .iter()
            .map(|s| s.iter().map(|b| b.num_rows()).sum())
            .collect();
        assert_eq!(sizes, [4, 4, 4, 3]);
        let all: Vec<i64> = cut
            .iter()
            .flatten()
            .flat_map(|b| {
                let c = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                (0..c.len()).map(|i| c.value(i)).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(all, (0..15).collect::<Vec<_>>());
        assert!(
            slices(std::iter::empty::<std::result::Result<_, ()>>(), 4)
                .next()
                .is_none()
        );
    }
}
