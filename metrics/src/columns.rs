//! Reading query results: Arrow columns as plain Rust values, whatever string, date or integer
//! type DataFusion returned.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type};

/// A column as text (dates as `YYYY-MM-DD`).
pub(crate) fn utf8(col: &ArrayRef) -> datafusion::error::Result<Vec<Option<String>>> {
    let c = arrow::compute::cast(col, &DataType::Utf8)?;
    Ok(c.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A column as 64-bit integers.
pub(crate) fn int64(col: &ArrayRef) -> datafusion::error::Result<Vec<Option<i64>>> {
    let c = arrow::compute::cast(col, &DataType::Int64)?;
    let a = c.as_primitive::<Int64Type>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect())
}
