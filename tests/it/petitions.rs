//! Petitions (phản ánh, kiến nghị): pages from files and from the app's API over real HTTP.
//! A bad row goes to quarantine with its reason, a petition re-sent with a later status ends
//! in that status, an earlier state never replaces a later one, a page seen before is passed
//! over, and no name or phone number reaches the lake in clear.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::AsArray;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ingest::Pseudonymiser;
use warehouse::{CommitReport, Lake};

use crate::helpers::{Fixture, assert_not_in_clear, count};

/// Fields shared by the fixture's records, after `id`.
fn record(id: &str, rest: &str) -> String {
    format!("{{\"id\":\"{id}\",{rest}}}")
}

/// PA01 handled on 03/06 at 10:00, within its due time, and rated unhappy; recorded 10:05.
fn pa01_handled() -> String {
    record(
        "PA01",
        r#""kenh":"DC4.0","tieu_de":"Đèn đường hỏng trên đường Hùng Vương","noi_dung":"Ba bóng đèn không sáng, liên hệ 0905 111 222","linh_vuc":"Hạ tầng","ma_khu_pho":"KP01","don_vi_xu_ly":"Phòng Kinh tế, Hạ tầng và Đô thị","ngay_tiep_nhan":"2026-06-01T08:00:00+07:00","han_xu_ly":"2026-06-04T08:00:00+07:00","ngay_hoan_thanh":"2026-06-03T10:00:00+07:00","trang_thai":"da_xu_ly","cong_khai":0,"danh_gia":"khong_hai_long","nguoi_phan_anh":"Nguyễn Thị Hoa","so_dien_thoai":"0905111222","ngay_cap_nhat":"2026-06-03T10:05:00+07:00""#,
    )
}

/// PA01's earlier state: being handled, recorded 01/06 09:00.
fn pa01_open() -> String {
    record(
        "PA01",
        r#""kenh":"DC4.0","tieu_de":"Đèn đường hỏng trên đường Hùng Vương","noi_dung":"Ba bóng đèn không sáng, liên hệ 0905 111 222","linh_vuc":"Hạ tầng","ma_khu_pho":"KP01","don_vi_xu_ly":"Phòng Kinh tế, Hạ tầng và Đô thị","ngay_tiep_nhan":"2026-06-01T08:00:00+07:00","han_xu_ly":"2026-06-04T08:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":"Nguyễn Thị Hoa","so_dien_thoai":"0905111222","ngay_cap_nhat":"2026-06-01T09:00:00+07:00""#,
    )
}

/// PA02 handled and published; times as `dd/MM/yyyy HH:mm:ss` local, as some apps write them.
fn pa02() -> String {
    record(
        "PA02",
        r#""kenh":"Zalo OA","tieu_de":"Rác tập kết sai nơi quy định","noi_dung":"Rác để nhiều ngày ở đầu hẻm","linh_vuc":"Đô thị – Môi trường","ma_khu_pho":"KP02","don_vi_xu_ly":"Ban điều hành Khu phố Phước Bình","ngay_tiep_nhan":"02/06/2026 10:00:00","han_xu_ly":"05/06/2026 17:00:00","ngay_hoan_thanh":"03/06/2026 15:00:00","trang_thai":"da_xu_ly","cong_khai":1,"danh_gia":"hai_long","nguoi_phan_anh":"Trần Văn Bình","so_dien_thoai":"0913222333","ngay_cap_nhat":"03/06/2026 15:30:00""#,
    )
}

/// PA03 on the hotline, anonymous, waiting; recorded 03/06 20:00.
fn pa03_waiting() -> String {
    record(
        "PA03",
        r#""kenh":"Đường dây nóng","tieu_de":"Hát karaoke sau 22 giờ","noi_dung":null,"linh_vuc":"An ninh trật tự","ma_khu_pho":"KP01","don_vi_xu_ly":null,"ngay_tiep_nhan":"2026-06-03T20:00:00+07:00","han_xu_ly":"2026-06-08T17:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"cho_tiep_nhan","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-03T20:00:00+07:00""#,
    )
}

/// PA03 accepted by the police the next morning; recorded 04/06 08:00.
fn pa03_accepted() -> String {
    record(
        "PA03",
        r#""kenh":"Đường dây nóng","tieu_de":"Hát karaoke sau 22 giờ","noi_dung":null,"linh_vuc":"An ninh trật tự","ma_khu_pho":"KP01","don_vi_xu_ly":"Công an phường","ngay_tiep_nhan":"2026-06-03T20:00:00+07:00","han_xu_ly":"2026-06-08T17:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-04T08:00:00+07:00""#,
    )
}

/// Bad: "handled" with no finish time.
fn pa04_bad() -> String {
    record(
        "PA04",
        r#""kenh":"Zalo OA","tieu_de":"Ổ gà trên đường Lê Duẩn","noi_dung":"Ổ gà lớn giữa đường","linh_vuc":"Hạ tầng","ma_khu_pho":"KP02","don_vi_xu_ly":"Phòng Kinh tế, Hạ tầng và Đô thị","ngay_tiep_nhan":"2026-06-02T07:30:00+07:00","han_xu_ly":"2026-06-05T07:30:00+07:00","ngay_hoan_thanh":null,"trang_thai":"da_xu_ly","cong_khai":1,"danh_gia":null,"nguoi_phan_anh":"Phạm Văn Tú","so_dien_thoai":"0988777666","ngay_cap_nhat":"2026-06-04T10:00:00+07:00""#,
    )
}

/// Bad: due a day before it was received.
fn pa05_bad() -> String {
    record(
        "PA05",
        r#""kenh":"DC4.0","tieu_de":"Cây xanh nghiêng sắp đổ","noi_dung":null,"linh_vuc":"Đô thị – Môi trường","ma_khu_pho":"KP01","don_vi_xu_ly":null,"ngay_tiep_nhan":"2026-06-04T09:00:00+07:00","han_xu_ly":"2026-06-03T09:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":"Lê Thị Mai","so_dien_thoai":"0977555444","ngay_cap_nhat":"2026-06-04T09:30:00+07:00""#,
    )
}

/// PA06, new on 04/06, waiting; recorded 04/06 08:00.
fn pa06() -> String {
    record(
        "PA06",
        r#""kenh":"App chợ","tieu_de":"Sạp lấn chiếm lối đi","noi_dung":null,"linh_vuc":"Chợ","ma_khu_pho":"KP02","don_vi_xu_ly":null,"ngay_tiep_nhan":"2026-06-04T07:45:00+07:00","han_xu_ly":"2026-06-09T07:45:00+07:00","ngay_hoan_thanh":null,"trang_thai":"cho_tiep_nhan","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":"Võ Thị Kim","so_dien_thoai":"0932444555","ngay_cap_nhat":"2026-06-04T08:00:00+07:00""#,
    )
}

/// Names and phone numbers of the fixture, as written and as found inside the text.
const PERSONAL: [&str; 9] = [
    "Nguyễn Thị Hoa",
    "0905111222",
    "0905 111 222",
    "Trần Văn Bình",
    "0913222333",
    "Phạm Văn Tú",
    "0988777666",
    "Lê Thị Mai",
    "Võ Thị Kim",
];

fn page(page: u32, total_pages: u32, records: &[String]) -> String {
    format!(
        "{{\"page\":{page},\"pageSize\":500,\"totalPages\":{total_pages},\"totalRecords\":{},\"data\":[\n{}\n]}}",
        records.len(),
        records.join(",\n")
    )
}

fn key() -> Pseudonymiser {
    Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap()
}

/// The fixture ward with one more source appended to its pipelines.toml.
fn with_source(section: &str) -> Fixture {
    let fx = Fixture::new();
    let path = fx.dir.path().join("pipelines.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{toml}\n{section}")).unwrap();
    Fixture {
        cfg: chiso::Config::load(&path).unwrap(),
        dir: fx.dir,
    }
}

async fn run(fx: &Fixture, source: &str) -> anyhow::Result<CommitReport> {
    let mut r = chiso::pipeline::ingest(&fx.cfg, &fx.lake(), Some(source), &key()).await?;
    Ok(r.remove(0))
}

/// Each row of a query as its columns cast to text, joined by `|` (NULL as `∅`).
async fn rows(lake: &Lake, sql: &str) -> Vec<String> {
    let ctx = lake.session().await.unwrap();
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<_> = b
            .columns()
            .iter()
            .map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap())
            .collect();
        for i in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| {
                        let s = c.as_string::<i32>();
                        if arrow::array::Array::is_null(s, i) {
                            "∅".to_string()
                        } else {
                            s.value(i).to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
            );
        }
    }
    out
}

/// UTC microseconds of an RFC 3339 time.
fn micros(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .unwrap()
        .timestamp_micros()
        .to_string()
}

fn table_version(tables: &[warehouse::TableInfo], name: &str) -> u64 {
    tables.iter().find(|t| t.name == name).unwrap().version
}

#[tokio::test]
async fn pages_from_files_latest_state_quarantine_and_no_clear_personal_data() {
    let fx = with_source(
        "[sources.petitions]\nsystem = \"petitions\"\nfiles = [\"extracts/petitions/*.json\"]\n",
    );
    let dir = fx.dir.path().join("extracts/petitions");
    std::fs::create_dir_all(&dir).unwrap();
    let page1 = page(
        1,
        2,
        &[
            pa01_handled(),
            pa02(),
            pa03_waiting(),
            pa04_bad(),
            pa05_bad(),
        ],
    );
    std::fs::write(dir.join("page-0001.json"), &page1).unwrap();
    // the earlier state of PA01 comes after its later one, and PA02 again, verbatim
    std::fs::write(
        dir.join("page-0002.json"),
        page(2, 2, &[pa01_open(), pa02()]),
    )
    .unwrap();

    let r = run(&fx, "petitions").await.unwrap();
    // 5 + 2 records; PA04 and PA05 quarantined; PA01's earlier state and PA02's copy are
    // duplicates of rows kept: PA01 (handled), PA02, PA03 remain
    assert_eq!(r.counts.read, 7, "{r:?}");
    assert_eq!(r.counts.quarantined, 2, "{r:?}");
    assert_eq!(r.counts.accepted, 5, "{r:?}");
    assert_eq!(r.counts.duplicates, 2, "{r:?}");
    let lake = fx.lake();
    assert_eq!(
        rows(
            &lake,
            "SELECT id, trang_thai, danh_gia, CAST(cong_khai AS VARCHAR), \
             CAST(CAST(ngay_hoan_thanh AS BIGINT) AS VARCHAR), ma_khu_pho \
             FROM petitions ORDER BY id"
        )
        .await,
        [
            // 03/06 10:00 local is 03:00 UTC
            format!(
                "PA01|da_xu_ly|khong_hai_long|false|{}|KP01",
                micros("2026-06-03T03:00:00Z")
            ),
            // 03/06/2026 15:00:00 local is 08:00 UTC
            format!(
                "PA02|da_xu_ly|hai_long|true|{}|KP02",
                micros("2026-06-03T08:00:00Z")
            ),
            "PA03|cho_tiep_nhan|∅|false|∅|KP01".to_string(),
        ]
    );
    // the phone number written into the text is masked; the petitioner is a token
    let k = key();
    assert_eq!(
        rows(
            &lake,
            "SELECT noi_dung, nguoi_phan_anh, so_dien_thoai FROM petitions WHERE id = 'PA01'"
        )
        .await,
        [format!(
            "Ba bóng đèn không sáng, liên hệ ***|{}|{}",
            k.token("Nguyễn Thị Hoa").unwrap(),
            k.token("0905111222").unwrap()
        )]
    );
    assert_eq!(
        rows(
            &lake,
            "SELECT row, field, value, reason FROM quarantine WHERE source = 'petitions' ORDER BY row"
        )
        .await,
        [
            "4|ngay_hoan_thanh||trạng thái “da_xu_ly” nhưng không có ngày hoàn thành",
            "5|han_xu_ly|2026-06-03T09:00:00+07:00|hạn xử lý trước ngày tiếp nhận",
        ]
    );
    let tables = lake.tables().await.unwrap();
    let t = tables.iter().find(|t| t.name == "petitions").unwrap();
    assert_eq!(t.group.as_deref(), Some("do_thi_moi_truong"));
    assert_eq!(t.unit_column.as_deref(), Some("ma_khu_pho"));

    // later: page 1 downloaded again under another name (same bytes), and a page with PA03
    // accepted, a new PA06, and PA01's earlier state once more
    std::fs::write(dir.join("page-0001-lan2.json"), &page1).unwrap();
    std::fs::write(
        dir.join("page-0003.json"),
        page(1, 1, &[pa03_accepted(), pa06(), pa01_open()]),
    )
    .unwrap();
    let r = run(&fx, "petitions").await.unwrap();
    assert_eq!(r.skipped_files, 3, "{r:?}");
    assert_eq!(r.counts.read, 3, "{r:?}");
    assert_eq!(r.counts.quarantined, 0, "{r:?}");
    // PA03 newer, PA06 new; PA01's earlier state does not replace its later one
    let written: u64 = r
        .tables
        .iter()
        .filter(|t| t.table == "petitions")
        .map(|t| t.rows_changed)
        .sum();
    assert_eq!(written, 2, "{r:?}");
    assert_eq!(
        rows(
            &lake,
            "SELECT id, trang_thai, don_vi_xu_ly FROM petitions ORDER BY id"
        )
        .await,
        [
            "PA01|da_xu_ly|Phòng Kinh tế, Hạ tầng và Đô thị",
            "PA02|da_xu_ly|Ban điều hành Khu phố Phước Bình",
            "PA03|dang_xu_ly|Công an phường",
            "PA06|cho_tiep_nhan|∅",
        ]
    );

    assert_not_in_clear(&fx.lake_dir(), &lake, &PERSONAL).await;
}

/// The petition app's API: pages in `pages`, failures injected on page 2.
#[derive(Default)]
struct Api {
    pages: Mutex<Vec<String>>,
    requests: AtomicU32,
    /// The updated-since value of each request (`None` when absent).
    since: Mutex<Vec<Option<String>>>,
    faults: crate::helpers::Faults,
}

impl Api {
    fn reset(&self, pages: Vec<String>) {
        *self.pages.lock().unwrap() = pages;
        self.requests.store(0, Ordering::SeqCst);
        self.since.lock().unwrap().clear();
    }

    fn since(&self) -> Vec<Option<String>> {
        self.since.lock().unwrap().clone()
    }
}

async fn answer(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    api.requests.fetch_add(1, Ordering::SeqCst);
    api.since
        .lock()
        .unwrap()
        .push(q.get("cap_nhat_tu").cloned());
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer phan-anh-42") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    if n == 2 {
        if let Some(fault) = api.faults.next("{\"page\":2,\"data\":[{\"id\":").await {
            return fault;
        }
    }
    let body = api.pages.lock().unwrap().get(n - 1).cloned();
    match body {
        Some(b) => ([("content-type", "application/json")], b).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test]
async fn api_pages_with_retries_watermark_and_all_or_nothing() {
    // SAFETY of the test: the variable is read only by this test's source
    unsafe { std::env::set_var("CHISO_TEST_PETITIONS_TOKEN", "phan-anh-42") };
    let api = Arc::new(Api::default());
    let app = axum::Router::new()
        .route("/api/phan-anh", axum::routing::get(answer))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let fx = with_source(&format!(
        "[sources.petitions_api]\nsystem = \"petitions\"\n[sources.petitions_api.http]\n\
         url = \"http://{addr}/api/phan-anh\"\n\
         token_env = \"CHISO_TEST_PETITIONS_TOKEN\"\nsince_param = \"cap_nhat_tu\"\n\
         timeout_seconds = 1\nmax_retries = 2\nbackoff_ms = 20\n"
    ));
    let lake = fx.lake();

    // first run: nothing in the lake, so no watermark; page 2 answers 500, then too slowly
    // (3 s against a 1 s timeout), then well: 1 + 3 requests
    api.reset(vec![
        page(1, 2, &[pa01_open(), pa02()]),
        page(2, 2, &[pa03_waiting()]),
    ]);
    api.faults.fail_500.store(1, Ordering::SeqCst);
    api.faults.slow.store(1, Ordering::SeqCst);
    let r = run(&fx, "petitions_api").await.unwrap();
    assert_eq!(api.requests.load(Ordering::SeqCst), 4);
    assert_eq!(api.since(), vec![None; 4]);
    assert_eq!(r.counts.read, 3, "{r:?}");
    assert_eq!(
        rows(&lake, "SELECT id, trang_thai FROM petitions ORDER BY id").await,
        ["PA01|dang_xu_ly", "PA02|da_xu_ly", "PA03|cho_tiep_nhan"]
    );

    // second run: page 2 is malformed on every attempt; the batch fails whole and the lake
    // keeps its tables at their versions. The watermark is the greatest update, PA03's
    // 03/06 20:00 local, less a day: 02/06 20:00, in the app's ISO form with the offset
    let before = lake.tables().await.unwrap();
    api.reset(vec![page(1, 2, &[pa01_handled()]), page(2, 2, &[pa06()])]);
    api.faults.malformed.store(3, Ordering::SeqCst);
    let err = run(&fx, "petitions_api").await.unwrap_err();
    assert!(
        format!("{err:#}").contains("trang 2: nội dung không phải trang JSON hợp lệ"),
        "{err:#}"
    );
    assert_eq!(api.requests.load(Ordering::SeqCst), 4);
    let since = Some("2026-06-02T20:00:00+07:00".to_string());
    assert_eq!(api.since(), vec![since.clone(); 4]);
    let after = lake.tables().await.unwrap();
    assert_eq!(
        table_version(&after, "petitions"),
        table_version(&before, "petitions")
    );
    assert_eq!(
        rows(&lake, "SELECT id, trang_thai FROM petitions ORDER BY id").await,
        ["PA01|dang_xu_ly", "PA02|da_xu_ly", "PA03|cho_tiep_nhan"]
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM ingest_runs WHERE source = 'petitions_api' AND outcome = 'failed'"
        )
        .await,
        1
    );

    // a later run succeeds, asked from the same watermark since nothing was committed
    api.reset(vec![page(1, 2, &[pa01_handled()]), page(2, 2, &[pa06()])]);
    run(&fx, "petitions_api").await.unwrap();
    assert_eq!(api.since(), vec![since; 2]);
    assert_eq!(
        rows(&lake, "SELECT id, trang_thai FROM petitions ORDER BY id").await,
        [
            "PA01|da_xu_ly",
            "PA02|da_xu_ly",
            "PA03|cho_tiep_nhan",
            "PA06|cho_tiep_nhan"
        ]
    );

    // the watermark moved to PA06's 04/06 08:00 less a day; the same answer writes nothing
    api.reset(vec![page(1, 2, &[pa01_handled()]), page(2, 2, &[pa06()])]);
    let r = run(&fx, "petitions_api").await.unwrap();
    assert_eq!(
        api.since(),
        vec![Some("2026-06-03T08:00:00+07:00".to_string()); 2]
    );
    assert!(r.unchanged(), "{r:?}");

    // a refused token is not asked again
    unsafe { std::env::set_var("CHISO_TEST_PETITIONS_TOKEN", "het-han") };
    api.reset(vec![page(1, 1, &[pa06()])]);
    let err = run(&fx, "petitions_api").await.unwrap_err();
    assert!(format!("{err:#}").contains("401"), "{err:#}");
    assert_eq!(api.requests.load(Ordering::SeqCst), 1);

    assert_not_in_clear(&fx.lake_dir(), &lake, &PERSONAL).await;
}

#[tokio::test]
async fn the_deployments_sample_petitions_load_whole() {
    let (dir, cfg) = crate::helpers::sample_deployment(0.05, (2025, 9));
    // every page states the total number of records
    let first =
        std::fs::read_to_string(dir.path().join("sample/petitions/page-0001.json")).unwrap();
    let total = serde_json::from_str::<serde_json::Value>(&first).unwrap()["totalRecords"]
        .as_u64()
        .unwrap();
    assert!(total > 20, "{total}");
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    let r = chiso::pipeline::ingest(&cfg, &lake, Some("petitions"), &key())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.counts.read, total, "{r:?}");
    assert_eq!(r.counts.quarantined, 0, "{r:?}");
    assert_eq!(
        count(&lake, "SELECT count(*) FROM petitions").await,
        total as i64
    );
}
