//! A signed-in visitor of the router, as a browser would be: it signs in through the sign-in
//! form, keeps its cookies, and sends the session's form token with every form.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;

/// One visitor.
#[derive(Clone)]
pub struct Visitor {
    pub app: axum::Router,
    /// `Cookie` header value.
    pub cookies: String,
    /// The session's form token ("" when anonymous).
    pub csrf: String,
}

/// A response, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// The value of `name="_csrf" value="…"` in a page.
pub fn form_token(page: &str) -> Option<String> {
    let at = page.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(page[at..].split('"').next()?.to_string())
}

fn set_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Visitor {
    pub fn anonymous(app: axum::Router) -> Visitor {
        Visitor {
            app,
            cookies: String::new(),
            csrf: String::new(),
        }
    }

    /// Adds the account to the deployment's accounts file and signs in with it.
    pub async fn account(
        app: axum::Router,
        cfg: &chiso::Config,
        name: &str,
        role: &str,
        unit: Option<&str>,
    ) -> Visitor {
        let users = chiso::site::auth_settings(cfg).users;
        let file = dashboards::auth::UserFile::new(users);
        let password = format!("mat-khau-cua-{name}");
        if !file.load().unwrap().iter().any(|u| u.name == name) {
            file.add(name, role.parse().unwrap(), unit, &password)
                .unwrap();
        }
        let mut v = Visitor::anonymous(app);
        let a = v.sign_in(name, &password).await;
        assert_eq!(
            a.status,
            StatusCode::SEE_OTHER,
            "sign-in of {name}: {}",
            a.text()
        );
        v
    }

    /// An `ubnd` account: sees everything.
    pub async fn ubnd(app: axum::Router, cfg: &chiso::Config) -> Visitor {
        Visitor::account(app, cfg, "ubnd", "ubnd", None).await
    }

    /// Opens the sign-in form, then sends it.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Answer {
        let form = self.get("/dang-nhap").await;
        let token = form_token(&form.text()).expect("the sign-in form has a token");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("_csrf", &token)
            .append_pair("ten", name)
            .append_pair("mat_khau", password)
            .append_pair("tiep", "/")
            .finish();
        let a = self
            .send(self.request("POST", "/dang-nhap", Some(body)))
            .await;
        if a.status == StatusCode::SEE_OTHER {
            let page = self.get("/cong-khai").await;
            self.csrf = form_token(&page.text()).unwrap_or_default();
        }
        a
    }

    pub fn request(&self, method: &str, uri: &str, form: Option<String>) -> Request<Body> {
        let mut r = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            r = r.header("cookie", &self.cookies);
        }
        match form {
            Some(f) => r
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(f))
                .unwrap(),
            None => r.body(Body::empty()).unwrap(),
        }
    }

    /// Sends `req`, keeping the cookies the answer sets.
    pub async fn send(&mut self, req: Request<Body>) -> Answer {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        let mut jar: Vec<(String, String)> = self
            .cookies
            .split("; ")
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in set_cookies(&headers) {
            jar.retain(|(n, _)| *n != k);
            if !v.is_empty() {
                jar.push((k, v));
            }
        }
        self.cookies = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, uri: &str) -> Answer {
        let req = self.request("GET", uri, None);
        self.send(req).await
    }

    /// Sends a form with the session's token added.
    pub async fn post_form(&mut self, uri: &str, form: &str) -> Answer {
        let body = format!("_csrf={}&{form}", self.csrf);
        let req = self.request("POST", uri, Some(body));
        self.send(req).await
    }
}

/// An HTTP client signed in to the service at `base` as a new account `name`.
pub async fn http_client(
    base: &str,
    cfg: &chiso::Config,
    name: &str,
    role: &str,
    unit: Option<&str>,
) -> reqwest::Client {
    let users = chiso::site::auth_settings(cfg).users;
    let file = dashboards::auth::UserFile::new(users);
    let password = format!("mat-khau-cua-{name}");
    file.add(name, role.parse().unwrap(), unit, &password)
        .unwrap();
    let session = session_cookie(base, name, &password).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", session.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Signs in over HTTP through the form; the `Cookie` header value of the session.
pub async fn session_cookie(base: &str, name: &str, password: &str) -> String {
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = plain.get(format!("{base}/dang-nhap")).send().await.unwrap();
    let jar: Vec<(String, String)> = set_cookies(form.headers());
    let token = form_token(&form.text().await.unwrap()).unwrap();
    let cookie = |jar: &[(String, String)]| {
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &token)
        .append_pair("ten", name)
        .append_pair("mat_khau", password)
        .finish();
    let signed = plain
        .post(format!("{base}/dang-nhap"))
        .header("cookie", cookie(&jar))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "sign-in of {name}");
    cookie(&set_cookies(signed.headers()))
}
