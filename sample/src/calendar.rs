//! Months, working days and office hours of the ward.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::rng::Rng;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Month {
    pub(crate) year: i32,
    pub(crate) month: u32,
}

impl Month {
    pub(crate) fn new(year: i32, month: u32) -> Option<Month> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Month { year, month })
    }

    pub(crate) fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub(crate) fn first_day(self) -> NaiveDate {
        ymd(self.year, self.month, 1)
    }

    pub(crate) fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub(crate) fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    pub(crate) fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last_day();
        self.first_day().iter_days().take_while(move |d| *d <= last)
    }

    /// `YYYY-MM`.
    pub(crate) fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// Months from `self` to `other`; negative when `other` is earlier.
    pub(crate) fn months_until(self, other: Month) -> i32 {
        (other.year - self.year) * 12 + other.month as i32 - self.month as i32
    }
}

/// A date known to be valid; only ever called with constants and checked arithmetic.
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

pub(crate) fn at(d: NaiveDate, h: u32, m: u32, s: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN))
}

/// Public holidays on which the one-stop office is closed (Bộ luật Lao động 2019 and the
/// government's yearly announcements for Tết). Years after those listed only get the fixed-date
/// holidays; the sample does not need more.
fn is_holiday(d: NaiveDate) -> bool {
    const FIXED: [(u32, u32); 5] = [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)];
    const MOVABLE: [(i32, u32, u32); 9] = [
        // Tết Bính Ngọ: 14–22/02/2026
        (2026, 2, 16),
        (2026, 2, 17),
        (2026, 2, 18),
        (2026, 2, 19),
        (2026, 2, 20),
        // Giỗ Tổ Hùng Vương 2026 falls on Sunday 26/04, taken on Monday
        (2026, 4, 27),
        // Tết Đinh Mùi: 05–10/02/2027
        (2027, 2, 5),
        (2027, 2, 8),
        (2027, 2, 9),
    ];
    FIXED.contains(&(d.month(), d.day())) || MOVABLE.contains(&(d.year(), d.month(), d.day()))
}

/// Monday to Friday, not a holiday: the days that count towards a deadline.
pub(crate) fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(d)
}

/// The one-stop desk also receives on Saturday mornings, which do not count towards deadlines.
pub(crate) fn is_saturday_desk(d: NaiveDate) -> bool {
    d.weekday() == Weekday::Sat && !is_holiday(d)
}

/// The `n`-th working day after `d` (`n = 0` gives `d` itself).
pub(crate) fn add_working_days(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

/// Office hours in Đồng Nai: 07:00–11:30 and 13:00–17:00.
const MORNING: (u32, u32) = (7 * 60, 11 * 60 + 30);
const AFTERNOON: (u32, u32) = (13 * 60, 17 * 60);

/// A moment in office hours; mornings are busier. `morning_only` for Saturday desks.
pub(crate) fn office_time(rng: &mut Rng, morning_only: bool) -> NaiveTime {
    let (lo, hi) = if morning_only || rng.chance(0.6) {
        MORNING
    } else {
        AFTERNOON
    };
    let secs = u64::from(lo) * 60 + rng.below(u64::from(hi - lo) * 60);
    NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, 0).unwrap_or(NaiveTime::MIN)
}

/// A moment in office hours on `d`.
pub(crate) fn office_moment(rng: &mut Rng, d: NaiveDate) -> NaiveDateTime {
    d.and_time(office_time(rng, d.weekday() == Weekday::Sat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_weekends_and_tet() {
        // Friday 13/02/2026 + 1 working day: Tết holidays run to Friday 20/02.
        assert_eq!(add_working_days(ymd(2026, 2, 13), 1), ymd(2026, 2, 23));
        assert_eq!(add_working_days(ymd(2025, 7, 4), 1), ymd(2025, 7, 7));
        assert_eq!(add_working_days(ymd(2025, 7, 4), 0), ymd(2025, 7, 4));
        assert!(!is_working_day(ymd(2025, 9, 2)));
    }

    #[test]
    fn months_step_and_measure() {
        let m = Month::new(2025, 12).expect("valid");
        assert_eq!(m.next().label(), "2026-01");
        assert_eq!(m.last_day(), ymd(2025, 12, 31));
        assert_eq!(Month::new(2025, 7).expect("valid").months_until(m), 5);
        assert_eq!(m.days().count(), 31);
    }
}
