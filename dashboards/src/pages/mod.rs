//! Pages a person reads: Vietnamese first, built with maud (every value escaped unless marked
//! otherwise), working without JavaScript, on a desktop and on a phone. Each page reads the
//! same figures as its JSON API.

pub mod data;
pub mod figures;
pub mod indicator;
pub mod layout;
pub mod overview;
pub mod pickers;
pub mod province;
pub mod public;
pub mod reports;
pub mod signin;
pub mod tasks;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::ApiError;

/// A page's failure, answered as a page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        refusal(self.0.status, &self.0.message).into_response()
    }
}

/// A short page saying why a request was not answered, with a way back.
pub(crate) fn refusal(status: StatusCode, message: &str) -> (StatusCode, Markup) {
    let body = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (status.as_u16()) " – " (message) }
                style { (PreEscaped("body{font-family:\"Noto Sans\",\"DejaVu Sans\",sans-serif;margin:40px auto;max-width:640px;padding:0 16px;color:#1f2933}")) }
            }
            body {
                h1 { "Không mở được trang (" (status.as_u16()) ")" }
                p.errors { (message) }
                p { a href="/" { "Về trang Tổng quan" } " · " a href="/cong-khai" { "Trang công khai" } " · " a href="/dang-nhap" { "Đăng nhập" } }
            }
        }
    };
    (status, body)
}
