//! Numbers and dates the way Vietnamese documents write them: `95,2 %`, `1.234`,
//! `05/03/2026`.

pub use tables::number::{integer, percent};

/// `dd/mm/yyyy`.
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_style() {
        assert_eq!(percent(95.24), "95,2 %");
        assert_eq!(percent(100.0), "100,0 %");
        assert_eq!(percent(2.0 / 3.0 * 100.0), "66,7 %");
        assert_eq!(integer(1234), "1.234");
        assert_eq!(integer(1234567), "1.234.567");
        assert_eq!(integer(12), "12");
        assert_eq!(
            date(chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()),
            "05/03/2026"
        );
    }
}
