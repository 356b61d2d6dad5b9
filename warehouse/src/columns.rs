//! Reading query results: Arrow columns as plain Rust values, whatever string, date, integer
//! or timestamp type DataFusion returned (it may answer `Utf8View` for text, `Date32` for
//! dates).

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use chrono::{DateTime, Utc};
use datafusion::error::Result;

/// A column as text (dates as `YYYY-MM-DD`).
pub fn utf8(col: &dyn Array) -> Result<Vec<Option<String>>> {
    let c = arrow::compute::cast(col, &DataType::Utf8)?;
    Ok(c.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A column as 64-bit integers.
pub fn int64(col: &dyn Array) -> Result<Vec<Option<i64>>> {
    let c = arrow::compute::cast(col, &DataType::Int64)?;
    Ok(c.as_primitive::<Int64Type>().iter().collect())
}

/// A column of instants as UTC times.
pub fn instants(col: &dyn Array) -> Result<Vec<Option<DateTime<Utc>>>> {
    let c = arrow::compute::cast(col, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
    Ok(c.as_primitive::<TimestampMicrosecondType>()
        .iter()
        .map(|v| v.and_then(DateTime::<Utc>::from_timestamp_micros))
        .collect())
}
