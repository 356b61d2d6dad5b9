//! Source extracts in, validated Arrow batches out.
//!
//! `ingest` reads what a source system hands over (files today; HTTP and SQL connectors
//! later), normalises text to NFC and times to UTC instants, pseudonymises personal fields,
//! and splits rows into accepted rows and quarantined rows with their reasons. It never
//! touches the lake: the result is a [`Batch`] that the warehouse commits atomically.

pub mod declared;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod fields;
pub mod http;
pub mod limits;
pub mod market;
pub mod object_drop;
pub mod one_stop;
pub mod petitions;
pub mod pseudonym;
pub mod raw;
pub mod read;
pub mod records;
mod run;
pub mod schedule;
pub mod sheet;
pub mod source;
pub mod sql;
pub mod text;
pub mod time;
pub mod uploads;
pub mod vneid;
pub mod ward;

pub use error::{IngestError, Result};
pub use limits::Limits;
pub use pseudonym::Pseudonymiser;
pub use read::{Context, Inputs, read};
pub use source::{Source, System};
pub use tables::{
    Batch, FileInfo, KhoGroup, MergeRule, RefusedFile, Rejection, RowCounts, TableData, TableSpec,
};
pub use tables::{batch, progress, quarantine};
pub use ward::{Unit, Ward};
