//! Date-times as source systems write them, read as instants.
//!
//! A time without an offset is local to the ward (Asia/Ho_Chi_Minh). The lake stores UTC
//! microseconds; the period a record belongs to is decided later, in local time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

/// Parses one date-time field. Accepted forms, in the order they are tried: ISO 8601 with an
/// offset, ISO 8601 local (`T` or space), `dd/MM/yyyy HH:mm:ss`, `dd/MM/yyyy HH:mm`,
/// `dd/MM/yyyy`, `yyyy-MM-dd`, the national portal's `yyyyMMddHHmmss`, and Excel serial numbers.
/// Gives UTC microseconds, as the lake keeps instants.
pub fn parse_instant(raw: &str, tz: Tz) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("trống".to_string());
    }
    // a fixed-width form carries no offset: it is local, whatever the patterns below say
    let fixed = fixed_width(s);
    if fixed.is_none()
        && let Ok(dt) = DateTime::<FixedOffset>::parse_from_rfc3339(s)
    {
        return Ok(dt.timestamp_micros());
    }
    if let Some(local) = fixed.or_else(|| parse_local(s)) {
        return crate::formats::zone::micros_from_local(tz, &local)
            .ok_or_else(|| format!("giờ địa phương không tồn tại: {s}"));
    }
    Err(format!(
        "không đọc được ngày giờ “{s}” (dùng dd/MM/yyyy HH:mm:ss hoặc yyyy-MM-ddTHH:mm:ss)"
    ))
}

/// Days since 1970-01-01 of a date.
pub fn epoch_days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

/// The date `days` after 1970-01-01 (Arrow's Date32).
pub fn from_epoch_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days.into()))
}

/// `None` for an empty field, otherwise as [`parse_instant`].
pub fn parse_optional(raw: &str, tz: Tz) -> Result<Option<i64>, String> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_instant(raw, tz).map(Some)
    }
}

/// The fixed-width forms systems write millions of, read by position rather than by trying
/// every pattern in turn: `dd/MM/yyyy HH:mm:ss`, `yyyy-MM-ddTHH:mm:ss` (or a space for the
/// `T`) and `yyyyMMddHHmmss`. `None` for anything else, which the patterns then read.
fn fixed_width(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let shape = |seps: [(usize, &[u8]); 5]| seps.iter().all(|(i, c)| at(*i, c));
    let [y, mo, d, h, mi, se] = if b.len() == 19
        && shape([(2, b"/"), (5, b"/"), (10, b" "), (13, b":"), (16, b":")])
    {
        [6..10, 3..5, 0..2, 11..13, 14..16, 17..19]
    } else if b.len() == 19 && shape([(4, b"-"), (7, b"-"), (10, b"T "), (13, b":"), (16, b":")]) {
        [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
    } else if b.len() == 14 {
        [0..4, 4..6, 6..8, 8..10, 10..12, 12..14]
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(num(y)? as i32, num(mo)?, num(d)?)?.and_hms_opt(
        num(h)?,
        num(mi)?,
        num(se)?,
    )
}

const DATE_TIMES: [&str; 7] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%Y%m%d%H%M%S",
];

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    for f in DATE_TIMES {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
    }
    for f in ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d.and_time(NaiveTime::MIN));
        }
    }
    excel_serial(s)
}

/// Excel's serial day numbers (1900 date system, with its fictitious 29/02/1900, hence the
/// epoch of 30/12/1899). Only plausible modern dates are accepted, so that a stray integer
/// is not silently read as a date.
fn excel_serial(s: &str) -> Option<NaiveDateTime> {
    let v: f64 = s.parse().ok()?;
    if !(20_000.0..=80_000.0).contains(&v) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let ms = (v * 86_400_000.0).round() as i64;
    epoch.checked_add_signed(chrono::Duration::milliseconds(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn utc(s: &str) -> DateTime<Utc> {
        let micros = parse_instant(s, chrono_tz::Asia::Ho_Chi_Minh).expect(s);
        DateTime::from_timestamp_micros(micros).expect(s)
    }

    #[test]
    fn every_form_gives_the_same_instant() {
        let want = Utc.with_ymd_and_hms(2026, 3, 5, 1, 15, 0).unwrap();
        for s in [
            "2026-03-05T08:15:00",
            "2026-03-05 08:15:00",
            "2026-03-05T08:15:00+07:00",
            "2026-03-05T01:15:00Z",
            "05/03/2026 08:15:00",
            "05/03/2026 08:15",
            "20260305081500",
            "46086.34375",
        ] {
            assert_eq!(utc(s), want, "{s}");
        }
        assert_eq!(
            utc("05/03/2026"),
            Utc.with_ymd_and_hms(2026, 3, 4, 17, 0, 0).unwrap()
        );
    }

    #[test]
    fn fixed_width_forms_read_as_the_patterns_read_them() {
        for s in [
            "05/03/2026 08:15:00",
            "31/12/2025 23:59:59",
            "2026-03-05T08:15:00",
            "2026-03-05 08:15:00",
            "20260305081500",
        ] {
            let patterns = DATE_TIMES
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok());
            assert_eq!(fixed_width(s), patterns, "{s}");
            assert!(patterns.is_some(), "{s}");
        }
        // not a date, or not this shape: left to the patterns
        for s in [
            "31/02/2026 08:15:00",
            "5/3/2026 08:15:00",
            "2026-03-05T08:15:0x",
            "12345678901234x",
        ] {
            assert_eq!(fixed_width(s), None, "{s}");
        }
    }

    #[test]
    fn nonsense_is_refused() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        assert!(parse_instant("31/02/2026 25:00:00", tz).is_err());
        assert!(parse_instant("12", tz).is_err());
        assert!(parse_instant("", tz).is_err());
        assert_eq!(parse_optional(" ", tz), Ok(None));
    }
}
