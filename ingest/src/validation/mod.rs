//! Records checked into rows: declared tables, typed fields, limits, personal data as tokens,
//! and the book-keeping of one read (files read and refused, rows quarantined).

pub mod declared;
pub mod fields;
pub mod keep;
pub mod limits;
pub mod parallel;
pub mod pseudonym;
pub(crate) mod run;
