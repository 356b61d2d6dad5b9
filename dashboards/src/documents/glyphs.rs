//! Text a document's fonts cannot draw is refused before the document is made: a missing
//! glyph would print as a box or a question mark in a signed report.

use std::collections::BTreeSet;

use super::DocError;
use crate::fonts::FontFace;

/// The characters of `text` that none of `faces` has, in order, once each. Line breaks and
/// other control characters are layout, not glyphs.
pub fn missing<'a>(text: &str, faces: impl IntoIterator<Item = &'a FontFace>) -> Vec<char> {
    let parsed: Vec<ttf_parser::Face<'_>> = faces
        .into_iter()
        .filter_map(|f| ttf_parser::Face::parse(f.bytes, 0).ok())
        .collect();
    let chars: BTreeSet<char> = text.chars().filter(|c| !c.is_control()).collect();
    chars
        .into_iter()
        .filter(|c| !parsed.iter().any(|f| f.glyph_index(*c).is_some()))
        .collect()
}

/// Fails naming the characters of `text` the faces lack, and a stretch of text around the
/// first of them so the officer can find it.
pub fn check<'a>(
    text: &str,
    faces: impl IntoIterator<Item = &'a FontFace>,
) -> Result<(), DocError> {
    let missing = missing(text, faces);
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let context: String = text
        .lines()
        .find(|l| l.contains(*first))
        .unwrap_or("")
        .chars()
        .take(80)
        .collect();
    Err(DocError::Glyphs {
        chars: missing
            .iter()
            .map(|c| format!("“{c}” (U+{:04X})", *c as u32))
            .collect::<Vec<_>>()
            .join(", "),
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::report_text_faces;

    #[test]
    fn vietnamese_and_the_plan_symbols_are_covered() {
        let text = "ỦY BAN NHÂN DÂN PHƯỜNG BÌNH PHƯỚC — Độc lập - Tự do - Hạnh phúc \
                    ≥ 90 % “Gia đình số” Số: …/BC-UBND ắằẳẵặ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ỹỷỳ đĐ";
        assert_eq!(missing(text, report_text_faces()), Vec::<char>::new());
        assert!(check(text, report_text_faces()).is_ok());
    }

    #[test]
    fn a_character_no_face_has_is_refused_by_name() {
        let err = check("Khu phố 漢 mới", report_text_faces()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("U+6F22"), "{msg}");
        assert!(msg.contains("Khu phố 漢 mới"), "{msg}");
    }
}
