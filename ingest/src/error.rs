//! The crate's error type.

use std::path::PathBuf;

/// What can stop a whole extract from being read. A single bad row is not an error: it is
/// a [`crate::Rejection`] and goes to quarantine.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be read at all.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not in a text encoding chiso understands.
    #[error("{path}: {message}")]
    Encoding { path: PathBuf, message: String },
    /// The file's structure is wrong as a whole (not CSV, not the API's JSON page, a required
    /// column missing): nothing in it can be trusted row by row.
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// Building an Arrow batch failed; a bug rather than bad input.
    #[error(transparent)]
    Build(#[from] tables::BuildError),
    /// A database source could not be queried.
    #[error("{url}: {message}")]
    Database { url: String, message: String },
    /// No pseudonymisation key is configured for a source that carries personal data.
    #[error(
        "no pseudonymisation key: set CHISO_PSEUDONYM_KEY or `pseudonym_key_file` in pipelines.toml \
         (personal data never enters the lake in clear)"
    )]
    MissingKey,
}

impl IngestError {
    /// Why, without the path: for a file's refusal, which names the file beside it.
    pub fn reason(&self) -> String {
        match self {
            IngestError::Io { source, .. } => format!("không đọc được tệp: {source}"),
            IngestError::Encoding { message, .. } | IngestError::Format { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        }
    }
}

/// Result with [`IngestError`].
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
