//! One error shape for every endpoint: `{"error": {"code", "message"}}` with a status code.
//! Internal failures are logged in full and shown to the client in general terms.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }

    /// A failure of ours; `detail` goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "Lỗi hệ thống khi tính chỉ tiêu; chi tiết đã được ghi vào nhật ký máy chủ."
                .to_string(),
        }
    }
}

impl From<metrics::MetricsError> for ApiError {
    fn from(e: metrics::MetricsError) -> Self {
        match e {
            metrics::MetricsError::Period(_)
            | metrics::MetricsError::PeriodRule(_)
            | metrics::MetricsError::AsOf(_)
            | metrics::MetricsError::Breakdown { .. }
            | metrics::MetricsError::Warehouse(warehouse::WarehouseError::AsOf(_)) => {
                ApiError::bad_request(e.vi())
            }
            metrics::MetricsError::UnknownIndicator(_) => ApiError::not_found(e.vi()),
            other => ApiError::internal(other),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable English `code` for programs, a Vietnamese `message` for people.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthenticated`, `forbidden`, `out_of_scope`, `form_token`,
    /// `not_found`, `not_ready`, `internal`.
    pub code: String,
    pub message: String,
}

/// The refusals any signed-in route may answer, as `/openapi.json` lists them.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// Tham số sai
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Chưa đăng nhập
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Ngoài quyền hoặc phạm vi của tài khoản
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Không có
    #[response(status = 404)]
    NotFound(ErrorBody),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: self.code.to_string(),
                    message: self.message,
                },
            }),
        )
            .into_response()
    }
}

impl From<crate::documents::DocError> for ApiError {
    fn from(e: crate::documents::DocError) -> Self {
        use crate::documents::DocError;
        match e {
            DocError::Metrics(m) => m.into(),
            DocError::Request(_) | DocError::Glyphs { .. } => ApiError::bad_request(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}
