//! The service over real HTTP.

use crate::helpers::Fixture;

async fn start(fx: &Fixture) -> String {
    let mut site = chiso::site::site(&fx.cfg);
    site.default_period = "2026-06".parse().unwrap();
    let state = dashboards::AppState::new(site, fx.lake(), fx.evaluator().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum_serve(listener, state).await;
    });
    format!("http://{addr}")
}

async fn axum_serve(listener: tokio::net::TcpListener, state: dashboards::AppState) {
    let _ = dashboards::serve(listener, state).await;
}

async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn indicators_over_http() {
    let fx = Fixture::new();
    fx.ingest().await;
    let base = start(&fx).await;
    let client = crate::browser::http_client(&base, &fx.cfg, "ubnd", "ubnd", None).await;

    let health: serde_json::Value = get_json(&client, format!("{base}/healthz")).await;
    assert_eq!(health["status"], "ok");

    let fresh = get_json(&client, format!("{base}/api/freshness")).await;
    assert_eq!(fresh[0]["source"], "one_stop");
    assert_eq!(fresh[0]["late"], false);
    assert_eq!(fresh[0]["units"].as_array().unwrap().len(), 2);

    let resp = client
        .get(format!("{base}/api/indicators?period=2026-06"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    let rows = body["indicators"].as_array().unwrap();
    assert_eq!(rows.len(), 17);
    let i3 = rows.iter().find(|r| r["id"] == "I.3").unwrap();
    assert_eq!(i3["numerator"], 5);
    assert_eq!(i3["denominator"], 9);
    assert_eq!(i3["value_text"], "55,6 %");
    assert_eq!(i3["status"], "chua_dat");
    assert_eq!(
        i3["name"],
        "Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)"
    );
    let i6 = rows.iter().find(|r| r["id"] == "I.6").unwrap();
    assert!(i6["value"].is_null());
    assert_eq!(i6["value_text"], "chưa có dữ liệu");

    // by khu phố
    let kp: serde_json::Value = get_json(
        &client,
        format!("{base}/api/indicators?period=2026-06&unit=KP02"),
    )
    .await;
    let i3 = kp["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "I.3")
        .unwrap()
        .clone();
    assert_eq!(
        (i3["numerator"].as_u64(), i3["denominator"].as_u64()),
        (Some(2), Some(4))
    );

    // bad input gets the error shape, in Vietnamese
    let bad = client
        .get(format!("{base}/api/indicators?period=2026-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let e: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(e["error"]["code"], "bad_request");

    // one indicator with its SQL
    let one: serde_json::Value =
        get_json(&client, format!("{base}/api/indicators/I.3?period=2026-06")).await;
    assert!(one["sql"].as_str().unwrap().contains("FROM ho_so"));
    assert_eq!(one["numerator"], 5);
    let missing = client
        .get(format!("{base}/api/indicators/IX.9"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn page_and_charts_over_http() {
    let fx = Fixture::new();
    fx.ingest().await;
    let base = start(&fx).await;
    let client = crate::browser::http_client(&base, &fx.cfg, "ubnd", "ubnd", None).await;
    let page = client
        .get(format!("{base}/?period=2026-06"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)"));
    assert!(html.contains("55,6 %"));
    assert!(html.contains("Chưa có dữ liệu"));
    assert!(html.contains("Kỳ họp HĐND không giấy"));

    let svg = client
        .get(format!("{base}/charts/I.3.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        svg.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến"));
    let png = client
        .get(format!("{base}/charts/I.3.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let font = client
        .get(format!("{base}/static/fonts/NotoSans-Regular.ttf"))
        .send()
        .await
        .unwrap();
    assert_eq!(font.status(), 200);
}

#[tokio::test]
async fn operations_endpoints_and_cache_headers() {
    let fx = Fixture::new();
    fx.ingest().await;
    let base = start(&fx).await;
    let client = crate::browser::http_client(&base, &fx.cfg, "ubnd", "ubnd", None).await;

    let ready = get_json(&client, format!("{base}/readyz")).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["indicators_evaluated"], 22);

    // an API answer and a chart carry a tag; asked again with it, nothing is sent
    for path in ["/api/indicators?period=2026-06", "/charts/I.3.svg"] {
        let first = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let tag = first.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(first.headers()["cache-control"], "private, max-age=60");
        // the tag is the first half of the SHA-256 of the very bytes sent, whether the
        // handler kept it with them or the tag was made from them as they went out
        let body = first.bytes().await.unwrap();
        use sha2::Digest;
        let hashed = hex::encode(sha2::Sha256::digest(&body));
        assert_eq!(tag, format!("\"{}\"", &hashed[..32]), "{path}");
        let again = client
            .get(format!("{base}{path}"))
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let other = client
            .get(format!("{base}{path}"))
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200);
    }
    let public = reqwest::get(format!("{base}/cong-khai/bieu-do/I.3.svg"))
        .await
        .unwrap();
    assert_eq!(public.headers()["cache-control"], "public, max-age=300");

    // /metrics: open to the machine itself, in the Prometheus text format
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text().await.unwrap();
    for line in [
        "chiso_http_requests_total{method=\"GET\",route=\"/api/indicators\",status=\"200\"} 2",
        "chiso_http_requests_total{method=\"GET\",route=\"/api/indicators\",status=\"304\"} 1",
        "chiso_http_request_duration_seconds_count{method=\"GET\",route=\"/charts/{file}\"} 3",
        "chiso_ingest_runs_total{source=\"one_stop\",outcome=\"committed\"} 1",
        "chiso_data_late{source=\"one_stop\"} 0",
        "# TYPE chiso_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    assert!(text.contains("chiso_data_age_seconds{source=\"one_stop\"} "));

    // every refusal in the one shape, in Vietnamese: unreadable parameters, unknown addresses,
    // methods a route does not take
    for (method, path, status, code) in [
        ("GET", "/api/runs?limit=abc", 400, "bad_request"),
        ("GET", "/api/khong-co", 404, "not_found"),
        ("DELETE", "/healthz", 405, "method_not_allowed"),
        ("PUT", "/api/indicators", 405, "method_not_allowed"),
    ] {
        let r = client
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{method} {path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{method} {path}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c)),
            "a Vietnamese message: {message}"
        );
    }
    let page = client
        .get(format!("{base}/du-lieu?unit=KP99"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("không có khu phố “KP99”")
    );
    assert!(text.contains("le=\"+Inf\"} 3"));
}

/// Behind a proxy on the same machine: /metrics is not open to the proxy's requests, and the
/// address a trusted proxy forwards is the one the sign-in limits count.
#[tokio::test]
async fn behind_a_trusted_proxy() {
    let fx = Fixture::new();
    fx.ingest().await;
    let mut site = chiso::site::site(&fx.cfg);
    site.default_period = "2026-06".parse().unwrap();
    site.auth.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    site.auth.limits.per_address = 2;
    let state = dashboards::AppState::new(site, fx.lake(), fx.evaluator().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum_serve(listener, state));
    let metrics = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 401);

    // two failures from one forwarded address block it, not the other one
    let fail = |from: &'static str| {
        let base = base.clone();
        async move {
            let plain = reqwest::Client::new();
            let form = plain.get(format!("{base}/dang-nhap")).send().await.unwrap();
            let cookie = form.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let token = crate::browser::form_token(&form.text().await.unwrap()).unwrap();
            plain
                .post(format!("{base}/dang-nhap"))
                .header("cookie", cookie)
                .header("x-forwarded-for", from)
                .form(&[
                    ("_csrf", token.as_str()),
                    ("ten", "ai-do"),
                    ("mat_khau", "sai-mat-khau"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(fail("203.0.113.7").await, 401);
    assert_eq!(fail("203.0.113.7").await, 401);
    assert_eq!(fail("203.0.113.7").await, 429);
    assert_eq!(fail("198.51.100.9").await, 401);
}

/// A run logged by another process (here `chiso ingest`, as cron would run it) reaches a
/// running service within its polling interval; an answer's tag holds until then.
#[tokio::test]
async fn a_run_by_another_process_reaches_the_service() {
    let fx = Fixture::new();
    fx.ingest().await;
    let mut cfg = fx.cfg.clone();
    cfg.server.follow_seconds = 1;
    let mut site = chiso::site::site(&cfg);
    site.default_period = "2026-06".parse().unwrap();
    let state = dashboards::AppState::new(site, fx.lake(), fx.evaluator().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum_serve(listener, state.clone()));
    let _follow = chiso::follow::start(std::sync::Arc::new(cfg), state.clone());
    let client = crate::browser::http_client(&base, &fx.cfg, "ubnd", "ubnd", None).await;
    let url = format!("{base}/api/indicators?period=2026-06");

    let first = client.get(&url).send().await.unwrap();
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let body: serde_json::Value = first.json().await.unwrap();
    let version = body["lake_version"].as_u64().unwrap();
    let vh1 = |b: &serde_json::Value| {
        let ops = b["operations"].as_array().unwrap();
        let r = ops.iter().find(|r| r["id"] == "VH.1").unwrap();
        (
            r["numerator"].as_u64().unwrap(),
            r["denominator"].as_u64().unwrap(),
        )
    };
    let (n, d) = vh1(&body);
    let again = client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    fx.add_api_page();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config"])
        .arg(crate::ward_fixture::config_path(&fx))
        .args(["ingest", "--source", "one_stop"])
        .env("CHISO_PSEUDONYM_KEY", "fixture-key-0123456789")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let started = std::time::Instant::now();
    let body = loop {
        let resp = client
            .get(&url)
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            assert_ne!(resp.headers()["etag"].to_str().unwrap(), tag);
            break resp.json::<serde_json::Value>().await.unwrap();
        }
        assert_eq!(resp.status(), 304);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the service never noticed the run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    // the run and its rollups moved the run log by one
    assert_eq!(body["lake_version"].as_u64().unwrap(), version + 1);
    // HS03, open and overdue at the end of June before, finished in June within its due time
    assert_eq!(vh1(&body), (n + 1, d));
    assert_eq!(state.evaluator().await.lake_version(), Some(version + 1));
}
