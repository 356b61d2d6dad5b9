//! Numbers the way Vietnamese documents write them, in every output of the project (pages,
//! reports, terminal): `1.234.567`, `95,2 %`.

/// An integer with dots between thousands: `1.234.567`.
pub fn integer(v: u64) -> String {
    group(&v.to_string())
}

/// A number with one decimal and a decimal comma: `1.234,5`.
pub fn decimal(v: f64) -> String {
    let s = format!("{v:.1}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0"));
    format!("{},{frac}", group(int))
}

/// A percentage with one decimal and a decimal comma: `95,2 %`.
pub fn percent(v: f64) -> String {
    format!("{} %", decimal(v))
}

/// Digits (with an optional sign) with dots between thousands.
pub fn group(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", digits),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_take_dots_and_decimals_a_comma() {
        assert_eq!(integer(1_234_567), "1.234.567");
        assert_eq!(integer(999), "999");
        assert_eq!(group("-1234"), "-1.234");
        assert_eq!(percent(95.24), "95,2 %");
        assert_eq!(percent(1234.0), "1.234,0 %");
        assert_eq!(decimal(15.14), "15,1");
    }
}
