//! `/openapi.json`: the API described from the handlers' own annotations — every route that
//! answers with data or a file, its parameters, its answers and its errors.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chiso",
        description = "Chỉ số chuyển đổi số cấp phường: bảng chỉ tiêu, biểu đồ, minh chứng, dữ liệu. \
                       Lỗi luôn có dạng {\"error\": {\"code\", \"message\"}}: code tiếng Anh, message tiếng Việt. \
                       Đăng nhập tại /dang-nhap; phiên nằm trong cookie chiso_phien."
    ),
    paths(
        api::indicators::list,
        api::indicators::get,
        api::indicators::series,
        api::evidence::get,
        api::freshness::get,
        api::data::runs,
        api::data::quarantine,
        api::tasks::list,
        api::province::get,
        api::charts::get,
        api::charts::public,
        api::charts::breakdown,
        api::downloads::get,
        api::health::get,
        api::health::ready,
        api::static_fonts::get,
        crate::observe::metrics,
        crate::pages::reports::download,
        document,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&SessionCookie)
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "phien",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::session::COOKIE,
                "Phiên đăng nhập (đăng nhập tại /dang-nhap)",
            ))),
        );
    }
}

/// The document.
#[utoipa::path(get, path = "/openapi.json", tag = "vận hành",
    responses((status = 200, description = "Mô tả OpenAPI 3.1 của API", body = serde_json::Value)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_data_route_is_described() {
        let doc = <super::ApiDoc as utoipa::OpenApi>::openapi();
        let described: Vec<&String> = doc.paths.paths.keys().collect();
        for (method, path) in crate::access::ROUTES {
            let rule = crate::access::rule_for(&method.parse().unwrap(), path).unwrap();
            if rule.api {
                assert!(
                    described.iter().any(|d| *d == path),
                    "{method} {path} is missing from /openapi.json"
                );
            }
        }
        assert!(described.iter().any(|d| *d == "/openapi.json"));
    }
}
