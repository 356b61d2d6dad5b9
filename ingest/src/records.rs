//! An extract file as records, whatever its format: CSV (any supported encoding), XLSX, or
//! an API's JSON page.

use sha2::{Digest, Sha256};

use crate::extract::{ExtractFile, SourceFile};
use crate::raw::{self, RawRecord};
use crate::{FileInfo, IngestError, Result};

/// Reads `sf` into records; `required` columns must be in its header row (CSV, XLSX).
pub fn read(sf: &SourceFile, required: &[&str]) -> Result<(FileInfo, Vec<RawRecord>)> {
    let bytes = std::fs::read(&sf.path).map_err(|source| IngestError::Io {
        path: sf.path.clone(),
        source,
    })?;
    let mut info = FileInfo {
        path: sf.display.clone(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes: bytes.len() as u64,
        rows: 0,
    };
    let ext = sf
        .path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let records = if ext == "xlsx" {
        crate::sheet::xlsx_records(&info.path, &bytes, required)?
    } else {
        let text = crate::encoding::decode(&bytes)
            .map(|(text, _)| text)
            .map_err(|message| IngestError::Encoding {
                path: sf.path.clone(),
                message,
            })?;
        let file = ExtractFile {
            info: info.clone(),
            text,
        };
        if ext == "json" {
            raw::json_page_records(&file)?
        } else {
            raw::csv_records(&file, required)?
        }
    };
    info.rows = records.len() as u64;
    Ok((info, records))
}
