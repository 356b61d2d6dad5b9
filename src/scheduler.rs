//! `chiso serve`'s scheduler: each source on its cron schedule, the service switched to the
//! new lake snapshot after every run that committed rows.

use std::sync::Arc;

use anyhow::Result;
use ingest::Pseudonymiser;
use ingest::schedule::{self, RunSource};
use tokio_cron_scheduler::JobScheduler;

use crate::{Config, pipeline};

/// Scheduled work in progress (ingest runs, reports): each holds the gate while it works, and
/// shutting down closes it, waiting for the work under way and starting none after.
pub struct Gate {
    closed: std::sync::atomic::AtomicBool,
    work: tokio::sync::RwLock<()>,
}

/// The process's gate.
pub static GATE: Gate = Gate {
    closed: std::sync::atomic::AtomicBool::new(false),
    work: tokio::sync::RwLock::const_new(()),
};

impl Gate {
    /// Leave to start a piece of work: `None` once shutting down.
    pub async fn enter(&self) -> Option<tokio::sync::RwLockReadGuard<'_, ()>> {
        if self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        let guard = self.work.read().await;
        (!self.closed.load(std::sync::atomic::Ordering::SeqCst)).then_some(guard)
    }

    /// Starts no more work and waits for the work under way to finish.
    pub async fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        let _all_done = self.work.write().await;
    }
}

/// Runs one source now, then refreshes the service's snapshot if the lake changed. Errors are
/// logged (and in the run log), never fatal: the service keeps serving.
async fn run_and_refresh(
    cfg: &Config,
    state: &dashboards::AppState,
    key: &Pseudonymiser,
    source: &str,
) {
    let Some(_working) = GATE.enter().await else {
        tracing::info!("{source}: shutting down, scheduled run not started");
        return;
    };
    let lake = match pipeline::open_lake(cfg) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("scheduled run of {source}: {e:#}");
            return;
        }
    };
    match pipeline::ingest(cfg, &lake, Some(source), key).await {
        Ok(reports) => {
            for r in &reports {
                tracing::info!("{}", pipeline::describe(r).trim_end());
            }
            if reports.iter().any(|r| !r.unchanged())
                && let Err(e) = crate::follow::refresh(cfg, state).await
            {
                tracing::error!("refreshing indicators after {source}: {e:#}");
            }
        }
        Err(e) => tracing::error!("scheduled run of {source}: {e:#}"),
    }
}

/// Starts the schedules of every source that has one; a source whose scheduled time passed
/// while nothing ran is run once right away. `None` when no source is scheduled.
pub async fn start(
    cfg: Arc<Config>,
    state: dashboards::AppState,
    key: Pseudonymiser,
) -> Result<Option<JobScheduler>> {
    let schedules: Vec<(String, String)> = cfg
        .sources
        .iter()
        .filter_map(|(n, s)| s.schedule.as_ref().map(|c| (n.clone(), c.clone())))
        .collect();
    if schedules.is_empty() {
        return Ok(None);
    }
    let tz = cfg.timezone();
    let now = chrono::Utc::now();
    let lake = pipeline::open_lake(&cfg)?;
    let last = lake.freshness(&cfg.max_ages(), now).await?;
    let key = Arc::new(key);
    let run: RunSource = {
        let (cfg, state, key) = (cfg.clone(), state.clone(), key.clone());
        Arc::new(move |source: String| {
            let (cfg, state, key) = (cfg.clone(), state.clone(), key.clone());
            Box::pin(async move { run_and_refresh(&cfg, &state, &key, &source).await })
        })
    };
    for (source, cron) in &schedules {
        let last_run = last
            .iter()
            .find(|f| &f.source == source)
            .and_then(|f| f.last_run);
        if schedule::missed(source, cron, tz, last_run, now)? {
            tracing::info!("{source}: a scheduled run was missed; running it now");
            tokio::spawn(run(source.clone()));
        }
    }
    Ok(Some(schedule::start(schedules, tz, run).await?))
}
