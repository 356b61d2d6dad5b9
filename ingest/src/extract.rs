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

/// The file's text in NFC: UTF-8 (with or without BOM), UTF-16, or legacy TCVN3 / VNI-Windows,
/// as [`crate::encoding`] detects it.
fn decode(bytes: &[u8]) -> Result<String, String> {
    crate::encoding::decode(bytes).map(|(text, _)| text)
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
