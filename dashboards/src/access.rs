//! Who may see what: the one authorisation layer. Every route has a rule in [`rule`]; the
//! [`guard`] middleware runs before every handler, identifies the viewer, refuses what the
//! rule refuses, narrows the request to what the viewer may see (a khu phố account's `unit`
//! is set to its own neighbourhood, an officer's tasks to its own office), checks the form
//! token of every form sent, and writes exports and downloads to the audit log. Handlers
//! never check roles themselves: a page, its API and its downloads are scoped alike.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, Signed, Viewer};
use crate::{ApiError, AppState};

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    Staff,
    /// Accounts that produce reports: dang_uy, ubnd, can_bo.
    Producers,
    /// Monitoring: the machine itself (a loopback peer), or dang_uy and ubnd.
    Operators,
}

/// How a route narrows to a restricted viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Nothing to narrow.
    Free,
    /// `?unit=` is the viewer's own: set when absent, refused when another; breakdowns
    /// (`?by=`), which show other neighbourhoods, are refused.
    Unit,
    /// `?unit=` (a task's unit) is the viewer's own office.
    Office,
    /// `?nhiem_vu_cua=` (whose tasks a page lists) is the viewer's own office.
    OfficeTasks,
    /// The indicator in the path must be one the viewer's office has a task for.
    OfficeIndicator,
    /// The report file in the path must be one of the viewer's neighbourhood.
    UnitReportFile,
    /// Not for this viewer.
    Denied,
}

/// A route's rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub audience: Audience,
    /// For `khu_pho` accounts.
    pub khu_pho: Scope,
    /// For `can_bo` accounts.
    pub can_bo: Scope,
    /// The audit log's action for this route, if it is an export or a download.
    pub audit: Option<&'static str>,
    /// Answers in JSON (or a file) rather than a page: refusals are JSON errors.
    pub api: bool,
}

const fn rule(audience: Audience, khu_pho: Scope, can_bo: Scope, api: bool) -> Rule {
    Rule {
        audience,
        khu_pho,
        can_bo,
        audit: None,
        api,
    }
}

const fn audited(r: Rule, action: &'static str) -> Rule {
    Rule {
        audit: Some(action),
        ..r
    }
}

use Audience::*;
use Scope::*;

const PUBLIC_PAGE: Rule = rule(Public, Free, Free, false);
const PUBLIC_API: Rule = rule(Public, Free, Free, true);
const FIGURES_PAGE: Rule = rule(Staff, Unit, Free, false);
const FIGURES_API: Rule = rule(Staff, Unit, Free, true);

/// Every route of the router, by method and path pattern: what [`rule_for`] must answer for.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/chi-tieu/{id}"),
    ("GET", "/chi-tieu/{id}/tai/{file}"),
    ("GET", "/nhiem-vu"),
    ("GET", "/tinh"),
    ("GET", "/tinh/{id}"),
    ("GET", "/api/province"),
    ("GET", "/du-lieu"),
    ("GET", "/cong-khai"),
    ("GET", "/cong-khai/bieu-do/{file}"),
    ("GET", "/dang-nhap"),
    ("POST", "/dang-nhap"),
    ("POST", "/dang-xuat"),
    ("GET", "/bao-cao"),
    ("POST", "/bao-cao"),
    ("GET", "/bao-cao/tai/{file}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/api/indicators"),
    ("GET", "/api/indicators/{id}"),
    ("GET", "/api/indicators/{id}/series"),
    ("GET", "/api/indicators/{id}/evidence"),
    ("GET", "/api/freshness"),
    ("GET", "/api/runs"),
    ("GET", "/api/quarantine"),
    ("GET", "/api/tasks"),
    ("GET", "/charts/{file}"),
    ("GET", "/charts/{id}/theo/{file}"),
    ("GET", "/static/fonts/{file}"),
];

/// The rule of a route (`method`, the router's path pattern). Every route the router has is
/// here; a route without a rule is refused.
pub fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    let post = method == Method::POST;
    Some(match path {
        "/cong-khai" | "/dang-nhap" => PUBLIC_PAGE,
        "/cong-khai/bieu-do/{file}" | "/healthz" | "/readyz" | "/openapi.json" => PUBLIC_API,
        "/static/fonts/{file}" => PUBLIC_API,
        "/metrics" => rule(Operators, Denied, Denied, true),
        "/dang-xuat" => rule(Staff, Free, Free, false),
        "/" | "/du-lieu" => FIGURES_PAGE,
        "/chi-tieu/{id}" => rule(Staff, Unit, OfficeTasks, false),
        "/bao-cao" if post => audited(rule(Producers, Denied, Free, false), "report"),
        "/bao-cao" => FIGURES_PAGE,
        "/bao-cao/tai/{file}" => audited(rule(Staff, UnitReportFile, Free, true), "download"),
        "/chi-tieu/{id}/tai/{file}" => audited(FIGURES_API, "export"),
        "/nhiem-vu" => rule(Staff, Denied, Office, false),
        // every ward of the province: not for a khu phố's board
        "/tinh" | "/tinh/{id}" => rule(Staff, Denied, Free, false),
        "/api/province" => rule(Staff, Denied, Free, true),
        "/api/indicators" | "/api/indicators/{id}" | "/api/indicators/{id}/series" => FIGURES_API,
        "/api/freshness" | "/api/runs" => FIGURES_API,
        "/api/indicators/{id}/evidence" => {
            audited(rule(Staff, Unit, OfficeIndicator, true), "evidence")
        }
        "/api/tasks" => rule(Staff, Denied, Office, true),
        "/api/quarantine" => rule(Staff, Denied, Free, true),
        "/charts/{file}" => FIGURES_API,
        "/charts/{id}/theo/{file}" => rule(Staff, Denied, Free, true),
        _ => return None,
    })
}

/// The client's address and peer, for the audit log and the sign-in limits.
#[derive(Debug, Clone)]
pub struct Client {
    pub peer: Option<IpAddr>,
    pub address: String,
}

/// The middleware: see the module's description.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let auth = &state.auth;
    let viewer = auth.viewer(req.headers());
    let client = Client {
        peer,
        address: auth.client_address(peer, req.headers()),
    };
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let Some(path) = path else {
        // no route: the router answers 404
        return next.run(req).await;
    };
    // HEAD runs the GET handler; a method the route does not take runs no handler, and the
    // router answers 405
    let method = match *req.method() {
        Method::HEAD => "GET",
        ref m => m.as_str(),
    };
    if !ROUTES.iter().any(|(m, p)| *m == method && *p == path)
        && ROUTES.iter().any(|(_, p)| *p == path)
    {
        return next.run(req).await;
    }
    let Some(rule) = rule_for(req.method(), &path) else {
        tracing::error!(route = %path, "route without an access rule: refused");
        return refuse(true, Refusal::Forbidden, req.uri());
    };
    let uri = req.uri().clone();
    let mut req = match admit(&state, &viewer, peer, &rule, req).await {
        Ok(req) => req,
        Err(refusal) => {
            let resp = refuse(rule.api, refusal, &uri);
            if let Some(action) = rule.audit {
                let status = resp.status().as_u16();
                state
                    .audit
                    .by(&viewer, &client, action, &uri.to_string(), status);
            }
            return resp;
        }
    };
    req.extensions_mut().insert(viewer.clone());
    req.extensions_mut().insert(client.clone());
    let target_uri = req.uri().clone();
    let resp = next.run(req).await;
    if let Some(action) = rule.audit {
        let status = resp.status().as_u16();
        state
            .audit
            .by(&viewer, &client, action, &target_uri.to_string(), status);
    }
    resp
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not signed in.
    SignIn,
    Forbidden,
    /// Another neighbourhood's or office's data.
    OutOfScope(String),
    /// A form without this session's token.
    FormToken,
}

async fn admit(
    state: &AppState,
    viewer: &Viewer,
    peer: Option<IpAddr>,
    rule: &Rule,
    req: Request,
) -> Result<Request, Refusal> {
    let signed = viewer.signed();
    match (rule.audience, signed) {
        (Public, _) => {}
        // the machine itself, not a proxy on it passing on someone else's request
        (Operators, _)
            if peer.is_some_and(|p| {
                p.is_loopback() && !state.auth.settings.trusted_proxies.contains(&p)
            }) => {}
        (Operators, Some(s)) if s.role.sees_all() => {}
        (Operators, Some(_)) => return Err(Refusal::Forbidden),
        (_, None) => return Err(Refusal::SignIn),
        (Producers, Some(s)) if s.role == Role::KhuPho => return Err(Refusal::Forbidden),
        _ => {}
    }
    let req = match signed {
        Some(s) if rule.audience != Public => narrow(state, s, rule, req).await?,
        _ => req,
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return check_form_token(viewer, req).await;
    }
    Ok(req)
}

/// Narrows `req` to what `s` may see under `rule`.
async fn narrow(
    state: &AppState,
    s: &Signed,
    rule: &Rule,
    req: Request,
) -> Result<Request, Refusal> {
    let scope = match s.role {
        Role::KhuPho => rule.khu_pho,
        Role::CanBo => rule.can_bo,
        Role::DangUy | Role::Ubnd => Free,
    };
    let own = s.unit.clone().unwrap_or_default();
    match scope {
        Free => Ok(req),
        Denied => Err(Refusal::Forbidden),
        Unit => {
            let req = pin_query(req, "unit", &own)?;
            if query_value(req.uri(), "by").is_some_and(|b| !b.is_empty()) {
                return Err(Refusal::OutOfScope(
                    "phân tích theo khu phố, lĩnh vực, đơn vị chỉ dành cho cấp phường".into(),
                ));
            }
            Ok(req)
        }
        Office => pin_query(req, "unit", &own),
        OfficeTasks => pin_query(req, "nhiem_vu_cua", &own),
        OfficeIndicator => {
            let id = path_segment(req.uri(), 3).unwrap_or_default();
            let ev = state.evaluator().await;
            let known = ev.catalogue().indicator(&id).map(|i| i.id.clone()).ok();
            let mine = office_indicators(&state.site.plans, &own);
            match known {
                // an unknown id is the handler's 404
                None => Ok(req),
                Some(id) if mine.contains(&id) => Ok(req),
                Some(id) => Err(Refusal::OutOfScope(format!(
                    "chỉ tiêu {id} không thuộc nhiệm vụ của {own}"
                ))),
            }
        }
        UnitReportFile => {
            let file = path_segment(req.uri(), 3).unwrap_or_default();
            let productions = state.lake.productions().await.unwrap_or_default();
            let unit = productions
                .iter()
                .find(|p| p.files.iter().any(|f| f.name == file))
                .map(|p| p.unit.clone());
            match unit {
                // a file the register does not know belongs to no khu phố
                Some(u) if u == own => Ok(req),
                _ => Err(Refusal::OutOfScope(
                    "báo cáo này không phải của khu phố của tài khoản".into(),
                )),
            }
        }
    }
}

/// The indicators an office's tasks move (as lead or partner).
pub fn office_indicators(plans: &[metrics::Plan], office: &str) -> Vec<String> {
    plans
        .iter()
        .flat_map(|p| &p.tasks)
        .filter(|t| t.involves(office))
        .flat_map(|t| t.chi_tieu.iter().cloned())
        .collect()
}

/// `req` with `?key=` set to `own`: added when absent, refused when another value.
fn pin_query(req: Request, key: &str, own: &str) -> Result<Request, Refusal> {
    match query_value(req.uri(), key).filter(|v| !v.is_empty()) {
        Some(v) if v == own => Ok(req),
        Some(v) => Err(Refusal::OutOfScope(format!(
            "tài khoản này chỉ xem được “{own}”, không xem được “{v}”"
        ))),
        None => {
            let (mut parts, body) = req.into_parts();
            let mut pairs: Vec<(String, String)> = query_pairs(&parts.uri)
                .into_iter()
                .filter(|(k, _)| k != key)
                .collect();
            pairs.push((key.to_string(), own.to_string()));
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let pq = format!("{}?{query}", parts.uri.path());
            let mut uri = parts.uri.clone().into_parts();
            uri.path_and_query = pq.parse().ok();
            parts.uri = Uri::from_parts(uri).map_err(|_| Refusal::Forbidden)?;
            Ok(Request::from_parts(parts, body))
        }
    }
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn query_value(uri: &Uri, key: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_string())
}

/// Segment `n` (1-based) of the path, percent-decoded.
fn path_segment(uri: &Uri, n: usize) -> Option<String> {
    let raw = uri.path().split('/').nth(n)?;
    Some(
        url::form_urlencoded::parse(format!("x={}", raw.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default(),
    )
}

/// Name of the form field carrying the token.
pub const FORM_TOKEN: &str = "_csrf";
/// Cookie holding the sign-in form's token before there is a session.
pub const FORM_COOKIE: &str = "chiso_bieu_mau";

/// A form must come from our own pages: its origin, if the browser says it, is this host, and
/// it carries the session's token (or, before sign-in, the token of the form cookie).
async fn check_form_token(viewer: &Viewer, req: Request) -> Result<Request, Refusal> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    if let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        && origin != "null"
    {
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if host.as_deref() != Some(origin_host) {
            return Err(Refusal::FormToken);
        }
    }
    let expected = match viewer.signed() {
        Some(s) => s.csrf.clone(),
        None => crate::auth::cookie(req.headers(), FORM_COOKIE).ok_or(Refusal::FormToken)?,
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| Refusal::FormToken)?;
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FORM_TOKEN)
        .map(|(_, v)| v.into_owned());
    if !sent.is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        return Err(Refusal::FormToken);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(api: bool, refusal: Refusal, uri: &Uri) -> Response {
    let (status, code, message) = match &refusal {
        Refusal::SignIn => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Cần đăng nhập để xem nội dung này.".to_string(),
        ),
        Refusal::Forbidden => (
            StatusCode::FORBIDDEN,
            "forbidden",
            "Tài khoản này không có quyền xem nội dung này.".to_string(),
        ),
        Refusal::OutOfScope(why) => (
            StatusCode::FORBIDDEN,
            "out_of_scope",
            format!("Ngoài phạm vi của tài khoản: {why}."),
        ),
        Refusal::FormToken => (
            StatusCode::FORBIDDEN,
            "form_token",
            "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống; tải lại trang rồi gửi lại."
                .to_string(),
        ),
    };
    if api {
        return ApiError {
            status,
            code,
            message,
        }
        .into_response();
    }
    if refusal == Refusal::SignIn {
        let back = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tiep", &uri.to_string())
            .finish();
        return Redirect::to(&format!("/dang-nhap?{back}")).into_response();
    }
    let mut resp = crate::pages::refusal(status, &message).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_rule_and_forms_are_not_public_by_accident() {
        for (m, p) in ROUTES {
            let method: Method = m.parse().unwrap();
            let r = rule_for(&method, p).unwrap_or_else(|| panic!("{m} {p} has no rule"));
            if method == Method::POST && *p != "/dang-nhap" {
                assert_ne!(r.audience, Audience::Public, "{m} {p}");
            }
        }
        assert!(rule_for(&Method::GET, "/no-such-route").is_none());
    }

    #[test]
    fn a_pinned_unit_is_added_kept_or_refused() {
        let req = |uri: &str| Request::builder().uri(uri).body(Body::empty()).unwrap();
        let added = pin_query(req("/api/indicators?period=2026-06"), "unit", "KP01").unwrap();
        assert_eq!(added.uri().query(), Some("period=2026-06&unit=KP01"));
        let kept = pin_query(req("/x?unit=KP01"), "unit", "KP01").unwrap();
        assert_eq!(kept.uri().query(), Some("unit=KP01"));
        assert!(pin_query(req("/x?unit=KP02"), "unit", "KP01").is_err());
        let office = pin_query(req("/x"), "unit", "Công an phường").unwrap();
        assert_eq!(
            query_value(office.uri(), "unit").as_deref(),
            Some("Công an phường")
        );
    }
}
