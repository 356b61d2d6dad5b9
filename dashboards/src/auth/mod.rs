//! Sign-in: accounts with argon2id hashes ([`users`]), sessions in an HttpOnly cookie
//! ([`session`]), the failed-sign-in limits ([`limit`]), and who is asking ([`Viewer`]).
//! What each viewer may see is decided in one place, [`crate::access`].

pub mod limit;
pub mod session;
pub mod users;

use std::net::IpAddr;
use std::path::PathBuf;

use axum::http::HeaderMap;

pub use session::{Lifetimes, Session, Sessions};
pub use users::{Directory, Role, User, UserFile};

/// A refused account change, or an unreadable accounts file.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl AuthError {
    fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        AuthError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// 32 random bytes from the operating system, hex.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    // the OS generator failing is not something to serve through
    getrandom::fill(&mut b).expect("the operating system's random generator is unavailable");
    hex::encode(b)
}

/// A new password of 20 characters from an alphabet without look-alikes.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    // bytes past the last whole multiple of the alphabet are drawn again: no letter is likelier
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::new();
    while out.len() < 20 {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).expect("the operating system's random generator is unavailable");
        out.extend(
            b.iter()
                .filter(|x| (**x as usize) < limit)
                .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char),
        );
    }
    out.truncate(20);
    out
}

/// The service's sign-in settings (`[server]` in pipelines.toml).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The accounts file.
    pub users: PathBuf,
    pub lifetimes: Lifetimes,
    pub limits: limit::Limits,
    /// Cookies marked Secure even when no proxy says the request came over HTTPS.
    pub https: bool,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Settings {
    pub fn new(users: PathBuf) -> Self {
        Self {
            users,
            lifetimes: Lifetimes::default(),
            limits: limit::Limits::default(),
            https: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Everything sign-in keeps.
#[derive(Debug)]
pub struct Auth {
    pub settings: Settings,
    pub directory: Directory,
    pub sessions: Sessions,
    pub failures: limit::FailedSignIns,
    /// A hash checked against when the account does not exist, so that a wrong name takes
    /// as long as a wrong password.
    decoy: String,
}

/// Who is asking.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    Signed(Signed),
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: String,
    pub role: Role,
    pub unit: Option<String>,
    /// The session's form token.
    pub csrf: String,
}

impl Viewer {
    pub fn signed(&self) -> Option<&Signed> {
        match self {
            Viewer::Signed(s) => Some(s),
            Viewer::Anonymous => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.signed().map(|s| s.role)
    }

    /// The name for the audit log; empty when anonymous.
    pub fn name(&self) -> &str {
        self.signed().map(|s| s.user.as_str()).unwrap_or("")
    }
}

impl Auth {
    pub fn new(settings: Settings) -> Self {
        Self {
            directory: Directory::new(UserFile::new(settings.users.clone())),
            sessions: Sessions::new(settings.lifetimes),
            failures: limit::FailedSignIns::new(settings.limits),
            decoy: users::hash_password(&random_token()).unwrap_or_default(),
            settings,
        }
    }

    /// The viewer a request's session cookie names: anonymous without one, or when the
    /// session has ended, or when its account was disabled or changed since.
    pub fn viewer(&self, headers: &HeaderMap) -> Viewer {
        let Some(token) = cookie(headers, session::COOKIE) else {
            return Viewer::Anonymous;
        };
        let Some(s) = self.sessions.get(&token) else {
            return Viewer::Anonymous;
        };
        match self.directory.get(&s.user) {
            Some(u) if !u.disabled && u.changed_at == s.account_changed_at => {
                Viewer::Signed(Signed {
                    user: u.name,
                    role: u.role,
                    unit: u.unit,
                    csrf: s.csrf,
                })
            }
            _ => {
                self.sessions.close(&token);
                Viewer::Anonymous
            }
        }
    }

    /// Checks a name and password (a blocking, deliberately slow computation).
    pub fn check_password(&self, name: &str, password: &str) -> Option<User> {
        match self.directory.get(name) {
            Some(u) if !u.disabled => users::verify_password(password, &u.password).then_some(u),
            _ => {
                users::verify_password(password, &self.decoy);
                None
            }
        }
    }

    /// The client's address: the peer, or the address a trusted proxy forwarded.
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
        let trusted = peer.is_some_and(|p| self.settings.trusted_proxies.contains(&p));
        if trusted
            && let Some(fwd) = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .and_then(|v| v.parse::<IpAddr>().ok())
        {
            return fwd.to_string();
        }
        peer.map(|p| p.to_string())
            .unwrap_or_else(|| "không rõ".to_string())
    }

    /// Whether cookies go out marked Secure.
    pub fn secure(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        self.settings.https
            || (peer.is_some_and(|p| self.settings.trusted_proxies.contains(&p))
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("https")))
    }

    /// A `Set-Cookie` value.
    pub fn set_cookie(&self, name: &str, value: &str, max_age_secs: u64, secure: bool) -> String {
        format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
            if secure { "; Secure" } else { "" }
        )
    }
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}
