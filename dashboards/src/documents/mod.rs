//! What leaves the system on paper or in a file: the monthly and quarterly reports (PDF, DOCX,
//! XLSX) and the evidence annexes behind their figures. Every document is made from one
//! snapshot of the lake and a given date only, so the same version and date give the same
//! bytes.

pub mod archive;
pub mod evidence;
pub mod glyphs;
pub mod produce;
pub mod report;

use chrono::{Datelike, NaiveDate};

/// What a province's documents call it in a sentence: "tỉnh", or "thành phố" for a city.
pub fn province_scope(name: &str) -> &'static str {
    if name.to_lowercase().starts_with("thành phố") {
        "thành phố"
    } else {
        "tỉnh"
    }
}

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// A figure or its records could not be read from the lake.
    #[error(transparent)]
    Metrics(#[from] metrics::MetricsError),
    /// Reading the records failed.
    #[error("đọc bản ghi: {0}")]
    Query(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("ghi CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("ghi bảng tính: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("đọc cột dữ liệu: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The records do not give the figure back: the annex would not prove it.
    #[error("bản ghi không khớp số liệu: {0}")]
    Mismatch(String),
    /// The request cannot be made into a document.
    #[error("{0}")]
    Request(String),
    /// The layout could not be set (typst's diagnostics).
    #[error("dàn trang PDF: {0}")]
    Layout(String),
    /// Text the bundled fonts cannot draw; it would print as boxes.
    #[error(
        "phông chữ kèm theo không có ký tự {chars} (trong “{context}”): sửa dữ liệu hoặc bổ sung phông"
    )]
    Glyphs { chars: String, context: String },
    #[error("biểu đồ: {0}")]
    Chart(#[from] crate::charts::ChartError),
}

/// Document properties for a spreadsheet: a fixed creation time (the document's date, or
/// 1980-01-01) instead of the clock's, so the file is the same each time it is made.
pub fn xlsx_properties(title: &str, date: Option<NaiveDate>) -> rust_xlsxwriter::DocProperties {
    use rust_xlsxwriter::ExcelDateTime;
    let d = date.map(|d| (d.year() as u16, d.month() as u8, d.day() as u8));
    let props = rust_xlsxwriter::DocProperties::new()
        .set_title(title)
        .set_author("chiso");
    match d
        .and_then(|(y, m, d)| ExcelDateTime::from_ymd(y, m, d).ok())
        .or_else(|| ExcelDateTime::from_ymd(1980, 1, 1).ok())
    {
        Some(when) => props.set_creation_datetime(&when),
        None => props,
    }
}
