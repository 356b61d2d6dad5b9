//! Running sources on their cron schedules, in the ward's time zone.
//!
//! The scheduler knows sources by name and a job to run for each; what a run does (read,
//! commit, log) is the caller's. After downtime a source whose scheduled time passed while
//! nothing ran is run once at start, not once per missed time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use futures::future::BoxFuture;
use tokio_cron_scheduler::{Job, JobScheduler};

/// What to run for a source.
pub type RunSource = Arc<dyn Fn(String) -> BoxFuture<'static, ()> + Send + Sync>;

/// A schedule that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "schedule “{cron}” of source {source_name}: {message} (six fields, seconds first: \"0 15 * * * *\")"
    )]
    Cron {
        source_name: String,
        cron: String,
        message: String,
    },
    #[error("scheduler: {0}")]
    Scheduler(#[from] tokio_cron_scheduler::JobSchedulerError),
}

fn parse(source: &str, cron: &str) -> Result<Cron, ScheduleError> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(cron)
        .map_err(|e| ScheduleError::Cron {
            source_name: source.to_string(),
            cron: cron.to_string(),
            message: e.to_string(),
        })
}

/// Whether a scheduled time fell between the source's last run and `now`: then one run is
/// owed. A source that never ran is owed one.
pub fn missed(
    source: &str,
    cron: &str,
    tz: Tz,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, ScheduleError> {
    let Some(last) = last_run else {
        return Ok(true);
    };
    let c = parse(source, cron)?;
    Ok(
        match c.find_next_occurrence(&last.with_timezone(&tz), false) {
            Ok(next) => next.with_timezone(&Utc) <= now,
            Err(_) => false,
        },
    )
}

/// Starts a scheduler running `run(source)` at each `(source, cron)` time, in `tz`.
pub async fn start(
    schedules: Vec<(String, String)>,
    tz: Tz,
    run: RunSource,
) -> Result<JobScheduler, ScheduleError> {
    let sched = JobScheduler::new().await?;
    for (source, cron) in schedules {
        parse(&source, &cron)?;
        let run = run.clone();
        let name = source.clone();
        let job = Job::new_async_tz(cron.as_str(), tz, move |_, _| run(name.clone()))?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(sched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
    }

    #[test]
    fn one_catch_up_after_downtime() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        // daily at 06:30 local = 23:30 UTC the day before
        let cron = "0 30 6 * * *";
        // last run 10/06 07:00 local; now 11/06 06:00 local: 06:30 not reached yet
        let last = utc(2026, 6, 10, 0, 0);
        assert!(!missed("vneid", cron, tz, Some(last), utc(2026, 6, 10, 23, 0)).unwrap());
        // now 11/06 06:45 local: the 06:30 run was missed
        assert!(missed("vneid", cron, tz, Some(last), utc(2026, 6, 10, 23, 45)).unwrap());
        // three days down: still one catch-up (a yes, not a count)
        assert!(missed("vneid", cron, tz, Some(last), utc(2026, 6, 13, 23, 45)).unwrap());
        assert!(missed("vneid", cron, tz, None, utc(2026, 6, 10, 23, 0)).unwrap());
        let e = missed("vneid", "every day", tz, Some(last), last).unwrap_err();
        assert!(e.to_string().contains("vneid"), "{e}");
    }
}
