//! Spreadsheet extracts (XLSX), as officers and the police's statistics office send them.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use crate::limits::{self, Limits};
use crate::raw::{RawRecord, grid_records};
use crate::{IngestError, Result};

/// Records of the first worksheet of an XLSX file (see [`grid_records`]); row numbers are
/// the worksheet's row numbers as Excel shows them.
pub fn xlsx_records(
    path: &str,
    bytes: &[u8],
    required: &[&str],
    limits: &Limits,
) -> Result<Vec<RawRecord>> {
    let err = |message: String| IngestError::Format {
        path: std::path::PathBuf::from(path),
        message,
    };
    check_parts(bytes, limits.xlsx_part_bytes).map_err(err)?;
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| err(format!("không mở được tệp XLSX: {e}")))?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(err("tệp XLSX không có trang tính nào".to_string()));
    };
    let range = book
        .worksheet_range(&first)
        .map_err(|e| err(format!("trang tính “{first}”: {e}")))?;
    let top = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let left = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            // keep columns where Excel has them, so a header in column B still lines up
            let mut text = vec![String::new(); left];
            text.extend(cells.iter().map(cell_text));
            (top + i as u64 + 1, text)
        })
        .collect();
    grid_records(path, rows, required, limits.field_bytes)
}

/// Refuses a workbook any part of which inflates beyond `limit`: first by the sizes the zip
/// directory declares, before anything is inflated; then, since a directory can lie, by
/// inflating each part into nothing and counting, never holding more than a buffer.
fn check_parts(bytes: &[u8], limit: u64) -> std::result::Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("không mở được tệp XLSX: {e}"))?;
    let too_big = |name: &str, size: u64| {
        limits::over(
            &format!("phần “{name}” của tệp XLSX giải nén ra"),
            limits::bytes(size),
            limits::bytes(limit),
            "xlsx_part_bytes",
        )
    };
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| format!("tệp XLSX hỏng: {e}"))?;
        if part.size() > limit {
            let name = part.name().map(|n| n.to_string()).unwrap_or_default();
            return Err(too_big(&name, part.size()));
        }
    }
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| format!("tệp XLSX hỏng: {e}"))?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let inflated = std::io::copy(&mut part.take(limit + 1), &mut std::io::sink())
            .map_err(|e| format!("tệp XLSX hỏng ở phần “{name}”: {e}"))?;
        if inflated > limit {
            return Err(too_big(&name, inflated));
        }
    }
    Ok(())
}

/// A cell as the text a CSV export of it would hold. Dates stay Excel serial numbers, which
/// the date parser reads; whole numbers lose Excel's ".0".
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}
