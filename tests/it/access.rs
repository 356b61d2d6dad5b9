//! Who sees what: every route of the service asked by every role, a khu phố account asking
//! for another neighbourhood, the public page's contents, escaping, formulas in downloads,
//! sessions, form tokens, the sign-in limits and the audit log.

use axum::http::StatusCode;

use crate::browser::{Answer, Visitor};
use crate::helpers::Fixture;

/// A petition and a procedure whose names carry markup, and a field code that a spreadsheet
/// would run as a formula. The first two are refused and shown in the quarantine; the third is
/// a petition field that breakdowns show.
const SCRIPT_PETITIONS: &str = r#"{"page":1,"pageSize":50,"totalPages":1,"totalRecords":2,"data":[
{"id":"PA8","kenh":"DC4.0","tieu_de":"Ngập nước","linh_vuc":"=HYPERLINK(\"http://x.example\",\"bấm\")","ma_khu_pho":"KP01","don_vi_xu_ly":"Phòng KT-HT-ĐT","ngay_tiep_nhan":"2026-06-11T08:00:00+07:00","han_xu_ly":"2026-06-14T17:00:00+07:00","ngay_hoan_thanh":"2026-06-12T10:00:00+07:00","trang_thai":"da_xu_ly","cong_khai":1,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-12T10:00:00+07:00"},
{"id":"PA9","kenh":"DC4.0","tieu_de":"<script>alert('tieu-de')</script>","linh_vuc":"Hạ tầng","ma_khu_pho":"KP01","don_vi_xu_ly":"Phòng KT-HT-ĐT","ngay_tiep_nhan":"<script>alert('phan-anh')</script>","han_xu_ly":"2026-06-14T17:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":null,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-12T10:00:00+07:00"}
]}"#;

const SCRIPT_PROCEDURE: &str = "<script>alert('thu-tuc')</script>";

/// The whole ward, plus the rows above, ingested, with reports set up and two reports made:
/// one of the whole ward and one of KP02.
async fn ward() -> (Fixture, dashboards::AppState, String, String) {
    let fx = Fixture::whole_ward();
    let root = fx.dir.path();
    std::fs::write(
        root.join("extracts/petitions/page-0099.json"),
        SCRIPT_PETITIONS,
    )
    .unwrap();
    let csv = crate::helpers::dossiers_csv();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let mut row: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    row[0] = "HS98".into();
    row[1] = SCRIPT_PROCEDURE.into();
    row[2] = SCRIPT_PROCEDURE.into();
    std::fs::write(
        root.join("extracts/ho_so_script.csv"),
        format!("{header}\n{}\n", row.join(",")),
    )
    .unwrap();
    fx.ingest_all().await;
    let path = crate::ward_fixture::config_path(&fx);
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str(crate::documents::REPORTS);
    std::fs::write(&path, toml).unwrap();
    let cfg = chiso::Config::load(&path).unwrap();
    let fx = Fixture { dir: fx.dir, cfg };
    let mut site = chiso::site::site(&fx.cfg);
    site.default_period = "2026-06".parse().unwrap();
    let state = dashboards::AppState::new(site, fx.lake(), fx.evaluator().await);
    let ev = state.evaluator().await;
    let mut files = Vec::new();
    for unit in [None, Some("KP02")] {
        let req = dashboards::documents::produce::ProduceRequest {
            kind: dashboards::documents::report::ReportKind::Monthly,
            period: "2026-06".parse().unwrap(),
            unit: unit.map(str::to_string),
            date: "2026-07-05".parse().unwrap(),
            formats: vec![dashboards::documents::report::Format::Xlsx],
            evidence: false,
        };
        let made =
            dashboards::documents::produce::into_outbox(&ev, &state.site, &state.lake, &req, "web")
                .await
                .unwrap();
        files.push(made.files[0].name.clone());
    }
    let kp02 = files.pop().unwrap();
    let ward = files.pop().unwrap();
    (fx, state, ward, kp02)
}

fn allowed(a: &Answer) -> bool {
    let to_sign_in = a
        .headers
        .get("location")
        .is_some_and(|l| l.to_str().unwrap_or("").starts_with("/dang-nhap"));
    a.status != StatusCode::UNAUTHORIZED && a.status != StatusCode::FORBIDDEN && !to_sign_in
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role() {
    let (fx, state, ward_file, kp02_file) = ward().await;
    let app = dashboards::app(state.clone());
    let anon = Visitor::anonymous(app.clone());
    let dang_uy = Visitor::account(app.clone(), &fx.cfg, "dang-uy", "dang_uy", None).await;
    let ubnd = Visitor::ubnd(app.clone(), &fx.cfg).await;
    let can_bo = Visitor::account(
        app.clone(),
        &fx.cfg,
        "cong-an",
        "can_bo",
        Some("Công an phường"),
    )
    .await;
    let khu_pho = Visitor::account(app.clone(), &fx.cfg, "kp01", "khu_pho", Some("KP01")).await;
    let visitors = [
        ("anonymous", &anon),
        ("dang_uy", &dang_uy),
        ("ubnd", &ubnd),
        ("can_bo", &can_bo),
        ("khu_pho", &khu_pho),
    ];

    // route (method, uri) → who gets it: anonymous, dang_uy, ubnd, can_bo, khu_pho
    let y = true;
    let n = false;
    let ward_file_uri = format!("/bao-cao/tai/{ward_file}");
    let kp02_file_uri = format!("/bao-cao/tai/{kp02_file}");
    let matrix: Vec<(&str, &str, [bool; 5])> = vec![
        ("GET", "/", [n, y, y, y, y]),
        ("GET", "/chi-tieu/I.3?period=2026-06", [n, y, y, y, y]),
        (
            "GET",
            "/chi-tieu/I.3/tai/I.3.csv?period=2026-06",
            [n, y, y, y, y],
        ),
        (
            "GET",
            "/chi-tieu/I.3/tai/I.3.xlsx?period=2026-06",
            [n, y, y, y, y],
        ),
        ("GET", "/nhiem-vu", [n, y, y, y, n]),
        ("GET", "/tinh", [n, y, y, y, n]),
        ("GET", "/tinh/I.3", [n, y, y, y, n]),
        ("GET", "/api/province", [n, y, y, y, n]),
        ("GET", "/du-lieu", [n, y, y, y, y]),
        ("GET", "/cong-khai", [y, y, y, y, y]),
        ("GET", "/cong-khai/bieu-do/I.3.svg", [y, y, y, y, y]),
        ("GET", "/dang-nhap", [y, y, y, y, y]),
        ("GET", "/bao-cao", [n, y, y, y, y]),
        ("POST", "/bao-cao", [n, y, y, y, n]),
        ("GET", &ward_file_uri, [n, y, y, y, n]),
        ("GET", &kp02_file_uri, [n, y, y, y, n]),
        ("GET", "/healthz", [y, y, y, y, y]),
        ("GET", "/readyz", [y, y, y, y, y]),
        ("GET", "/metrics", [n, y, y, n, n]),
        ("GET", "/openapi.json", [y, y, y, y, y]),
        ("GET", "/api/indicators?period=2026-06", [n, y, y, y, y]),
        ("GET", "/api/indicators/I.3?period=2026-06", [n, y, y, y, y]),
        (
            "GET",
            "/api/indicators/I.3?period=2026-06&by=khu_pho",
            [n, y, y, y, n],
        ),
        ("GET", "/api/indicators/I.3/series", [n, y, y, y, y]),
        (
            "GET",
            "/api/indicators/I.3/evidence?period=2026-06",
            [n, y, y, n, y],
        ),
        (
            "GET",
            "/api/indicators/II.1/evidence?period=2026-06",
            [n, y, y, y, y],
        ),
        ("GET", "/api/freshness", [n, y, y, y, y]),
        ("GET", "/api/runs", [n, y, y, y, y]),
        ("GET", "/api/quarantine", [n, y, y, y, n]),
        ("GET", "/api/tasks", [n, y, y, y, n]),
        ("GET", "/charts/I.3.svg", [n, y, y, y, y]),
        ("GET", "/charts/I.3.png", [n, y, y, y, y]),
        (
            "GET",
            "/charts/I.3/theo/khu_pho.svg?period=2026-06",
            [n, y, y, y, n],
        ),
        ("GET", "/static/fonts/NotoSans-Regular.ttf", [y, y, y, y, y]),
    ];
    // every route of the router is in the matrix
    let mut asked: Vec<String> = matrix
        .iter()
        .map(|(m, uri, _)| format!("{m} {}", route_of(uri)))
        .collect();
    asked.push("POST /dang-nhap".into());
    asked.push("POST /dang-xuat".into());
    asked.sort();
    asked.dedup();
    let mut routes: Vec<String> = dashboards::access::ROUTES
        .iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    routes.sort();
    assert_eq!(asked, routes, "the matrix covers every route");

    let mut wrong = Vec::new();
    for (method, uri, expect) in &matrix {
        for (i, (role, v)) in visitors.iter().enumerate() {
            let mut v = (*v).clone();
            let a = match *method {
                // a form with no format: past the access layer it is refused as a bad request
                "POST" => v.post_form(uri, "kind=monthly&period=2026-06").await,
                _ => v.get(uri).await,
            };
            if allowed(&a) != expect[i] {
                wrong.push(format!(
                    "{role} {method} {uri}: {} (expected {})",
                    a.status,
                    if expect[i] { "allowed" } else { "refused" }
                ));
            }
            // anonymous visitors of a page are sent to sign in; of the API, told so in JSON
            if *role == "anonymous" && !expect[i] {
                let api = uri.starts_with("/api/")
                    || uri.starts_with("/charts/")
                    || uri.starts_with("/bao-cao/tai/")
                    || uri.contains("/tai/")
                    || *uri == "/metrics";
                if api {
                    assert_eq!(a.status, 401, "{uri}");
                    assert_eq!(a.json()["error"]["code"], "unauthenticated");
                } else {
                    assert_eq!(a.status, 303, "{uri}");
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // a khu phố account asking for another neighbourhood: refused on the page, the API, the
    // charts and every download; its own is served
    let other = [
        "/?unit=KP02",
        "/chi-tieu/I.3?unit=KP02",
        "/chi-tieu/I.3/tai/I.3.csv?unit=KP02",
        "/chi-tieu/I.3/tai/I.3.xlsx?unit=KP02",
        "/du-lieu?unit=KP02",
        "/bao-cao?unit=KP02",
        "/api/indicators?unit=KP02",
        "/api/indicators/I.3?unit=KP02",
        "/api/indicators/I.3/series?unit=KP02",
        "/api/indicators/I.3/evidence?period=2026-06&unit=KP02",
        "/api/freshness?unit=KP02",
        "/charts/I.3.svg?unit=KP02",
        "/charts/I.3.png?unit=KP02",
        &kp02_file_uri,
    ];
    for uri in other {
        let a = khu_pho.clone().get(uri).await;
        assert_eq!(a.status, 403, "khu_pho {uri}: {}", a.text());
        let own = uri.replace("KP02", "KP01");
        if !own.starts_with("/bao-cao/tai/") {
            let a = khu_pho.clone().get(&own).await;
            assert!(a.status.is_success(), "khu_pho {own}: {}", a.status);
        }
        let a = ubnd.clone().get(uri).await;
        assert!(a.status.is_success(), "ubnd {uri}: {}", a.status);
    }
    let a = khu_pho
        .clone()
        .get("/api/indicators/I.3/series?unit=KP02")
        .await;
    assert_eq!(a.json()["error"]["code"], "out_of_scope");

    // with no unit, the khu phố account gets its own neighbourhood's figures
    let mine = khu_pho
        .clone()
        .get("/api/indicators?period=2026-06")
        .await
        .json();
    let kp01 = ubnd
        .clone()
        .get("/api/indicators?period=2026-06&unit=KP01")
        .await
        .json();
    assert_eq!(mine["unit"], "KP01");
    assert_eq!(mine["indicators"], kp01["indicators"]);
    let page = khu_pho.clone().get("/?period=2026-06").await.text();
    assert!(!page.contains("value=\"KP02\""), "no other khu phố offered");

    // the overview's table is drawn once a minute for each view and kept: the ward's, drawn
    // just before, is not what the khu phố account is shown, nor the other way round
    let ward = ubnd
        .clone()
        .get("/api/indicators?period=2026-06")
        .await
        .json();
    let ward_page = ubnd.clone().get("/?period=2026-06").await.text();
    let mine_page = khu_pho.clone().get("/?period=2026-06").await.text();
    let again = ubnd.clone().get("/?period=2026-06").await.text();
    for (page, figures, whose) in [
        (&ward_page, &ward, "ward"),
        (&mine_page, &kp01, "KP01"),
        (&again, &ward, "ward again"),
    ] {
        let mut shown = 0;
        for r in figures["indicators"].as_array().unwrap() {
            let (Some(n), Some(d)) = (r["numerator"].as_u64(), r["denominator"].as_u64()) else {
                continue;
            };
            let id = r["id"].as_str().unwrap();
            let start = page
                .find(&format!("id=\"row-{id}\""))
                .unwrap_or_else(|| panic!("{whose}: no row for {id}"));
            let row = &page[start..start + page[start..].find("</tr>").unwrap()];
            let frac = format!(
                "{} / {}",
                metrics::format::integer(n),
                metrics::format::integer(d)
            );
            assert!(row.contains(&frac), "{whose} {id}: {frac} not in {row}");
            shown += 1;
        }
        assert!(shown > 3, "{whose}: figures with a numerator shown");
    }
    assert_ne!(ward_page, mine_page);

    // an officer sees its own office's tasks only
    let tasks = can_bo.clone().get("/api/tasks?on=2026-07-15").await.json();
    let ids: Vec<&str> = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T-02"], "{tasks}");
    let a = can_bo.clone().get("/api/tasks?unit=Văn%20phòng").await;
    assert_eq!(a.status, 403);
    let board = can_bo.clone().get("/nhiem-vu").await.text();
    assert!(board.contains("T-02") && !board.contains("T-01"));
    // an indicator page lists the office's own tasks only; ubnd sees every task of I.1
    let i1 = can_bo
        .clone()
        .get("/chi-tieu/I.1?period=2026-06")
        .await
        .text();
    assert!(
        !i1.contains("task-T-01"),
        "another office's task on an officer's page"
    );
    let i1 = ubnd
        .clone()
        .get("/chi-tieu/I.1?period=2026-06")
        .await
        .text();
    assert!(i1.contains("task-T-01"));
    let other = can_bo
        .clone()
        .get("/chi-tieu/I.1?nhiem_vu_cua=V%C4%83n%20ph%C3%B2ng")
        .await;
    assert_eq!(other.status, 403);

    // the public page: aggregates only
    let public = anon.clone().get("/cong-khai?period=2026-06").await;
    assert_eq!(public.status, 200);
    let html = public.text();
    assert!(
        html.contains("I.3") && html.contains("55,6 %"),
        "figures shown"
    );
    for private in [
        "HS0",
        "PA1",
        "PA9",
        "Phan Văn",
        "0912345",
        "extracts/",
        "quarantine",
        "script",
        "/api/",
        "/chi-tieu/",
        "Dòng bị loại",
        "ubnd",
    ] {
        assert!(!html.contains(private), "{private} on the public page");
    }
    let hexes = html
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 16)
        .count();
    assert_eq!(hexes, 0, "no pseudonymous token on the public page");
    // a public chart is the ward's, whatever is asked
    let ward_chart = anon.clone().get("/cong-khai/bieu-do/I.3.svg").await.body;
    let kp_chart = anon
        .clone()
        .get("/cong-khai/bieu-do/I.3.svg?unit=KP01")
        .await
        .body;
    assert_eq!(ward_chart, kp_chart);
}

/// `/charts/{file}` for `/charts/I.3.svg?x`, and so on: the router's pattern of a URI.
fn route_of(uri: &str) -> String {
    let path = uri.split('?').next().unwrap();
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["", "chi-tieu", _] => "/chi-tieu/{id}".into(),
        ["", "tinh", _] => "/tinh/{id}".into(),
        ["", "chi-tieu", _, "tai", _] => "/chi-tieu/{id}/tai/{file}".into(),
        ["", "cong-khai", "bieu-do", _] => "/cong-khai/bieu-do/{file}".into(),
        ["", "bao-cao", "tai", _] => "/bao-cao/tai/{file}".into(),
        ["", "api", "indicators", _] => "/api/indicators/{id}".into(),
        ["", "api", "indicators", _, rest] => format!("/api/indicators/{{id}}/{rest}"),
        ["", "charts", _] => "/charts/{file}".into(),
        ["", "charts", _, "theo", _] => "/charts/{id}/theo/{file}".into(),
        ["", "static", "fonts", _] => "/static/fonts/{file}".into(),
        _ => path.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_is_escaped_and_downloads_never_compute() {
    let (fx, state, _, _) = ward().await;
    let app = dashboards::app(state.clone());
    let mut ubnd = Visitor::ubnd(app.clone(), &fx.cfg).await;

    // the procedure and the petition with markup were refused; the data page shows them as text
    let page = ubnd.get("/du-lieu").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(!html.contains("<script>"), "markup reached the page");
    assert!(
        html.contains("&lt;script&gt;alert('thu-tuc')&lt;/script&gt;"),
        "the refused procedure is shown escaped"
    );
    assert!(
        html.contains("&lt;script&gt;alert('phan-anh')&lt;/script&gt;"),
        "the refused petition is shown escaped"
    );

    // a breakdown key that a spreadsheet would compute stays text in CSV and XLSX
    let csv = ubnd.get("/chi-tieu/VH.2/tai/VH.2.csv?period=2026-06").await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&csv.body[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(
        cells
            .iter()
            .any(|c| c == "'=HYPERLINK(\"http://x.example\",\"bấm\")"),
        "{cells:?}"
    );
    assert!(!cells.iter().any(|c| c.starts_with('=')), "{cells:?}");

    let xlsx = ubnd
        .get("/chi-tieu/VH.2/tai/VH.2.xlsx?period=2026-06")
        .await;
    assert_eq!(xlsx.status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.body)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(!sheet.contains("<f>"), "no formula in the sheet");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(
        strings.contains("=HYPERLINK("),
        "the text is kept as a string"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_form_tokens_limits_and_the_audit_log() {
    let (fx, state, _, _) = ward().await;
    let app = dashboards::app(state.clone());
    let mut kp = Visitor::account(app.clone(), &fx.cfg, "kp01", "khu_pho", Some("KP01")).await;
    let cookie_line = kp.cookies.clone();
    assert!(cookie_line.contains("chiso_phien="));

    // the session cookie is HttpOnly and SameSite=Lax
    let mut fresh = Visitor::anonymous(app.clone());
    let form = fresh.get("/dang-nhap").await;
    let token = crate::browser::form_token(&form.text()).unwrap();
    let body = format!("_csrf={token}&ten=kp01&mat_khau=mat-khau-cua-kp01&tiep=%2Fdu-lieu");
    let signed = fresh
        .send(fresh.request("POST", "/dang-nhap", Some(body)))
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.headers["location"], "/du-lieu");
    let set = signed.headers["set-cookie"].to_str().unwrap();
    for part in [
        "chiso_phien=",
        "HttpOnly",
        "SameSite=Lax",
        "Max-Age=43200",
        "Path=/",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "no Secure over plain HTTP");

    // an export, then a form without its token, and one from another site
    let csv = kp.get("/chi-tieu/I.3/tai/I.3.csv?period=2026-06").await;
    assert_eq!(csv.status, 200);
    let mut ubnd = Visitor::ubnd(app.clone(), &fx.cfg).await;
    let no_token = ubnd
        .send(ubnd.request(
            "POST",
            "/bao-cao",
            Some("kind=monthly&period=2026-06&xlsx=on".into()),
        ))
        .await;
    assert_eq!(no_token.status, 403);
    let mut other_site = ubnd.request(
        "POST",
        "/bao-cao",
        Some(format!(
            "_csrf={}&kind=monthly&period=2026-06&xlsx=on",
            ubnd.csrf
        )),
    );
    other_site
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    other_site
        .headers_mut()
        .insert("host", "127.0.0.1:8080".parse().unwrap());
    assert_eq!(ubnd.send(other_site).await.status, 403);

    // sign-out ends the session: the old cookie no longer opens anything
    let mut old = kp.clone();
    let out = kp.post_form("/dang-xuat", "").await;
    assert_eq!(out.status, 303);
    old.cookies = cookie_line;
    assert_eq!(old.get("/api/indicators").await.status, 401);

    // a disabled account's open session ends at its next request
    let users = chiso::site::auth_settings(&fx.cfg).users;
    let mut cb = Visitor::account(
        app.clone(),
        &fx.cfg,
        "cong-an",
        "can_bo",
        Some("Công an phường"),
    )
    .await;
    assert_eq!(cb.get("/api/freshness").await.status, 200);
    dashboards::auth::UserFile::new(&users)
        .disable("cong-an")
        .unwrap();
    assert_eq!(cb.get("/api/freshness").await.status, 401);

    // five wrong passwords, then even the right one waits
    let mut guess = Visitor::anonymous(app.clone());
    for _ in 0..5 {
        let a = guess.sign_in("ubnd", "sai-mat-khau-roi").await;
        assert_eq!(a.status, 401);
        assert!(a.text().contains("Sai tên tài khoản hoặc mật khẩu."));
    }
    let a = guess.sign_in("ubnd", "mat-khau-cua-ubnd").await;
    assert_eq!(a.status, 429);
    assert!(a.headers.contains_key("retry-after"));

    // the audit log in the lake: sign-ins, failures, the export, who and from where
    state.audit.flush().await;
    let events = state.lake.audit_events(100).await.unwrap();
    let has = |user: &str, action: &str, target: &str| {
        events
            .iter()
            .any(|e| e.user == user && e.action == action && e.target.contains(target))
    };
    assert!(has("kp01", "sign_in", "/du-lieu"), "{events:#?}");
    assert!(has(
        "kp01",
        "export",
        "/chi-tieu/I.3/tai/I.3.csv?period=2026-06&unit=KP01"
    ));
    assert!(has("ubnd", "sign_in_failed", ""));
    assert!(has("kp01", "sign_out", ""));
    let export = events.iter().find(|e| e.action == "export").unwrap();
    assert_eq!((export.role.as_str(), export.status), ("khu_pho", 200));
    assert!(!export.address.is_empty());
}
