//! JSON endpoints and binary resources, one file per resource.

pub mod charts;
pub mod data;
pub mod downloads;
pub mod evidence;
pub mod freshness;
pub mod health;
pub mod indicators;
pub mod static_fonts;
pub mod tasks;

use metrics::Period;

use crate::{ApiError, AppState};

/// `?period=` or the site's default.
pub(crate) fn period_or(raw: Option<&str>, default: Period) -> Result<Period, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|e: metrics::MetricsError| ApiError::bad_request(e.to_string())),
        None => Ok(default),
    }
}

/// `?unit=`: a khu phố code of the ward, or none.
pub(crate) fn unit_of(state: &AppState, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(u) if state.site.units.iter().any(|(c, _)| c == u) => Ok(Some(u.to_string())),
        Some(u) => Err(ApiError::bad_request(format!(
            "không có khu phố “{u}”; mã hợp lệ: {}",
            state
                .site
                .units
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
