//! Evaluating the catalogue over a lake session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::catalogue::Basis;
use crate::measure::{self, ColumnKind, DayCount};
use crate::milestone::{KhoGroupState, MilestoneState};
use crate::projection::{self, Projection};
use crate::rollup::{self, Series};
use crate::{
    Catalogue, Indicator, Measure, MetricsError, Period, PeriodRule, Result, Status, Target,
    Window, format,
};
use warehouse::columns::{int64, utf8};

/// One indicator's figure for one period (and unit).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorValue {
    pub id: String,
    pub period: Period,
    /// The days the figure covers and the rule that chose them.
    pub window: Window,
    /// Khu phố code, `None` for the whole ward.
    pub unit: Option<String>,
    /// `None` when the indicator is not a ratio.
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// Percentage; `None` for "no data" (no measure or a zero denominator), never 0 or NaN.
    pub value: Option<f64>,
    /// The value as printed: `95,2 %`, a milestone's state, or `chưa có dữ liệu`.
    pub value_text: String,
    /// Milestone year judged against.
    pub milestone: Option<i32>,
    pub target_text: Option<String>,
    pub status: Status,
    pub status_text: String,
    /// How the status was judged ahead of the milestone.
    pub projection: Option<Projection>,
    /// For KQ / Mức độ / Giai đoạn rows: the latest status report behind the figure.
    pub milestone_state: Option<MilestoneState>,
    /// For III.1: each Kho dữ liệu group and whether it has live, fresh tables.
    pub kho_groups: Option<Vec<KhoGroupState>>,
}

/// One row of the Phụ lục 1 table with its figure.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub id: String,
    pub group: String,
    pub group_name: String,
    pub stt: u32,
    pub name: String,
    pub unit: String,
    /// Milestone targets in milestone order, as the plan writes them.
    pub targets: Vec<(i32, String)>,
    pub note: String,
    pub computed: bool,
    #[serde(flatten)]
    pub figure: IndicatorValue,
}

/// One value of a breakdown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BreakdownValue {
    /// The dimension's value (a khu phố code, a field code, a channel …); `None` for rows
    /// that do not say.
    pub key: Option<String>,
    pub numerator: u64,
    pub denominator: u64,
    pub value: Option<f64>,
    pub value_text: String,
}

/// Text shown for a missing figure.
pub const NO_DATA: &str = "chưa có dữ liệu";

type Cache<K> = Mutex<HashMap<K, Arc<Vec<DayCount>>>>;
type MilestoneCache = Mutex<HashMap<(String, Window, Option<i32>), Option<MilestoneState>>>;

/// Computes indicators over one snapshot of the lake.
pub struct Evaluator {
    catalogue: Catalogue,
    ctx: SessionContext,
    tz: Tz,
    offset_seconds: i64,
    rule: Option<PeriodRule>,
    kho: Vec<KhoGroupState>,
    lake_version: Option<u64>,
    /// Every figure counted per window from the raw tables, for checking the kept counts.
    by_window: bool,
    /// The version of each table the snapshot reads.
    table_versions: HashMap<String, u64>,
    /// The kept counts of the snapshot's rollup table, read once.
    kept: Mutex<Option<Arc<KeptCounts>>>,
    /// Per indicator and breakdown (`""`: the whole ward), its counts by day.
    series: Mutex<HashMap<(String, String), Arc<Series>>>,
    windows: Cache<(String, Window, Option<String>)>,
    /// A milestone row's latest status report per window (the same for every khu phố).
    milestones: MilestoneCache,
    kinds: Mutex<HashMap<(String, String), Option<ColumnKind>>>,
}

/// The rollup table as read: each measure's definition with the raw tables' versions it was
/// counted from, and its series.
#[derive(Default)]
struct KeptCounts {
    definitions: HashMap<String, (String, std::collections::BTreeMap<String, u64>)>,
    series: HashMap<(String, String), Arc<Series>>,
}

impl Evaluator {
    /// An evaluator over `ctx` (a session with the lake's tables registered); the catalogue's
    /// views are created in it.
    pub async fn new(catalogue: Catalogue, ctx: SessionContext, tz: Tz) -> Result<Self> {
        catalogue.register_views(&ctx).await;
        let offset_seconds = measure::offset_seconds(tz);
        Ok(Self {
            catalogue,
            ctx,
            tz,
            offset_seconds,
            rule: None,
            kho: Vec::new(),
            lake_version: None,
            by_window: false,
            table_versions: HashMap::new(),
            kept: Mutex::default(),
            series: Mutex::default(),
            milestones: Mutex::default(),
            windows: Mutex::default(),
            kinds: Mutex::default(),
        })
    }

    /// Every figure counted per window from the raw tables, as [`Evaluator::explain_sql`]
    /// shows it, instead of from the counts kept per day: the reference the kept counts are
    /// checked against.
    pub fn by_window(mut self) -> Self {
        self.by_window = true;
        self
    }

    /// Every figure read under `rule` instead of each indicator's own.
    pub fn with_rule(mut self, rule: Option<PeriodRule>) -> Self {
        self.rule = rule;
        self
    }

    /// The Kho dữ liệu groups and their tables' freshness, for III.1.
    pub fn with_kho_groups(mut self, groups: Vec<KhoGroupState>) -> Self {
        self.kho = groups;
        self
    }

    fn with_window_counting(mut self, by_window: bool) -> Self {
        self.by_window = by_window;
        self
    }

    /// Records the version of each table the snapshot reads: counts kept from other versions
    /// are not used.
    pub fn with_table_versions(mut self, versions: HashMap<String, u64>) -> Self {
        self.table_versions = versions;
        self
    }

    /// Records which lake version the figures come from.
    pub fn with_lake_version(mut self, version: Option<u64>) -> Self {
        self.lake_version = version;
        self
    }

    /// The lake version the figures come from, when known: a report quoting it can be made
    /// again later with the same numbers.
    pub fn lake_version(&self) -> Option<u64> {
        self.lake_version
    }

    /// The period rule every figure is read under, when a report sets one.
    pub fn rule(&self) -> Option<PeriodRule> {
        self.rule
    }

    /// The same snapshot read under another period rule.
    pub async fn with_other_rule(&self, rule: Option<PeriodRule>) -> Result<Evaluator> {
        Ok(
            Evaluator::new(self.catalogue.clone(), self.ctx.clone(), self.tz)
                .await?
                .with_rule(rule)
                .with_kho_groups(self.kho.clone())
                .with_lake_version(self.lake_version)
                .with_window_counting(self.by_window)
                .with_table_versions(self.table_versions.clone()),
        )
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The time zone periods are read in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The session the figures are computed in.
    pub fn session(&self) -> &SessionContext {
        &self.ctx
    }

    /// The window an indicator's figure for `period` covers.
    pub fn window(&self, ind: &Indicator, period: Period) -> Window {
        let own = ind
            .measure
            .as_ref()
            .map(|m| m.period_rule)
            .unwrap_or_default();
        period.window(self.rule.unwrap_or(own))
    }

    fn query_error(ind: &Indicator) -> impl Fn(datafusion::error::DataFusionError) -> MetricsError {
        let id = ind.id.clone();
        move |source| MetricsError::Query {
            indicator: id.clone(),
            source,
        }
    }

    async fn column_kind(&self, source: &str, column: &str) -> Option<ColumnKind> {
        let k = (source.to_string(), column.to_string());
        if let Some(v) = lock(&self.kinds).get(&k) {
            return *v;
        }
        let kind = measure::kind_of(&self.ctx, source, column).await;
        lock(&self.kinds).insert(k, kind);
        kind
    }

    /// Whether the snapshot holds a table or view of this name.
    pub(crate) fn has_table(&self, name: &str) -> bool {
        self.ctx.table_exist(name).unwrap_or(false)
    }

    /// How the measure's date column is read, when it has one.
    pub(crate) async fn basis_kind(&self, m: &Measure) -> Option<ColumnKind> {
        match Self::basis_column(m) {
            Some(c) => self.column_kind(&m.source, c).await,
            None => None,
        }
    }

    fn basis_column(m: &Measure) -> Option<&str> {
        match &m.basis {
            Basis::Event { column } | Basis::AsOf { column, .. } => Some(column),
            Basis::Current | Basis::Conditions => None,
        }
    }

    /// Numerator and denominator per value of `dimension` (all rows as one when `None`) over
    /// a window; empty when the source is not in the lake.
    async fn counts(
        &self,
        ind: &Indicator,
        m: &Measure,
        w: &Window,
        dimension: Option<&str>,
    ) -> Result<Arc<Vec<DayCount>>> {
        let unit_column = dimension.and_then(|d| m.column(d));
        if dimension.is_some() && unit_column.is_none() {
            return Ok(Arc::new(Vec::new()));
        }
        let dim = dimension.map(str::to_string);
        if !self.has_table(&m.source) {
            return Ok(Arc::new(Vec::new()));
        }
        if !self.by_window
            && let Some(parts) = rollup::parts(m)
        {
            let series = self
                .day_series(ind, m, &parts, dimension.unwrap_or(""), unit_column)
                .await?;
            return Ok(Arc::new(series.window(w)));
        }
        // a catalogue read as it is has one count whatever the window
        let keyed = match m.basis {
            Basis::Current => Window {
                rule: w.rule,
                from: NaiveDate::MIN,
                to: NaiveDate::MIN,
            },
            _ => *w,
        };
        let key = (ind.id.clone(), keyed, dim);
        if let Some(c) = lock(&self.windows).get(&key) {
            return Ok(c.clone());
        }
        let kind = self.basis_kind(m).await;
        let sql = measure::window_sql(m, w, self.tz, kind, unit_column, None);
        let out = Arc::new(self.run(ind, &sql).await?);
        lock(&self.windows).insert(key, out.clone());
        Ok(out)
    }

    /// An indicator's counts by day for one breakdown: kept in the snapshot's rollup table
    /// when its definition there is the catalogue's, else counted from the raw tables once
    /// per snapshot the same way.
    async fn day_series(
        &self,
        ind: &Indicator,
        m: &Measure,
        parts: &[rollup::Part],
        dimension: &str,
        column: Option<&str>,
    ) -> Result<Arc<Series>> {
        let key = (ind.id.clone(), dimension.to_string());
        if let Some(s) = lock(&self.series).get(&key) {
            return Ok(s.clone());
        }
        let kept = self.kept().await?;
        let series = if self.kept_current(&kept, ind, m) {
            kept.series.get(&key).cloned().unwrap_or_default()
        } else {
            let counting = rollup::count::Measured {
                id: &ind.id,
                m,
                parts,
                offset: self.offset_seconds,
            };
            Arc::new(Series::of(
                counting.dimension(&self.ctx, column, None).await?,
            ))
        };
        lock(&self.series).insert(key, series.clone());
        Ok(series)
    }

    /// Whether the snapshot keeps the indicator's counts counted the catalogue's way from the
    /// very table versions it reads (a run whose rollup update failed leaves them behind).
    fn kept_current(&self, kept: &KeptCounts, ind: &Indicator, m: &Measure) -> bool {
        let definition = rollup::definition(&self.catalogue, m, self.offset_seconds);
        kept.definitions.get(&ind.id).is_some_and(|(d, sources)| {
            *d == definition
                && sources
                    .iter()
                    .all(|(t, v)| self.table_versions.get(t) == Some(v))
        })
    }

    /// Whether an indicator's figures come from the counts kept in the lake (rather than from
    /// the raw tables).
    pub async fn counts_kept(&self, id: &str) -> Result<bool> {
        let ind = self.catalogue.indicator(id)?;
        let Some(m) = ind.measure.as_ref().filter(|m| rollup::parts(m).is_some()) else {
            return Ok(false);
        };
        Ok(!self.by_window && self.kept_current(&*self.kept().await?, ind, m))
    }

    /// The latest status report of a milestone row as of a window's end, read once per window.
    async fn milestone_state(
        &self,
        ind: &Indicator,
        m: &crate::MilestoneMeasure,
        w: &Window,
        year: Option<i32>,
    ) -> Result<Option<MilestoneState>> {
        let key = (ind.id.clone(), *w, year);
        if let Some(s) = lock(&self.milestones).get(&key) {
            return Ok(s.clone());
        }
        let state = crate::milestone::state(&self.ctx, ind, m, w, year).await?;
        lock(&self.milestones).insert(key, state.clone());
        Ok(state)
    }

    /// The snapshot's rollup table, read once.
    async fn kept(&self) -> Result<Arc<KeptCounts>> {
        if let Some(k) = lock(&self.kept).clone() {
            return Ok(k);
        }
        let mut out = KeptCounts::default();
        if self.has_table(rollup::TABLE) {
            let rows = self
                .ctx
                .table(rollup::TABLE)
                .await
                .map_err(|e| MetricsError::Rollup(e.to_string()))?
                .collect()
                .await
                .map_err(|e| MetricsError::Rollup(e.to_string()))?;
            for (id, kept) in rollup::from_batches(&rows)? {
                for (dim, entries) in kept.entries {
                    out.series
                        .insert((id.clone(), dim), Arc::new(Series::of(entries)));
                }
                out.definitions.insert(id, (kept.definition, kept.sources));
            }
        }
        let out = Arc::new(out);
        *lock(&self.kept) = Some(out.clone());
        Ok(out)
    }

    /// Runs a window's count query: `unit, numerator, denominator`.
    async fn run(&self, ind: &Indicator, sql: &str) -> Result<Vec<DayCount>> {
        let q = Self::query_error(ind);
        let batches = self
            .ctx
            .sql(sql)
            .await
            .map_err(&q)?
            .collect()
            .await
            .map_err(&q)?;
        let mut out = Vec::new();
        for b in &batches {
            let unit = utf8(b.column(0)).map_err(&q)?;
            let num = int64(b.column(1)).map_err(&q)?;
            let den = int64(b.column(2)).map_err(&q)?;
            for r in 0..b.num_rows() {
                out.push(DayCount {
                    unit: unit[r].clone(),
                    numerator: num[r].unwrap_or(0).max(0) as u64,
                    denominator: den[r].unwrap_or(0).max(0) as u64,
                });
            }
        }
        Ok(out)
    }

    /// Numerator and denominator of a ratio indicator over a window, for one khu phố or all.
    async fn ratio(
        &self,
        ind: &Indicator,
        m: &Measure,
        w: &Window,
        unit: Option<&str>,
    ) -> Result<(u64, u64)> {
        let counts = self.counts(ind, m, w, unit.map(|_| "khu_pho")).await?;
        Ok(counts
            .iter()
            .filter(|c| unit.is_none_or(|u| c.unit.as_deref() == Some(u)))
            .fold((0, 0), |(n, d), c| (n + c.numerator, d + c.denominator)))
    }

    /// One indicator for one period and, optionally, one khu phố.
    pub async fn value(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<IndicatorValue> {
        let ind = self.catalogue.indicator(id)?;
        let w = self.window(ind, period);
        let milestone = period.milestone(&self.catalogue.milestones);
        let target_text = milestone
            .and_then(|y| ind.target_text(y))
            .map(str::to_string);
        let mut v = IndicatorValue {
            id: ind.id.clone(),
            period,
            window: w,
            unit: unit.map(str::to_string),
            numerator: None,
            denominator: None,
            value: None,
            value_text: NO_DATA.to_string(),
            milestone,
            target_text,
            status: Status::ChuaCoDuLieu,
            status_text: String::new(),
            projection: None,
            milestone_state: None,
            kho_groups: None,
        };
        if let Some(m) = &ind.milestone {
            let state = self.milestone_state(ind, m, &w, milestone).await?;
            v.status = crate::milestone::status(state.as_ref(), &w, period, milestone);
            if let Some(s) = &state {
                v.value_text = s.text();
            }
            if m.kho_groups {
                let fresh = self.kho.iter().filter(|g| g.fresh).count();
                if !self.kho.is_empty() {
                    v.value_text = format!(
                        "{}; {fresh}/{} nhóm dữ liệu có bảng còn mới",
                        v.value_text,
                        self.kho.len()
                    );
                }
                v.kho_groups = Some(self.kho.clone());
            }
            v.milestone_state = state;
            v.projection = milestone
                .and_then(crate::period::deadline)
                .map(|d| Projection {
                    method_vi: projection::MILESTONE_METHOD_VI.to_string(),
                    points: 0,
                    slope_per_month: None,
                    deadline: d,
                    value_at_deadline: None,
                    reaches_target_on: None,
                });
        } else if let Some(m) = ind
            .measure
            .as_ref()
            // a source not ingested yet has no figure at all, not a zero one
            .filter(|m| self.ctx.table_exist(m.source.as_str()).unwrap_or(false))
        {
            let (n, d) = self.ratio(ind, m, &w, unit).await?;
            v.numerator = Some(n);
            v.denominator = Some(d);
            v.value = (d > 0).then(|| n as f64 * 100.0 / d as f64);
            if let Some(value) = v.value {
                v.value_text = format::percent(value);
            }
            let target = milestone.and_then(|y| ind.target(y));
            v.status = match (v.value, &target) {
                (None, _) => Status::ChuaCoDuLieu,
                (Some(_), None) => Status::KhongCoMucTieu,
                (Some(value), Some(t @ Target::AtLeast { percent })) => {
                    let due = milestone.and_then(crate::period::deadline);
                    // a catalogue has no history: there is no trend to carry forward
                    let p = match due {
                        Some(due) if m.basis != Basis::Current => {
                            Some(self.project(ind, m, period, unit, *percent, due).await?)
                        }
                        _ => None,
                    };
                    let status = if t.met_by(value) == Some(true) {
                        Status::Dat
                    } else if due.is_some_and(|d| period.last_day() >= d) {
                        Status::ChuaDat
                    } else if p.as_ref().and_then(|p| p.on_track(*percent)) == Some(false) {
                        Status::NguyCo
                    } else {
                        Status::ChuaDat
                    };
                    v.projection = p;
                    status
                }
                // a pilot target ("Thí điểm, hình thành mô hình") is met once one unit meets
                // every criterion
                (Some(_), Some(Target::Milestone { .. })) => {
                    if n > 0 {
                        Status::Dat
                    } else {
                        Status::ChuaDat
                    }
                }
            };
        }
        v.status_text = v.status.label_vi().to_string();
        Ok(v)
    }

    /// The trend of the months up to `period`'s last, carried to the milestone.
    async fn project(
        &self,
        ind: &Indicator,
        m: &Measure,
        period: Period,
        unit: Option<&str>,
        target: f64,
        due: NaiveDate,
    ) -> Result<Projection> {
        let last = Period::month_of(period.last_day());
        let mut points = Vec::new();
        for back in (0..projection::TREND_MONTHS).rev() {
            let d = last
                .first_day()
                .checked_sub_months(chrono::Months::new(back))
                .unwrap_or(NaiveDate::MIN);
            let month = Period::month_of(d);
            let (n, den) = self.ratio(ind, m, &self.window(ind, month), unit).await?;
            if den > 0 {
                points.push((d, n as f64 * 100.0 / den as f64));
            }
        }
        Ok(projection::linear(&points, target, due))
    }

    /// An indicator broken down by a dimension (`khu_pho`, `linh_vuc`, `don_vi`, `kenh`).
    pub async fn breakdown(
        &self,
        id: &str,
        period: Period,
        dimension: &str,
    ) -> Result<Vec<BreakdownValue>> {
        let ind = self.catalogue.indicator(id)?;
        let Some(m) = &ind.measure else {
            return Err(MetricsError::Breakdown {
                indicator: id.to_string(),
                dimension: dimension.to_string(),
            });
        };
        if m.column(dimension).is_none() {
            return Err(MetricsError::Breakdown {
                indicator: id.to_string(),
                dimension: dimension.to_string(),
            });
        }
        let w = self.window(ind, period);
        let counts = self.counts(ind, m, &w, Some(dimension)).await?;
        // a value with nothing in its denominator this period is not part of it
        let mut out: Vec<BreakdownValue> = counts
            .iter()
            .filter(|c| c.denominator > 0)
            .map(|c| {
                let value =
                    (c.denominator > 0).then(|| c.numerator as f64 * 100.0 / c.denominator as f64);
                BreakdownValue {
                    key: c.unit.clone(),
                    numerator: c.numerator,
                    denominator: c.denominator,
                    value,
                    value_text: value
                        .map(format::percent)
                        .unwrap_or_else(|| NO_DATA.to_string()),
                }
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// The whole Phụ lục 1 table for a period.
    pub async fn table(&self, period: Period, unit: Option<&str>) -> Result<Vec<IndicatorRow>> {
        let mut rows = Vec::new();
        for ind in &self.catalogue.indicators {
            rows.push(self.row(&ind.id, period, unit).await?);
        }
        Ok(rows)
    }

    /// The operations figures for a period.
    pub async fn operations(
        &self,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Vec<IndicatorRow>> {
        let mut rows = Vec::new();
        for ind in &self.catalogue.operations {
            rows.push(self.row(&ind.id, period, unit).await?);
        }
        Ok(rows)
    }

    /// One row of the table.
    pub async fn row(&self, id: &str, period: Period, unit: Option<&str>) -> Result<IndicatorRow> {
        let figure = self.value(id, period, unit).await?;
        let ind = self.catalogue.indicator(id)?;
        Ok(IndicatorRow {
            id: ind.id.clone(),
            group: ind.group.clone(),
            group_name: self.catalogue.group_name(&ind.group).to_string(),
            stt: ind.stt,
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            targets: self
                .catalogue
                .milestones
                .iter()
                .filter_map(|y| ind.target_text(*y).map(|t| (*y, t.to_string())))
                .collect(),
            note: ind.note.clone(),
            computed: ind.measure.is_some() || ind.milestone.is_some(),
            figure,
        })
    }

    /// Monthly values from `from` to `to` (inclusive, by month).
    pub async fn series(
        &self,
        id: &str,
        from: Period,
        to: Period,
        unit: Option<&str>,
    ) -> Result<Vec<IndicatorValue>> {
        let mut out = Vec::new();
        let mut month = Period::month_of(from.first_day());
        while month.first_day() <= to.last_day() {
            out.push(self.value(id, month, unit).await?);
            let next = month.last_day().succ_opt().unwrap_or(NaiveDate::MAX);
            month = Period::month_of(next);
            if next == NaiveDate::MAX {
                break;
            }
        }
        Ok(out)
    }

    /// The SQL that computes an indicator for a period, as people can re-run it.
    pub async fn explain_sql(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Option<String>> {
        let ind = self.catalogue.indicator(id)?;
        let w = self.window(ind, period);
        if let Some(m) = &ind.milestone {
            return Ok(Some(crate::milestone::sql(ind, m, &w)));
        }
        let Some(m) = &ind.measure else {
            return Ok(None);
        };
        // a figure that cannot be cut by khu phố has no SQL for one
        if unit.is_some() && m.column("khu_pho").is_none() {
            return Ok(None);
        }
        let kind = self.basis_kind(m).await;
        Ok(Some(measure::window_sql(
            m,
            &w,
            self.tz,
            kind,
            m.column("khu_pho").filter(|_| unit.is_some()),
            unit,
        )))
    }

    /// The first and last local months with data, for default chart ranges.
    pub async fn data_range(&self, id: &str) -> Result<Option<(Period, Period)>> {
        let ind = self.catalogue.indicator(id)?;
        let Some(m) = &ind.measure else {
            return Ok(None);
        };
        let Some(column) = Self::basis_column(m) else {
            return Ok(None);
        };
        if !self.ctx.table_exist(m.source.as_str()).unwrap_or(false) {
            return Ok(None);
        }
        let q = Self::query_error(ind);
        let sql = format!(
            "SELECT CAST(min({column}) AS VARCHAR), CAST(max({column}) AS VARCHAR) FROM {}",
            m.source
        );
        let batches = self
            .ctx
            .sql(&sql)
            .await
            .map_err(&q)?
            .collect()
            .await
            .map_err(&q)?;
        let Some(b) = batches.first().filter(|b| b.num_rows() > 0) else {
            return Ok(None);
        };
        let read = |i: usize| -> Result<Option<NaiveDate>> {
            Ok(utf8(b.column(i)).map_err(&q)?[0]
                .as_deref()
                .and_then(|s| self.local_date(s)))
        };
        Ok(match (read(0)?, read(1)?) {
            (Some(a), Some(b)) => Some((Period::month_of(a), Period::month_of(b))),
            _ => None,
        })
    }

    /// A date or an instant as DataFusion prints it, as a local date.
    fn local_date(&self, s: &str) -> Option<NaiveDate> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(d);
        }
        let t = chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|n| n.and_utc())
            })?;
        Some(t.with_timezone(&self.tz).date_naive())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // the maps only cache query results; a poisoned lock still holds valid entries
    m.lock().unwrap_or_else(|p| p.into_inner())
}
