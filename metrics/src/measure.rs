//! A measure's SQL: counting numerator and denominator rows per local day and khu phố, and
//! the same count for one period written out for people to read.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::{Measure, Period};

/// Counts of one local day (or of the whole snapshot) and one khu phố.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// `None` for snapshot measures.
    pub day: Option<NaiveDate>,
    pub unit: Option<String>,
    pub numerator: u64,
    pub denominator: u64,
}

/// Days between 1970-01-01 and 0001-01-01 in chrono's day numbering.
pub const UNIX_EPOCH_DAY: i32 = 719_163;

/// The query counting rows per local day and unit. The local day is computed from the UTC
/// microseconds with the zone's offset: Asia/Ho_Chi_Minh has kept UTC+7 since 1975, and
/// integer arithmetic keeps the query exact and fast at any scale.
pub fn daily_sql(m: &Measure, offset_seconds: i64) -> String {
    let mut groups = Vec::new();
    let day = match &m.period_column {
        Some(c) => {
            groups.push("day");
            format!(
                "CAST(floor((CAST({c} AS BIGINT) / 1000000.0 + {offset_seconds}) / 86400.0) AS BIGINT)"
            )
        }
        None => "CAST(NULL AS BIGINT)".to_string(),
    };
    let unit = match &m.unit_column {
        Some(c) => {
            groups.push("unit");
            format!("CAST({c} AS VARCHAR)")
        }
        None => "CAST(NULL AS VARCHAR)".to_string(),
    };
    let not_null = match &m.period_column {
        Some(c) => format!(" WHERE {c} IS NOT NULL"),
        None => String::new(),
    };
    let group_by = if groups.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", groups.join(", "))
    };
    format!(
        "SELECT {day} AS day, {unit} AS unit, \
         count(*) FILTER (WHERE ({den}) AND ({num})) AS numerator, \
         count(*) FILTER (WHERE {den}) AS denominator \
         FROM {src}{not_null}{group_by}",
        num = m.numerator,
        den = m.denominator,
        src = m.source,
    )
}

/// The count for one period, as shown to people who want to check a figure.
pub fn period_sql(m: &Measure, period: &Period, tz: Tz, unit: Option<&str>) -> String {
    let mut filters = Vec::new();
    if let Some(c) = &m.period_column {
        let start = local_midnight_utc(period.first_day(), tz);
        let end = local_midnight_utc(period.last_day().succ_opt().unwrap_or(NaiveDate::MAX), tz);
        filters.push(format!("{c} >= TIMESTAMP '{start}'"));
        filters.push(format!("{c} < TIMESTAMP '{end}'"));
    }
    if let (Some(c), Some(u)) = (&m.unit_column, unit) {
        filters.push(format!("{c} = '{}'", u.replace('\'', "''")));
    }
    let where_ = if filters.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", filters.join("\n  AND "))
    };
    format!(
        "SELECT\n  count(*) FILTER (WHERE ({den}) AND ({num})) AS tu_so,\n  count(*) FILTER (WHERE {den}) AS mau_so\nFROM {src}{where_}",
        num = m.numerator,
        den = m.denominator,
        src = m.source,
    )
}

fn local_midnight_utc(d: NaiveDate, tz: Tz) -> String {
    let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        None => local.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// Sums counts over the days of a period (and one unit, if given).
pub fn sum(counts: &[DayCount], period: Option<&Period>, unit: Option<&str>) -> (u64, u64) {
    counts
        .iter()
        .filter(|c| match (period, c.day) {
            (Some(p), Some(d)) => p.contains(d),
            (Some(_), None) => true,
            (None, _) => true,
        })
        .filter(|c| unit.is_none_or(|u| c.unit.as_deref() == Some(u)))
        .fold((0, 0), |(n, d), c| (n + c.numerator, d + c.denominator))
}
