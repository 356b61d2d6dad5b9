//! Cache headers: every chart and API answer carries an `ETag` (SHA-256 of its bytes) and a
//! `Cache-Control`, and a request whose `If-None-Match` names the current tag gets `304` with
//! no body. What a signed-in account sees is `private`; the public charts may be kept by any
//! cache for a few minutes. Downloads and pages are not kept.

use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Bodies larger than this are passed on without a tag.
const MAX_TAGGED: u64 = 32 << 20;

fn policy(route: &str) -> Option<&'static str> {
    if route.starts_with("/static/") {
        Some("public, max-age=86400")
    } else if route.starts_with("/cong-khai/bieu-do/") {
        Some("public, max-age=300")
    } else if route == "/healthz" || route == "/readyz" || route == "/metrics" {
        Some("no-store")
    } else if route.starts_with("/api/")
        || route.starts_with("/charts/")
        || route == "/openapi.json"
    {
        Some("private, max-age=60")
    } else {
        None
    }
}

/// The `ETag` of a body: the first half of its SHA-256, quoted.
pub fn tag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..32])
}

pub async fn etag(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let get = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let resp = next.run(req).await;
    let Some(cache) = route.as_deref().and_then(policy) else {
        return resp;
    };
    let attachment = resp.headers().contains_key(header::CONTENT_DISPOSITION);
    if !get || resp.status() != StatusCode::OK || attachment || cache == "no-store" {
        let mut resp = resp;
        let value = if cache == "no-store" || attachment {
            "no-store"
        } else {
            "no-cache"
        };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        return resp;
    }
    if resp
        .body()
        .size_hint()
        .upper()
        .is_none_or(|n| n > MAX_TAGGED)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED as usize).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // a handler that keeps its bytes keeps their tag too ([`tag`]): they are not hashed again
    let tag = match parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) => t.to_string(),
        None => tag(&bytes),
    };
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    let matches = if_none_match.is_some_and(|inm| {
        inm.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == tag || t == "*")
    });
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_chart_and_api_route_has_a_cache_policy() {
        for r in [
            "/api/indicators",
            "/charts/{file}",
            "/cong-khai/bieu-do/{file}",
            "/static/fonts/{file}",
        ] {
            assert!(super::policy(r).is_some(), "{r}");
        }
        assert_eq!(super::policy("/"), None);
    }
}
