//! What the lake already holds that the next read of a source needs: where an incremental
//! fetch starts (the greatest update time), and the codes records are checked against.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::{Lake, Result};

impl Lake {
    /// The greatest value of each (table, time column), from one snapshot of the lake:
    /// where the next incremental fetch starts. `None` while a table is missing or empty.
    pub async fn latest(&self, pairs: &[(&str, &str)]) -> Result<Vec<Option<DateTime<Utc>>>> {
        let ctx = self.session().await?;
        let mut out = Vec::new();
        for (table, column) in pairs {
            // a table no logged run has written is not in the snapshot: nothing to start from
            if !ctx.table_exist(*table)? {
                out.push(None);
                continue;
            }
            let b = ctx
                .sql(&format!("SELECT max(\"{column}\") FROM \"{table}\""))
                .await?
                .collect()
                .await?;
            out.push(crate::columns::instants(b[0].column(0))?[0]);
        }
        Ok(out)
    }

    /// The distinct values of a text column; none while the table is missing.
    pub async fn values(&self, table: &str, column: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let ctx = self.session().await?;
        if !ctx.table_exist(table)? {
            return Ok(out);
        }
        let sql = format!("SELECT DISTINCT \"{column}\" FROM \"{table}\"");
        for b in ctx.sql(&sql).await?.collect().await? {
            out.extend(crate::columns::utf8(b.column(0))?.into_iter().flatten());
        }
        Ok(out)
    }
}
