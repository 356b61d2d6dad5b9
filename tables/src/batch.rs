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

/// An extract file refused as a whole: unreadable, not the extract it claims to be, or over a
/// limit. It is remembered by its bytes, so it is not read again until it changes.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RefusedFile {
    /// Path as configured.
    pub path: String,
    /// SHA-256 of its bytes, hex; empty when they could not be read at all (then it is tried
    /// again by every run).
    pub sha256: String,
    pub bytes: u64,
    /// Why, in Vietnamese, for the person who sent it.
    pub reason: String,
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
    /// Files refused as a whole; the other files of the run are in.
    pub refused: Vec<RefusedFile>,
    pub tables: Vec<TableData>,
    pub rejections: Vec<Rejection>,
    pub counts: RowCounts,
}

/// The id of a batch made of these files, read or refused.
pub fn batch_id(source: &str, files: &[FileInfo], refused: &[RefusedFile]) -> String {
    let mut hashes: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    hashes.extend(refused.iter().map(|f| f.sha256.as_str()));
    hashes.sort_unstable();
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    for s in hashes {
        h.update(b"\n");
        h.update(s.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}
