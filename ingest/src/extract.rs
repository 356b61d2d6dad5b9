//! Extract files: where they are, and their text once decoded.
//!
//! Reading a file into records is [`crate::records::read`]; detecting its encoding is
//! [`crate::encoding`].

use crate::FileInfo;

/// A file named in the configuration: where it is, and how to name it to people.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: std::path::PathBuf,
    /// The path as configured, without the machine's directories.
    pub display: String,
}

/// A text extract in memory, in NFC.
#[derive(Debug, Clone)]
pub struct ExtractFile {
    pub info: FileInfo,
    pub text: String,
}
