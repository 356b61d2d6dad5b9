//! Whether an indicator will reach its milestone on its current trend: a straight line fitted
//! by least squares to its recent monthly values, carried to the milestone's last day.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Months of history the trend is fitted to.
pub const TREND_MONTHS: u32 = 6;
/// Fewest monthly values a trend is fitted to.
pub const MIN_POINTS: usize = 3;

/// How a percentage indicator is projected, in words.
pub const METHOD_VI: &str = "Xu hướng tuyến tính (bình phương tối thiểu) của giá trị hằng tháng \
    trong 6 tháng gần nhất (cần ít nhất 3 tháng có số liệu), kéo dài đến hết năm mốc; \
    “nguy cơ” khi giá trị dự báo tại mốc thấp hơn mục tiêu.";

/// How a milestone row is projected, in words.
pub const MILESTONE_METHOD_VI: &str = "Theo trạng thái mốc cập nhật gần nhất: “Hoàn thành” là \
    đạt; “nguy cơ” khi mốc chưa bắt đầu mà còn dưới 6 tháng đến hết năm mốc.";

/// A projection towards a milestone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    pub method_vi: String,
    /// Monthly values the line was fitted to.
    pub points: usize,
    /// Change per month, in percentage points.
    pub slope_per_month: Option<f64>,
    /// The milestone's last day.
    pub deadline: NaiveDate,
    /// The line's value at the deadline, within 0–100.
    pub value_at_deadline: Option<f64>,
    /// The last day of the month in which the line reaches the target.
    pub reaches_target_on: Option<NaiveDate>,
}

fn month_index(d: NaiveDate) -> f64 {
    (d.year() * 12 + d.month0() as i32) as f64
}

fn month_end(index: i64) -> Option<NaiveDate> {
    let y = index.div_euclid(12) as i32;
    let m = index.rem_euclid(12) as u32 + 1;
    NaiveDate::from_ymd_opt(y, m, 1)?
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()
}

/// Fits `(month, value)` points and carries the line to `deadline`, against `target` (%).
pub fn linear(points: &[(NaiveDate, f64)], target: f64, deadline: NaiveDate) -> Projection {
    let mut p = Projection {
        method_vi: METHOD_VI.to_string(),
        points: points.len(),
        slope_per_month: None,
        deadline,
        value_at_deadline: None,
        reaches_target_on: None,
    };
    if points.len() < MIN_POINTS {
        return p;
    }
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|(d, _)| month_index(*d)).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = points.iter().map(|(_, v)| v).sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs
        .iter()
        .zip(points)
        .map(|(x, (_, y))| (x - mx) * (y - my))
        .sum();
    if sxx == 0.0 {
        return p;
    }
    let slope = sxy / sxx;
    let at = |x: f64| my + slope * (x - mx);
    p.slope_per_month = Some(slope);
    p.value_at_deadline = Some(at(month_index(deadline)).clamp(0.0, 100.0));
    let last = xs.iter().copied().fold(f64::MIN, f64::max);
    let above_now = at(last) + 1e-9 >= target;
    let above_at_deadline = p.value_at_deadline.is_some_and(|v| v + 1e-9 >= target);
    if above_now && above_at_deadline {
        p.reaches_target_on = month_end(last as i64);
    } else if slope > 0.0 && !above_now {
        let x = mx + (target - my) / slope;
        p.reaches_target_on = month_end(x.ceil() as i64);
    }
    // a line above the target now but falling below it by the deadline reaches nothing
    p
}

impl Projection {
    /// Whether the line meets `target` by the deadline; `None` when no line could be fitted.
    pub fn on_track(&self, target: f64) -> Option<bool> {
        self.value_at_deadline.map(|v| v + 1e-9 >= target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    #[test]
    fn a_rising_line_reaches_its_target() {
        // 60, 62, 64, 66 % from March to June: +2 points a month; December is 6 months
        // after June: 66 + 12 = 78 %; 70 % is reached in August (66 + 2·2)
        let pts = [
            (d(2026, 3), 60.0),
            (d(2026, 4), 62.0),
            (d(2026, 5), 64.0),
            (d(2026, 6), 66.0),
        ];
        let deadline = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let p = linear(&pts, 70.0, deadline);
        assert!((p.slope_per_month.unwrap() - 2.0).abs() < 1e-9);
        assert!((p.value_at_deadline.unwrap() - 78.0).abs() < 1e-9);
        assert_eq!(p.reaches_target_on, NaiveDate::from_ymd_opt(2026, 8, 31));
        assert_eq!(p.on_track(70.0), Some(true));
        assert_eq!(p.on_track(90.0), Some(false));
        // a falling line never reaches a target above it
        let down = [(d(2026, 4), 50.0), (d(2026, 5), 49.0), (d(2026, 6), 48.0)];
        let p = linear(&down, 70.0, deadline);
        assert_eq!(p.reaches_target_on, None);
        assert_eq!(p.on_track(70.0), Some(false));
        // above the target now but falling through it: no date to promise
        let falling = [(d(2026, 4), 100.0), (d(2026, 5), 98.0), (d(2026, 6), 96.0)];
        let p = linear(&falling, 95.0, deadline);
        assert_eq!(p.on_track(95.0), Some(false));
        assert_eq!(p.reaches_target_on, None);
        // two points are too few
        assert_eq!(linear(&down[..2], 70.0, deadline).on_track(70.0), None);
    }
}
