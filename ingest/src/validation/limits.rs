//! How much one extract may hold. Whatever lands in a drop, the ingest process keeps its
//! memory: a file over a limit is refused with the limit named, before it is read where
//! that can be known (its size, an XLSX part's size in the zip directory), as soon as it is
//! crossed otherwise (rows). A field over its limit sends only its row to quarantine.

use serde::Deserialize;

/// The limits of one source (`[sources.NAME.limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Bytes of one file or API page.
    pub file_bytes: u64,
    /// Data rows of one file or page.
    pub rows: u64,
    /// Bytes of one field.
    pub field_bytes: usize,
    /// Uncompressed bytes of one part of an XLSX file (a worksheet, the shared strings).
    pub xlsx_part_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 2 << 30,
            rows: 20_000_000,
            field_bytes: 64 << 10,
            xlsx_part_bytes: 256 << 20,
        }
    }
}

/// `n` bytes for people: `64 KiB`, `1,5 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["byte", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let shown = tables::number::decimal(v);
    format!(
        "{} {}",
        shown.strip_suffix(",0").unwrap_or(&shown),
        UNITS[unit]
    )
}

/// The reason a file over a limit is refused: what it has, and the setting to raise.
pub fn over(what: &str, has: String, limit: String, key: &str) -> String {
    format!("{what} {has}, vượt giới hạn {limit} (limits.{key})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(bytes(65_536), "64 KiB");
        assert_eq!(bytes(102_400), "100 KiB");
        assert_eq!(bytes(1_610_612_736), "1,5 GiB");
        assert_eq!(bytes(900), "900 byte");
    }
}
