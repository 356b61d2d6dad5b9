//! JSON endpoints and binary resources, one file per resource.

pub mod charts;
pub mod evidence;
pub mod freshness;
pub mod health;
pub mod indicators;
pub mod static_fonts;
pub mod tasks;

use metrics::Period;

use crate::ApiError;

/// `?period=` or the site's default.
pub(crate) fn period_or(raw: Option<&str>, default: Period) -> Result<Period, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|e: metrics::MetricsError| ApiError::bad_request(e.to_string())),
        None => Ok(default),
    }
}
