//! The one-stop API over real HTTP: paged, bearer token, retries on 500s, slow responses and
//! a malformed page; a batch is all its pages or nothing, and a later run succeeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::helpers::{API_PAGE, Fixture, count};

#[derive(Default)]
struct Api {
    requests: AtomicU32,
    /// Failures still to inject on page 2: 500s, then one slow answer, then one malformed.
    faults: crate::helpers::Faults,
}

async fn pages(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    api.requests.fetch_add(1, Ordering::SeqCst);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer s3cret") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let page: u32 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    if page == 2 {
        if let Some(fault) = api.faults.next("{\"page\":2,\"data\":[").await {
            return fault;
        }
    }
    // page 1: HS03 finished; page 2: a new dossier HS12
    let body = match page {
        1 => API_PAGE.replace("\"totalPages\":1", "\"totalPages\":2"),
        _ => API_PAGE
            .replace("\"totalPages\":1", "\"totalPages\":2")
            .replace("\"page\":1", "\"page\":2")
            .replace("\"HS03\"", "\"HS12\""),
    };
    ([("content-type", "application/json")], body).into_response()
}

async fn serve(api: Arc<Api>) -> String {
    let app = axum::Router::new()
        .route("/api/hoso", axum::routing::get(pages))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api/hoso")
}

fn http_fixture(url: &str) -> Fixture {
    let fx = Fixture::new();
    let path = fx.dir.path().join("pipelines.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let toml = format!(
        "{toml}\n[sources.one_stop_api]\nsystem = \"one_stop\"\nfiles = {{ catalogue = [\"extracts/danh_muc_tthc.csv\"] }}\n\
         [sources.one_stop_api.http]\nurl = \"{url}\"\ntoken_env = \"CHISO_TEST_ONE_STOP_TOKEN\"\ntimeout_seconds = 1\nmax_retries = 2\nbackoff_ms = 20\n"
    );
    std::fs::write(&path, toml).unwrap();
    Fixture {
        cfg: chiso::Config::load(&path).unwrap(),
        dir: fx.dir,
    }
}

#[tokio::test]
async fn paged_api_with_retries_all_or_nothing() {
    // SAFETY of the test: the variable is read only by this test's source
    unsafe { std::env::set_var("CHISO_TEST_ONE_STOP_TOKEN", "s3cret") };
    let api = Arc::new(Api::default());
    let url = serve(api.clone()).await;
    let fx = http_fixture(&url);
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let lake = fx.lake();
    chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop"), &key)
        .await
        .unwrap();
    let run = |api: &Arc<Api>| {
        api.requests.store(0, Ordering::SeqCst);
    };

    // page 2 keeps failing: 3 attempts (1 + 2 retries), then the batch fails whole
    run(&api);
    api.faults.fail_500.store(10, Ordering::SeqCst);
    let err = chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop_api"), &key)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("500"), "{err:#}");
    assert_eq!(api.requests.load(Ordering::SeqCst), 1 + 3);
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM one_stop_dossiers WHERE ma_ho_so = 'HS12'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM ingest_runs WHERE outcome = 'failed'"
        )
        .await,
        1
    );

    // a 500, a slow answer and a malformed page: all within the retries of a later run
    api.faults.fail_500.store(0, Ordering::SeqCst);
    let api2 = Arc::new(Api::default());
    api2.faults.fail_500.store(1, Ordering::SeqCst);
    api2.faults.slow.store(1, Ordering::SeqCst);
    let url2 = serve(api2.clone()).await;
    let fx2 = http_fixture(&url2);
    let lake2 = fx2.lake();
    chiso::pipeline::ingest(&fx2.cfg, &lake2, Some("one_stop"), &key)
        .await
        .unwrap();
    let r = chiso::pipeline::ingest(&fx2.cfg, &lake2, Some("one_stop_api"), &key)
        .await
        .unwrap()
        .remove(0);
    // the catalogue (4 rows, new to this source) and one record on each of the two pages
    assert_eq!(r.counts.read, 6, "{r:?}");
    assert_eq!(
        count(&lake2, "SELECT count(*) FROM one_stop_dossiers").await,
        12
    );
    api2.faults.malformed.store(3, Ordering::SeqCst);
    assert!(
        chiso::pipeline::ingest(&fx2.cfg, &lake2, Some("one_stop_api"), &key)
            .await
            .is_err()
    );

    // the first lake's later run succeeds once the server is well
    chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop_api"), &key)
        .await
        .unwrap();
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM one_stop_dossiers WHERE ma_ho_so = 'HS12'"
        )
        .await,
        1
    );

    // a wrong token is not retried
    unsafe { std::env::set_var("CHISO_TEST_ONE_STOP_TOKEN", "wrong") };
    run(&api);
    let err = chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop_api"), &key)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("401"), "{err:#}");
    assert_eq!(api.requests.load(Ordering::SeqCst), 1);
}
