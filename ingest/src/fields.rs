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
}

/// Reads fields of one record.
pub struct Fields<'a> {
    rec: &'a RawRecord,
    tz: Tz,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(rec: &'a RawRecord, tz: Tz) -> Self {
        Self {
            rec,
            tz,
            errors: Vec::new(),
        }
    }

    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            value: self.rec.get(field).to_string(),
            reason: reason.into(),
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
        match self.rec.get(field).trim() {
            "" => None,
            "0" | "false" | "False" | "FALSE" => Some(false),
            "1" | "true" | "True" | "TRUE" => Some(true),
            _ => {
                self.fail(field, "phải là 0 hoặc 1");
                None
            }
        }
    }

    /// An integer in `lo..=hi`; empty is `None` unless `required`.
    pub fn int_in(&mut self, field: &str, lo: i32, hi: i32, required: bool) -> Option<i32> {
        let raw = self.rec.get(field).trim();
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
                self.fail(field, "không phải số nguyên");
                None
            }
        }
    }

    /// A date-time as UTC microseconds; empty is `None` unless `required`.
    pub fn instant(&mut self, field: &str, required: bool) -> Option<i64> {
        let raw = self.rec.get(field);
        if raw.trim().is_empty() {
            if required {
                self.fail(field, "bắt buộc nhưng để trống");
            }
            return None;
        }
        match crate::time::parse_instant(raw, self.tz) {
            Ok(t) => Some(t.timestamp_micros()),
            Err(reason) => {
                self.fail(field, reason);
                None
            }
        }
    }

    /// Records an error found by a rule across fields.
    pub fn reject(&mut self, field: &str, reason: impl Into<String>) {
        self.fail(field, reason);
    }
}
