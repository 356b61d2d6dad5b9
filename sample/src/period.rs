//! The period a sample covers and the programme's progress over it.

use chrono::NaiveDateTime;

use crate::calendar::{Month, at, ymd};

/// The sample always starts on 01/07/2025, when the two-level local government took office.
pub(crate) const START: (i32, u32) = (2025, 7);

/// Month index at which the trends reach their end values (10/2026, the programme's review).
const RAMP_MONTHS: f64 = 15.0;

#[derive(Debug, Clone)]
pub(crate) struct Period {
    pub(crate) start: Month,
    pub(crate) until: Month,
    /// Last second covered.
    pub(crate) end: NaiveDateTime,
}

impl Period {
    pub(crate) fn new(until: Month) -> Period {
        Period {
            start: Month {
                year: START.0,
                month: START.1,
            },
            until,
            end: at(until.last_day(), 23, 59, 59),
        }
    }

    pub(crate) fn months(&self) -> impl Iterator<Item = Month> + '_ {
        std::iter::successors(Some(self.start), move |m| {
            (*m < self.until).then(|| m.next())
        })
    }

    pub(crate) fn first_day_label(&self) -> String {
        self.start.first_day().format("%Y-%m-%d").to_string()
    }

    /// 0 for the first month, rising evenly to 1 at 10/2026, then flat.
    pub(crate) fn progress(&self, m: Month) -> f64 {
        (f64::from(self.start.months_until(m)) / RAMP_MONTHS).clamp(0.0, 1.0)
    }

    pub(crate) fn month_index(&self, m: Month) -> usize {
        self.start.months_until(m).max(0) as usize
    }
}

/// Linear interpolation between a trend's start and end values.
pub(crate) fn ramp(from: f64, to: f64, t: f64) -> f64 {
    from + (to - from) * t
}

/// End of the one-stop CSV export: the system was exported on the last evening of 2025.
pub(crate) fn export_cutoff() -> NaiveDateTime {
    at(ymd(2025, 12, 31), 23, 59, 0)
}

/// The one-stop API sends every state recorded from 01/12/2025.
pub(crate) fn api_from() -> NaiveDateTime {
    at(ymd(2025, 12, 1), 0, 0, 0)
}
