//! Text on the way in: Unicode NFC, trimmed.

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// NFC-normalised, trimmed copy of `s`. Vietnamese arrives decomposed (NFD) from some
/// systems; without this "Bình" and "Bình" would be two different khu phố.
pub fn clean(s: &str) -> String {
    let t = s.trim();
    match is_nfc_quick(t.chars()) {
        unicode_normalization::IsNormalized::Yes => t.to_string(),
        _ => t.nfc().collect(),
    }
}

/// `None` for an empty (after trimming) field.
pub fn non_empty(s: &str) -> Option<String> {
    let c = clean(s);
    if c.is_empty() { None } else { Some(c) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_becomes_nfc() {
        let nfd = "Nguye\u{0302}\u{0303}n Thi\u{0323} Bi\u{0300}nh";
        assert_eq!(clean(nfd), "Nguyễn Thị Bình");
        assert_eq!(clean("  Phường Bình Phước "), "Phường Bình Phước");
        assert_eq!(non_empty("   "), None);
    }
}
