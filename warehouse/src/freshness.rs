//! When data last arrived, per source and per reporting unit, against the age each source
//! is allowed (the Đồng Xoài plan: data on the system at the latest 72 hours after the work).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::columns::{instants, utf8};
use crate::{Lake, Result};

/// Allowed age when a source sets none.
pub use tables::DEFAULT_MAX_AGE_HOURS;

/// A source's freshness.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceFreshness {
    pub source: String,
    /// End of the last run that committed new rows.
    pub last_arrival: Option<DateTime<Utc>>,
    /// End of the last run, whatever its outcome, and that outcome.
    pub last_run: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub max_age_hours: u64,
    /// No new rows within the allowed age (or never).
    pub late: bool,
    pub units: Vec<UnitFreshness>,
    /// Files refused as a whole and not replaced since: someone must send them again.
    pub refused: Vec<tables::RefusedFile>,
}

impl SourceFreshness {
    /// The same, with one reporting unit's arrivals only.
    pub fn only_unit(mut self, unit: &str) -> SourceFreshness {
        self.units.retain(|u| u.unit == unit);
        self
    }
}

/// A reporting unit's freshness within one source.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitFreshness {
    pub unit: String,
    /// End of the last run that brought rows of this unit.
    pub last_arrival: DateTime<Utc>,
    pub late: bool,
}

impl Lake {
    /// Freshness of each configured source (name → allowed age in hours) at `now`.
    pub async fn freshness(
        &self,
        sources: &BTreeMap<String, u64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SourceFreshness>> {
        let snapshot = self.session_as_of(crate::AsOf::Latest).await?;
        let ctx = &snapshot.ctx;
        let runs_exist = ctx.table_exist(crate::runs::TABLE)?;
        let mut last_arrival: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        let mut last_run: BTreeMap<String, (DateTime<Utc>, String)> = BTreeMap::new();
        let mut units: BTreeMap<String, BTreeMap<String, DateTime<Utc>>> = BTreeMap::new();
        if runs_exist {
            let sql = "SELECT source, finished_at, outcome FROM ingest_runs";
            for b in ctx.sql(sql).await?.collect().await? {
                let source = utf8(b.column(0))?;
                let at = instants(b.column(1))?;
                let outcome = utf8(b.column(2))?;
                for i in 0..b.num_rows() {
                    let (Some(s), Some(t), Some(o)) = (&source[i], at[i], &outcome[i]) else {
                        continue;
                    };
                    if o == "committed" {
                        let e = last_arrival.entry(s.clone()).or_insert(t);
                        *e = (*e).max(t);
                    }
                    let e = last_run.entry(s.clone()).or_insert((t, o.clone()));
                    if t >= e.0 {
                        *e = (t, o.clone());
                    }
                }
            }
            for table in &snapshot.tables {
                let Some(unit) = &table.unit_column else {
                    continue;
                };
                let sql = format!(
                    "SELECT CAST(t.{unit} AS VARCHAR), r.source, max(r.finished_at) \
                     FROM {name} t JOIN ingest_runs r ON t._batch_id = r.batch_id \
                     WHERE r.outcome = 'committed' AND t.{unit} IS NOT NULL GROUP BY 1, 2",
                    name = table.name
                );
                for b in ctx.sql(&sql).await?.collect().await? {
                    let unit = utf8(b.column(0))?;
                    let source = utf8(b.column(1))?;
                    let at = instants(b.column(2))?;
                    for i in 0..b.num_rows() {
                        if let (Some(u), Some(s), Some(t)) = (&unit[i], &source[i], at[i]) {
                            let e = units
                                .entry(s.clone())
                                .or_default()
                                .entry(u.clone())
                                .or_insert(t);
                            *e = (*e).max(t);
                        }
                    }
                }
            }
        }
        let mut refused: BTreeMap<String, Vec<tables::RefusedFile>> = BTreeMap::new();
        for (source, file) in self.refused_files().await? {
            refused.entry(source).or_default().push(file);
        }
        let late = |t: Option<DateTime<Utc>>, hours: u64| match t {
            Some(t) => now - t > Duration::hours(hours as i64),
            None => true,
        };
        Ok(sources
            .iter()
            .map(|(source, hours)| {
                let arrival = last_arrival.get(source).copied();
                let run = last_run.get(source);
                SourceFreshness {
                    source: source.clone(),
                    last_arrival: arrival,
                    last_run: run.map(|r| r.0),
                    last_outcome: run.map(|r| r.1.clone()),
                    max_age_hours: *hours,
                    late: late(arrival, *hours),
                    units: units
                        .get(source)
                        .map(|m| {
                            m.iter()
                                .map(|(u, t)| UnitFreshness {
                                    unit: u.clone(),
                                    last_arrival: *t,
                                    late: late(Some(*t), *hours),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    refused: refused.remove(source).unwrap_or_default(),
                }
            })
            .collect())
    }
}

/// A data table's last arrival: the source whose committed run last changed its rows, and
/// when that run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableArrival {
    pub source: String,
    pub at: DateTime<Utc>,
}

/// For each data table, its last arrival by `until` (if given), read from the run log in
/// `ctx`.
pub async fn table_arrivals(
    ctx: &datafusion::prelude::SessionContext,
    until: Option<DateTime<Utc>>,
) -> Result<BTreeMap<String, TableArrival>> {
    let mut out: BTreeMap<String, TableArrival> = BTreeMap::new();
    if !ctx.table_exist(crate::runs::TABLE)? {
        return Ok(out);
    }
    let mut sql = "SELECT source, finished_at, CAST(tables AS VARCHAR) FROM ingest_runs \
                   WHERE outcome = 'committed'"
        .to_string();
    if let Some(t) = until {
        sql.push_str(&format!(
            " AND finished_at <= TIMESTAMP '{}'",
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        ));
    }
    for b in ctx.sql(&sql).await?.collect().await? {
        let source = utf8(b.column(0))?;
        let at = instants(b.column(1))?;
        let tables = utf8(b.column(2))?;
        for i in 0..b.num_rows() {
            let (Some(s), Some(t), Some(json)) = (&source[i], at[i], &tables[i]) else {
                continue;
            };
            let commits: Vec<crate::TableCommit> = serde_json::from_str(json)?;
            for c in commits.into_iter().filter(|c| c.rows_changed > 0) {
                let newer = out.get(&c.table).is_none_or(|a| a.at < t);
                if newer {
                    out.insert(
                        c.table,
                        TableArrival {
                            source: s.clone(),
                            at: t,
                        },
                    );
                }
            }
        }
    }
    Ok(out)
}

/// When the last run in the run log of `ctx` ended: the "now" of a lake read as of a version.
pub async fn last_run_end(
    ctx: &datafusion::prelude::SessionContext,
) -> Result<Option<DateTime<Utc>>> {
    if !ctx.table_exist(crate::runs::TABLE)? {
        return Ok(None);
    }
    let sql = "SELECT max(finished_at) FROM ingest_runs";
    let batches = ctx.sql(sql).await?.collect().await?;
    Ok(match batches.first() {
        Some(b) if b.num_rows() > 0 => instants(b.column(0))?[0],
        _ => None,
    })
}
