//! The snapshot read as its Parquet files, the way a cluster is given it: in this process,
//! and (feature `cluster`) on a Ballista scheduler and executor started by the test. Every
//! figure equals the one the Delta tables give, at the latest version and at an earlier one.

use metrics::{AsOf, Evaluator, Period, PeriodRule};
use warehouse::Engine;

use crate::helpers::Fixture;

async fn on(fx: &Fixture, engine: Engine, at: AsOf) -> Evaluator {
    let lake = fx.lake().with_engine(engine);
    chiso::indicators::evaluator_at(&fx.cfg, &lake, at, None)
        .await
        .unwrap()
}

async fn version(fx: &Fixture) -> AsOf {
    AsOf::Version(fx.lake().log_version().await.unwrap().unwrap())
}

/// What is compared: periods, and khu phố besides the whole ward.
#[derive(Clone, Copy)]
struct Scope<'a> {
    periods: &'a [&'a str],
    units: &'a [&'a str],
}

/// The whole table (every row with its figure, status, projection, milestone state and Kho
/// groups) and the operations for each period and khu phố, and every breakdown.
async fn same_tables(a: &Evaluator, b: &Evaluator, scope: Scope<'_>) {
    for p in scope.periods {
        let period: Period = p.parse().unwrap();
        let units = std::iter::once(None).chain(scope.units.iter().map(|u| Some(*u)));
        for unit in units {
            assert_eq!(
                json(&a.table(period, unit).await.unwrap()),
                json(&b.table(period, unit).await.unwrap()),
                "{period} {unit:?}"
            );
            assert_eq!(
                json(&a.operations(period, unit).await.unwrap()),
                json(&b.operations(period, unit).await.unwrap()),
                "operations {period} {unit:?}"
            );
        }
        let cat = a.catalogue().clone();
        for ind in cat.indicators.iter().chain(&cat.operations) {
            let Some(m) = &ind.measure else { continue };
            for dim in m.breakdowns.keys() {
                assert_eq!(
                    a.breakdown(&ind.id, period, dim).await.unwrap(),
                    b.breakdown(&ind.id, period, dim).await.unwrap(),
                    "{} {period} by {dim}",
                    ind.id
                );
            }
        }
    }
    let cat = a.catalogue().clone();
    for ind in cat.indicators.iter().chain(&cat.operations) {
        assert_eq!(
            a.data_range(&ind.id).await.unwrap(),
            b.data_range(&ind.id).await.unwrap(),
            "{}",
            ind.id
        );
    }
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

/// Figures from the kept counts over `kept`, and counted from the raw tables under Nghị định
/// 09's windows over `raw`: a query per indicator and window.
async fn same_everywhere(
    fx: &Fixture,
    engine: &Engine,
    at: AsOf,
    kept: Scope<'_>,
    raw: Option<Scope<'_>>,
) {
    let local = on(fx, Engine::local(), at).await;
    let other = on(fx, engine.clone(), at).await;
    assert_eq!(other.lake_version(), local.lake_version());
    assert!(other.session().table_exist("one_stop_dossiers").unwrap());
    same_tables(&local, &other, kept).await;
    let Some(raw) = raw else { return };
    let rule = Some(PeriodRule::Nd09);
    same_tables(
        &local.with_other_rule(rule).await.unwrap().by_window(),
        &other.with_other_rule(rule).await.unwrap().by_window(),
        raw,
    )
    .await;
}

const ALL: Scope = Scope {
    periods: &[
        "2026-05", "2026-06", "2026-08", "2026-Q2", "2026-H2", "2026",
    ],
    units: &["KP01", "KP02"],
};
/// On a cluster every query is a job, scheduled and polled for: fewer of them.
const FEW: Scope = Scope {
    periods: &["2026-06"],
    units: &[],
};

#[tokio::test]
async fn the_snapshot_s_files_give_the_figures_of_its_delta_tables() {
    let fx = Fixture::whole_ward();
    fx.ingest().await;
    let first = version(&fx).await;
    fx.ingest_all().await;
    fx.add_api_page();
    fx.ingest().await;
    let files = Engine::files();
    same_everywhere(&fx, &files, version(&fx).await, ALL, Some(ALL)).await;
    // as the lake stood after the first run: the files of that version, not the latest
    same_everywhere(&fx, &files, first, ALL, Some(FEW)).await;
    let june: Period = "2026-06".parse().unwrap();
    let then = on(&fx, files.clone(), first).await;
    let now = on(&fx, files.clone(), version(&fx).await).await;
    assert_ne!(
        json(&then.table(june, None).await.unwrap()),
        json(&now.table(june, None).await.unwrap()),
        "the other sources' figures count only from the later versions"
    );

    // a file the snapshot holds but the store lost is refused, not read as nothing
    let held = fx.lake().files_as_of(AsOf::Latest).await.unwrap()["one_stop_dossiers"][0].clone();
    let parquet = url::Url::parse(&held)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .unwrap_or_else(|| held.clone().into());
    std::fs::remove_file(&parquet).unwrap();
    let lake = fx.lake().with_engine(Engine::files());
    let err = chiso::indicators::evaluator_at(&fx.cfg, &lake, AsOf::Latest, None)
        .await
        .err()
        .expect("a lost file is an error");
    let text = format!("{err:#}");
    assert!(
        text.contains("is not in the store")
            && text.contains(&*parquet.file_name().unwrap().to_string_lossy()),
        "{text}"
    );
}

/// A ward on S3: the files are read from the bucket, with the lake's own store.
async fn on_s3(engine: Engine, kept: Scope<'_>, raw: Option<Scope<'_>>) {
    let s3 = crate::s3_server::S3Server::start();
    s3.bucket("files").await;
    let mut fx = Fixture::whole_ward();
    fx.cfg = s3.deploy_to(&fx.cfg, "files");
    fx.ingest_all().await;
    same_everywhere(&fx, &engine, version(&fx).await, kept, raw).await;
    assert!(!fx.lake_dir().exists(), "nothing on the local disk");
}

#[tokio::test]
async fn on_s3_the_snapshot_s_files_are_read_from_the_bucket() {
    on_s3(Engine::files(), ALL, Some(FEW)).await;
}

#[cfg(feature = "cluster")]
mod cluster {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_standalone_cluster_gives_the_local_figures() {
        let fx = Fixture::whole_ward();
        fx.ingest().await;
        let first = version(&fx).await;
        fx.ingest_all().await;
        let cluster = Engine::cluster("standalone").unwrap();
        let kept = Scope {
            periods: &["2026-06", "2026-Q3", "2026"],
            units: &["KP01"],
        };
        same_everywhere(&fx, &cluster, version(&fx).await, kept, Some(FEW)).await;
        same_everywhere(&fx, &cluster, first, FEW, None).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_standalone_cluster_reads_a_ward_on_s3() {
        on_s3(Engine::cluster("standalone").unwrap(), FEW, None).await;
    }

    #[test]
    fn the_cli_computes_on_the_cluster_it_is_given() {
        let fx = Fixture::whole_ward();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(fx.ingest_all());
        let config = crate::ward_fixture::config_path(&fx);
        let table = |extra: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
                .arg("--config")
                .arg(&config)
                .args(extra)
                .args(["indicators", "--period", "2026-06", "--format", "json"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        };
        let local = table(&[]);
        assert!(
            local["indicators"]
                .as_array()
                .is_some_and(|r| r.len() > 10 && r.iter().any(|r| r["numerator"].is_u64())),
            "{local}"
        );
        assert_eq!(table(&["--cluster", "standalone"]), local);
        // a scheduler nobody listens on is said, not waited for
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
            .arg("--config")
            .arg(&config)
            .args(["--cluster", "df://127.0.0.1:9"])
            .args(["indicators", "--period", "2026-06"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("df://127.0.0.1:9"), "{err}");
    }
}
