//! Extracts as bytes become records: encodings, CSV with its separator, XLSX under title rows,
//! JSON pages, and the text and time forms source systems write.

pub mod delimited;
pub mod encoding;
pub mod extract;
pub mod raw;
pub mod records;
pub mod sheet;
pub mod text;
pub mod time;
pub mod zone;
