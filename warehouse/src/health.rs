//! What the data page shows besides freshness: the latest runs with their counts, and the
//! quarantined rows an officer must fix at the source.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::columns::{instants, int64, utf8};
use crate::{Lake, Result};

/// One run of the run log, as a person reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `committed`, `unchanged`, `nothing_new` or `failed`.
    pub outcome: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_duplicates: i64,
    pub rows_quarantined: i64,
    /// Files read by the run.
    pub files: usize,
    /// Files passed over because their bytes were ingested before.
    pub files_skipped: i64,
    /// Why a failed run stopped: for a refused file, the file and what to fix.
    pub error: Option<String>,
}

/// One quarantined field of one row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuarantinedRow {
    pub source: String,
    pub file: String,
    pub row: i64,
    pub field: String,
    /// The offending value (personal fields masked when they were rejected).
    pub value: String,
    pub reason: String,
}

/// A page of the quarantine and how many rows it holds in all.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Quarantine {
    pub total: u64,
    pub rows: Vec<QuarantinedRow>,
}

impl Lake {
    /// The latest `limit` runs, the newest first.
    pub async fn recent_runs(&self, limit: usize) -> Result<Vec<RunSummary>> {
        let snapshot = self.session_as_of(crate::AsOf::Latest).await?;
        let ctx = &snapshot.ctx;
        if !ctx.table_exist(crate::runs::TABLE)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT source, started_at, finished_at, outcome, rows_read, rows_accepted, \
             rows_duplicates, rows_quarantined, files_skipped, files, error \
             FROM {} ORDER BY finished_at DESC LIMIT {limit}",
            crate::runs::TABLE
        );
        let mut out = Vec::new();
        for b in ctx.sql(&sql).await?.collect().await? {
            let source = utf8(b.column(0))?;
            let (started, finished) = (instants(b.column(1))?, instants(b.column(2))?);
            let outcome = utf8(b.column(3))?;
            let counts: Vec<Vec<Option<i64>>> = (4..9)
                .map(|i| int64(b.column(i)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let files = utf8(b.column(9))?;
            let error = utf8(b.column(10))?;
            for r in 0..b.num_rows() {
                let (Some(started_at), Some(finished_at)) = (started[r], finished[r]) else {
                    continue;
                };
                let n = |i: usize| counts[i][r].unwrap_or(0);
                let files = files[r]
                    .as_deref()
                    .and_then(|f| serde_json::from_str::<Vec<serde_json::Value>>(f).ok())
                    .map(|v| v.len())
                    .unwrap_or(0);
                out.push(RunSummary {
                    source: source[r].clone().unwrap_or_default(),
                    started_at,
                    finished_at,
                    outcome: outcome[r].clone().unwrap_or_default(),
                    rows_read: n(0),
                    rows_accepted: n(1),
                    rows_duplicates: n(2),
                    rows_quarantined: n(3),
                    files,
                    files_skipped: n(4),
                    error: error[r].clone(),
                });
            }
        }
        Ok(out)
    }

    /// Up to `limit` quarantined rows (of `source` if given), ordered by source, file and row.
    pub async fn quarantine(&self, source: Option<&str>, limit: usize) -> Result<Quarantine> {
        let snapshot = self.session_as_of(crate::AsOf::Latest).await?;
        let ctx = &snapshot.ctx;
        if !ctx.table_exist(tables::quarantine::TABLE)? {
            return Ok(Quarantine {
                total: 0,
                rows: Vec::new(),
            });
        }
        let df = ctx.table(tables::quarantine::TABLE).await?;
        let df = match source {
            Some(s) => df.filter(
                datafusion::prelude::col("source").eq(datafusion::prelude::lit(s.to_string())),
            )?,
            None => df,
        };
        let total = df.clone().count().await? as u64;
        let batches = df
            .sort(
                ["source", "file", "row", "field"]
                    .into_iter()
                    .map(|c| datafusion::prelude::col(c).sort(true, true))
                    .collect(),
            )?
            .limit(0, Some(limit))?
            .select_columns(&["source", "file", "row", "field", "value", "reason"])?
            .collect()
            .await?;
        let mut rows = Vec::new();
        for b in &batches {
            let (source, file) = (utf8(b.column(0))?, utf8(b.column(1))?);
            let row = int64(b.column(2))?;
            let (field, value, reason) =
                (utf8(b.column(3))?, utf8(b.column(4))?, utf8(b.column(5))?);
            for r in 0..b.num_rows() {
                let t = |c: &Vec<Option<String>>| c[r].clone().unwrap_or_default();
                rows.push(QuarantinedRow {
                    source: t(&source),
                    file: t(&file),
                    row: row[r].unwrap_or(0),
                    field: t(&field),
                    value: t(&value),
                    reason: t(&reason),
                });
            }
        }
        Ok(Quarantine { total, rows })
    }
}

/// Runs and rows of one source and outcome, over the whole run log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunTotals {
    pub source: String,
    pub outcome: String,
    pub runs: i64,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_quarantined: i64,
}

impl Lake {
    /// Totals of the run log by source and outcome.
    pub async fn run_totals(&self) -> Result<Vec<RunTotals>> {
        let snapshot = self.session_as_of(crate::AsOf::Latest).await?;
        let ctx = &snapshot.ctx;
        if !ctx.table_exist(crate::runs::TABLE)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT source, outcome, count(*), sum(rows_read), sum(rows_accepted), \
             sum(rows_quarantined) FROM {} GROUP BY source, outcome ORDER BY source, outcome",
            crate::runs::TABLE
        );
        let mut out = Vec::new();
        for b in ctx.sql(&sql).await?.collect().await? {
            let (source, outcome) = (utf8(b.column(0))?, utf8(b.column(1))?);
            let n: Vec<Vec<Option<i64>>> = (2..6)
                .map(|i| int64(b.column(i)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            for r in 0..b.num_rows() {
                out.push(RunTotals {
                    source: source[r].clone().unwrap_or_default(),
                    outcome: outcome[r].clone().unwrap_or_default(),
                    runs: n[0][r].unwrap_or(0),
                    rows_read: n[1][r].unwrap_or(0),
                    rows_accepted: n[2][r].unwrap_or(0),
                    rows_quarantined: n[3][r].unwrap_or(0),
                });
            }
        }
        Ok(out)
    }
}
