//! The monthly report of the People's Committee and the quarterly review of the party
//! committee: one content ([`model::ReportDoc`]) laid out as PDF, DOCX and XLSX.

pub mod docx;
pub mod model;
pub mod pdf;
pub mod province;
pub mod setup;
pub mod tables;
pub mod xlsx;

use metrics::Period;

pub use model::{BLANK, Block, ReportDoc, ReportRequest, build};
pub use setup::{DocStyle, Format, ReportKind, ReportSetup, ReportsConfig};

use super::DocError;

/// The report in one format.
pub fn render(doc: &ReportDoc, format: Format) -> Result<Vec<u8>, DocError> {
    match format {
        Format::Pdf => pdf::pdf(doc),
        Format::Docx => docx::docx(doc),
        Format::Xlsx => xlsx::xlsx(doc),
    }
}

/// The file name of a report without its extension: `bao-cao-thang-2026-10`,
/// `bao-cao-quy-2026-Q3-KP01`.
pub fn file_stem(kind: ReportKind, period: Period, unit: Option<&str>) -> String {
    let kind = match kind {
        ReportKind::Monthly => "bao-cao-thang",
        ReportKind::Quarterly => "bao-cao-quy",
    };
    match unit {
        Some(u) => format!("{kind}-{period}-{u}"),
        None => format!("{kind}-{period}"),
    }
}

/// Every text a reader sees in the report, one piece a line (charts are drawn in the chart
/// faces and checked there).
pub(crate) fn text_of(doc: &ReportDoc) -> String {
    let mut out: Vec<&str> = Vec::new();
    out.extend(doc.issuer.iter().map(String::as_str));
    out.push(&doc.number);
    out.extend(doc.motto.iter().map(String::as_str));
    out.push(&doc.place_date);
    out.push(&doc.title);
    out.push(&doc.subject);
    if let Some(a) = &doc.addressee {
        out.push(a);
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { text }
            | Block::Subheading { text }
            | Block::Paragraph { text }
            | Block::Bullet { text }
            | Block::Blank { text } => out.push(text),
            Block::Table(t) => {
                out.extend(t.columns.iter().map(|c| c.title.as_str()));
                for r in &t.rows {
                    out.extend(r.cells.iter().map(String::as_str));
                }
            }
            Block::Chart { caption, .. } => out.push(caption),
        }
    }
    out.extend(doc.recipients.iter().map(String::as_str));
    out.extend(doc.signature.iter().map(String::as_str));
    out.push(&doc.signer);
    out.join("\n")
}
