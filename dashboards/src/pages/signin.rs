//! `/dang-nhap` and `/dang-xuat`: signing in with a name and password, and out.

use axum::Extension;
use axum::extract::State;

use crate::extract::{Form, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Section, page};
use crate::AppState;
use crate::access::{Client, FORM_COOKIE, FORM_TOKEN};
use crate::auth::{Viewer, cookie, session};

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    /// Where to go after signing in.
    tiep: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    ten: String,
    mat_khau: String,
    #[serde(default)]
    tiep: Option<String>,
}

/// A path of this site to go on to; anything else (another host, `//host`) goes home.
fn next_path(raw: Option<&str>) -> String {
    match raw {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

fn form(state: &AppState, token: &str, next: &str, name: &str, error: Option<&str>) -> Markup {
    let body = html! {
        div.signin {
            h1 { "Đăng nhập" }
            p.small { (state.site.ward_name) " · số liệu chuyển đổi số" }
            @if let Some(e) = error { p.errors role="alert" { (e) } }
            form method="post" action="/dang-nhap" {
                input type="hidden" name=(FORM_TOKEN) value=(token);
                input type="hidden" name="tiep" value=(next);
                label { "Tên tài khoản" input name="ten" value=(name) autocomplete="username" required autofocus; }
                label { "Mật khẩu" input name="mat_khau" type="password" autocomplete="current-password" required; }
                button.primary type="submit" { "Đăng nhập" }
            }
            p.small { "Chưa có tài khoản: liên hệ Văn phòng UBND phường. Người dân xem " a href="/cong-khai" { "trang công khai" } "." }
        }
    };
    page(
        &state.site,
        &Viewer::Anonymous,
        Section::SignIn,
        "Đăng nhập",
        body,
    )
}

/// The form's token: the one in the visitor's form cookie, or a new one with its cookie.
fn form_token(
    state: &AppState,
    client: &Client,
    headers: &axum::http::HeaderMap,
) -> (String, Option<String>) {
    match cookie(headers, FORM_COOKIE) {
        Some(t) => (t, None),
        None => {
            let t = crate::auth::random_token();
            let secure = state.auth.secure(client.peer, headers);
            let set = state.auth.set_cookie(FORM_COOKIE, &t, 24 * 3600, secure);
            (t, Some(set))
        }
    }
}

pub async fn get(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(viewer): Extension<Viewer>,
    headers: axum::http::HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Response {
    let next = next_path(q.tiep.as_deref());
    if viewer.signed().is_some() {
        return Redirect::to(&next).into_response();
    }
    let (token, set) = form_token(&state, &client, &headers);
    let mut resp = form(&state, &token, &next, "", None).into_response();
    if let Some(set) = set
        && let Ok(v) = set.parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    resp
}

pub async fn post(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: axum::http::HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let name = f.ten.trim().to_lowercase();
    let next = next_path(f.tiep.as_deref());
    let token = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    let audit = |action: &str, role: &str, target: &str, status: StatusCode| {
        state.audit.record(warehouse::AuditEvent {
            at: chrono::Utc::now(),
            user: name.chars().take(64).collect(),
            role: role.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            address: client.address.clone(),
            status: status.as_u16(),
        });
    };
    if let Err(wait) = state.auth.failures.check(&name, &client.address) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        audit(
            "sign_in_failed",
            "",
            "bị chặn: sai quá nhiều lần",
            StatusCode::TOO_MANY_REQUESTS,
        );
        let msg = format!("Đăng nhập sai quá nhiều lần. Thử lại sau {minutes} phút.");
        let mut resp = (
            StatusCode::TOO_MANY_REQUESTS,
            form(&state, &token, &next, &name, Some(&msg)),
        )
            .into_response();
        if let Ok(v) = (wait.as_secs().max(1)).to_string().parse() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let auth = state.auth.clone();
    let (n, p) = (name.clone(), f.mat_khau);
    let user = tokio::task::spawn_blocking(move || auth.check_password(&n, &p))
        .await
        .ok()
        .flatten();
    let Some(user) = user else {
        state.auth.failures.record(&name, &client.address);
        audit(
            "sign_in_failed",
            "",
            "sai tên hoặc mật khẩu",
            StatusCode::UNAUTHORIZED,
        );
        return (
            StatusCode::UNAUTHORIZED,
            form(
                &state,
                &token,
                &next,
                &name,
                Some("Sai tên tài khoản hoặc mật khẩu."),
            ),
        )
            .into_response();
    };
    state.auth.failures.clear_user(&name);
    let session = state.auth.sessions.open(&user.name, user.changed_at);
    audit("sign_in", user.role.id(), &next, StatusCode::SEE_OTHER);
    let secure = state.auth.secure(client.peer, &headers);
    let max_age = state.auth.sessions.lifetimes().max.as_secs();
    let mut resp = Redirect::to(&next).into_response();
    if let Ok(v) = state
        .auth
        .set_cookie(session::COOKIE, &session, max_age, secure)
        .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn sign_out(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    Extension(viewer): Extension<Viewer>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(token) = cookie(&headers, session::COOKIE) {
        state.auth.sessions.close(&token);
    }
    state
        .audit
        .by(&viewer, &client, "sign_out", "/dang-xuat", 303);
    let secure = state.auth.secure(client.peer, &headers);
    let mut resp = Redirect::to("/cong-khai").into_response();
    if let Ok(v) = state
        .auth
        .set_cookie(session::COOKIE, "", 0, secure)
        .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            super::next_path(Some("/chi-tieu/I.3?period=2026-06")),
            "/chi-tieu/I.3?period=2026-06"
        );
        assert_eq!(super::next_path(Some("//evil.example/")), "/");
        assert_eq!(super::next_path(Some("https://evil.example/")), "/");
        assert_eq!(super::next_path(None), "/");
    }
}
