//! Evaluating the catalogue over a lake session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::measure::{self, DayCount, UNIX_EPOCH_DAY};
use crate::{Catalogue, Indicator, MetricsError, Period, Result, Status, format};

/// One indicator's figure for one period (and unit).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorValue {
    pub id: String,
    pub period: Period,
    /// Khu phố code, `None` for the whole ward.
    pub unit: Option<String>,
    /// `None` when the indicator has no measure yet.
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// Percentage; `None` for "no data" (no measure or a zero denominator), never 0 or NaN.
    pub value: Option<f64>,
    /// The value as printed: `95,2 %` or `chưa có dữ liệu`.
    pub value_text: String,
    /// Milestone year judged against.
    pub milestone: Option<i32>,
    pub target_text: Option<String>,
    pub status: Status,
    pub status_text: String,
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

/// Text shown for a missing figure.
pub const NO_DATA: &str = "chưa có dữ liệu";

/// Computes indicators over one snapshot of the lake.
pub struct Evaluator {
    catalogue: Catalogue,
    ctx: SessionContext,
    tz: Tz,
    offset_seconds: i64,
    counts: Mutex<HashMap<String, Arc<Vec<DayCount>>>>,
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
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The time zone periods are read in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    async fn day_counts(&self, ind: &Indicator) -> Result<Option<Arc<Vec<DayCount>>>> {
        let Some(m) = &ind.measure else {
            return Ok(None);
        };
        if let Some(c) = self.lock().get(&ind.id) {
            return Ok(Some(c.clone()));
        }
        if !self.ctx.table_exist(m.source.as_str()).unwrap_or(false) {
            return Ok(Some(Arc::new(Vec::new())));
        }
        let q = |source| MetricsError::Query {
            indicator: ind.id.clone(),
            source,
        };
        let batches = self
            .ctx
            .sql(&measure::daily_sql(m, self.offset_seconds))
            .await
            .map_err(q)?
            .collect()
            .await
            .map_err(q)?;
        let mut out = Vec::new();
        for b in &batches {
            let day = b.column(0).as_primitive::<Int64Type>();
            // VARCHAR may come back as Utf8View; read it as plain Utf8
            let unit = arrow::compute::cast(b.column(1), &arrow::datatypes::DataType::Utf8)
                .map_err(|e| q(e.into()))?;
            let unit = unit.as_string::<i32>();
            let num = b.column(2).as_primitive::<Int64Type>();
            let den = b.column(3).as_primitive::<Int64Type>();
            for r in 0..b.num_rows() {
                out.push(DayCount {
                    day: (!day.is_null(r))
                        .then(|| {
                            NaiveDate::from_num_days_from_ce_opt(
                                day.value(r) as i32 + UNIX_EPOCH_DAY,
                            )
                        })
                        .flatten(),
                    unit: (!unit.is_null(r)).then(|| unit.value(r).to_string()),
                    numerator: num.value(r).max(0) as u64,
                    denominator: den.value(r).max(0) as u64,
                });
            }
        }
        let out = Arc::new(out);
        self.lock().insert(ind.id.clone(), out.clone());
        Ok(Some(out))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Vec<DayCount>>>> {
        // the map only caches query results; a poisoned lock still holds valid entries
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One indicator for one period and, optionally, one khu phố.
    pub async fn value(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<IndicatorValue> {
        let ind = self.catalogue.indicator(id)?;
        let counts = self.day_counts(ind).await?;
        let (numerator, denominator) = match &counts {
            Some(c) => {
                let (n, d) = measure::sum(c, Some(&period), unit);
                (Some(n), Some(d))
            }
            None => (None, None),
        };
        let value = match (numerator, denominator) {
            (Some(n), Some(d)) if d > 0 => Some(n as f64 * 100.0 / d as f64),
            _ => None,
        };
        let milestone = period.milestone(&self.catalogue.milestones);
        let target = milestone.and_then(|y| ind.target(y));
        let status = match (value, &target) {
            (Some(v), Some(t)) => match t.met_by(v) {
                Some(true) => Status::Dat,
                Some(false) => Status::ChuaDat,
                None => Status::ChuaCoDuLieu,
            },
            _ => Status::ChuaCoDuLieu,
        };
        Ok(IndicatorValue {
            id: ind.id.clone(),
            period,
            unit: unit.map(str::to_string),
            numerator,
            denominator,
            value,
            value_text: value
                .map(format::percent)
                .unwrap_or_else(|| NO_DATA.to_string()),
            milestone,
            target_text: milestone
                .and_then(|y| ind.target_text(y))
                .map(str::to_string),
            status,
            status_text: status.label_vi().to_string(),
        })
    }

    /// The whole Phụ lục 1 table for a period.
    pub async fn table(&self, period: Period, unit: Option<&str>) -> Result<Vec<IndicatorRow>> {
        let mut rows = Vec::new();
        for ind in &self.catalogue.indicators {
            rows.push(self.row(&ind.id, period, unit).await?);
        }
        Ok(rows)
    }

    /// One row of the table.
    pub async fn row(&self, id: &str, period: Period, unit: Option<&str>) -> Result<IndicatorRow> {
        let ind = self.catalogue.indicator(id)?;
        let figure = self.value(id, period, unit).await?;
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
                .map(|y| (*y, ind.target_text(*y).unwrap_or("").to_string()))
                .collect(),
            note: ind.note.clone(),
            computed: ind.measure.is_some(),
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
    pub fn explain_sql(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Option<String>> {
        let ind = self.catalogue.indicator(id)?;
        Ok(ind
            .measure
            .as_ref()
            .map(|m| measure::period_sql(m, &period, self.tz, unit)))
    }

    /// The first and last local months with any dossier-like data, for default chart ranges.
    pub async fn data_range(&self, id: &str) -> Result<Option<(Period, Period)>> {
        let ind = self.catalogue.indicator(id)?;
        let Some(counts) = self.day_counts(ind).await? else {
            return Ok(None);
        };
        let days: Vec<NaiveDate> = counts.iter().filter_map(|c| c.day).collect();
        Ok(match (days.iter().min(), days.iter().max()) {
            (Some(a), Some(b)) => Some((Period::month_of(*a), Period::month_of(*b))),
            _ => None,
        })
    }
}
