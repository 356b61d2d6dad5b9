//! One ingest batch: everything read from one source in one run, ready for one commit.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Rejection, TableData};

/// An extract file that went into a batch.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileInfo {
    /// Path as configured (relative to pipelines.toml where it was relative).
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    pub bytes: u64,
    /// Data rows read from it.
    pub rows: u64,
}

/// Row counts of a batch.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RowCounts {
    /// Data rows read from all files.
    pub read: u64,
    /// Rows that passed validation (before de-duplication against the lake).
    pub accepted: u64,
    /// Rows identical to another row of the same batch, counted once.
    pub duplicates: u64,
    /// Rows sent to quarantine.
    pub quarantined: u64,
}

/// Everything one source produced in one run.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Source name from pipelines.toml.
    pub source: String,
    /// Content address of the batch: the same files give the same id, so re-ingesting an
    /// extract is recognisably the same batch.
    pub batch_id: String,
    pub files: Vec<FileInfo>,
    pub tables: Vec<TableData>,
    pub rejections: Vec<Rejection>,
    pub counts: RowCounts,
}

/// The id of a batch made of these files.
pub fn batch_id(source: &str, files: &[FileInfo]) -> String {
    let mut hashes: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    hashes.sort_unstable();
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    for s in hashes {
        h.update(b"\n");
        h.update(s.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}
