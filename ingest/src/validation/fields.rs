//! Typed reading of one raw record's fields, collecting every problem instead of stopping at
//! the first, so that the officer fixing the source sees all of them at once.

use chrono_tz::Tz;

use crate::raw::RawRecord;

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub value: String,
    pub reason: String,
    /// The value is not of the field's type at all (text where a number belongs): when most
    /// of a column is like that, the extract's format changed.
    pub wrong_type: bool,
}

/// Reads fields of one record.
pub struct Fields<'a> {
    rec: &'a RawRecord,
    tz: Tz,
    /// The latest time something can have happened (UTC microseconds): a day after the read
    /// began, the same for every record of it.
    latest: i64,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(rec: &'a RawRecord, tz: Tz, latest: i64) -> Self {
        let mut f = Self {
            rec,
            tz,
            latest,
            errors: Vec::new(),
        };
        for (field, reason) in &rec.refused {
            f.fail(field, reason.clone());
        }
        f
    }

    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.push(field, reason.into(), false);
    }

    fn wrong_type(&mut self, field: &str, reason: impl Into<String>) {
        self.push(field, reason.into(), true);
    }

    fn push(&mut self, field: &str, reason: String, wrong_type: bool) {
        self.errors.push(FieldError {
            field: field.to_string(),
            value: self.rec.get(field).to_string(),
            reason,
            wrong_type,
        });
    }

    /// Optional text, NFC.
    pub fn text(&mut self, field: &str) -> Option<String> {
        crate::text::non_empty(self.rec.get(field))
    }

    /// Required text, NFC; empty string (and an error) when missing.
    pub fn required_text(&mut self, field: &str) -> String {
        match self.text(field) {
            Some(t) => t,
            None => {
                self.fail(field, "bắt buộc nhưng để trống");
                String::new()
            }
        }
    }

    /// A 0/1 flag; empty is `None`.
    pub fn flag(&mut self, field: &str) -> Option<bool> {
        match crate::text::trim(self.rec.get(field)) {
            "" => None,
            "0" | "false" | "False" | "FALSE" => Some(false),
            "1" | "true" | "True" | "TRUE" => Some(true),
            _ => {
                self.wrong_type(field, "phải là 0 hoặc 1");
                None
            }
        }
    }

    /// An integer in `lo..=hi`; empty is `None` unless `required`.
    pub fn int_in(&mut self, field: &str, lo: i32, hi: i32, required: bool) -> Option<i32> {
        let raw = crate::text::trim(self.rec.get(field));
        if raw.is_empty() {
            if required {
                self.fail(field, "bắt buộc nhưng để trống");
            }
            return None;
        }
        // spreadsheets turn codes into "2.0"
        let parsed = raw
            .parse::<i32>()
            .ok()
            .or_else(|| raw.strip_suffix(".0").and_then(|s| s.parse().ok()));
        match parsed {
            Some(v) if (lo..=hi).contains(&v) => Some(v),
            Some(_) => {
                self.fail(field, format!("ngoài miền giá trị {lo}–{hi}"));
                None
            }
            None => {
                self.wrong_type(field, "không phải số nguyên");
                None
            }
        }
    }

    /// A date-time as UTC microseconds; empty is `None` unless `required`.
    pub fn instant(&mut self, field: &str, required: bool) -> Option<i64> {
        let raw = self.rec.get(field);
        if crate::text::trim(raw).is_empty() {
            if required {
                self.fail(field, "bắt buộc nhưng để trống");
            }
            return None;
        }
        match crate::time::parse_instant(raw, self.tz) {
            Ok(t) => Some(t),
            Err(reason) => {
                self.wrong_type(field, reason);
                None
            }
        }
    }

    /// A date-time at which something happened: as [`Fields::instant`], and refused when it
    /// lies more than a day after now (a typing error in the year, a clock set wrong), which
    /// would otherwise count in a month that has not come.
    pub fn happened(&mut self, field: &str, required: bool) -> Option<i64> {
        let t = self.instant(field, required)?;
        if t > self.latest {
            let shown = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t)
                .map(|t| {
                    t.with_timezone(&self.tz)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            self.fail(
                field,
                format!("thời điểm {shown} ở tương lai (quá một ngày sau lúc nạp)"),
            );
            return None;
        }
        Some(t)
    }

    /// A whole number in `lo..=hi`; empty is `None` unless `required`.
    pub fn int64_in(&mut self, field: &str, lo: i64, hi: i64, required: bool) -> Option<i64> {
        let raw = self.present(field, required)?;
        match parse_decimal(&raw, 0) {
            Some(v) if (lo as i128..=hi as i128).contains(&v) => Some(v as i64),
            Some(_) => {
                self.fail(field, format!("ngoài miền giá trị {lo}–{hi}"));
                None
            }
            None => {
                self.wrong_type(field, "không phải số nguyên");
                None
            }
        }
    }

    /// An exact decimal with `scale` digits after the point, as an integer of that many
    /// units (`12,5` or `12.50` with scale 2 is 1250); never negative. Empty is `None` unless
    /// `required`.
    pub fn decimal(&mut self, field: &str, scale: i8, required: bool) -> Option<i128> {
        let raw = self.present(field, required)?;
        match parse_decimal(&raw, scale) {
            Some(v) if v >= 0 => Some(v),
            Some(_) => {
                self.fail(field, "không được âm");
                None
            }
            None => {
                self.wrong_type(
                    field,
                    format!("không phải số (tối đa {scale} chữ số sau dấu thập phân)"),
                );
                None
            }
        }
    }

    /// A calendar date as days since 1970-01-01, read in the ward's time zone (a date-time
    /// gives its local date). Empty is `None` unless `required`.
    pub fn date(&mut self, field: &str, required: bool) -> Option<i32> {
        let t = self.instant(field, required)?;
        let local = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t)?
            .with_timezone(&self.tz)
            .date_naive();
        Some(crate::time::epoch_days(local))
    }

    /// The field's trimmed text, or `None` (with an error when required) when empty.
    fn present(&mut self, field: &str, required: bool) -> Option<String> {
        let raw = crate::text::trim(self.rec.get(field)).to_string();
        if raw.is_empty() {
            if required {
                self.fail(field, "bắt buộc nhưng để trống");
            }
            return None;
        }
        Some(raw)
    }

    /// Records an error found by a rule across fields.
    pub fn reject(&mut self, field: &str, reason: impl Into<String>) {
        self.fail(field, reason);
    }
}

/// `raw` as an integer count of `10^-scale` units. Accepts `.` or `,` as the decimal point
/// and no thousands separators (they are ambiguous between the two conventions); more
/// fractional digits than `scale` are refused unless they are zeros.
pub fn parse_decimal(raw: &str, scale: i8) -> Option<i128> {
    let s = crate::text::trim(raw);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 30 {
        return None;
    }
    let scale = scale.max(0) as usize;
    let (kept, rest) = frac.split_at(frac.len().min(scale));
    if rest.bytes().any(|b| b != b'0') {
        return None;
    }
    let mut v: i128 = int.parse().ok()?;
    for i in 0..scale {
        let d = kept
            .as_bytes()
            .get(i)
            .map(|b| (b - b'0') as i128)
            .unwrap_or(0);
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(if neg { -v } else { v })
}

/// Watches a file's columns for a changed format: a column whose values are nearly all of the
/// wrong type means the extract changed shape (a code column now holds labels, dates in a new
/// form), and loading the rest of its rows would quietly count the wrong things.
#[derive(Debug, Default)]
pub struct Drift {
    filled: std::collections::BTreeMap<String, u64>,
    wrong: std::collections::BTreeMap<String, u64>,
    /// Filled values counted by cell position for records sharing these names (a file's rows
    /// do), added to `filled` by name when other names come or the counts are read.
    by_position: Option<(std::sync::Arc<crate::raw::Names>, Vec<u64>)>,
}

/// Adds `n` to a field's count; the name is copied only the first time it is seen.
fn count(counts: &mut std::collections::BTreeMap<String, u64>, field: &str, n: u64) {
    match counts.get_mut(field) {
        Some(c) => *c += n,
        None => {
            counts.insert(field.to_string(), n);
        }
    }
}

/// Fewer filled values than this say nothing about a column's type.
const DRIFT_MIN_VALUES: u64 = 5;
/// Share of wrongly typed values from which a column counts as changed.
const DRIFT_SHARE: f64 = 0.9;

impl Drift {
    /// Counts one record and its field errors.
    pub fn observe(&mut self, rec: &RawRecord, errors: &[FieldError]) {
        let same = self
            .by_position
            .as_ref()
            .is_some_and(|(names, _)| std::sync::Arc::ptr_eq(names, rec.names()));
        if !same {
            self.settle();
            self.by_position = Some((rec.names().clone(), vec![0; rec.names().width()]));
        }
        if let Some((_, counts)) = &mut self.by_position {
            for (n, filled) in counts.iter_mut().zip(rec.filled()) {
                *n += u64::from(filled);
            }
        }
        for e in errors.iter().filter(|e| e.wrong_type) {
            count(&mut self.wrong, &e.field, 1);
        }
    }

    /// Moves the counts kept by position to `filled`.
    fn settle(&mut self) {
        if let Some((names, counts)) = self.by_position.take() {
            for (field, at) in names.positions() {
                let n = counts[at];
                if n > 0 {
                    count(&mut self.filled, field, n);
                }
            }
        }
    }

    /// Adds what another reader of the same file observed.
    pub fn merge(&mut self, mut other: Drift) {
        self.settle();
        other.settle();
        for (field, n) in other.filled {
            count(&mut self.filled, &field, n);
        }
        for (field, n) in other.wrong {
            count(&mut self.wrong, &field, n);
        }
    }

    /// Fails when a column changed type, naming it.
    pub fn check(mut self, path: &str) -> crate::Result<()> {
        self.settle();
        for (field, wrong) in &self.wrong {
            let filled = self.filled.get(field).copied().unwrap_or(0);
            if filled >= DRIFT_MIN_VALUES && *wrong as f64 >= DRIFT_SHARE * filled as f64 {
                return Err(crate::IngestError::Format {
                    path: std::path::PathBuf::from(path),
                    message: format!(
                        "cột “{field}” đã đổi kiểu dữ liệu: {wrong}/{filled} giá trị không đọc \
                         được; cả tệp bị từ chối, hãy kiểm tra lại định dạng xuất của hệ thống nguồn"
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("12.50", 2), Some(1250));
        assert_eq!(parse_decimal("12,5", 2), Some(1250));
        assert_eq!(parse_decimal("350000", 0), Some(350_000));
        assert_eq!(parse_decimal("350000.00", 0), Some(350_000));
        assert_eq!(parse_decimal("1.005", 2), None);
        assert_eq!(parse_decimal("-3", 0), Some(-3));
        assert_eq!(parse_decimal("1.234.567", 0), None);
        assert_eq!(parse_decimal("abc", 0), None);
        assert_eq!(parse_decimal("", 0), None);
    }
}
