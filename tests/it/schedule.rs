//! The scheduler: a source that never ran is caught up at start, later runs follow the
//! schedule, and the service switches to the new snapshot.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::helpers::{Fixture, count};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_runs_catch_up_and_refresh_the_service() {
    let fx = Fixture::new();
    let mut site = chiso::site::site(&fx.cfg);
    site.default_period = "2026-06".parse().unwrap();
    // the service starts on an empty lake
    let state = dashboards::AppState::new(site, fx.lake(), fx.evaluator().await);
    let june = "2026-06".parse().unwrap();
    let before = state
        .evaluator()
        .await
        .value("I.3", june, None)
        .await
        .unwrap();
    // nothing ingested yet: no figure at all
    assert_eq!(before.denominator, None);

    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let mut sched = chiso::scheduler::start(Arc::new(fx.cfg.clone()), state.clone(), key)
        .await
        .unwrap()
        .expect("one_stop has a schedule");

    // the never-run source is run at once, and the service sees its figures
    let start = Instant::now();
    loop {
        let v = state
            .evaluator()
            .await
            .value("I.3", june, None)
            .await
            .unwrap();
        if v.denominator == Some(9) {
            assert_eq!(v.numerator, Some(5));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no catch-up run");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // and the schedule (every 2 seconds) keeps running it: nothing new each time
    let lake = fx.lake();
    let start = Instant::now();
    while count(
        &lake,
        "SELECT count(*) FROM ingest_runs WHERE outcome = 'nothing_new'",
    )
    .await
        < 1
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no scheduled run"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    sched.shutdown().await.unwrap();
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM ingest_runs WHERE outcome = 'committed'"
        )
        .await,
        1
    );
}
