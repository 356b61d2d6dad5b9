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
}

/// Shared state: the site and an evaluator over the current lake snapshot, replaced
/// whole after each ingest so that a request never sees half of one.
#[derive(Clone)]
pub struct AppState {
    pub site: Arc<Site>,
    evaluator: Arc<RwLock<Arc<Evaluator>>>,
}

impl AppState {
    pub fn new(site: Site, evaluator: Evaluator) -> Self {
        Self {
            site: Arc::new(site),
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
