//! Spreadsheet extracts (XLSX), as officers and the police's statistics office send them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::raw::{RawRecord, grid_records};
use crate::{IngestError, Result};

/// Records of the first worksheet of an XLSX file (see [`grid_records`]); row numbers are
/// the worksheet's row numbers as Excel shows them.
pub fn xlsx_records(path: &str, bytes: &[u8], required: &[&str]) -> Result<Vec<RawRecord>> {
    let err = |message: String| IngestError::Format {
        path: std::path::PathBuf::from(path),
        message,
    };
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
    grid_records(path, rows, required)
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
