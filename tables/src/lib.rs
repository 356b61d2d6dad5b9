//! The shapes shared by ingest, the lake and the figures: what a lake table is
//! ([`TableSpec`]), the Kho dữ liệu group it is filed under ([`KhoGroup`]), and the
//! [`Batch`] one run of a source hands to the lake. Kept apart from the connectors so that
//! the lake and the figures build without them.

pub mod batch;
pub mod group;
pub mod number;
pub mod progress;
pub mod quarantine;
pub mod spool;
pub mod table;

/// Hours after which a source's data is late, unless its declaration says otherwise.
pub const DEFAULT_MAX_AGE_HOURS: u64 = 72;

pub use batch::{Batch, FileInfo, RefusedFile, RowCounts};
pub use group::KhoGroup;
pub use quarantine::Rejection;
pub use spool::{Dropped, Rows, Spool};
pub use table::{BuildError, MergeRule, TableData, TableSpec};
