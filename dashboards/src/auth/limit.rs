//! Failed sign-ins, counted per account and per address over a sliding window: past the limit,
//! further tries are refused until the oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub window: Duration,
    pub per_user: usize,
    pub per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_user: 5,
            per_address: 20,
        }
    }
}

/// Recent failures.
#[derive(Debug, Default)]
pub struct FailedSignIns {
    limits: Limits,
    users: Mutex<HashMap<String, VecDeque<Instant>>>,
    addresses: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailedSignIns {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// `Err(wait)` when `user` or `address` has failed too often lately.
    pub fn check(&self, user: &str, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let a = self.wait(&self.users, user, self.limits.per_user, now);
        let b = self.wait(&self.addresses, address, self.limits.per_address, now);
        match a.max(b) {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    pub fn record(&self, user: &str, address: &str) {
        let now = Instant::now();
        for (map, k) in [(&self.users, user), (&self.addresses, address)] {
            let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(k.to_string()).or_default().push_back(now);
            // bounded memory under a spray of names: forget entries with nothing recent
            if m.len() > 10_000 {
                let window = self.limits.window;
                m.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
            }
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn clear_user(&self, user: &str) {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(user);
    }

    fn wait(
        &self,
        map: &Mutex<HashMap<String, VecDeque<Instant>>>,
        k: &str,
        limit: usize,
        now: Instant,
    ) -> Option<Duration> {
        let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
        let q = m.get_mut(k)?;
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limits.window)
        {
            q.pop_front();
        }
        if q.len() < limit {
            return None;
        }
        let oldest = *q.front()?;
        Some(
            self.limits
                .window
                .saturating_sub(now.duration_since(oldest)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_user_and_per_address() {
        let f = FailedSignIns::new(Limits {
            window: Duration::from_secs(60),
            per_user: 2,
            per_address: 3,
        });
        f.record("a", "1.1.1.1");
        assert!(f.check("a", "1.1.1.1").is_ok());
        f.record("a", "1.1.1.1");
        assert!(f.check("a", "2.2.2.2").is_err(), "per user");
        assert!(f.check("b", "1.1.1.1").is_ok());
        f.record("b", "1.1.1.1");
        assert!(f.check("c", "1.1.1.1").is_err(), "per address");
        assert!(f.check("c", "3.3.3.3").is_ok());
        f.clear_user("a");
        assert!(f.check("a", "2.2.2.2").is_ok());
    }
}
