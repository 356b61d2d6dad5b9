//! Counting a record list back into its figure. The same code counts while an annex is
//! written (an annex whose records do not give its figure is never handed out) and when
//! `chiso verify` checks one offline.

use std::collections::HashSet;

use metrics::Recount;
use metrics::measure::IN_NUMERATOR;
use sha2::{Digest, Sha256};

/// Numerator and denominator counted from records, one record at a time.
#[derive(Debug)]
pub struct Recounter {
    recount: Recount,
    flag: Option<usize>,
    column: Option<usize>,
    denominator_column: Option<usize>,
    numerator: i128,
    denominator: i128,
    distinct_numerator: HashSet<String>,
    distinct_denominator: HashSet<String>,
    rows: u64,
}

impl Recounter {
    /// A counter for records with these column names; an error names a column the rule needs
    /// and the list lacks.
    pub fn new(recount: &Recount, header: &[String]) -> Result<Self, String> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| format!("danh sách bản ghi thiếu cột {name}"))
        };
        let (flag, column, denominator_column) = match recount {
            Recount::StatusReports => (None, None, None),
            Recount::Rows => (Some(find(IN_NUMERATOR)?), None, None),
            Recount::Distinct { column } => (Some(find(IN_NUMERATOR)?), Some(find(column)?), None),
            Recount::Sum {
                column,
                denominator_column,
            } => (
                Some(find(IN_NUMERATOR)?),
                Some(find(column)?),
                Some(find(denominator_column)?),
            ),
        };
        Ok(Self {
            recount: recount.clone(),
            flag,
            column,
            denominator_column,
            numerator: 0,
            denominator: 0,
            distinct_numerator: HashSet::new(),
            distinct_denominator: HashSet::new(),
            rows: 0,
        })
    }

    /// Counts one record; an error says which field could not be read.
    pub fn add<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), String> {
        self.rows += 1;
        let field = |i: Option<usize>| i.and_then(|i| fields.get(i)).map(|s| s.as_ref().trim());
        let in_numerator = match field(self.flag) {
            None => false,
            Some("1") => true,
            Some("0") => false,
            Some(other) => {
                return Err(format!(
                    "cột {IN_NUMERATOR} phải là 0 hoặc 1, gặp “{other}”"
                ));
            }
        };
        match &self.recount {
            Recount::StatusReports => {}
            Recount::Rows => {
                self.denominator += 1;
                self.numerator += i128::from(in_numerator);
            }
            Recount::Distinct { .. } => {
                if let Some(v) = field(self.column).filter(|v| !v.is_empty()) {
                    if in_numerator && !self.distinct_numerator.contains(v) {
                        self.distinct_numerator.insert(v.to_string());
                    }
                    if !self.distinct_denominator.contains(v) {
                        self.distinct_denominator.insert(v.to_string());
                    }
                }
            }
            Recount::Sum {
                column,
                denominator_column,
            } => {
                self.denominator += integer(field(self.denominator_column), denominator_column)?;
                if in_numerator {
                    self.numerator += integer(field(self.column), column)?;
                }
            }
        }
        Ok(())
    }

    /// Records counted.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Numerator and denominator so far; `None` for status reports.
    pub fn totals(&self) -> Option<(i128, i128)> {
        match self.recount {
            Recount::StatusReports => None,
            Recount::Distinct { .. } => Some((
                self.distinct_numerator.len() as i128,
                self.distinct_denominator.len() as i128,
            )),
            _ => Some((self.numerator, self.denominator)),
        }
    }
}

/// A summed field as the query sums it: empty counts nothing, a decimal is cut to an integer
/// as `CAST(… AS BIGINT)` does.
fn integer(v: Option<&str>, column: &str) -> Result<i128, String> {
    let v = v.unwrap_or("");
    if v.is_empty() {
        return Ok(0);
    }
    if let Ok(i) = v.parse::<i128>() {
        return Ok(i);
    }
    v.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| f.trunc() as i128)
        .ok_or_else(|| format!("cột {column} phải là số, gặp “{v}”"))
}

/// The check code of one record: SHA-256 of its fields joined by the unit separator (U+001F),
/// so that it does not depend on how a CSV writer quotes them.
pub fn record_hash<S: AsRef<str>>(fields: &[S]) -> String {
    let mut h = Sha256::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(f.as_ref().as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn rows_distinct_and_sums_count_as_the_query_does() {
        let mut r = Recounter::new(&Recount::Rows, &header(&["k", IN_NUMERATOR])).unwrap();
        for row in [["a", "1"], ["b", "0"], ["c", "1"]] {
            r.add(&row).unwrap();
        }
        assert_eq!(r.totals(), Some((2, 3)));
        assert!(r.add(&["d", "x"]).unwrap_err().contains(IN_NUMERATOR));

        let d = Recount::Distinct {
            column: "cb".into(),
        };
        let mut r = Recounter::new(&d, &header(&["cb", IN_NUMERATOR])).unwrap();
        // one official trained twice, one not trained, one row without an official
        for row in [["A", "1"], ["A", "1"], ["B", "0"], ["", "1"]] {
            r.add(&row).unwrap();
        }
        assert_eq!(r.totals(), Some((1, 2)));

        let s = Recount::Sum {
            column: "kich_hoat".into(),
            denominator_column: "dan_so".into(),
        };
        let mut r = Recounter::new(&s, &header(&["dan_so", "kich_hoat", IN_NUMERATOR])).unwrap();
        r.add(&["100", "70", "1"]).unwrap();
        r.add(&["50", "", "1"]).unwrap();
        r.add(&["30", "30", "0"]).unwrap();
        assert_eq!(r.totals(), Some((70, 180)));
        assert!(Recounter::new(&s, &header(&["dan_so", IN_NUMERATOR])).is_err());
    }

    #[test]
    fn a_record_hash_ignores_quoting_but_not_content() {
        assert_eq!(record_hash(&["a,b", "c"]), record_hash(&["a,b", "c"]));
        assert_ne!(record_hash(&["a", "b,c"]), record_hash(&["a,b", "c"]));
        assert_ne!(record_hash(&["a", "1"]), record_hash(&["a", "0"]));
    }
}
