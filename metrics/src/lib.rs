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
pub mod milestone;
pub mod open;
pub mod period;
pub mod projection;
pub mod province;
pub mod records;
pub mod report;
pub mod rollup;
pub mod status;
pub mod target;
pub mod tasks;

pub use catalogue::{Basis, Catalogue, Indicator, Measure, MilestoneMeasure};
pub use error::{MetricsError, Result};
pub use evaluate::{BreakdownValue, Evaluator, IndicatorRow, IndicatorValue};
pub use milestone::{KhoGroupState, MilestoneState};
pub use open::parse_as_of;
pub use period::{Period, PeriodRule, Window};
pub use projection::Projection;
pub use records::{RecordQuery, Recount};
pub use report::{Explanation, IndicatorBreakdown, IndicatorTable};
pub use status::Status;
pub use target::Target;
pub use tasks::{Plan, Task, TaskState, load_plans};
pub use warehouse::AsOf;
