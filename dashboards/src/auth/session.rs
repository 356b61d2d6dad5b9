//! Sessions: a random token in an HttpOnly cookie, kept in memory by its SHA-256, ending at a
//! fixed lifetime, after an idle spell, at sign-out, or when the account changes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Name of the session cookie.
pub const COOKIE: &str = "chiso_phien";

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    /// The account's `changed_at` when the session opened.
    pub account_changed_at: DateTime<Utc>,
    /// The token every form of this session carries.
    pub csrf: String,
    opened: Instant,
    seen: Instant,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub max: Duration,
    pub idle: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            max: Duration::from_secs(12 * 3600),
            idle: Duration::from_secs(30 * 60),
        }
    }
}

/// The open sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<[u8; 32], Session>>,
    lifetimes: Lifetimes,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Sessions {
    pub fn new(lifetimes: Lifetimes) -> Self {
        Self {
            open: Mutex::default(),
            lifetimes,
        }
    }

    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }

    /// Opens a session for `user`; returns its token.
    pub fn open(&self, user: &str, account_changed_at: DateTime<Utc>) -> String {
        let token = super::random_token();
        let now = Instant::now();
        let session = Session {
            user: user.to_string(),
            account_changed_at,
            csrf: super::random_token(),
            opened: now,
            seen: now,
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let lt = self.lifetimes;
        open.retain(|_, s| live(s, now, lt));
        open.insert(key(&token), session);
        token
    }

    /// The live session of `token`, marked as seen now.
    pub fn get(&self, token: &str) -> Option<Session> {
        let now = Instant::now();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let k = key(token);
        let s = open.get_mut(&k)?;
        if !live(s, now, self.lifetimes) {
            open.remove(&k);
            return None;
        }
        s.seen = now;
        Some(s.clone())
    }

    /// Ends the session of `token`.
    pub fn close(&self, token: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(token));
    }

    /// Ends every session of `user`.
    pub fn close_user(&self, user: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| s.user != user);
    }
}

fn live(s: &Session, now: Instant, lt: Lifetimes) -> bool {
    now.duration_since(s.opened) < lt.max && now.duration_since(s.seen) < lt.idle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_closed() {
        let s = Sessions::new(Lifetimes {
            max: Duration::from_secs(3600),
            idle: Duration::from_millis(50),
        });
        let t = s.open("ubnd", Utc::now());
        assert_eq!(s.get(&t).unwrap().user, "ubnd");
        assert!(s.get("other").is_none());
        std::thread::sleep(Duration::from_millis(80));
        assert!(s.get(&t).is_none(), "idle session must end");
        let t = s.open("ubnd", Utc::now());
        s.close(&t);
        assert!(s.get(&t).is_none());
    }
}
