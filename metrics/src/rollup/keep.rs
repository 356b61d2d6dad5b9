//! Bringing the kept counts up to date after a run, or recomputing them whole.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use warehouse::{Changed, Lake, TableCommit};

use super::count::{self, Measured};
use super::parts::{self, Part, Shape};
use super::{Kept, Stored, TABLE, definition, from_batches, spec, to_batch};
use crate::{Catalogue, MetricsError, Result};

/// What a keeping pass did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct KeptReport {
    /// The commit of the rollup table; `None` when nothing changed.
    pub commit: Option<TableCommit>,
    /// Indicators recomputed whole (new, changed definition, rebuild).
    pub whole: Vec<String>,
    /// Indicators brought up to date day by day, with the number of days recomputed.
    pub days: BTreeMap<String, usize>,
}

/// Brings the kept counts up to date with the commits of a run (`changes`), before the run
/// is logged: the rollup table's commit belongs in the same run log row.
pub async fn update(
    lake: &Lake,
    catalogue: &Catalogue,
    tz: Tz,
    changes: &[Changed],
) -> Result<KeptReport> {
    keep(lake, catalogue, tz, changes, false).await
}

/// Recomputes every kept count from the raw tables as the last logged runs left them.
pub async fn rebuild(lake: &Lake, catalogue: &Catalogue, tz: Tz) -> Result<KeptReport> {
    keep(lake, catalogue, tz, &[], true).await
}

async fn keep(
    lake: &Lake,
    catalogue: &Catalogue,
    tz: Tz,
    changes: &[Changed],
    whole: bool,
) -> Result<KeptReport> {
    let offset = crate::measure::offset_seconds(tz);
    // the tables as readers will see them once this run is logged
    let mut after: BTreeMap<String, u64> = lake.pins().await?.into_iter().collect();
    for c in changes {
        after.insert(c.table.clone(), c.after);
    }
    after.remove(TABLE);
    let ctx = lake.session_at(&after).await?;
    catalogue.register_views(&ctx).await;
    let old = match lake.read_whole(TABLE).await? {
        Some((_, batches)) => from_batches(&batches)?,
        None => Stored::new(),
    };
    let mut listed = Vec::new();
    for ind in catalogue.indicators.iter().chain(&catalogue.operations) {
        let Some(m) = &ind.measure else { continue };
        let Some(parts) = parts::parts(m) else {
            continue;
        };
        if !ctx.table_exist(m.source.as_str()).unwrap_or(false) {
            continue;
        }
        listed.push((ind.id.as_str(), m, parts, definition(catalogue, m, offset)));
    }
    // a measure with all its parts, or with one part (`k`) as if it were its only one
    let measured = |i: usize, k: Option<usize>| {
        let (id, m, parts, _) = &listed[i];
        Measured {
            id,
            m,
            parts: k.map_or(&parts[..], |k| &parts[k..=k]),
            offset,
        }
    };
    // a measure without kept counts of its definition is counted whole, a part at a time:
    // parts counted by the same scan (day counts over the same source, day column and
    // breakdowns, of one measure or of several) are counted by one query. A measure with
    // counts kept is one unit: it is brought up to date day by day
    let fresh = |i: usize| {
        let (id, _, _, def) = &listed[i];
        whole || old.get(*id).is_none_or(|prev| prev.definition != *def)
    };
    let mut units: Vec<Vec<(usize, Option<usize>)>> = Vec::new();
    for (i, (_, _, parts, _)) in listed.iter().enumerate() {
        if !fresh(i) {
            units.push(vec![(i, None)]);
            continue;
        }
        for k in 0..parts.len() {
            let unit = units.iter_mut().find(|u| match u[0] {
                (j, Some(l)) => count::same_scan(&measured(j, Some(l)), &measured(i, Some(k))),
                (_, None) => false,
            });
            match unit {
                Some(u) => u.push((i, Some(k))),
                None => units.push(vec![(i, Some(k))]),
            }
        }
    }
    // measures share their sources: each view is planned once, not once a measure
    let mut under: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
    let mut now = Vec::new();
    for (_, m, _, _) in &listed {
        if !under.contains_key(m.source.as_str()) {
            let tables = base_tables(&ctx, catalogue, &m.source)
                .await?
                .into_iter()
                .filter_map(|t| after.get(&t).map(|v| (t, *v)))
                .collect();
            under.insert(&m.source, tables);
        }
        now.push(under[m.source.as_str()].clone());
    }
    // the units are counted two at a time: one unit's scans leave a core idle, and all at
    // once would hold every unit's scans in memory together. Those of more scans start
    // first (a part of changes groups twice), so that the last to finish leaves a core idle
    // for less long; their results are taken in the catalogue's order
    let scans = |u: &Vec<(usize, Option<usize>)>| {
        let (i, k) = u[0];
        measured(i, k)
            .parts
            .iter()
            .map(|p| match p.shape() {
                Shape::Changes => 2,
                Shape::Days => 1,
            })
            .sum::<usize>()
    };
    units.sort_by_key(|u| std::cmp::Reverse(scans(u)));
    let mut counting = Vec::new();
    for unit in units {
        let (ctx, old, listed, now) = (&ctx, &old, &listed, &now);
        counting.push(async move {
            let (i, k) = unit[0];
            if k.is_some() {
                let members: Vec<Measured> = unit.iter().map(|(i, k)| measured(*i, *k)).collect();
                let counted = match members.as_slice() {
                    [one] => vec![one.entries(ctx, None).await?],
                    _ => count::together(ctx, &members).await?,
                };
                let counted = unit
                    .iter()
                    .zip(counted)
                    .map(|((i, _), entries)| (*i, Count::Part(entries)))
                    .collect();
                return Ok::<_, MetricsError>(counted);
            }
            let one = measured(i, None);
            let (_, _, _, def) = &listed[i];
            let def = def.clone();
            let now = now[i].clone();
            let (kept, how) = match old.get(one.id) {
                Some(prev) if !whole && prev.definition == def && prev.sources == now => {
                    (prev.clone(), Counted::Unchanged)
                }
                Some(prev) if !whole && prev.definition == def => {
                    match one
                        .by_days(lake, catalogue, ctx, prev, &now, changes)
                        .await?
                    {
                        Some((kept, days)) => (kept, Counted::Days(days)),
                        None => (one.whole(ctx, def, now).await?, Counted::Whole),
                    }
                }
                _ => (one.whole(ctx, def, now).await?, Counted::Whole),
            };
            Ok(vec![(i, Count::Measure(kept, how))])
        });
    }
    let counted: Vec<Vec<(usize, Count)>> = futures::stream::iter(counting)
        .buffered(MEASURES_AT_ONCE)
        .try_collect()
        .await?;
    // a measure counted a part at a time: its parts' entries together are its kept counts
    let mut measures: BTreeMap<usize, (Kept, Counted)> = BTreeMap::new();
    for (i, count) in counted.into_iter().flatten() {
        match count {
            Count::Measure(kept, how) => {
                measures.insert(i, (kept, how));
            }
            Count::Part(entries) => {
                let (kept, _) = measures.entry(i).or_insert_with(|| {
                    let kept = Kept {
                        definition: listed[i].3.clone(),
                        sources: now[i].clone(),
                        entries: BTreeMap::new(),
                    };
                    (kept, Counted::Whole)
                });
                for (dim, list) in entries {
                    kept.entries.entry(dim).or_default().extend(list);
                }
            }
        }
    }
    let mut report = KeptReport::default();
    let mut next = Stored::new();
    for (i, (mut kept, how)) in measures {
        let id = listed[i].0.to_string();
        match how {
            // kept as the table held them
            Counted::Unchanged => {}
            Counted::Days(days) => {
                kept.normalise();
                report.days.insert(id.clone(), days);
            }
            Counted::Whole => {
                // two parts counting on the same day and value make one entry
                kept.normalise();
                report.whole.push(id.clone());
            }
        }
        next.insert(id, kept);
    }
    if next != old {
        let metadata = vec![
            ("chiso.source".to_string(), serde_json::json!("rollups")),
            ("chiso.table".to_string(), serde_json::json!(TABLE)),
            ("chiso.whole".to_string(), serde_json::json!(report.whole)),
            ("chiso.days".to_string(), serde_json::json!(report.days)),
        ];
        report.commit = Some(
            lake.replace(&spec(), vec![to_batch(&next)?], metadata)
                .await?,
        );
    }
    Ok(report)
}

/// Units (a measure, or parts of measures sharing a scan) counted at once: one a core of the
/// smallest machine chiso runs on.
const MEASURES_AT_ONCE: usize = 2;

/// What a unit counted, for one measure.
enum Count {
    /// The measure's kept rows, brought up to date.
    Measure(Kept, Counted),
    /// One of its parts, counted whole.
    Part(BTreeMap<String, Vec<super::Entry>>),
}

/// How a measure's kept rows were brought up to date.
enum Counted {
    /// Its tables did not move.
    Unchanged,
    /// The days the run touched, recounted.
    Days(usize),
    /// Recounted whole.
    Whole,
}

/// Name under which a run's changed keys are registered, followed by the measure's id: the
/// measures are counted at once in one session.
const KEYS: &str = "_chiso_changed_keys";

impl Measured<'_> {
    /// Every day, from `ctx`.
    async fn whole(
        &self,
        ctx: &SessionContext,
        definition: String,
        sources: BTreeMap<String, u64>,
    ) -> Result<Kept> {
        Ok(Kept {
            definition,
            sources,
            entries: self.entries(ctx, None).await?,
        })
    }

    /// `prev` with the days this run's rows fall on (before and after) recomputed; `None`
    /// when the raw tables moved in a way the run's commits do not account for (a stopped
    /// run's commit, a table replaced) or the source does not show a table's key.
    async fn by_days(
        &self,
        lake: &Lake,
        catalogue: &Catalogue,
        ctx: &SessionContext,
        prev: &Kept,
        now: &BTreeMap<String, u64>,
        changes: &[Changed],
    ) -> Result<Option<(Kept, usize)>> {
        if prev.sources.keys().ne(now.keys()) {
            return Ok(None);
        }
        let columns = columns(ctx, &self.m.source).await;
        let mut moved = Vec::new();
        for (table, v) in now {
            let was = prev.sources.get(table).copied();
            if was == Some(*v) {
                continue;
            }
            let Some(c) = changes.iter().find(|c| {
                &c.table == table
                    && c.after == *v
                    && c.before.is_some()
                    && c.before == was
                    && c.keys.is_some()
            }) else {
                return Ok(None);
            };
            if !c.key.iter().all(|k| columns.contains(k)) {
                return Ok(None);
            }
            moved.push(c);
        }
        let before = lake.session_at(&prev.sources).await?;
        catalogue.register_views(&before).await;
        let keys_name: String = format!("{KEYS}_{}", self.id)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut touched = BTreeSet::new();
        for c in moved {
            for session in [&before, ctx] {
                let listed = c.keys.clone().unwrap_or_default();
                let keys = MemTable::try_new(
                    listed
                        .first()
                        .map(|b| b.schema())
                        .unwrap_or_else(|| Arc::new(arrow::datatypes::Schema::empty())),
                    vec![listed],
                )
                .map_err(|e| self.query(e))?;
                let _ = session.deregister_table(keys_name.as_str());
                session
                    .register_table(keys_name.as_str(), Arc::new(keys))
                    .map_err(|e| self.query(e))?;
                let rows = format!(
                    "(SELECT s.* FROM {} s LEFT SEMI JOIN {keys_name} k ON {})",
                    self.m.source,
                    on("s", "k", &c.key)
                );
                for part in self.parts {
                    let source = match part {
                        // the whole history of each key touched: its other states' spans move
                        Part::States { key, .. } => format!(
                            "(SELECT s.* FROM {src} s LEFT SEMI JOIN \
                             (SELECT DISTINCT {cols} FROM {rows} AS r) p ON {on}) AS h",
                            src = self.m.source,
                            cols = key.join(", "),
                            on = on("s", "p", key),
                        ),
                        _ => format!("{rows} AS r"),
                    };
                    touched.extend(self.days(session, part, &source).await?);
                }
                let _ = session.deregister_table(keys_name.as_str());
            }
        }
        let days: Vec<i64> = touched.iter().copied().collect();
        let fresh = self.entries(ctx, Some(&days)).await?;
        let mut entries = prev.entries.clone();
        for list in entries.values_mut() {
            list.retain(|e| !touched.contains(&e.day));
        }
        for (dim, list) in fresh {
            entries.entry(dim).or_default().extend(list);
        }
        let kept = Kept {
            definition: prev.definition.clone(),
            sources: now.clone(),
            entries,
        };
        Ok(Some((kept, days.len())))
    }
}

fn on(a: &str, b: &str, key: &[String]) -> String {
    key.iter()
        .map(|k| format!("{a}.{k} = {b}.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The names of a relation's columns.
async fn columns(ctx: &SessionContext, source: &str) -> BTreeSet<String> {
    match ctx.table(source).await {
        Ok(df) => df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        Err(_) => BTreeSet::new(),
    }
}

/// The lake tables a source reads: itself, or the tables under a catalogue view.
async fn base_tables(
    ctx: &SessionContext,
    catalogue: &Catalogue,
    source: &str,
) -> Result<Vec<String>> {
    let Some(view) = catalogue.views.iter().find(|v| v.name == source) else {
        return Ok(vec![source.to_string()]);
    };
    let plan = ctx
        .state()
        .create_logical_plan(&view.sql)
        .await
        .map_err(|e| MetricsError::Rollup(format!("view {source}: {e}")))?;
    let mut names = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            names.push(scan.table_name.table().to_string());
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .map_err(|e| MetricsError::Rollup(format!("view {source}: {e}")))?;
    let mut out = Vec::new();
    for n in names {
        let under = Box::pin(base_tables(ctx, catalogue, &n)).await?;
        out.extend(under);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
