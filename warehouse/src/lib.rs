//! The lake: Delta tables on object storage, and the DataFusion session over them.
//!
//! The warehouse knows tables, schemas, commits and versions; it knows nothing of
//! indicators. Every ingest [`tables::Batch`] becomes at most one commit per table, each
//! carrying the batch's provenance in its commit info, followed by one row in the run log.

pub mod audit;
pub mod columns;
pub mod commit;
pub mod derived;
pub mod engine;
pub mod error;
pub mod files;
pub mod freshness;
pub mod health;
pub mod lake;
pub mod lock;
pub mod marks;
pub mod productions;
pub mod runs;
mod whole;

pub use audit::AuditEvent;
pub use commit::{Changed, CommitReport, TableCommit};
pub use engine::Engine;
pub use error::{Result, WarehouseError};
pub use freshness::{SourceFreshness, TableArrival, UnitFreshness, last_run_end, table_arrivals};
pub use health::{Quarantine, QuarantinedRow, RunSummary, RunTotals};
pub use lake::{AsOf, Lake, Snapshot, TableInfo};
pub use lock::SourceLock;
pub use productions::{ProducedFile, Production};
pub use runs::{Outcome, RunRecord};

/// Re-exported so that crates above query with the very same engine.
pub use datafusion;
