//! Query strings and forms read with the service's own refusal: a parameter that cannot be read
//! is a `400` in the one error shape (a page for a page, JSON for the API), in Vietnamese, never
//! the framework's English plain text.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Why a query string or form was refused, and whether a page or the API asked.
#[derive(Debug)]
pub struct Unreadable {
    error: ApiError,
    page: bool,
}

impl IntoResponse for Unreadable {
    fn into_response(self) -> Response {
        if self.page {
            crate::pages::PageError(self.error).into_response()
        } else {
            self.error.into_response()
        }
    }
}

/// Whether a request is for a page a person reads (rather than JSON or a file): its route's
/// access rule says so; an address with no route is judged by its path.
fn is_page(parts: &Parts) -> bool {
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .and_then(|m| crate::access::rule_for(&parts.method, m.as_str()));
    match route {
        Some(rule) => !rule.api,
        None => is_page_path(parts.uri.path()),
    }
}

fn is_page_path(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/charts/")
        || path.starts_with("/cong-khai/bieu-do/")
        || path.contains("/tai/"))
}

fn unreadable(parts: &Parts, what: &str, detail: impl std::fmt::Display) -> Unreadable {
    tracing::debug!("unreadable {what} on {}: {detail}", parts.uri.path());
    Unreadable {
        error: ApiError::bad_request(format!(
            "Không đọc được {what}: kiểm tra tên và giá trị các tham số (ví dụ period=2026-06, unit=KP01, limit là số)."
        )),
        page: is_page(parts),
    }
}

/// `?…` deserialised into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Unreadable;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(unreadable(parts, "tham số truy vấn", e)),
        }
    }
}

/// A form body deserialised into `T`.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Unreadable;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(parts.clone(), body);
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(Form(v)),
            Err(e) => Err(unreadable(&parts, "biểu mẫu", e)),
        }
    }
}

/// What answers a route that does not exist, or a method a route does not take.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    let error = ApiError::not_found(format!("Không có trang hoặc địa chỉ API “{}”.", uri.path()));
    if is_page_path(uri.path()) {
        crate::pages::PageError(error).into_response()
    } else {
        error.into_response()
    }
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    ApiError {
        status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: format!("Địa chỉ “{}” không nhận phương thức {method}.", uri.path()),
    }
    .into_response()
}
