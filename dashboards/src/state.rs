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
    /// The plans' task tables (6 rõ).
    pub plans: Vec<metrics::Plan>,
    /// The reports' letterheads and schedules; `None` when pipelines.toml sets none.
    pub reports: Option<crate::documents::report::ReportsConfig>,
    /// The folder reports are produced into.
    pub outbox: std::path::PathBuf,
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

    /// The evaluator a request asks for: the current snapshot, or the lake as it stood at
    /// `as_of`, every figure read under `rule` if given.
    pub async fn evaluator_for(
        &self,
        as_of: Option<&str>,
        rule: Option<&str>,
    ) -> Result<Arc<Evaluator>, crate::ApiError> {
        let current = self.evaluator().await;
        let tz = current.timezone();
        let at = metrics::parse_as_of(as_of.unwrap_or(""), tz)?;
        let rule = match rule.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(r.parse::<metrics::PeriodRule>()?),
            None => None,
        };
        if at == metrics::AsOf::Latest && rule.is_none() {
            return Ok(current);
        }
        let ev = if at == metrics::AsOf::Latest {
            current.with_other_rule(rule).await?
        } else {
            Evaluator::open(
                &self.lake,
                current.catalogue().clone(),
                tz,
                at,
                &self.site.max_age_hours,
            )
            .await?
            .with_rule(rule)
        };
        Ok(Arc::new(ev))
    }

    /// Switches to a new snapshot.
    pub async fn replace(&self, evaluator: Evaluator) {
        *self.evaluator.write().await = Arc::new(evaluator);
    }
}
