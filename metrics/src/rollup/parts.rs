//! What a measure keeps per day, and the SQL that counts it.
//!
//! Two shapes of rows, both `(_ngay, gia_tri, tu_so, mau_so)` per local day and breakdown
//! value: *day counts*, summed over a window's days, and *changes*, whose running sum up to a
//! window's last day is the state at its end (a state held from one day until the day before
//! another is `+1` on the first and `−1` on the second).

use crate::Measure;
use crate::catalogue::{Basis, RollupPart};
use crate::measure::{ColumnKind, Counted, local_day};

/// How a part's rows add up into a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// Summed over the window's days.
    Days,
    /// Summed up to the window's last day.
    Changes,
}

impl Shape {
    /// The value of the rollup table's `loai` column.
    pub fn id(self) -> &'static str {
        match self {
            Shape::Days => "ngay",
            Shape::Changes => "bien_dong",
        }
    }

    pub fn of_id(id: &str) -> Option<Shape> {
        match id {
            "ngay" => Some(Shape::Days),
            "bien_dong" => Some(Shape::Changes),
            _ => None,
        }
    }
}

/// One part of a measure as kept per day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Part {
    /// Counted on a day or held over days, as a `conditions` measure declares it; an `event`
    /// measure is one such part, its rows counted on the day of its column.
    Counted(RollupPart),
    /// The latest row per `key` as of each day: a row holds from its day until the day of
    /// the key's next row.
    States {
        column: String,
        key: Vec<String>,
        numerator: String,
        denominator: String,
    },
}

impl Part {
    pub fn shape(&self) -> Shape {
        match self {
            Part::Counted(RollupPart::Days { .. }) => Shape::Days,
            Part::Counted(RollupPart::Spans { .. }) | Part::States { .. } => Shape::Changes,
        }
    }

    /// The columns read as days.
    pub fn date_columns(&self) -> Vec<&str> {
        match self {
            Part::Counted(RollupPart::Days { column, .. }) | Part::States { column, .. } => {
                vec![column]
            }
            Part::Counted(RollupPart::Spans { from, until, .. }) => from
                .iter()
                .map(String::as_str)
                .chain([until.as_str()])
                .collect(),
        }
    }
}

/// The parts a measure is kept as, `None` when its figure cannot be made of day counts (a
/// count of distinct values, a catalogue read as it is, conditions that name the window with
/// no parts declared).
pub fn parts(m: &Measure) -> Option<Vec<Part>> {
    if matches!(m.counted(), Counted::Distinct(_)) {
        return None;
    }
    let (numerator, denominator) = (m.numerator.clone(), m.denominator.clone());
    match &m.basis {
        Basis::Event { column } if m.by_day() => Some(vec![Part::Counted(RollupPart::Days {
            column: column.clone(),
            numerator,
            denominator,
        })]),
        Basis::AsOf { column, key } if m.by_span() => Some(vec![Part::States {
            column: column.clone(),
            key: key.clone(),
            numerator,
            denominator,
        }]),
        Basis::Conditions if !m.rollup.is_empty() => {
            Some(m.rollup.iter().cloned().map(Part::Counted).collect())
        }
        _ => None,
    }
}

/// What the SQL of a part needs besides the part.
pub struct Query<'a> {
    pub measure: &'a Measure,
    /// The relation read: the measure's source, or a part of it.
    pub source: &'a str,
    /// The breakdown columns counted by (none: the whole ward only).
    pub values: &'a [&'a str],
    /// Only these days (days since 1970-01-01), or every day.
    pub days: Option<&'a [i64]>,
    pub offset_seconds: i64,
}

/// The part's rows, `(_ngay, v0, v1, …, tu_so, mau_so)` with a `v` per breakdown column,
/// counted once for every breakdown at the finest grain (one scan of the source). `kind` tells
/// how each date column is read.
pub fn sql(part: &Part, q: &Query<'_>, kind: &dyn Fn(&str) -> ColumnKind) -> String {
    let day = |c: &str| local_day(c, kind(c), q.offset_seconds);
    let value = values(q);
    let vs: String = (0..q.values.len()).map(|i| format!("v{i}, ")).collect();
    let k = q.values.len();
    let only = |col: &str| only_days(q, col);
    let src = q.source;
    match part {
        Part::Counted(RollupPart::Days {
            column,
            numerator,
            denominator,
        }) => days_sql(
            column,
            &[q.measure.aggregates_of(numerator, denominator)],
            q,
            kind,
        ),
        Part::States {
            column,
            key,
            numerator,
            denominator,
        } => {
            let (num, den) = q.measure.aggregates_of(numerator, denominator);
            let spans = format!(
                "SELECT {from} AS _tu, {until} AS _den, {value}{num} AS tu_so, \
                 {den} AS mau_so \
                 FROM (SELECT *, lead({column}) OVER (PARTITION BY {key} ORDER BY {column}) \
                 AS _next FROM {src} WHERE {column} IS NOT NULL) AS s GROUP BY {}",
                by(k + 2),
                from = day(column),
                until = local_day("_next", kind(column), q.offset_seconds),
                key = key.join(", "),
            );
            changes(&spans, &vs, &by(k + 1), &only("_ngay"))
        }
        Part::Counted(RollupPart::Spans {
            from,
            until,
            numerator,
            denominator,
        }) => {
            let (num, den) = q.measure.aggregates_of(numerator, denominator);
            let starts: Vec<String> = from.iter().map(|c| day(c)).collect();
            let start = match starts.as_slice() {
                [one] => one.clone(),
                many => format!("greatest({})", many.join(", ")),
            };
            let present = from
                .iter()
                .map(|c| format!("{c} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" AND ");
            let spans = format!(
                "SELECT * FROM (SELECT {start} AS _tu, {end} AS _den, {value}\
                 {num} AS tu_so, {den} AS mau_so FROM {src} WHERE {present} GROUP BY {}) \
                 AS s WHERE _den IS NULL OR _den > _tu",
                by(k + 2),
                end = day(until),
            );
            changes(&spans, &vs, &by(k + 1), &only("_ngay"))
        }
    }
}

/// Day counts by `column` for each of `aggregates` (a numerator and a denominator each), by
/// one scan: `(_ngay, v0, v1, …, tu_so_0, mau_so_0, tu_so_1, mau_so_1, …)`. Measures whose
/// filters differ share the scan: a filter is part of its measure's aggregates.
pub fn days_sql(
    column: &str,
    aggregates: &[(String, String)],
    q: &Query<'_>,
    kind: &dyn Fn(&str) -> ColumnKind,
) -> String {
    let d = local_day(column, kind(column), q.offset_seconds);
    let counts = aggregates
        .iter()
        .enumerate()
        .map(|(j, (num, den))| format!("{num} AS tu_so_{j}, {den} AS mau_so_{j}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {d} AS _ngay, {}{counts} FROM {} WHERE {column} IS NOT NULL{} GROUP BY {}",
        values(q),
        q.source,
        only_days(q, &d),
        by(q.values.len() + 1)
    )
}

/// The breakdown columns, `v0, v1, …`, each followed by a comma. They are grouped by as they
/// are stored and made text only when the rows are read ([`super::count`]): casting every
/// row's code to text before grouping cost more than the counting.
fn values(q: &Query<'_>) -> String {
    q.values
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} AS v{i}, "))
        .collect()
}

/// `GROUP BY 1, …, n`'s list.
fn by(n: usize) -> String {
    (1..=n)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition that keeps only the query's days (none when every day is counted), on the
/// day expression `col`.
fn only_days(q: &Query<'_>, col: &str) -> String {
    match q.days {
        Some([]) => " AND FALSE".to_string(),
        Some(days) => format!(
            " AND {col} IN ({})",
            days.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    }
}

/// `+` on the day a span starts, `−` on the day it ends, per day and breakdown values `vs`
/// (`v0, v1, …, `), grouped `by`. Each span is paired with both signs rather than read twice
/// (a `UNION ALL` of the spans computed them, and scanned their source, once for each side).
fn changes(spans: &str, vs: &str, by: &str, only: &str) -> String {
    format!(
        "WITH spans AS ({spans}) \
         SELECT _ngay, {vs}CAST(sum(tu_so) AS BIGINT) AS tu_so, \
         CAST(sum(mau_so) AS BIGINT) AS mau_so FROM (\
         SELECT CASE WHEN _dau > 0 THEN _tu ELSE _den END AS _ngay, {vs}\
         _dau * tu_so AS tu_so, _dau * mau_so AS mau_so \
         FROM spans CROSS JOIN (VALUES (CAST(1 AS BIGINT)), (CAST(-1 AS BIGINT))) AS d(_dau) \
         WHERE _dau > 0 OR _den IS NOT NULL) AS c WHERE TRUE{only} GROUP BY {by}"
    )
}
