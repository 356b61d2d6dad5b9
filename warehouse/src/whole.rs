//! A batch committed to a table that holds no row yet: every row is new, so nothing is
//! compared; the rows are written as they are read from the spool, by one writer a core,
//! in one version. A second table that gets the very same rows (a source's history and
//! latest-state tables on a first run) gets copies of those files, not a second encoding.

use deltalake::DeltaTable;
use deltalake::kernel::transaction::{CommitBuilder, TableReference};
use deltalake::kernel::{Action, Add};
use deltalake::operations::write::WriterStatsConfig;
use deltalake::operations::write::writer::{DeltaWriter, WriterConfig};
use deltalake::protocol::{DeltaOperation, SaveMode};
use object_store::ObjectStoreExt;
use object_store::path::Path;
use tables::{Batch, TableData};

use crate::commit::{Committed, FILE_BYTES, commit_properties, outcome, writer_properties};
use crate::{Lake, Result, WarehouseError};

/// Writers of one table at once: one a core of the smallest machine chiso runs on. A
/// Delta writer encodes on the task that feeds it, so one writer keeps one core busy.
const WRITERS: usize = 2;

impl Lake {
    /// Writes `data` to `table`, which holds no file, in one version; the files written are
    /// returned for a table that gets the same rows ([`Lake::commit_copy`]).
    pub(crate) async fn commit_whole(
        &self,
        batch: &Batch,
        data: &TableData,
        mut table: DeltaTable,
        before: Option<u64>,
    ) -> Result<Committed> {
        let spec = &data.spec;
        let rows = data.rows.num_rows();
        if rows == 0 {
            return Ok(outcome(spec, &table, before, 0, None).into());
        }
        let files = write_files(&table, data).await?;
        commit_files(&mut table, batch, data, &files).await?;
        // everything derived from the table is computed whole: no key needs listing
        let mut committed = Committed::from(outcome(spec, &table, before, rows, None));
        committed.files = files;
        Ok(committed)
    }

    /// Commits `data` to its table as copies of `files`, which table `from` got for the same
    /// rows; `None`, with nothing done, when `data`'s table already holds files.
    pub(crate) async fn commit_copy(
        &self,
        batch: &Batch,
        data: &TableData,
        from: &str,
        files: &[Add],
    ) -> Result<Option<Committed>> {
        let spec = &data.spec;
        let mut table = self.table_or_create(spec).await?;
        if table.snapshot()?.log_data().num_files() > 0 {
            return Ok(None);
        }
        let before = table.version();
        // on a local disk a copy is a hard link; on object storage, a copy inside the store
        for add in files {
            let at = |table: &str| -> Result<Path> {
                let file = Path::from_url_path(&add.path).map_err(|e| store_error(e.into()))?;
                Ok(std::iter::once(table.into()).chain(file.parts()).collect())
            };
            self.store()
                .copy(&at(from)?, &at(&spec.name)?)
                .await
                .map_err(store_error)?;
        }
        commit_files(&mut table, batch, data, files).await?;
        let rows = data.rows.num_rows();
        Ok(Some(outcome(spec, &table, before, rows, None).into()))
    }
}

/// Writes the rows as new data files of `table`, [`WRITERS`] parts at once.
async fn write_files(table: &DeltaTable, data: &TableData) -> Result<Vec<Add>> {
    let stats = WriterStatsConfig::from_config(table.snapshot()?.snapshot().table_configuration());
    let config = WriterConfig::new(
        data.rows.schema(),
        Vec::new(),
        Some(writer_properties(&data.spec)),
        Some(FILE_BYTES),
        None,
        stats.num_indexed_cols,
        stats.stats_columns,
    );
    let store = table.log_store().object_store(None);
    let writers: Vec<_> = data
        .rows
        .parts(WRITERS)
        .into_iter()
        .map(|part| {
            let mut writer = DeltaWriter::new(store.clone(), config.clone());
            tokio::spawn(async move {
                let written = async {
                    for b in part.batches()? {
                        writer.write(&b?).await?;
                    }
                    Ok::<_, WarehouseError>(())
                }
                .await;
                match written {
                    Ok(()) => Ok(writer.close().await?),
                    Err(e) => {
                        // the files are in no version; their uploads need not finish
                        let _ = writer.abort().await;
                        Err(e)
                    }
                }
            })
        })
        .collect();
    let mut files = Vec::new();
    let mut failed = None;
    for joined in futures::future::join_all(writers).await {
        match joined {
            Ok(Ok(written)) => files.extend(written),
            Ok(Err(e)) => {
                failed.get_or_insert(e);
            }
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => {
                failed.get_or_insert(datafusion::error::DataFusionError::External(e.into()).into());
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(files),
    }
}

/// Adds `files` to `table` in one version carrying the batch's provenance.
async fn commit_files(
    table: &mut DeltaTable,
    batch: &Batch,
    data: &TableData,
    files: &[Add],
) -> Result<()> {
    let operation = DeltaOperation::Write {
        mode: SaveMode::Append,
        partition_by: None,
        predicate: None,
    };
    let actions = files.iter().cloned().map(Action::Add).collect();
    CommitBuilder::from(commit_properties(batch, &data.spec))
        .with_actions(actions)
        .build(
            Some(table.snapshot()? as &dyn TableReference),
            table.log_store(),
            operation,
        )
        .await?;
    table.update_state().await?;
    Ok(())
}

fn store_error(e: object_store::Error) -> WarehouseError {
    deltalake::DeltaTableError::from(e).into()
}
