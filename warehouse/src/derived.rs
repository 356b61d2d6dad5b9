//! Tables derived from the others (the indicator rollups): read whole and rewritten whole in
//! one commit, small enough for both. The caller records the commit in its run's log row, like
//! any table a run writes, so readers see a derived table at the version that matches its
//! sources.

use arrow::record_batch::RecordBatch;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::protocol::SaveMode;
use tables::TableSpec;

use crate::{Lake, Result, TableCommit};

impl Lake {
    /// Every row of a table at its latest version, with that version; `None` when the table
    /// does not exist yet.
    pub async fn read_whole(&self, name: &str) -> Result<Option<(u64, Vec<RecordBatch>)>> {
        let Some(table) = self.table(name).await? else {
            return Ok(None);
        };
        let ctx = datafusion::prelude::SessionContext::new();
        crate::lake::register(&ctx, name, &table).await?;
        let rows = ctx.table(name).await?.collect().await?;
        Ok(Some((table.version().unwrap_or(0), rows)))
    }

    /// Replaces every row of the table with `rows` in one commit whose commit info carries
    /// `metadata`.
    pub async fn replace(
        &self,
        spec: &TableSpec,
        rows: Vec<RecordBatch>,
        metadata: Vec<(String, serde_json::Value)>,
    ) -> Result<TableCommit> {
        let table = self.table_or_create(spec).await?;
        let n: usize = rows.iter().map(|b| b.num_rows()).sum();
        let table = table
            .write(rows)
            .with_writer_properties(crate::commit::writer_properties(spec))
            .with_target_file_size(Some(crate::commit::FILE_BYTES))
            .with_save_mode(SaveMode::Overwrite)
            .with_commit_properties(CommitProperties::default().with_metadata(metadata))
            .await?;
        let v = table.version().unwrap_or(0);
        Ok(TableCommit {
            table: spec.name.clone(),
            version: Some(v),
            rows_changed: n as u64,
            current_version: v,
        })
    }
}
