//! Following the lake: the service notices runs logged by any process — its own scheduler, a
//! `chiso ingest` run by hand or by cron — and switches to the new snapshot. The new snapshot's
//! figures for the default period are computed before the switch, so readers never wait on it;
//! requests under way finish on the snapshot they started with.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use crate::{Config, indicators};

/// Looks at the run log every `server.follow_seconds` and switches when it moved.
pub fn start(cfg: Arc<Config>, state: dashboards::AppState) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(cfg.server.follow_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = refresh(&cfg, &state).await {
                tracing::warn!("following the lake: {e:#}");
            }
        }
    })
}

/// Switches the service to the lake's latest logged snapshot if it is newer than the one
/// served; returns whether it switched.
pub async fn refresh(cfg: &Config, state: &dashboards::AppState) -> Result<bool> {
    let latest = state.lake.log_version().await?;
    let served = state.evaluator().await.lake_version();
    if latest.is_none() || latest <= served {
        return Ok(false);
    }
    let ev = Arc::new(indicators::evaluator(cfg, &state.lake).await?);
    // the overview's table, for the ward and each khu phố, before anyone asks
    let period = state.site.default_period;
    let units = std::iter::once(None).chain(state.site.units.iter().map(|(c, _)| Some(c.as_str())));
    for unit in units {
        if let Err(e) = state.report(&ev, period, unit).await {
            tracing::warn!(
                "preparing the figures of lake version {latest:?}: {}",
                e.message
            );
        }
    }
    state.switch(ev).await;
    Ok(true)
}
