//! How extracts arrive besides local files: an object-store prefix, a paged HTTP API, a
//! database read only.

pub mod http;
pub mod object_drop;
pub mod sql;
