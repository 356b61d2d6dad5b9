//! The indicator catalogue and its evaluation over the lake.
//!
//! Indicators are data ([`Catalogue`], loaded from `data/catalogue/indicators.toml`): names,
//! units, milestones and, for the computable ones, a [`Measure`] — numerator and denominator
//! as SQL conditions with their plain-Vietnamese meaning. [`Evaluator`] runs them with
//! DataFusion and returns numerator, denominator and value per period and unit. This crate
//! knows nothing of HTTP.

pub mod catalogue;
pub mod error;
pub mod evaluate;
pub mod format;
pub mod measure;
pub mod period;
pub mod status;
pub mod target;

pub use catalogue::{Catalogue, Indicator, Measure};
pub use error::{MetricsError, Result};
pub use evaluate::{Evaluator, IndicatorRow, IndicatorValue};
pub use period::Period;
pub use status::Status;
pub use target::Target;
