//! A measure's SQL for one window: `window_sql` counts a window's figure straight from the
//! raw tables (what a person is shown to re-run a figure, and how a measure that cannot be
//! kept per day is computed); `records_sql` lists the rows behind it. Counts kept per day are
//! in [`crate::rollup`].

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::catalogue::Basis;
use crate::{Measure, Window};

/// A window's counts for one breakdown value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub unit: Option<String>,
    pub numerator: u64,
    pub denominator: u64,
}

/// Days between 1970-01-01 and 0001-01-01 in chrono's day numbering.
pub const UNIX_EPOCH_DAY: i32 = 719_163;

/// What a measure counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted<'a> {
    Rows,
    Distinct(&'a str),
    Sum(&'a str),
}

impl Measure {
    /// What the measure counts.
    pub fn counted(&self) -> Counted<'_> {
        let c = self.count.as_deref().unwrap_or("rows");
        if let Some(col) = c.strip_prefix("distinct:") {
            Counted::Distinct(col.trim())
        } else if let Some(col) = c.strip_prefix("sum:") {
            Counted::Sum(col.trim())
        } else {
            Counted::Rows
        }
    }

    /// Whether the figure of any window is a sum of day counts: rows fall in a period by one
    /// date, the conditions do not name the window, and what is counted adds up over days.
    pub fn by_day(&self) -> bool {
        matches!(self.basis, Basis::Event { .. })
            && !self.names_window()
            && !matches!(self.counted(), Counted::Distinct(_))
    }

    /// Whether the state at any window's end can be read from the spans each row holds for:
    /// an `as_of` measure whose conditions do not name the window and whose counts add up.
    pub fn by_span(&self) -> bool {
        matches!(self.basis, Basis::AsOf { .. })
            && !self.names_window()
            && !matches!(self.counted(), Counted::Distinct(_))
    }

    fn names_window(&self) -> bool {
        [&self.numerator, &self.denominator]
            .into_iter()
            .chain(&self.filter)
            .any(|c| c.contains('{'))
    }

    fn aggregates(&self) -> (String, String) {
        self.aggregates_of(&self.numerator, &self.denominator)
    }

    /// The numerator's and denominator's aggregate expressions for these conditions, within
    /// the measure's filter and counting its way.
    pub(crate) fn aggregates_of(&self, numerator: &str, denominator: &str) -> (String, String) {
        let scope = self
            .filter
            .as_ref()
            .map(|f| format!("({f}) AND "))
            .unwrap_or_default();
        let den = format!("{scope}({denominator})");
        let num = format!("{den} AND ({numerator})");
        let agg = |cond: &str, summed: Option<&str>| match self.counted() {
            Counted::Rows => format!("count(CASE WHEN {cond} THEN 1 END)"),
            Counted::Distinct(c) => format!("count(DISTINCT CASE WHEN {cond} THEN {c} END)"),
            Counted::Sum(c) => format!(
                "coalesce(sum(CASE WHEN {cond} THEN CAST({} AS BIGINT) END), 0)",
                summed.unwrap_or(c)
            ),
        };
        (agg(&num, None), agg(&den, self.denominator_sum.as_deref()))
    }
}

/// How a column's values are read as local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A UTC instant.
    Instant,
    /// A local date.
    Date,
}

impl ColumnKind {
    pub fn of(t: &arrow::datatypes::DataType) -> ColumnKind {
        match t {
            arrow::datatypes::DataType::Date32 | arrow::datatypes::DataType::Date64 => {
                ColumnKind::Date
            }
            _ => ColumnKind::Instant,
        }
    }
}

/// How a source's date column — or an expression over its columns, such as
/// `to_date(billing_month || '-01')` — is read; `None` when the source lacks it.
pub(crate) async fn kind_of(
    ctx: &datafusion::prelude::SessionContext,
    source: &str,
    column: &str,
) -> Option<ColumnKind> {
    let df = ctx.table(source).await.ok()?;
    if let Ok(f) = df.schema().field_with_unqualified_name(column) {
        return Some(ColumnKind::of(f.data_type()));
    }
    let typed = ctx
        .sql(&format!("SELECT {column} AS d FROM {source} LIMIT 0"))
        .await
        .ok()?;
    Some(ColumnKind::of(typed.schema().field(0).data_type()))
}

/// The zone's offset from UTC in seconds. The local day is computed from UTC microseconds
/// with it: Asia/Ho_Chi_Minh has kept UTC+7 since 1975, and integer arithmetic keeps the
/// queries exact and fast at any scale.
pub fn offset_seconds(tz: Tz) -> i64 {
    use chrono::Offset;
    tz.offset_from_utc_datetime(&chrono::Utc::now().naive_utc())
        .fix()
        .local_minus_utc() as i64
}

/// Days since 1970-01-01 of a column's local date.
pub(crate) fn local_day(column: &str, kind: ColumnKind, offset_seconds: i64) -> String {
    match kind {
        ColumnKind::Instant => format!(
            "CAST(floor((CAST({column} AS BIGINT) / 1000000.0 + {offset_seconds}) / 86400.0) AS BIGINT)"
        ),
        ColumnKind::Date => format!("CAST({column} AS BIGINT)"),
    }
}

/// Literal SQL for the window's bounds.
struct Bounds {
    start: String,
    end: String,
    first_day: String,
    last_day: String,
}

impl Bounds {
    fn of(w: &Window, tz: Tz) -> Bounds {
        let next = w.to.succ_opt().unwrap_or(NaiveDate::MAX);
        Bounds {
            start: format!("TIMESTAMP '{}'", local_midnight_utc(w.from, tz)),
            end: format!("TIMESTAMP '{}'", local_midnight_utc(next, tz)),
            first_day: format!("DATE '{}'", w.from.format("%Y-%m-%d")),
            last_day: format!("DATE '{}'", w.to.format("%Y-%m-%d")),
        }
    }

    fn fill(&self, sql: &str) -> String {
        sql.replace("{start}", &self.start)
            .replace("{end}", &self.end)
            .replace("{first_day}", &self.first_day)
            .replace("{last_day}", &self.last_day)
    }
}

/// The rows a window's figure reads, before counting: the source (the state at the window's
/// end for `as_of` measures) and the conditions that place a row in the window and the unit.
struct WindowRows {
    from: String,
    filters: Vec<String>,
    bounds: Bounds,
}

impl WindowRows {
    fn of(
        m: &Measure,
        w: &Window,
        tz: Tz,
        kind: Option<ColumnKind>,
        unit_column: Option<&str>,
        only: Option<&str>,
    ) -> WindowRows {
        let b = Bounds::of(w, tz);
        let in_window = |c: &str| match kind {
            Some(ColumnKind::Date) => format!("{c} BETWEEN {} AND {}", b.first_day, b.last_day),
            _ => format!("{c} >= {} AND {c} < {}", b.start, b.end),
        };
        let until_end = |c: &str| match kind {
            Some(ColumnKind::Date) => format!("{c} <= {}", b.last_day),
            _ => format!("{c} < {}", b.end),
        };
        let mut filters = Vec::new();
        let from = match &m.basis {
            Basis::Current | Basis::Conditions => m.source.clone(),
            Basis::Event { column } => {
                filters.push(in_window(column));
                m.source.clone()
            }
            Basis::AsOf { column, key } => format!(
                "(\n  SELECT *, row_number() OVER (PARTITION BY {} ORDER BY {column} DESC) AS {LATEST}\n  FROM {}\n  WHERE {}\n) AS trang_thai_cuoi_ky",
                key.join(", "),
                m.source,
                until_end(column)
            ),
        };
        if matches!(m.basis, Basis::AsOf { .. }) {
            filters.push(format!("{LATEST} = 1"));
        }
        if let (Some(c), Some(u)) = (unit_column, only) {
            filters.push(format!(
                "CAST({c} AS VARCHAR) = '{}'",
                u.replace('\'', "''")
            ));
        }
        WindowRows {
            from,
            filters,
            bounds: b,
        }
    }

    fn where_clause(&self, more: &[String]) -> String {
        let all: Vec<&String> = self.filters.iter().chain(more).collect();
        if all.is_empty() {
            String::new()
        } else {
            format!(
                "\nWHERE {}",
                all.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n  AND ")
            )
        }
    }
}

/// The column marking the latest row per key in `as_of` queries.
pub const LATEST: &str = "_moi_nhat";

/// The column of a record list saying whether the record is in the numerator (1) or not (0).
pub const IN_NUMERATOR: &str = "trong_tu_so";

/// The count for one window, per breakdown value (`unit_column`) or, with `only` set, for one
/// value of it. Written to be read: this is the SQL shown beside a figure.
pub fn window_sql(
    m: &Measure,
    w: &Window,
    tz: Tz,
    kind: Option<ColumnKind>,
    unit_column: Option<&str>,
    only: Option<&str>,
) -> String {
    let rows = WindowRows::of(m, w, tz, kind, unit_column, only);
    let (num, den) = m.aggregates();
    let (unit, group_by) = match (unit_column, only) {
        (Some(c), None) => (format!("CAST({c} AS VARCHAR)"), "\nGROUP BY 1"),
        _ => ("CAST(NULL AS VARCHAR)".to_string(), ""),
    };
    rows.bounds.fill(&format!(
        "SELECT\n  {unit} AS unit,\n  {num} AS tu_so,\n  {den} AS mau_so\nFROM {from}{where_}{group_by}",
        from = rows.from,
        where_ = rows.where_clause(&[]),
    ))
}

/// The records a window's figure counts: every row in its denominator, with every column of
/// the source and [`IN_NUMERATOR`] saying whether the row is in the numerator too. Counting
/// these rows the measure's way gives the figure back (an evidence annex relies on it).
pub fn records_sql(
    m: &Measure,
    w: &Window,
    tz: Tz,
    kind: Option<ColumnKind>,
    unit_column: Option<&str>,
    only: Option<&str>,
) -> String {
    let rows = WindowRows::of(m, w, tz, kind, unit_column, only);
    let mut conditions = Vec::new();
    if let Some(f) = &m.filter {
        conditions.push(format!("({f})"));
    }
    conditions.push(format!("({})", m.denominator));
    let star = if matches!(m.basis, Basis::AsOf { .. }) {
        format!("* EXCLUDE ({LATEST})")
    } else {
        "*".to_string()
    };
    rows.bounds.fill(&format!(
        "SELECT\n  {star},\n  CASE WHEN ({}) THEN 1 ELSE 0 END AS {IN_NUMERATOR}\nFROM {from}{where_}",
        m.numerator,
        from = rows.from,
        where_ = rows.where_clause(&conditions),
    ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Period, PeriodRule};

    fn measure(basis: Basis) -> Measure {
        Measure {
            source: "t".into(),
            basis,
            filter: None,
            numerator: "ok".into(),
            denominator: "TRUE".into(),
            count: None,
            denominator_sum: None,
            period_rule: PeriodRule::Calendar,
            breakdowns: Default::default(),
            numerator_vi: String::new(),
            denominator_vi: String::new(),
            filter_vi: None,
            period_rule_vi: String::new(),
            rollup: Vec::new(),
        }
    }

    #[test]
    fn windows_in_local_time() {
        let w = "2026-06"
            .parse::<Period>()
            .unwrap()
            .window(PeriodRule::Calendar);
        let m = measure(Basis::Event {
            column: "at".into(),
        });
        assert!(m.by_day());
        let sql = window_sql(&m, &w, chrono_tz::Asia::Ho_Chi_Minh, None, None, None);
        assert!(
            sql.contains("at >= TIMESTAMP '2026-05-31T17:00:00Z'"),
            "{sql}"
        );
        assert!(
            sql.contains("at < TIMESTAMP '2026-06-30T17:00:00Z'"),
            "{sql}"
        );
        let mut open = measure(Basis::Conditions);
        open.denominator = "due < {end} AND day <= {last_day}".into();
        assert!(!open.by_day());
        let sql = window_sql(&open, &w, chrono_tz::Asia::Ho_Chi_Minh, None, None, None);
        assert!(
            sql.contains("due < TIMESTAMP '2026-06-30T17:00:00Z' AND day <= DATE '2026-06-30'")
        );
        let latest = measure(Basis::AsOf {
            column: "d".into(),
            key: vec!["k".into()],
        });
        let sql = window_sql(
            &latest,
            &w,
            chrono_tz::Asia::Ho_Chi_Minh,
            Some(ColumnKind::Date),
            Some("u"),
            Some("KP'1"),
        );
        assert!(sql.contains("PARTITION BY k ORDER BY d DESC"), "{sql}");
        assert!(sql.contains("d <= DATE '2026-06-30'"), "{sql}");
        assert!(sql.contains("= 'KP''1'"), "{sql}");
    }
}
