//! SVG → PNG with resvg, and text measurement with the same fonts.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::{ChartError, FONT_FAMILY};
use crate::fonts;

/// Parsing the eight bundled faces costs a few milliseconds; every chart reuses one database.
fn shared_fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| Arc::new(fonts::fontdb())).clone()
}

fn options() -> usvg::Options<'static> {
    usvg::Options {
        // Text without a font-family still gets the bundled face, not a name the db lacks.
        font_family: fonts::SANS.to_string(),
        languages: vec!["vi".to_string()],
        fontdb: shared_fontdb(),
        font_resolver: usvg::FontResolver {
            select_font: usvg::FontResolver::default_font_selector(),
            // usvg's fallback reshapes the *whole line* in the first font that has every
            // character, so one "≥" turned a bold Noto label into regular DejaVu. Our SVG puts
            // such characters in their own DejaVu <tspan> (see `mark_symbols`) instead.
            select_fallback: Box::new(|_, _, _| None),
        },
        ..usvg::Options::default()
    }
}

fn parsed_face(file: &str) -> Option<ttf_parser::Face<'static>> {
    let face = fonts::all().iter().find(|f| f.file == file)?;
    ttf_parser::Face::parse(face.bytes, 0).ok()
}

/// Whether `c` must be set in DejaVu Sans: Noto Sans has no glyph for it and DejaVu does.
pub(crate) fn needs_symbol_font(c: char) -> bool {
    static FACES: OnceLock<(
        Option<ttf_parser::Face<'static>>,
        Option<ttf_parser::Face<'static>>,
    )> = OnceLock::new();
    let (noto, dejavu) = FACES.get_or_init(|| {
        (
            parsed_face("NotoSans-Regular.ttf"),
            parsed_face("DejaVuSans.ttf"),
        )
    });
    let has = |face: &Option<ttf_parser::Face<'static>>| {
        face.as_ref().is_some_and(|f| f.glyph_index(c).is_some())
    };
    !c.is_whitespace() && !c.is_control() && !has(noto) && has(dejavu)
}

/// Wraps each run of characters Noto lacks (≥, ≤, arrows…) in a DejaVu Sans `<tspan>`, in
/// already-escaped SVG text content. Browsers would find a fallback by themselves; resvg is
/// told not to (see `options`), so the SVG must say it.
pub(crate) fn mark_symbols(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut in_run = false;
    for c in escaped.chars() {
        let symbol = needs_symbol_font(c);
        if symbol && !in_run {
            out.push_str(r#"<tspan font-family="DejaVu Sans, sans-serif">"#);
        } else if !symbol && in_run {
            out.push_str("</tspan>");
        }
        in_run = symbol;
        out.push(c);
    }
    if in_run {
        out.push_str("</tspan>");
    }
    out
}

/// Applies [`mark_symbols`] to the content of every `<text>` element of an SVG.
pub(crate) fn mark_symbols_in_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + 64);
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</text>").map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..open_end]);
        out.push_str(&mark_symbols(&rest[open_end..close]));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Rasterises an SVG (as made by [`super::series_svg`]) at its own size, on a white page, with
/// the bundled fonts only.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, ChartError> {
    render(svg)?
        .encode_png()
        .map_err(|e| ChartError::Png(e.to_string()))
}

pub(crate) fn render(svg: &str) -> Result<tiny_skia::Pixmap, ChartError> {
    let tree = usvg::Tree::from_str(svg, &options())?;
    let size = tree.size().to_int_size();
    let (width, height) = (size.width(), size.height());
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(ChartError::Pixmap { width, height })?;
    // PNGs get pasted into Word documents and chat apps that show transparency as black.
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// Width in pixels of `text` set in the chart font, as resvg will lay it out. plotters cannot
/// measure text without its `ttf` feature (it guesses from the byte length, which is far off
/// for Vietnamese), and the layout needs real widths to wrap titles and keep labels apart.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let estimate = || 0.56 * size * text.chars().count() as f64;
    if text.trim().is_empty() {
        return 0.0;
    }
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text x="0" y="0" font-family="{FONT_FAMILY}" font-size="{size}" font-weight="{}">{}</text></svg>"#,
        if bold { "bold" } else { "normal" },
        mark_symbols(&crate::markup::escape(text))
    );
    match usvg::Tree::from_str(&svg, &options()) {
        Ok(tree) => {
            let width = f64::from(tree.root().abs_bounding_box().width());
            if width > 0.0 { width } else { estimate() }
        }
        Err(_) => estimate(),
    }
}
