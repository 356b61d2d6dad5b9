//! Extract files: where they are, and their text once decoded.
//!
//! Reading a file into records is [`crate::records::each_row`]; detecting its encoding is
//! [`crate::encoding`].

use crate::FileInfo;

/// A file named in the configuration: where it is, and how to name it to people.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: std::path::PathBuf,
    /// The path as configured, without the machine's directories.
    pub display: String,
    /// SHA-256 of its bytes, hex, when whoever found it hashed it already (to tell it from
    /// files ingested before); the reader hashes it otherwise.
    pub sha256: Option<String>,
    /// Whether its bytes are UTF-8 that can be read as it streams, and where its text starts
    /// ([`crate::encoding::streamable_utf8`]), when whoever hashed it looked at the same time;
    /// `None` when not looked at: the reader looks then.
    pub streams_from: Option<Option<u64>>,
}

impl SourceFile {
    /// A file not hashed yet.
    pub fn new(path: std::path::PathBuf, display: String) -> SourceFile {
        SourceFile {
            path,
            display,
            sha256: None,
            streams_from: None,
        }
    }
}

/// A text extract in memory, in NFC.
#[derive(Debug, Clone)]
pub struct ExtractFile {
    pub info: FileInfo,
    pub text: String,
}
