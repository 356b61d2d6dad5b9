//! Numbers as a Vietnamese reader writes them.

/// Formats `value` with `decimals` digits after a decimal comma and dots between thousands,
/// as in vi-VN: `format_vi(1234.5, 1) == "1.234,5"`.
pub fn format_vi(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let plain = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = match plain.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (plain.as_str(), None),
    };
    let mut out = String::with_capacity(plain.len() + plain.len() / 3 + 1);
    // "-0,0" would tell the reader something went down when it did not.
    let is_zero = int_part
        .bytes()
        .chain(frac_part.unwrap_or("").bytes())
        .all(|b| b == b'0');
    if value < 0.0 && !is_zero {
        out.push('-');
    }
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(digit);
    }
    if let Some(frac) = frac_part {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A value as shown next to a data point: one decimal, dropped when it is zero ("90", "92,5").
pub(crate) fn format_value(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format_vi(rounded, 0)
    } else {
        format_vi(rounded, 1)
    }
}

/// Tick positions for an axis covering `lo..=hi`: a round step (1, 2, 2.5 or 5 times a power
/// of ten) giving at most `max_intervals` intervals, and how many decimals its labels need.
pub(crate) fn nice_ticks(lo: f64, hi: f64, max_intervals: usize) -> (Vec<f64>, usize) {
    let span = (hi - lo).max(f64::EPSILON);
    let max_intervals = max_intervals.max(1) as f64;
    let magnitude = 10f64.powf((span / max_intervals).log10().floor());
    let mut step = magnitude * 10.0;
    for factor in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let candidate = magnitude * factor;
        if span / candidate <= max_intervals + 1e-9 {
            step = candidate;
            break;
        }
    }
    let start = (lo / step).floor() as i64;
    let end = (hi / step - 1e-9).ceil() as i64;
    let ticks = (start..=end).map(|k| k as f64 * step).collect();
    // 2.5 × 10^k needs one more digit than its power of ten suggests (2,5 but 25).
    let power = step.log10().floor();
    let mantissa = step / 10f64.powf(power);
    let wanted = if (mantissa - 2.5).abs() < 1e-9 {
        1.0 - power
    } else {
        -power
    };
    let decimals = wanted.max(0.0) as usize;
    (ticks, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_number_format() {
        assert_eq!(format_vi(92.5, 1), "92,5");
        assert_eq!(format_vi(1234.5, 1), "1.234,5");
        assert_eq!(format_vi(1_234_567.0, 0), "1.234.567");
        assert_eq!(format_vi(100.0, 0), "100");
        assert_eq!(format_vi(0.0, 0), "0");
        assert_eq!(format_vi(-12.25, 2), "-12,25");
        assert_eq!(format_vi(-0.01, 1), "0,0");
        assert_eq!(format_value(90.0), "90");
        assert_eq!(format_value(92.46), "92,5");
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 5),
            (vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0], 0)
        );
        assert_eq!(
            nice_ticks(0.0, 130.0, 5),
            (vec![0.0, 50.0, 100.0, 150.0], 0)
        );
        assert_eq!(
            nice_ticks(0.0, 10.0, 5).0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let (ticks, decimals) = nice_ticks(0.0, 12.0, 5);
        assert_eq!(ticks, vec![0.0, 2.5, 5.0, 7.5, 10.0, 12.5]);
        assert_eq!(decimals, 1);
        assert_eq!(nice_ticks(0.0, 120.0, 5).1, 0, "25 needs no decimals");
        assert_eq!(nice_ticks(-20.0, 100.0, 5).0.first(), Some(&-25.0));
    }
}
