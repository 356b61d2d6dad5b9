//! Text on the way in: Unicode NFC, trimmed.

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// NFC-normalised, trimmed copy of `s`. Vietnamese arrives decomposed (NFD) from some
/// systems; without this "Bình" and "Bình" would be two different khu phố.
pub fn clean(s: &str) -> String {
    let t = trim(s);
    if surely_nfc(t) || is_nfc_quick(t.chars()) == unicode_normalization::IsNormalized::Yes {
        return t.to_string();
    }
    t.nfc().collect()
}

/// Whether `s` is NFC by its bytes alone, without looking characters up: true when it holds
/// only characters below U+0300 (ASCII and the Latin blocks) and Latin Extended Additional
/// (U+1E00–U+1EFF, where Vietnamese's letters with two marks live), none of which decomposes
/// under NFC or combines with what stands before it. Nearly every Vietnamese value passes;
/// the others are looked up character by character.
pub fn surely_nfc(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // eight ASCII bytes at a time: most of a row is ASCII
        if let Some(w) = b.get(i..i + 8)
            && u64::from_le_bytes(w.try_into().unwrap_or([0x80; 8])) & 0x8080_8080_8080_8080 == 0
        {
            i += 8;
            continue;
        }
        match b[i] {
            0x00..=0x7F => i += 1,
            // U+0080–U+02FF
            0xC2..=0xCB => i += 2,
            // U+1E00–U+1EFF
            0xE1 if matches!(b.get(i + 1), Some(0xB8..=0xBB)) => i += 3,
            _ => return false,
        }
    }
    true
}

/// `a == b` for short texts (field names, codes), compared eight bytes at a time in place:
/// a call to `memcmp` for each comparison cost more than the comparing.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    if a.len() < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let last = a.len() - 8;
    (0..last).step_by(8).all(|i| word(a, i) == word(b, i)) && word(a, last) == word(b, last)
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

    /// `same` is `==`: for texts of every length up to past two words, equal or differing in
    /// one byte at any place, or in length.
    #[test]
    fn same_is_equality() {
        for len in 0..20 {
            let a: String = (0..len).map(|i| char::from(b'a' + i as u8)).collect();
            assert!(same(&a, &a.clone()), "{a}");
            assert!(!same(&a, &format!("{a}x")), "{a}");
            for at in 0..len {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).unwrap();
                assert!(!same(&a, &b), "{a} {b}");
            }
        }
        for (a, b) in [
            ("a", ""),
            ("abc", "abd"),
            ("abcdefgh", "abcdefgH"),
            ("xbcdefghi", "abcdefghi"),
            ("abcdefghijklmnopq", "abcdefghijklmnopr"),
        ] {
            assert!(!same(a, b) && !same(b, a), "{a} {b}");
        }
        assert!(same("Mã", "Mã"));
        assert!(!same("Mã", "Ma\u{303}"));
    }

    /// What `surely_nfc` lets through without a look-up is what the look-up would let through:
    /// every character of its ranges is NFC on its own and combines with nothing before it.
    #[test]
    fn the_byte_test_passes_only_characters_nfc_keeps() {
        use unicode_normalization::char::canonical_combining_class;
        let ranges = [0x0000..0x0300u32, 0x1E00..0x1F00];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let one = c.to_string();
            assert!(surely_nfc(&one), "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(
                is_nfc_quick(one.chars()),
                unicode_normalization::IsNormalized::Yes,
                "{c:?}"
            );
        }
        // just past either end, and combining marks: looked up
        for c in [
            '\u{0300}', '\u{0323}', '\u{1F00}', '\u{1DFF}', '\u{3000}', '😀',
        ] {
            assert!(!surely_nfc(&c.to_string()), "{c:?}");
        }
        assert!(surely_nfc("Nguyễn Thị Bình, khu phố Ượt"));
        assert!(!surely_nfc("Nguye\u{0302}\u{0303}n"));
    }

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
