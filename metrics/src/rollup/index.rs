//! A measure's kept counts in memory: per breakdown value, running sums by day, so that any
//! window's figure is two lookups.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::parts::Shape;
use crate::Window;
use crate::measure::{DayCount, UNIX_EPOCH_DAY};

/// One row of kept counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub shape: Shape,
    /// Days since 1970-01-01.
    pub day: i64,
    pub value: Option<String>,
    pub numerator: i64,
    pub denominator: i64,
}

/// Running sums by day: `(day, numerator so far, denominator so far)`.
type Running = Vec<(i64, i64, i64)>;

/// Counts by day, per shape.
type ByDay = [BTreeMap<i64, (i64, i64)>; 2];

/// The counts of one measure and one breakdown.
#[derive(Debug, Default)]
pub struct Series {
    values: BTreeMap<Option<String>, [Running; 2]>,
}

impl Series {
    pub fn of(entries: impl IntoIterator<Item = Entry>) -> Series {
        let mut by: BTreeMap<Option<String>, ByDay> = BTreeMap::new();
        for e in entries {
            let slot = &mut by.entry(e.value).or_default()[e.shape as usize];
            let c = slot.entry(e.day).or_default();
            c.0 += e.numerator;
            c.1 += e.denominator;
        }
        let running = |days: BTreeMap<i64, (i64, i64)>| {
            let (mut n, mut d) = (0, 0);
            days.into_iter()
                .map(|(day, (dn, dd))| {
                    n += dn;
                    d += dd;
                    (day, n, d)
                })
                .collect::<Running>()
        };
        Series {
            values: by
                .into_iter()
                .map(|(v, [days, changes])| (v, [running(days), running(changes)]))
                .collect(),
        }
    }

    /// Numerator and denominator per breakdown value over a window: the day counts of its days
    /// plus the changes up to its last day.
    pub fn window(&self, w: &Window) -> Vec<DayCount> {
        let (from, to) = (epoch_day(w.from), epoch_day(w.to));
        self.values
            .iter()
            .filter_map(|(value, [days, changes])| {
                let (a, b) = upto(days, to);
                let (c, d) = upto(days, from - 1);
                let (e, f) = upto(changes, to);
                let touched = days.first().is_some_and(|x| x.0 <= to)
                    || changes.first().is_some_and(|x| x.0 <= to);
                touched.then(|| DayCount {
                    unit: value.clone(),
                    numerator: (a - c + e).max(0) as u64,
                    denominator: (b - d + f).max(0) as u64,
                })
            })
            .collect()
    }
}

fn upto(running: &Running, day: i64) -> (i64, i64) {
    match running.partition_point(|r| r.0 <= day) {
        0 => (0, 0),
        i => (running[i - 1].1, running[i - 1].2),
    }
}

/// Days since 1970-01-01.
pub fn epoch_day(d: NaiveDate) -> i64 {
    (d.num_days_from_ce() - UNIX_EPOCH_DAY) as i64
}

/// The date of a day since 1970-01-01.
pub fn date_of(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()? + UNIX_EPOCH_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PeriodRule;

    #[test]
    fn a_state_holds_until_the_next_one() {
        let d = |day| epoch_day(NaiveDate::from_ymd_opt(2026, 6, day).unwrap());
        let change = |day: u32, n: i64, den: i64| Entry {
            shape: Shape::Changes,
            day: d(day),
            value: Some("KP01".into()),
            numerator: n,
            denominator: den,
        };
        // a household failing from the 1st, meeting every criterion from the 10th
        let s = Series::of([change(1, 0, 1), change(10, 1, 0)]);
        let at = |day| {
            let w = Window {
                rule: PeriodRule::Calendar,
                from: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                to: NaiveDate::from_ymd_opt(2026, 6, day).unwrap(),
            };
            let c = &s.window(&w)[0];
            (c.numerator, c.denominator)
        };
        assert_eq!(at(9), (0, 1));
        assert_eq!(at(10), (1, 1));
        assert_eq!(at(30), (1, 1));
    }

    #[test]
    fn days_add_up_inside_the_window_only() {
        let day = |m, d| epoch_day(NaiveDate::from_ymd_opt(2026, m, d).unwrap());
        let count = |m, d, n| Entry {
            shape: Shape::Days,
            day: day(m, d),
            value: None,
            numerator: n,
            denominator: 2,
        };
        let s = Series::of([
            count(5, 31, 1),
            count(6, 1, 2),
            count(6, 30, 0),
            count(7, 1, 1),
        ]);
        let june = crate::Period::Month {
            year: 2026,
            month: 6,
        }
        .window(PeriodRule::Calendar);
        let c = &s.window(&june)[0];
        assert_eq!((c.numerator, c.denominator), (2, 4));
    }
}
