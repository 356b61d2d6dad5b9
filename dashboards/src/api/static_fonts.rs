//! `/static/fonts/{file}`: the bundled fonts, so that pages look like the charts and PDFs
//! whatever fonts the reader's machine has.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, fonts};

#[utoipa::path(get, path = "/static/fonts/{file}", tag = "vận hành",
    params(("file" = String, Path, description = "Tên tệp phông", example = "NotoSans-Regular.ttf")),
    responses(
        (status = 200, description = "Phông chữ đi kèm", content_type = "font/ttf", body = Vec<u8>),
        (status = 404, description = "Không có", body = crate::error::ErrorBody),
    ))]
pub async fn get(Path(file): Path<String>) -> Result<Response, ApiError> {
    let face = fonts::all()
        .iter()
        .find(|f| f.file == file)
        .ok_or_else(|| ApiError::not_found(format!("không có phông chữ {file}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "font/ttf"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        face.bytes,
    )
        .into_response())
}
