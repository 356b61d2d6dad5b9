//! Reporting periods: calendar month, quarter, half-year and year, in local dates.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};

use crate::MetricsError;

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Half { year: i32, half: u32 },
    Year { year: i32 },
}

impl Period {
    /// The month containing `d`.
    pub fn month_of(d: NaiveDate) -> Period {
        Period::Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The quarter containing `d`.
    pub fn quarter_of(d: NaiveDate) -> Period {
        Period::Quarter {
            year: d.year(),
            quarter: d.month0() / 3 + 1,
        }
    }

    /// The period of the same kind that follows this one.
    pub fn next(&self) -> Period {
        let d = self.last_day().succ_opt().unwrap_or(NaiveDate::MAX);
        match self {
            Period::Month { .. } => Period::month_of(d),
            Period::Quarter { .. } => Period::quarter_of(d),
            Period::Half { .. } => Period::Half {
                year: d.year(),
                half: d.month0() / 6 + 1,
            },
            Period::Year { .. } => Period::Year { year: d.year() },
        }
    }

    /// First local day.
    pub fn first_day(&self) -> NaiveDate {
        let (y, m) = match *self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, 3 * quarter - 2),
            Period::Half { year, half } => (year, 6 * half - 5),
            Period::Year { year } => (year, 1),
        };
        ymd(y, m, 1)
    }

    /// Last local day.
    pub fn last_day(&self) -> NaiveDate {
        let months = match self {
            Period::Month { .. } => 1,
            Period::Quarter { .. } => 3,
            Period::Half { .. } => 6,
            Period::Year { .. } => 12,
        };
        let first = self.first_day();
        let next = first
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MAX);
        next.pred_opt().unwrap_or(first)
    }

    /// Whether a local date falls in the period.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.first_day() <= d && d <= self.last_day()
    }

    /// The months of the period, in order.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut d = self.first_day();
        while d <= self.last_day() {
            out.push(Period::month_of(d));
            d = match d.checked_add_months(chrono::Months::new(1)) {
                Some(n) => n,
                None => break,
            };
        }
        out
    }

    /// The milestone a period is judged against: the first of `milestones` (years, "đến hết
    /// năm") not earlier than the period's year; the last one after that.
    pub fn milestone(&self, milestones: &[i32]) -> Option<i32> {
        let y = self.last_day().year();
        milestones
            .iter()
            .copied()
            .find(|m| *m >= y)
            .or_else(|| milestones.last().copied())
    }

    /// The period as people say it: "tháng 06/2026", "quý II/2026", "6 tháng đầu năm 2026",
    /// "năm 2026".
    pub fn label_vi(&self) -> String {
        match *self {
            Period::Month { year, month } => format!("tháng {month:02}/{year}"),
            Period::Quarter { year, quarter } => {
                let r = ["I", "II", "III", "IV"][(quarter as usize).saturating_sub(1).min(3)];
                format!("quý {r}/{year}")
            }
            Period::Half { year, half: 1 } => format!("6 tháng đầu năm {year}"),
            Period::Half { year, .. } => format!("6 tháng cuối năm {year}"),
            Period::Year { year } => format!("năm {year}"),
        }
    }

    /// Short label for chart axes: "06/2026".
    pub fn short_label(&self) -> String {
        match *self {
            Period::Month { year, month } => format!("{month:02}/{year}"),
            _ => self.to_string(),
        }
    }
}

/// How a period's days are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodRule {
    /// Calendar month, quarter, half-year, year, as the national portal counts.
    #[default]
    Calendar,
    /// Nghị định 09/2019/NĐ-CP, Điều 12: a report's figures run from the 15th of the month
    /// before the period to the 14th of its last month.
    Nd09,
}

impl PeriodRule {
    /// As printed beside a figure.
    pub fn label_vi(self) -> &'static str {
        match self {
            PeriodRule::Calendar => "kỳ dương lịch",
            PeriodRule::Nd09 => "kỳ báo cáo theo Nghị định 09/2019/NĐ-CP (ngày 15 đến ngày 14)",
        }
    }
}

impl FromStr for PeriodRule {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "calendar" | "lich" => Ok(PeriodRule::Calendar),
            "nd09" | "nd_09" => Ok(PeriodRule::Nd09),
            _ => Err(MetricsError::PeriodRule(s.to_string())),
        }
    }
}

/// The local days a figure covers: a period read under a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub rule: PeriodRule,
    /// First local day.
    pub from: NaiveDate,
    /// Last local day (inclusive).
    pub to: NaiveDate,
}

impl Window {
    /// Whether a local date falls in the window.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// "01/06/2026 – 30/06/2026".
    pub fn label_vi(&self) -> String {
        format!(
            "{} – {}",
            crate::format::date(self.from),
            crate::format::date(self.to)
        )
    }
}

impl Period {
    /// The days the period covers under `rule`.
    pub fn window(&self, rule: PeriodRule) -> Window {
        match rule {
            PeriodRule::Calendar => Window {
                rule,
                from: self.first_day(),
                to: self.last_day(),
            },
            PeriodRule::Nd09 => {
                let first = self.first_day();
                let last = self.last_day();
                let prev = first
                    .checked_sub_months(chrono::Months::new(1))
                    .unwrap_or(first);
                Window {
                    rule,
                    from: ymd(prev.year(), prev.month(), 15),
                    to: ymd(last.year(), last.month(), 14),
                }
            }
        }
    }
}

/// The last day of a milestone year ("đến hết năm …").
pub fn deadline(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Half { year, half } => write!(f, "{year}-H{half}"),
            Period::Year { year } => write!(f, "{year}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Period {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MetricsError::Period(s.to_string());
        let t = s.trim();
        let (y, rest) = match t.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (t, None),
        };
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let p = match rest {
            None => Period::Year { year },
            Some(r) => {
                let up = r.to_ascii_uppercase();
                if let Some(q) = up.strip_prefix('Q') {
                    let quarter: u32 = q.parse().map_err(|_| bad())?;
                    if !(1..=4).contains(&quarter) {
                        return Err(bad());
                    }
                    Period::Quarter { year, quarter }
                } else if let Some(h) = up.strip_prefix('H') {
                    let half: u32 = h.parse().map_err(|_| bad())?;
                    if !(1..=2).contains(&half) {
                        return Err(bad());
                    }
                    Period::Half { year, half }
                } else {
                    let month: u32 = up.parse().map_err(|_| bad())?;
                    if !(1..=12).contains(&month) {
                        return Err(bad());
                    }
                    Period::Month { year, month }
                }
            }
        };
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn parse_and_bounds() {
        assert_eq!(p("2026-06").first_day(), ymd(2026, 6, 1));
        assert_eq!(p("2026-06").last_day(), ymd(2026, 6, 30));
        assert_eq!(p("2026-Q2").first_day(), ymd(2026, 4, 1));
        assert_eq!(p("2026-q2").last_day(), ymd(2026, 6, 30));
        assert_eq!(p("2026-H2").first_day(), ymd(2026, 7, 1));
        assert_eq!(p("2026").last_day(), ymd(2026, 12, 31));
        assert_eq!(p("2024-02").last_day(), ymd(2024, 2, 29));
        assert_eq!(p("2026-Q1").months().len(), 3);
        assert_eq!(p("2026-H1").to_string(), "2026-H1");
        for bad in ["2026-13", "2026-Q5", "26-01", "2026-H3", "abc", "2026-"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn milestones_and_labels() {
        let m = [2026, 2028, 2030];
        assert_eq!(p("2025-07").milestone(&m), Some(2026));
        assert_eq!(p("2026-Q4").milestone(&m), Some(2026));
        assert_eq!(p("2027").milestone(&m), Some(2028));
        assert_eq!(p("2031").milestone(&m), Some(2030));
        assert_eq!(p("2026-Q2").label_vi(), "quý II/2026");
        assert_eq!(p("2026-06").label_vi(), "tháng 06/2026");
    }

    #[test]
    fn decree_09_windows() {
        let w = |s: &str| p(s).window(PeriodRule::Nd09);
        // monthly: 15th of the previous month to the 14th
        assert_eq!(
            (w("2026-06").from, w("2026-06").to),
            (ymd(2026, 5, 15), ymd(2026, 6, 14))
        );
        assert_eq!(
            (w("2026-01").from, w("2026-01").to),
            (ymd(2025, 12, 15), ymd(2026, 1, 14))
        );
        // quarterly: 15th of the month before the quarter to the 14th of its last month
        assert_eq!(
            (w("2026-Q2").from, w("2026-Q2").to),
            (ymd(2026, 3, 15), ymd(2026, 6, 14))
        );
        // half-year and year: from 15 December
        assert_eq!(
            (w("2026-H1").from, w("2026-H1").to),
            (ymd(2025, 12, 15), ymd(2026, 6, 14))
        );
        assert_eq!(
            (w("2026").from, w("2026").to),
            (ymd(2025, 12, 15), ymd(2026, 12, 14))
        );
        let c = p("2026-06").window(PeriodRule::Calendar);
        assert_eq!((c.from, c.to), (ymd(2026, 6, 1), ymd(2026, 6, 30)));
        assert_eq!("nd09".parse::<PeriodRule>().unwrap(), PeriodRule::Nd09);
        assert!("weekly".parse::<PeriodRule>().is_err());
    }
}
