//! Local times of a zone as instants, the zone's history looked up once a day rather than
//! once a time: an export's millions of times fall on a few hundred days, and looking each
//! up in the zone's history, then moving the time by the offset found, was a tenth of
//! checking its rows.

use std::cell::RefCell;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

/// `local` in `tz` as UTC microseconds; `None` when the zone skips that time or gives it
/// twice (a clock moved forward or back).
pub fn micros_from_local(tz: Tz, local: &NaiveDateTime) -> Option<i64> {
    let date = local.date();
    let since_midnight = i64::from(local.num_seconds_from_midnight()) * 1_000_000
        + i64::from(local.nanosecond() / 1_000);
    match DAYS.with(|days| days.borrow_mut().midnight(tz, date)) {
        Some(midnight) => Some(midnight + since_midnight),
        None => tz
            .from_local_datetime(local)
            .single()
            .map(|t| t.timestamp_micros()),
    }
}

thread_local! {
    // each thread checking rows keeps its own: nothing is shared, nothing waits
    static DAYS: RefCell<PlainDays> = const {
        RefCell::new(PlainDays { tz: None, slots: Vec::new() })
    };
}

/// Days looked up so far, a slot each by the day's number: `(day, midnight)`, the instant of
/// the day's local midnight in UTC microseconds, `None` on a day whose offset changes.
struct PlainDays {
    tz: Option<Tz>,
    slots: Vec<Option<(i32, Option<i64>)>>,
}

/// Slots: nearly three years of days before two share one.
const SLOTS: usize = 1024;

impl PlainDays {
    /// The instant of `date`'s local midnight in `tz`, when the zone's offset holds all
    /// through the day; `None` when it changes that day.
    fn midnight(&mut self, tz: Tz, date: NaiveDate) -> Option<i64> {
        if self.tz != Some(tz) {
            self.tz = Some(tz);
            self.slots = vec![None; SLOTS];
        }
        let day = date.num_days_from_ce();
        let slot = &mut self.slots[day.rem_euclid(SLOTS as i32) as usize];
        match *slot {
            Some((d, midnight)) if d == day => midnight,
            _ => {
                let midnight = plain_midnight(tz, date);
                *slot = Some((day, midnight));
                midnight
            }
        }
    }
}

/// The local midnight of a day whose every hour starts at the same offset, as its last
/// second does: no zone has moved its clocks and back within an hour.
fn plain_midnight(tz: Tz, date: NaiveDate) -> Option<i64> {
    let offset = |h: u32, m: u32, s: u32| {
        let local = date.and_hms_opt(h, m, s)?;
        let offset = tz.offset_from_local_datetime(&local).single()?;
        Some(offset.fix().local_minus_utc())
    };
    let first = offset(0, 0, 0)?;
    let mut rest = (1..24).map(|h| offset(h, 0, 0)).chain([offset(23, 59, 59)]);
    if !rest.all(|o| o == Some(first)) {
        return None;
    }
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    Some(midnight - i64::from(first) * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    /// Every quarter hour (and a few odd seconds) of two years, in zones that move their
    /// clocks (at 02:00, at midnight, by half an hour) and in the ward's, which does not: the
    /// instant is the zone's own, and a time skipped or given twice is none, whether its day
    /// was met before or not.
    #[test]
    fn every_local_time_is_the_zones_own() {
        let zones = [
            chrono_tz::Asia::Ho_Chi_Minh,
            chrono_tz::Europe::Berlin,
            chrono_tz::America::Havana,
            chrono_tz::Australia::Lord_Howe,
        ];
        let start = NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_micro_opt(0, 0, 0, 250)
            .unwrap();
        for round in 0..2 {
            for tz in zones {
                let mut changes = 0;
                for q in 0..(2 * 366 * 24 * 4) {
                    let local = start + Duration::minutes(15 * q) + Duration::seconds(q % 7);
                    let want = tz.from_local_datetime(&local).single();
                    changes += usize::from(want.is_none());
                    let want = want.map(|t| t.timestamp_micros());
                    let got = micros_from_local(tz, &local);
                    assert_eq!(got, want, "{tz} {local} round {round}");
                }
                if tz != chrono_tz::Asia::Ho_Chi_Minh {
                    assert!(changes > 0, "{tz} moves its clocks");
                }
            }
        }
    }
}
