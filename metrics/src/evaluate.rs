//! Evaluating the catalogue over a lake session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::datatypes::DataType;
use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::catalogue::Basis;
use crate::measure::{self, ColumnKind, DayCount, UNIX_EPOCH_DAY};
use crate::milestone::{KhoGroupState, MilestoneState};
use crate::projection::{self, Projection};
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

/// The columns of a count query.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `unit, numerator, denominator`: one window.
    Window,
    /// `day, unit, numerator, denominator`: per local day.
    Days,
    /// `day, until, unit, numerator, denominator`: per span a state holds.
    Spans,
}

/// Text shown for a missing figure.
pub const NO_DATA: &str = "chưa có dữ liệu";

type Cache<K> = Mutex<HashMap<K, Arc<Vec<DayCount>>>>;

/// Computes indicators over one snapshot of the lake.
pub struct Evaluator {
    catalogue: Catalogue,
    ctx: SessionContext,
    tz: Tz,
    offset_seconds: i64,
    rule: Option<PeriodRule>,
    kho: Vec<KhoGroupState>,
    lake_version: Option<u64>,
    daily: Cache<(String, Option<String>)>,
    windows: Cache<(String, Window, Option<String>)>,
    kinds: Mutex<HashMap<(String, String), Option<ColumnKind>>>,
}

impl Evaluator {
    /// An evaluator over `ctx` (a session with the lake's tables registered); the catalogue's
    /// views are created in it.
    pub async fn new(catalogue: Catalogue, ctx: SessionContext, tz: Tz) -> Result<Self> {
        for v in &catalogue.views {
            // a view over a table not ingested yet is simply absent: its measures have no data
            if let Ok(df) = ctx.sql(&v.sql).await {
                let _ = ctx.register_table(v.name.as_str(), df.into_view());
            }
        }
        let offset_seconds = tz
            .offset_from_utc_datetime(&chrono::Utc::now().naive_utc())
            .fix()
            .local_minus_utc() as i64;
        Ok(Self {
            catalogue,
            ctx,
            tz,
            offset_seconds,
            rule: None,
            kho: Vec::new(),
            lake_version: None,
            daily: Mutex::default(),
            windows: Mutex::default(),
            kinds: Mutex::default(),
        })
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
                .with_lake_version(self.lake_version),
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
        let kind = match self.ctx.table(source).await {
            Ok(df) => df
                .schema()
                .field_with_unqualified_name(column)
                .ok()
                .map(|f| match f.data_type() {
                    DataType::Date32 | DataType::Date64 => ColumnKind::Date,
                    _ => ColumnKind::Instant,
                }),
            Err(_) => None,
        };
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
        let kind = self.basis_kind(m).await;
        // counts kept per day or per span, from one scan, and summed into any window
        let once = match (&m.basis, kind) {
            (Basis::Event { column }, Some(kind)) if m.by_day() => Some((
                measure::daily_sql(m, column, kind, unit_column, self.offset_seconds),
                Shape::Days,
            )),
            (Basis::AsOf { column, key }, Some(kind)) if m.by_span() => Some((
                measure::spans_sql(m, column, key, kind, unit_column, self.offset_seconds),
                Shape::Spans,
            )),
            _ => None,
        };
        if let Some((sql, shape)) = once {
            let key = (ind.id.clone(), dim);
            let cached = lock(&self.daily).get(&key).cloned();
            let counts = match cached {
                Some(c) => c,
                None => {
                    let c = Arc::new(self.run(ind, &sql, shape).await?);
                    lock(&self.daily).insert(key, c.clone());
                    c
                }
            };
            return Ok(Arc::new(match shape {
                Shape::Spans => measure::sum_as_of(&counts, w),
                _ => measure::sum_window(&counts, w),
            }));
        }
        let key = (ind.id.clone(), *w, dim);
        if let Some(c) = lock(&self.windows).get(&key) {
            return Ok(c.clone());
        }
        let sql = measure::window_sql(m, w, self.tz, kind, unit_column, None);
        let out = Arc::new(self.run(ind, &sql, Shape::Window).await?);
        lock(&self.windows).insert(key, out.clone());
        Ok(out)
    }

    /// Runs a count query of `shape`.
    async fn run(&self, ind: &Indicator, sql: &str, shape: Shape) -> Result<Vec<DayCount>> {
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
        let first = match shape {
            Shape::Window => 0,
            Shape::Days => 1,
            Shape::Spans => 2,
        };
        let date = |d: Option<i64>| {
            d.and_then(|d| NaiveDate::from_num_days_from_ce_opt(d as i32 + UNIX_EPOCH_DAY))
        };
        for b in &batches {
            let unit = utf8(b.column(first)).map_err(&q)?;
            let num = int64(b.column(first + 1)).map_err(&q)?;
            let den = int64(b.column(first + 2)).map_err(&q)?;
            let day = match shape {
                Shape::Window => None,
                _ => Some(int64(b.column(0)).map_err(&q)?),
            };
            let until = match shape {
                Shape::Spans => Some(int64(b.column(1)).map_err(&q)?),
                _ => None,
            };
            for r in 0..b.num_rows() {
                out.push(DayCount {
                    day: date(day.as_ref().and_then(|d| d[r])),
                    until: date(until.as_ref().and_then(|u| u[r])),
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
            let state = crate::milestone::state(&self.ctx, ind, m, &w, milestone).await?;
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
                (Some(value), Some(Target::AtLeast { percent })) => {
                    let due = milestone.and_then(crate::period::deadline);
                    // a catalogue has no history: there is no trend to carry forward
                    let p = match due {
                        Some(due) if m.basis != Basis::Current => {
                            Some(self.project(ind, m, period, unit, *percent, due).await?)
                        }
                        _ => None,
                    };
                    let status = if value + 1e-9 >= *percent {
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
