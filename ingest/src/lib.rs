//! Source extracts in, validated Arrow batches out.
//!
//! `ingest` reads what a source system hands over (files or an object-store prefix, an HTTP
//! API's pages, a database's rows: `transports`; CSV, XLSX and JSON in any encoding:
//! `formats`), normalises text to NFC and times to UTC instants, pseudonymises personal
//! fields, and splits rows into accepted rows and quarantined rows with their reasons
//! (`validation`), by the rules of each source system (`systems`). A source is declared in
//! one shape ([`Source`]) and read by one function ([`read()`]). It never touches the lake:
//! the result is a [`Batch`] that the warehouse commits atomically.

pub mod error;
pub mod formats;
pub mod read;
pub mod schedule;
pub mod source;
pub mod systems;
pub mod transports;
pub mod validation;
pub mod ward;

pub use formats::{encoding, extract, raw, records, sheet, text, time};
pub use systems::{market, one_stop, petitions, uploads, vneid};
pub use transports::{http, object_drop, sql};
pub(crate) use validation::run;
pub use validation::{declared, fields, keep, limits, parallel, pseudonym};

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
