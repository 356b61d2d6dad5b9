//! The crate's error type.

/// What can go wrong computing indicators.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The catalogue file cannot be read or is malformed.
    #[error("indicator catalogue {path}: {message}")]
    Catalogue { path: String, message: String },
    /// The plans' task tables cannot be read or are malformed.
    #[error("task plans {path}: {message}")]
    Plans { path: String, message: String },
    /// A period was written in a form chiso does not know.
    #[error("period “{0}”: write 2026-06, 2026-Q2, 2026-H1 or 2026")]
    Period(String),
    /// A period rule chiso does not know.
    #[error("period rule “{0}”: write calendar or nd09")]
    PeriodRule(String),
    /// An as-of point chiso cannot read.
    #[error(
        "as of “{0}”: write a lake version (v12) or a time (2026-07-05 or 2026-07-05T17:00:00+07:00)"
    )]
    AsOf(String),
    /// No indicator has this id.
    #[error("no indicator “{0}” in the catalogue (ids are I.1 … III.2)")]
    UnknownIndicator(String),
    /// An indicator cannot be broken down by a dimension.
    #[error("{indicator} không chia theo “{dimension}”")]
    Breakdown {
        indicator: String,
        dimension: String,
    },
    /// The lake could not be opened or read.
    #[error(transparent)]
    Warehouse(#[from] warehouse::WarehouseError),
    /// A measure's query failed.
    #[error("query for {indicator}: {source}")]
    Query {
        indicator: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// The kept counts cannot be read or written.
    #[error("indicator rollups: {0}")]
    Rollup(String),
    /// A province's wards cannot be read side by side.
    #[error("province: {0}")]
    Province(String),
}

impl MetricsError {
    /// The message for a person using the pages or the API, in Vietnamese like everything
    /// they read (the command line keeps the English one).
    pub fn vi(&self) -> String {
        match self {
            MetricsError::Period(p) => {
                format!(
                    "kỳ “{p}”: viết 2026-06 (tháng), 2026-Q2 (quý), 2026-H1 (nửa năm) hoặc 2026"
                )
            }
            MetricsError::PeriodRule(r) => {
                format!("cách tính kỳ “{r}”: viết calendar hoặc nd09")
            }
            MetricsError::AsOf(a) => format!(
                "thời điểm “{a}”: viết phiên bản kho (v12) hoặc thời điểm \
                 (2026-07-05 hoặc 2026-07-05T17:00:00+07:00)"
            ),
            MetricsError::UnknownIndicator(i) => {
                format!("không có chỉ tiêu “{i}” trong danh mục (mã từ I.1 đến III.2)")
            }
            MetricsError::Warehouse(warehouse::WarehouseError::AsOf(a)) => {
                format!("lịch sử kho dữ liệu không có thời điểm này: {a}")
            }
            other => other.to_string(),
        }
    }
}

/// Result with [`MetricsError`].
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;
