//! The fonts bundled with the program (see `data/fonts/README.md`).
//!
//! Every chart and report is drawn with these faces only, so a chart looks the same on a
//! laptop, in a container without fonts and on a province server, and Vietnamese letters never
//! depend on what the machine happens to have installed.

use std::sync::Arc;

use resvg::usvg::fontdb;

/// One bundled font file.
#[derive(Debug, Clone, Copy)]
pub struct FontFace {
    /// The family name recorded in the font itself, as used in SVG `font-family` lists.
    pub family: &'static str,
    /// File name under `data/fonts/`.
    pub file: &'static str,
    pub bytes: &'static [u8],
}

/// Family used for all chart text.
pub const SANS: &str = "Noto Sans";
/// Family for report bodies that want a serif face.
pub const SERIF: &str = "Noto Serif";
/// Noto (2020 Debian build) has no mathematical operators such as ≥ (U+2265); DejaVu does.
pub const SANS_FALLBACK: &str = "DejaVu Sans";
pub const SERIF_FALLBACK: &str = "DejaVu Serif";

macro_rules! face {
    ($family:expr, $file:literal) => {
        FontFace {
            family: $family,
            file: $file,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../data/fonts/",
                $file
            )),
        }
    };
}

// Order matters: usvg's fallback takes the first face that has a missing character, so the
// DejaVu faces come after Noto, and DejaVu Sans before DejaVu Serif.
static FACES: [FontFace; 8] = [
    face!(SANS, "NotoSans-Regular.ttf"),
    face!(SANS, "NotoSans-Bold.ttf"),
    face!(SANS, "NotoSans-Italic.ttf"),
    face!(SERIF, "NotoSerif-Regular.ttf"),
    face!(SERIF, "NotoSerif-Bold.ttf"),
    face!(SERIF, "NotoSerif-Italic.ttf"),
    face!(SANS_FALLBACK, "DejaVuSans.ttf"),
    face!(SERIF_FALLBACK, "DejaVuSerif.ttf"),
];

/// The serif of reports: metric-compatible with Times New Roman, which the administrative
/// document rules (Nghị định 30/2020/NĐ-CP) ask for, and covering Vietnamese.
pub const REPORT: &str = "Liberation Serif";

static REPORT_FACES: [FontFace; 4] = [
    face!(REPORT, "LiberationSerif-Regular.ttf"),
    face!(REPORT, "LiberationSerif-Bold.ttf"),
    face!(REPORT, "LiberationSerif-Italic.ttf"),
    face!(REPORT, "LiberationSerif-BoldItalic.ttf"),
];

/// The faces a report is set in: Liberation Serif for the text, DejaVu Serif for symbols it
/// lacks, and the chart faces for the charts it embeds.
pub fn report_faces() -> impl Iterator<Item = &'static FontFace> {
    REPORT_FACES
        .iter()
        .chain(FACES.iter().filter(|f| f.family != SERIF))
}

/// The faces report text is drawn with, in fallback order.
pub fn report_text_faces() -> impl Iterator<Item = &'static FontFace> {
    REPORT_FACES
        .iter()
        .chain(FACES.iter().filter(|f| f.family == SERIF_FALLBACK))
}

/// All bundled faces, Noto first, then the DejaVu fallbacks.
pub fn all() -> &'static [FontFace] {
    &FACES
}

/// A font database holding the bundled faces and nothing else (no system fonts), with the
/// generic `sans-serif` and `serif` families mapped to Noto.
pub fn fontdb() -> fontdb::Database {
    let mut db = fontdb::Database::new();
    for face in all() {
        // The bytes are 'static, so the database borrows them instead of copying ~4.5 MB.
        db.load_font_source(fontdb::Source::Binary(Arc::new(face.bytes)));
    }
    db.set_sans_serif_family(SANS);
    db.set_serif_family(SERIF);
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fontdb_holds_exactly_the_bundled_faces() {
        let db = fontdb();
        assert_eq!(
            db.len(),
            8,
            "one face per bundled file, nothing from the system"
        );
        for face in all() {
            assert!(
                db.faces()
                    .any(|info| info.families.iter().any(|(name, _)| name == face.family)),
                "{} should register family {:?}",
                face.file,
                face.family
            );
        }
    }

    #[test]
    fn generic_families_resolve_to_noto() {
        let db = fontdb();
        for (generic, expected) in [
            (fontdb::Family::SansSerif, SANS),
            (fontdb::Family::Serif, SERIF),
        ] {
            let id = db
                .query(&fontdb::Query {
                    families: &[generic],
                    ..fontdb::Query::default()
                })
                .expect("generic family resolves");
            let info = db.face(id).expect("face exists");
            assert_eq!(info.families[0].0, expected);
            assert_eq!(info.weight, fontdb::Weight::NORMAL);
        }
    }

    #[test]
    fn bold_and_italic_faces_are_distinct() {
        let db = fontdb();
        let query = |weight, style| {
            db.query(&fontdb::Query {
                families: &[fontdb::Family::Name(SANS)],
                weight,
                style,
                ..fontdb::Query::default()
            })
            .and_then(|id| db.face(id))
            .map(|f| (f.weight, f.style))
        };
        assert_eq!(
            query(fontdb::Weight::BOLD, fontdb::Style::Normal),
            Some((fontdb::Weight::BOLD, fontdb::Style::Normal))
        );
        assert_eq!(
            query(fontdb::Weight::NORMAL, fontdb::Style::Italic),
            Some((fontdb::Weight::NORMAL, fontdb::Style::Italic))
        );
    }
}
