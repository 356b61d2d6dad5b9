//! Reading an extract file: its bytes, their SHA-256, and its text in UTF-8.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{FileInfo, IngestError, Result};

/// A file named in the configuration: where it is, and how to name it to people.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: std::path::PathBuf,
    /// The path as configured, without the machine's directories.
    pub display: String,
}

/// An extract file in memory.
#[derive(Debug, Clone)]
pub struct ExtractFile {
    pub info: FileInfo,
    pub text: String,
}

/// Reads `path`; `display` is the path as the user configured it, used in messages and in
/// the lake's provenance columns (absolute machine paths do not belong in the lake).
pub fn read(path: &Path, display: &str) -> Result<ExtractFile> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let text = decode(&bytes).map_err(|message| IngestError::Encoding {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(ExtractFile {
        info: FileInfo {
            path: display.to_string(),
            sha256,
            bytes: bytes.len() as u64,
            rows: 0,
        },
        text,
    })
}

/// UTF-8 (with or without BOM) and UTF-16 with BOM, as Excel writes "Unicode text".
fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|e| utf8_message(&e));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| utf8_message(&e))
}

fn utf8_message(e: &std::string::FromUtf8Error) -> String {
    format!(
        "không phải UTF-8 (byte lỗi ở vị trí {}); hãy xuất lại tệp dạng UTF-8",
        e.utf8_error().valid_up_to()
    )
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("UTF-16 bị cắt cụt (số byte lẻ)".to_string());
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| word([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| "UTF-16 không hợp lệ".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf16() {
        assert_eq!(decode("Bình".as_bytes()).unwrap(), "Bình");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("Bình".as_bytes());
        assert_eq!(decode(&bom).unwrap(), "Bình");
        let mut le = vec![0xFF, 0xFE];
        for u in "Bình".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&le).unwrap(), "Bình");
        assert!(decode(&[0x42, 0xEC, 0x6E]).is_err());
    }
}
