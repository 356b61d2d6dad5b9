//! Records as they come: a field-name → text map with the record's place in its file.
//! Both the CSV export and the API's JSON pages become these, so validation is written once.

use std::collections::BTreeMap;

use crate::extract::ExtractFile;
use crate::{IngestError, Result};

/// One source record before validation.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Row number as a person finds it (see [`crate::Rejection::row`]).
    pub row: u64,
    pub fields: BTreeMap<String, String>,
}

impl RawRecord {
    /// The field's text, empty when absent or null.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Records of a CSV file whose header carries the field names. Fails as a whole when a
/// `required` column is missing: such a file is not the extract it claims to be.
pub fn csv_records(file: &ExtractFile, required: &[&str]) -> Result<Vec<RawRecord>> {
    let path = || std::path::PathBuf::from(&file.info.path);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(file.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| IngestError::Format {
            path: path(),
            message: format!("dòng tiêu đề không đọc được: {e}"),
        })?
        .iter()
        .map(crate::text::clean)
        .collect();
    if let Some(missing) = required.iter().find(|r| !header.iter().any(|h| h == *r)) {
        return Err(IngestError::Format {
            path: path(),
            message: format!(
                "thiếu cột bắt buộc “{missing}” ở dòng tiêu đề; các cột có: {}",
                header.join(", ")
            ),
        });
    }
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        // header is line 1, so the first data row is line 2
        let row = i as u64 + 2;
        let rec = rec.map_err(|e| IngestError::Format {
            path: path(),
            message: format!("dòng {row}: {e}"),
        })?;
        if rec.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let fields = header
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        out.push(RawRecord { row, fields });
    }
    Ok(out)
}

/// Records of one page of the one-stop API: `{"page", "pageSize", "totalPages",
/// "totalRecords", "data": [ {...}, … ]}`.
pub fn json_page_records(file: &ExtractFile) -> Result<Vec<RawRecord>> {
    let path = || std::path::PathBuf::from(&file.info.path);
    let doc: serde_json::Value =
        serde_json::from_str(&file.text).map_err(|e| IngestError::Format {
            path: path(),
            message: format!("JSON không hợp lệ: {e}"),
        })?;
    let data = doc
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or_else(|| IngestError::Format {
            path: path(),
            message: "không có mảng “data” của trang API".to_string(),
        })?;
    let mut out = Vec::with_capacity(data.len());
    for (i, item) in data.iter().enumerate() {
        let row = i as u64 + 1;
        let obj = item.as_object().ok_or_else(|| IngestError::Format {
            path: path(),
            message: format!("bản ghi {row} không phải đối tượng JSON"),
        })?;
        let fields = obj
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        out.push(RawRecord { row, fields });
    }
    Ok(out)
}
