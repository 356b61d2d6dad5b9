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
    /// Accounts, sessions and sign-in limits.
    pub auth: crate::auth::Settings,
    /// The province whose wards' lakes the service reads side by side, if any.
    pub province_wards: Option<Province>,
}

/// A province (or city) and its wards' lakes.
#[derive(Debug, Clone)]
pub struct Province {
    pub name: String,
    pub wards: Vec<metrics::province::WardLake>,
}

/// Shared state: the site and an evaluator over the current lake snapshot, replaced
/// whole after each ingest so that a request never sees half of one.
#[derive(Clone)]
pub struct AppState {
    pub site: Arc<Site>,
    pub lake: Arc<warehouse::Lake>,
    pub auth: Arc<crate::auth::Auth>,
    pub audit: crate::audit::Audit,
    pub observations: Arc<crate::observe::Observations>,
    evaluator: Arc<RwLock<Arc<Evaluator>>>,
    memo: Arc<std::sync::Mutex<Memo>>,
    /// Province tables by period and the wards' run-log versions they were read at.
    provinces: Arc<std::sync::Mutex<ProvinceMemo>>,
}

type ProvinceMemo = std::collections::HashMap<String, Arc<Vec<metrics::province::ProvinceRow>>>;

/// What was computed from a snapshot, by a key that names the snapshot (its lake version and
/// rule) and the question. A snapshot never changes, so an entry never goes stale; switching to
/// a new snapshot starts the memo again.
type Memo = std::collections::HashMap<String, Arc<dyn std::any::Any + Send + Sync>>;

/// Entries kept at most; the memo starts again empty past it.
const MEMO_KEPT: usize = 4096;

impl AppState {
    /// The state; starts the audit log's writer on the current runtime.
    pub fn new(site: Site, lake: warehouse::Lake, evaluator: Evaluator) -> Self {
        let lake = Arc::new(lake);
        Self {
            auth: Arc::new(crate::auth::Auth::new(site.auth.clone())),
            audit: crate::audit::Audit::start(lake.clone()),
            observations: Arc::default(),
            site: Arc::new(site),
            lake,
            evaluator: Arc::new(RwLock::new(Arc::new(evaluator))),
            memo: Arc::default(),
            provinces: Arc::default(),
        }
    }

    /// The province's table for `period`, `None` when the deployment names no province. It is
    /// computed again only when a ward's lake has logged a run since: the run logs' versions
    /// (a listing each) name the tables it was computed from.
    pub async fn province(
        &self,
        period: Period,
    ) -> Result<Option<Arc<Vec<metrics::province::ProvinceRow>>>, crate::ApiError> {
        let Some(province) = &self.site.province_wards else {
            return Ok(None);
        };
        let versions =
            futures::future::try_join_all(province.wards.iter().map(|w| w.lake.log_version()))
                .await
                .map_err(metrics::MetricsError::from)?;
        let key = format!("{period}|{versions:?}");
        let kept = self
            .provinces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(rows) = kept {
            return Ok(Some(rows));
        }
        let ev = self.evaluator().await;
        let rows = Arc::new(
            metrics::province::evaluate(
                &province.wards,
                ev.catalogue(),
                ev.timezone(),
                metrics::AsOf::Latest,
                &self.site.max_age_hours,
                period,
            )
            .await?,
        );
        let mut kept = self.provinces.lock().unwrap_or_else(|p| p.into_inner());
        // the latest tables only: older versions are never asked for again
        kept.retain(|k, _| k.ends_with(&format!("|{versions:?}")));
        if kept.len() >= 64 {
            kept.clear();
        }
        kept.insert(key, rows.clone());
        Ok(Some(rows))
    }

    /// What `compute` gives for `question` over the snapshot of `ev`, computed once.
    pub async fn memo<T, F, Fut>(
        &self,
        ev: &Evaluator,
        question: &str,
        compute: F,
    ) -> Result<Arc<T>, crate::ApiError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, crate::ApiError>>,
    {
        let key = format!("{:?}|{:?}|{question}", ev.lake_version(), ev.rule());
        if let Some(v) = self.memo_map().get(&key).cloned()
            && let Ok(v) = v.downcast::<T>()
        {
            return Ok(v);
        }
        let v = Arc::new(compute().await?);
        let mut memo = self.memo_map();
        if memo.len() >= MEMO_KEPT {
            memo.clear();
        }
        memo.insert(key, v.clone());
        Ok(v)
    }

    /// The monthly series of `id` from `from` to `to`, computed once per snapshot.
    pub async fn series(
        &self,
        ev: &Evaluator,
        id: &str,
        from: Period,
        to: Period,
        unit: Option<&str>,
    ) -> Result<Arc<Vec<metrics::IndicatorValue>>, crate::ApiError> {
        let question = format!("series|{id}|{from}|{to}|{}", unit.unwrap_or(""));
        self.memo(ev, &question, || async {
            Ok(ev.series(id, from, to, unit).await?)
        })
        .await
    }

    /// The indicator table of `period` (and one khu phố), computed once per snapshot.
    pub async fn report(
        &self,
        ev: &Evaluator,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Arc<metrics::IndicatorTable>, crate::ApiError> {
        let question = format!("report|{period}|{}", unit.unwrap_or(""));
        self.memo(ev, &question, || async {
            Ok(ev.report(period, unit).await?)
        })
        .await
    }

    fn memo_map(&self) -> std::sync::MutexGuard<'_, Memo> {
        self.memo.lock().unwrap_or_else(|p| p.into_inner())
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
        self.switch(Arc::new(evaluator)).await;
    }

    /// Switches to a new snapshot, keeping what was already computed from it (figures
    /// prepared before the switch) and forgetting the rest.
    pub async fn switch(&self, evaluator: Arc<Evaluator>) {
        let mine = format!("{:?}|", evaluator.lake_version());
        *self.evaluator.write().await = evaluator;
        self.memo_map().retain(|k, _| k.starts_with(&mine));
    }
}
