//! The crate's error type.

/// What can go wrong in the lake.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// A Delta operation failed (log, commit, file I/O).
    #[error("lake: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
    /// A query over the lake failed.
    #[error("query: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// An Arrow operation failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The lake location cannot be used.
    #[error("lake location {location}: {message}")]
    Location { location: String, message: String },
    /// Local file system trouble under the lake.
    #[error("lake directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A point in the lake's history that does not exist.
    #[error("as of: {0}")]
    AsOf(String),
    /// Another run of the same source holds its lock (on object storage, its lease).
    #[error(
        "another ingest of source “{source_name}” is running{}; wait for it to finish",
        held_by(holder)
    )]
    Busy {
        source_name: String,
        holder: Option<crate::lock::Holder>,
    },
    /// The cluster named for queries cannot be used.
    #[error("cluster {url}: {message}")]
    Cluster { url: String, message: String },
    /// Building book-keeping rows failed.
    #[error(transparent)]
    Build(#[from] tables::BuildError),
    /// Building the run-log row failed.
    #[error("run log: {0}")]
    Json(#[from] serde_json::Error),
}

fn held_by(holder: &Option<crate::lock::Holder>) -> String {
    match holder {
        Some(h) => format!(
            " (on {}, process {}; its lease runs out at {} unless renewed)",
            h.host,
            h.pid,
            h.until.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => String::new(),
    }
}

/// Result with [`WarehouseError`].
pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;
