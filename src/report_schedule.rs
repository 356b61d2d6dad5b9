//! `chiso serve`'s report schedule: each report with a `schedule` in `[reports]` is produced
//! into the outbox at its time, for the last complete month or quarter, from the service's
//! current snapshot, and recorded in the lake. A time missed while the service was down is
//! caught up once at start, as ingest does.

use std::sync::Arc;

use anyhow::Result;
use dashboards::documents::produce::{self, ProduceRequest};
use dashboards::documents::report::ReportKind;
use ingest::schedule::{self, RunSource};
use tokio_cron_scheduler::JobScheduler;

use crate::{Config, documents, pipeline};

/// The job name of a report on the scheduler.
fn job(kind: ReportKind) -> String {
    format!("bao-cao:{}", kind.as_str())
}

/// Produces one report of `kind` now; errors are logged, never fatal.
pub async fn produce_now(cfg: &Config, state: &dashboards::AppState, kind: ReportKind) {
    let Some(_working) = crate::scheduler::GATE.enter().await else {
        return;
    };
    let Some(reports) = &cfg.reports else { return };
    let setup = reports.setup(kind);
    let ev = state.evaluator().await;
    let req = ProduceRequest {
        kind,
        period: documents::default_period(cfg, kind),
        unit: None,
        date: chrono::Utc::now()
            .with_timezone(&cfg.timezone())
            .date_naive(),
        formats: setup.formats.clone(),
        evidence: setup.evidence,
    };
    match produce::into_outbox(&ev, &state.site, &state.lake, &req, "schedule").await {
        Ok(p) => tracing::info!(
            "{} {}: {} file(s) in {}",
            kind.as_str(),
            p.period,
            p.files.len(),
            state.site.outbox.display()
        ),
        Err(e) => tracing::error!("scheduled {} report: {e}", kind.as_str()),
    }
}

/// Starts the report schedules; `None` when no report has one.
pub async fn start(cfg: Arc<Config>, state: dashboards::AppState) -> Result<Option<JobScheduler>> {
    let Some(reports) = &cfg.reports else {
        return Ok(None);
    };
    let schedules: Vec<(String, String)> = [ReportKind::Monthly, ReportKind::Quarterly]
        .into_iter()
        .filter_map(|k| reports.setup(k).schedule.clone().map(|c| (job(k), c)))
        .collect();
    if schedules.is_empty() {
        return Ok(None);
    }
    let tz = cfg.timezone();
    let now = chrono::Utc::now();
    let lake = pipeline::open_lake(&cfg)?;
    let run: RunSource = {
        let (cfg, state) = (cfg.clone(), state.clone());
        Arc::new(move |name: String| {
            let (cfg, state) = (cfg.clone(), state.clone());
            Box::pin(async move {
                let kind = match name.as_str() {
                    n if n == job(ReportKind::Quarterly) => ReportKind::Quarterly,
                    _ => ReportKind::Monthly,
                };
                produce_now(&cfg, &state, kind).await
            })
        })
    };
    for (name, cron) in &schedules {
        let kind = name.trim_start_matches("bao-cao:");
        let last = lake.last_scheduled_production(kind).await?;
        if schedule::missed(name, cron, tz, last, now)? {
            tracing::info!("{name}: a scheduled production was missed; producing it now");
            tokio::spawn(run(name.clone()));
        }
    }
    Ok(Some(schedule::start(schedules, tz, run).await?))
}
