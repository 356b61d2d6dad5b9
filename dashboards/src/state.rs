//! What handlers share.

use std::sync::Arc;

use metrics::{Evaluator, Period};
use tokio::sync::RwLock;

/// The ward as the pages present it.
#[derive(Debug, Clone)]
pub struct Site {
    pub ward_name: String,
    pub province: String,
    /// Khu phố: code and name.
    pub units: Vec<(String, String)>,
    /// Period shown when none is asked for.
    pub default_period: Period,
    /// Allowed age in hours of each source's data.
    pub max_age_hours: std::collections::BTreeMap<String, u64>,
}

/// Shared state: the site and an evaluator over the current lake snapshot, replaced
/// whole after each ingest so that a request never sees half of one.
#[derive(Clone)]
pub struct AppState {
    pub site: Arc<Site>,
    pub lake: Arc<warehouse::Lake>,
    evaluator: Arc<RwLock<Arc<Evaluator>>>,
}

impl AppState {
    pub fn new(site: Site, lake: warehouse::Lake, evaluator: Evaluator) -> Self {
        Self {
            site: Arc::new(site),
            lake: Arc::new(lake),
            evaluator: Arc::new(RwLock::new(Arc::new(evaluator))),
        }
    }

    /// The evaluator of the current snapshot.
    pub async fn evaluator(&self) -> Arc<Evaluator> {
        self.evaluator.read().await.clone()
    }

    /// Switches to a new snapshot.
    pub async fn replace(&self, evaluator: Evaluator) {
        *self.evaluator.write().await = Arc::new(evaluator);
    }
}
