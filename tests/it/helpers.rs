//! A small hand-made ward: four procedures and a dozen dossiers whose indicator values are
//! computed by hand in the tests' comments.

use std::path::{Path, PathBuf};

use chiso::Config;
use ingest::Pseudonymiser;
use warehouse::{CommitReport, Lake};

/// The fixture's catalogue.
///
/// | MaTTHC | CoDVCTT | DuDieuKienToanTrinh | YeuCauKetQuaGiay |
/// |---|---|---|---|
/// | P1 | 1 | 1 | 0 |
/// | P2 | 1 | 1 | 1 |
/// | P3 | 1 | 0 | 0 |
/// | P4 | 0 | 0 | 1 |
pub const CATALOGUE: &str = "\u{FEFF}MaTTHC,TenTTHC,MaLinhVuc,TenLinhVuc,CapThucHien,CoDVCTT,DuDieuKienToanTrinh,YeuCauKetQuaGiay,CoPhi
P1,Đăng ký khai sinh,HT,Hộ tịch,Cấp xã,1,1,0,0
P2,Đăng ký kết hôn,HT,Hộ tịch,Cấp xã,1,1,1,0
P3,Chứng thực bản sao từ bản chính,CT,Chứng thực,Cấp xã,1,0,0,1
P4,Xác nhận tình trạng hôn nhân,HT,Hộ tịch,Cấp xã,0,0,1,0
";

pub const HEADER: &str = "MaHoSo,MaTTHC,TenTTHC,MaLinhVuc,MaDonVi,KenhThucHien,PhiDiaGioi,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,NgayTra,TrangThaiHoSo,SoLanBoSung,HoSoCoThanhPhanSoHoa,DuocTaiSuDung,CoKetQuaDienTu,DuocThanhToanTrucTuyen,DanhGiaHaiLong,MaKhuPho,NgayCapNhat,ChuHoSo,SoCCCD";

/// The fixture's dossiers as the one-stop CSV export (local times).
///
/// | MaHoSo | TTHC | kênh | số hóa | tái sử dụng | KQ điện tử | khu phố | received (local) |
/// |---|---|---|---|---|---|---|---|
/// | HS01 | P1 | 2 | 1 | 1 | 0 | KP01 | 02/06/2026 |
/// | HS02 | P2 | 2 | 1 | 0 | 1 | KP01 | 03/06/2026 |
/// | HS03 | P2 | 2 | 1 | 1 | 0 | KP02 | 04/06/2026 (in progress; later finished with an e-result) |
/// | HS04 | P3 | 1 | 1 | 0 | 0 | KP02 | 05/06/2026 |
/// | HS05 | P1 | 3 | 0 | 0 | 0 | KP01 | 08/06/2026 (sent twice, verbatim) |
/// | HS06 | P1 | 2 | 0 | 1 | 0 | KP02 | 09/06/2026 |
/// | HS07 | P4 | 1 | 1 | 1 | 1 | KP01 | 10/06/2026 |
/// | HS08 | P3 | 2 | 1 | 1 | 0 | KP02 | 11/06/2026 |
/// | HS09 | P1 | 2 | 1 | 0 | 0 | KP01 | 30/06/2026 23:30 (still June in local time) |
/// | HS10 | P1 | 2 | 1 | 1 | 0 | KP01 | 01/07/2026 00:30 (July locally, June in UTC) |
/// | HS11 | P1 | 1 | 0 | 0 | 0 | KP02 | 31/05/2026 23:00 (May) |
/// | HS99 | 9.999 | … | | | | KP01 | unknown procedure: quarantined |
pub fn dossiers_csv() -> String {
    let rows = [
        "HS01,P1,Đăng ký khai sinh,HT,25216,2,0,02/06/2026 08:00:00,05/06/2026 17:00:00,03/06/2026 10:00:00,03/06/2026 15:00:00,10,0,1,1,0,0,1,KP01,03/06/2026 15:00:00,Nguyễn Văn An,075123456781",
        "HS02,P2,Đăng ký kết hôn,HT,25216,2,0,03/06/2026 08:00:00,06/06/2026 17:00:00,04/06/2026 10:00:00,,9,0,1,0,1,0,,KP01,04/06/2026 10:00:00,Trần Thị Bích,075123456782",
        "HS03,P2,Đăng ký kết hôn,HT,25216,2,0,04/06/2026 08:00:00,09/06/2026 17:00:00,,,4,0,1,1,0,0,,KP02,04/06/2026 09:00:00,Lê Văn Cường,075123456783",
        "HS04,P3,Chứng thực bản sao từ bản chính,CT,25216,1,0,05/06/2026 08:00:00,05/06/2026 17:00:00,05/06/2026 11:00:00,05/06/2026 11:00:00,10,0,1,0,0,2,,KP02,05/06/2026 11:00:00,Phạm Thị Dung,075123456784",
        "HS05,P1,Đăng ký khai sinh,HT,25216,3,0,08/06/2026 08:00:00,11/06/2026 17:00:00,10/06/2026 10:00:00,,9,1,0,0,0,0,,KP01,10/06/2026 10:00:00,Hoàng Văn Em,075123456785",
        "HS05,P1,Đăng ký khai sinh,HT,25216,3,0,08/06/2026 08:00:00,11/06/2026 17:00:00,10/06/2026 10:00:00,,9,1,0,0,0,0,,KP01,10/06/2026 10:00:00,Hoàng Văn Em,075123456785",
        "HS06,P1,Đăng ký khai sinh,HT,25216,2,0,09/06/2026 08:00:00,12/06/2026 17:00:00,10/06/2026 09:00:00,,9,0,0,1,0,0,,KP02,10/06/2026 09:00:00,Vũ Thị Giang,075123456786",
        "HS07,P4,Xác nhận tình trạng hôn nhân,HT,25216,1,0,10/06/2026 08:00:00,13/06/2026 17:00:00,11/06/2026 09:00:00,,9,0,1,1,1,0,,KP01,11/06/2026 09:00:00,Đặng Văn Hùng,075123456787",
        "HS08,P3,Chứng thực bản sao từ bản chính,CT,25216,2,0,11/06/2026 08:00:00,11/06/2026 17:00:00,11/06/2026 10:00:00,,9,0,1,1,0,1,3,KP02,11/06/2026 10:00:00,Bùi Thị Lan,075123456788",
        "HS09,P1,Đăng ký khai sinh,HT,25216,2,0,30/06/2026 23:30:00,03/07/2026 17:00:00,,,4,0,1,0,0,0,,KP01,30/06/2026 23:30:00,Đỗ Văn Minh,075123456789",
        "HS10,P1,Đăng ký khai sinh,HT,25216,2,0,01/07/2026 00:30:00,04/07/2026 17:00:00,,,4,0,1,1,0,0,,KP01,01/07/2026 00:30:00,Ngô Thị Nga,075123456790",
        "HS11,P1,Đăng ký khai sinh,HT,25216,1,0,31/05/2026 23:00:00,03/06/2026 17:00:00,01/06/2026 09:00:00,,9,0,0,0,0,0,,KP02,01/06/2026 09:00:00,Dương Văn Oanh,075123456791",
        "HS99,9.999,Thủ tục không có,XX,25216,2,0,12/06/2026 08:00:00,,,,4,0,1,1,0,0,,KP01,12/06/2026 08:00:00,Lý Thị Phương,075123456792",
    ];
    format!("\u{FEFF}{HEADER}\n{}\n", rows.join("\n"))
}

/// A later API page: HS03 finished, with an electronic result.
pub const API_PAGE: &str = r#"{"page":1,"pageSize":500,"totalPages":1,"totalRecords":1,"data":[
{"MaHoSo":"HS03","MaTTHC":"P2","TenTTHC":"Đăng ký kết hôn","MaLinhVuc":"HT","MaDonVi":"25216","KenhThucHien":2,"PhiDiaGioi":0,
 "NgayTiepNhan":"2026-06-04T08:00:00","NgayHenTra":"2026-06-09T17:00:00","NgayKetThucXuLy":"2026-06-08T16:00:00","NgayTra":"2026-06-08T16:30:00",
 "TrangThaiHoSo":10,"SoLanBoSung":0,"HoSoCoThanhPhanSoHoa":1,"DuocTaiSuDung":1,"CoKetQuaDienTu":1,"DuocThanhToanTrucTuyen":0,"DanhGiaHaiLong":1,
 "MaKhuPho":"KP02","NgayCapNhat":"08/06/2026 16:30:00","ChuHoSo":"Lê Văn Cường","SoCCCD":"075123456783"}
]}"#;

/// Personal values of the fixture, which must never reach the lake in clear.
pub const PERSONAL: [&str; 3] = ["Nguyễn Văn An", "075123456781", "Lê Văn Cường"];

/// A fixture deployment in a temporary directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub cfg: Config,
}

impl Fixture {
    /// Writes the catalogue and the CSV export, and a pipelines.toml that reads them (and
    /// any API pages under `api/`).
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("extracts/api")).unwrap();
        std::fs::write(root.join("extracts/danh_muc_tthc.csv"), CATALOGUE).unwrap();
        std::fs::write(root.join("extracts/ho_so_export.csv"), dossiers_csv()).unwrap();
        let catalogue =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/catalogue/indicators.toml");
        let toml = format!(
            r#"
[ward]
code = "25216"
name = "Phường Thử Nghiệm"
province = "Tỉnh Đồng Nai"
catalogue = "{catalogue}"
[[ward.units]]
code = "KP01"
name = "Khu phố Xuân Bình"
[[ward.units]]
code = "KP02"
name = "Khu phố Phước Bình"

[lake]
location = "lake"

[server]
address = "127.0.0.1:0"

[sources.one_stop]
system = "one_stop"
schedule = "*/2 * * * * *"
files = {{ catalogue = ["extracts/danh_muc_tthc.csv"], dossiers = ["extracts/*.csv", "extracts/api/*.json"] }}
"#,
            catalogue = catalogue.display().to_string().replace('\\', "/")
        );
        let path = root.join("pipelines.toml");
        std::fs::write(&path, toml).unwrap();
        let cfg = Config::load(&path).expect("fixture config");
        Fixture { dir, cfg }
    }

    /// Adds the later API page.
    pub fn add_api_page(&self) {
        std::fs::write(
            self.dir.path().join("extracts/api/page-0001.json"),
            API_PAGE,
        )
        .unwrap();
    }

    pub fn lake(&self) -> Lake {
        chiso::pipeline::open_lake(&self.cfg).expect("lake")
    }

    pub fn lake_dir(&self) -> PathBuf {
        self.dir.path().join("lake")
    }

    /// Runs the one-stop source once.
    pub async fn ingest(&self) -> CommitReport {
        let key = Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
        let mut r = chiso::pipeline::ingest(&self.cfg, &self.lake(), Some("one_stop"), &key)
            .await
            .expect("ingest");
        r.remove(0)
    }

    pub async fn evaluator(&self) -> metrics::Evaluator {
        chiso::indicators::evaluator(&self.cfg, &self.lake())
            .await
            .expect("evaluator")
    }
}

/// Rows of a SQL query's single integer column.
pub async fn count(lake: &Lake, sql: &str) -> i64 {
    let ctx = lake.session().await.unwrap();
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let col = batches[0].column(0);
    arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(col).value(0)
}

/// The repository's deployment (pipelines.toml) in a temporary directory, with its sample
/// extracts written there at `scale` up to `until` (year, month).
pub fn sample_deployment(scale: f64, until: (i32, u32)) -> (tempfile::TempDir, chiso::Config) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("pipelines.toml")).unwrap();
    let mut cfg_text = text.replace(
        "catalogue = \"data/catalogue/indicators.toml\"",
        &format!(
            "catalogue = \"{}\"",
            root.join("data/catalogue/indicators.toml").display()
        ),
    );
    cfg_text = cfg_text.replace(
        "plans = \"data/plans\"",
        &format!("plans = \"{}\"", root.join("data/plans").display()),
    );
    cfg_text = cfg_text.replace("\"data/sample/", "\"sample/");
    let path = dir.path().join("pipelines.toml");
    std::fs::write(&path, cfg_text).unwrap();
    let cfg = chiso::Config::load(&path).unwrap();
    let spec = cfg.sample_spec(7, scale, until);
    sample::write_sample(&spec, &dir.path().join("sample")).unwrap();
    (dir, cfg)
}

/// Fails if one of `values` is anywhere under the lake in clear: in the bytes of any file, or
/// (Parquet pages may be compressed) in any value of any table read back through SQL.
pub async fn assert_not_in_clear(lake_dir: &Path, lake: &Lake, values: &[&str]) {
    let mut files = 0;
    let mut stack = vec![lake_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            for p in values {
                let found = bytes.windows(p.len()).any(|w| w == p.as_bytes());
                assert!(!found, "{p} found in clear in {}", path.display());
            }
        }
    }
    assert!(files > 5, "the lake holds data files");

    let ctx = lake.session().await.unwrap();
    let mut texts = 0;
    for name in lake.table_names().await.unwrap() {
        let batches = ctx
            .sql(&format!("SELECT * FROM {name}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        for b in &batches {
            for col in b.columns() {
                let Ok(col) = arrow::compute::cast(col, &arrow::datatypes::DataType::Utf8) else {
                    continue;
                };
                let Some(text) = col.as_any().downcast_ref::<arrow::array::StringArray>() else {
                    continue;
                };
                for v in text.iter().flatten() {
                    texts += 1;
                    for p in values {
                        assert!(!v.contains(p), "{p} in clear in table {name}");
                    }
                }
            }
        }
    }
    assert!(texts > 0, "the lake's tables were read");
}

/// Failures a test API still has to inject, each counted down: 500s, then an answer slower
/// than the client's timeout, then a page cut short.
#[derive(Default)]
pub struct Faults {
    pub fail_500: std::sync::atomic::AtomicU32,
    pub slow: std::sync::atomic::AtomicU32,
    pub malformed: std::sync::atomic::AtomicU32,
}

impl Faults {
    /// The next failure to inject, if any is left; `truncated` is the page cut short.
    pub async fn next(&self, truncated: &'static str) -> Option<axum::response::Response> {
        use axum::response::IntoResponse;
        use std::sync::atomic::Ordering;
        let take = |c: &std::sync::atomic::AtomicU32| {
            c.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
                .is_ok()
        };
        if take(&self.fail_500) {
            return Some(axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        if take(&self.slow) {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        }
        if take(&self.malformed) {
            return Some(truncated.into_response());
        }
        None
    }
}
