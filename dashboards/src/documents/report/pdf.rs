//! The PDF: typst compiles the layout under `data/reports/` with the report as JSON input and
//! the bundled fonts only (no font is looked up on the machine).

use typst::foundations::{Dict, Smart, Value};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use super::model::ReportDoc;
use crate::documents::{DocError, glyphs};
use crate::fonts;

static LAYOUT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/reports/report.typ"
));

/// The report as PDF bytes.
pub fn pdf(doc: &ReportDoc) -> Result<Vec<u8>, DocError> {
    glyphs::check(&super::text_of(doc), fonts::report_text_faces())?;
    let engine = TypstEngine::builder()
        .main_file(LAYOUT)
        .fonts(fonts::report_faces().map(|f| f.bytes))
        .build();
    let mut inputs = Dict::new();
    inputs.insert(
        "data".into(),
        Value::Str(serde_json::to_string(doc)?.into()),
    );
    let compiled = engine.compile_with_input::<_, PagedDocument>(inputs);
    let paged = compiled
        .output
        .map_err(|e| DocError::Layout(e.to_string()))?;
    let options = PdfOptions {
        // the same report made again is the same file: a stable identifier, no clock time
        ident: Smart::Custom(format!("chiso/{:?}/{}/{}", doc.kind, doc.period, doc.date)),
        creator: Smart::Custom(Some("chiso".to_string())),
        timestamp: None,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| {
        DocError::Layout(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
