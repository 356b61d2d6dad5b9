//! Text on the way in: Unicode NFC, trimmed.

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// NFC-normalised, trimmed copy of `s`. Vietnamese arrives decomposed (NFD) from some
/// systems; without this "Bình" and "Bình" would be two different khu phố.
pub fn clean(s: &str) -> String {
    let t = trim(s);
    if t.is_ascii() {
        return t.to_string();
    }
    match is_nfc_quick(t.chars()) {
        unicode_normalization::IsNormalized::Yes => t.to_string(),
        _ => t.nfc().collect(),
    }
}

/// `s.trim()`, without decoding characters when both ends are plainly not white space: most
/// fields of an extract.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
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
        for s in [
            "",
            " a",
            "a ",
            "\u{a0}x",
            "x\u{3000}",
            "Phước",
            "ab",
            "\tb\n",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }
}
