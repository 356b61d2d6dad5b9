//! Officers' uploads: hand-made sheets of each upload (XLSX with title rows above the header,
//! UTF-8 CSV, a TCVN3 CSV from an old office machine, an NFD CSV) load to the rows worked
//! out by hand below, bad rows go to quarantine with their reasons, names never reach the
//! lake in clear, and the sample's uploads ingest whole.

use std::path::Path;

use arrow::array::Array;
use rust_xlsxwriter::{ExcelDateTime, Workbook};
use unicode_normalization::UnicodeNormalization;

use crate::helpers::count;

/// Names and a phone number written in the fixtures, which must never reach the lake in clear.
const PERSONAL: [&str; 6] = [
    "Nguyễn Thị Hoa",
    "Trần Văn Bình",
    "Lê Thị Cúc",
    "Đỗ Thị Hằng",
    "Ngô Văn Khải",
    "0912 345 678",
];

/// A spreadsheet cell of a fixture.
enum Cell {
    T(&'static str),
    N(f64),
    /// A date cell (Excel stores it as a serial number).
    D(u16, u8, u8),
    E,
}

use Cell::{D, E, N, T};

/// Writes an XLSX whose first rows are `titles`, then a blank row, then `header` and `rows`.
fn xlsx(path: &Path, titles: &[&str], header: &[&str], rows: &[Vec<Cell>]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (i, t) in titles.iter().enumerate() {
        ws.write_string(i as u32, 0, *t).unwrap();
    }
    let top = titles.len() as u32 + 1;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(top, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for (i, row) in rows.iter().enumerate() {
        let r = top + 1 + i as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                T(s) => {
                    ws.write_string(r, c, *s).unwrap();
                }
                N(n) => {
                    ws.write_number(r, c, *n).unwrap();
                }
                D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                E => {}
            }
        }
    }
    wb.save(path).unwrap();
}

/// "Gia đình số" evaluations, XLSX: two title rows, a blank row, the header on Excel row 4,
/// data from row 5.
///
/// | row | hộ | khu phố | 5 tiêu chí | kết luận | outcome |
/// |---|---|---|---|---|---|
/// | 5 | KP01-0001 | KP01 | 1 1 1 1 1 | Đạt | kept; the phone number in MinhChung masked |
/// | 6 | KP01-0002 | KP01 | 1 0 1 1 1 | Chưa đạt | kept |
/// | 7 | KP02-0001 | KP02 | 1 1 0 1 1 | Đạt | quarantined: "Đạt" with Thanh toán số unmet |
/// | 8 | KP03-0001 | KP03 | 1 1 1 1 1 | Đạt | quarantined: KP03 is not a khu phố of the ward |
/// | 9 | KP02-0002 | KP02 | 1 1 1 1 x | | quarantined: "x" is not 0/1 |
/// | 10 | KP02-0003 | KP02 | 1 1 1 1 1 | (none) | kept; the verdict is optional |
/// | 11 | = row 5 | | | | duplicate |
///
/// 7 read, 3 quarantined, 1 duplicate, 3 rows kept, 2 of them meeting every criterion.
fn households(path: &Path) {
    let row = |stt: f64,
               date: Cell,
               unit: &'static str,
               code: &'static str,
               head: &'static str,
               flags: [Cell; 5],
               verdict: Cell,
               evidence: Cell| {
        let mut r = vec![N(stt), date, T(unit), T(code), T(head)];
        r.extend(flags);
        r.push(verdict);
        r.push(evidence);
        r
    };
    let ones = || [N(1.0), N(1.0), N(1.0), N(1.0), N(1.0)];
    xlsx(
        path,
        &[
            "ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM",
            "KẾT QUẢ ĐÁNH GIÁ “GIA ĐÌNH SỐ” QUÝ III/2025",
        ],
        &[
            "STT",
            "NgayDanhGia",
            "MaKhuPho",
            "MaHo",
            "ChuHo",
            "DinhDanhSo",
            "DichVuCongTrucTuyen",
            "ThanhToanSo",
            "AnToanThongTin",
            "KetNoiSoCongDong",
            "KetQua",
            "MinhChung",
        ],
        &[
            row(
                1.0,
                D(2025, 9, 15),
                "KP01",
                "KP01-0001",
                "Nguyễn Thị Hoa",
                ones(),
                T("Đạt"),
                T("Ảnh VNeID; gọi 0912 345 678"),
            ),
            row(
                2.0,
                D(2025, 9, 15),
                "KP01",
                "KP01-0002",
                "Trần Văn Bình",
                [N(1.0), N(0.0), N(1.0), N(1.0), N(1.0)],
                T("Chưa đạt"),
                E,
            ),
            row(
                3.0,
                D(2025, 9, 16),
                "KP02",
                "KP02-0001",
                "Lê Thị Cúc",
                [N(1.0), N(1.0), N(0.0), N(1.0), N(1.0)],
                T("Đạt"),
                E,
            ),
            row(
                4.0,
                D(2025, 9, 16),
                "KP03",
                "KP03-0001",
                "Phạm Văn Dũng",
                ones(),
                T("Đạt"),
                E,
            ),
            row(
                5.0,
                T("17/09/2025"),
                "KP02",
                "KP02-0002",
                "Hoàng Thị Em",
                [N(1.0), N(1.0), N(1.0), N(1.0), T("x")],
                E,
                E,
            ),
            row(
                6.0,
                T("17/09/2025"),
                "KP02",
                "KP02-0003",
                "Vũ Văn Phúc",
                ones(),
                E,
                E,
            ),
            row(
                1.0,
                D(2025, 9, 15),
                "KP01",
                "KP01-0001",
                "Nguyễn Thị Hoa",
                ones(),
                T("Đạt"),
                T("Ảnh VNeID; gọi 0912 345 678"),
            ),
        ],
    );
}

/// "Tổ dân phố số" evaluations, UTF-8 CSV with a BOM; the header is line 1.
///
/// | line | khu phố | date | 6 tiêu chí | kết luận | outcome |
/// |---|---|---|---|---|---|
/// | 2 | KP01 | 25/09/2025 | 1 1 1 1 1 1 | Đạt | kept |
/// | 3 | KP02 | 25/09/2025 | 1 1 0 1 1 0 | Chưa đạt | kept |
/// | 4 | KP02 | 24/12/2025 | 1 1 1 1 1 1 | Chưa đạt | quarantined: all six met |
/// | 5 | KP01 | 24/12/2025 | 1 1 1 1 1 1 | Đạt | kept |
/// | 6 | KP02 | 25/09/2025 | 1 1 1 1 1 0 | Chưa đạt | quarantined: same key as line 3, other figures |
///
/// 5 read, 2 quarantined, 3 rows kept, 2 "đạt".
const NEIGHBOURHOODS: &str = "\u{FEFF}NgayDanhGia,MaKhuPho,TenKhuPho,ToChucDieuPhoiSo,KenhThongTinSo,HoTroDichVuCongVNeID,ThanhToanSoDiaBan,PhanAnhHienTruongSo,AnToanThongTinCongDong,KetQua,MinhChung
25/09/2025,KP01,Khu phố Xuân Bình,1,1,1,1,1,1,Đạt,QĐ thành lập Tổ công nghệ số cộng đồng
25/09/2025,KP02,Khu phố Phước Bình,1,1,0,1,1,0,Chưa đạt,
24/12/2025,KP02,Khu phố Phước Bình,1,1,1,1,1,1,Chưa đạt,
24/12/2025,KP01,Khu phố Xuân Bình,1,1,1,1,1,1,Đạt,
25/09/2025,KP02,Khu phố Phước Bình,1,1,1,1,1,0,Chưa đạt,
";

/// Training of officials: `tests/fixtures/uploads/tap_huan_tcvn3.csv`, TCVN3-encoded. Its
/// UTF-8 text, the header on line 1:
///
/// | line | cán bộ | khóa học | từ – đến | giờ | kết quả | outcome |
/// |---|---|---|---|---|---|---|
/// | 2 | CB001 Đỗ Thị Hằng | Kỹ năng số cơ bản cho cán bộ | 12/08/2025 | 8 | Đạt | kept |
/// | 3 | CB002 Ngô Văn Khải | Kỹ năng số cơ bản cho cán bộ | 12/08/2025 | 8 | Vắng | kept |
/// | 4 | CB002 | Phân tích dữ liệu với bảng tính | 14–15/10/2025 | "12,5" | Đạt | kept (12,5 h in 2 days) |
/// | 5 | CB003 | Phân tích dữ liệu với bảng tính | 14/10 – 13/10/2025 | 16 | Đạt | quarantined: ends before it starts |
/// | 6 | CB003 | Ứng dụng trí tuệ nhân tạo trong công việc | 20/11/2025 | 0 | Đạt | quarantined: 0 hours |
/// | 7 | CB004 | Ứng dụng trí tuệ nhân tạo trong công việc | 20/11/2025 | 12 | Đạt | quarantined: 12 h > 10 h in one day |
/// | 8 | CB001 | Ứng dụng trí tuệ nhân tạo trong công việc | 20/11/2025 | 4 | Đạt, mode "Học online" | quarantined: unknown mode |
///
/// 7 read, 4 quarantined, 3 rows kept; officials with a passed course: CB001, CB002.
const TRAINING: &str = "tests/fixtures/uploads/tap_huan_tcvn3.csv";

/// The business survey, written in decomposed Unicode (NFD); header on line 1.
///
/// | line | cơ sở | loại hình | quản trị, bán hàng, thanh toán, hóa đơn | nền tảng | outcome |
/// |---|---|---|---|---|---|
/// | 2 | KP01-CS0001 Tạp hóa Minh Phát | Hộ kinh doanh | 0 0 1 0 | VietQR | kept, uses a platform |
/// | 3 | KP01-CS0002 Công ty TNHH Hưng Thịnh | Doanh nghiệp | 1 0 1 1 | KiotViet; VietQR; MISA meInvoice | kept, uses |
/// | 4 | KP02-CS0001 Cà phê Gió Núi | Hộ kinh doanh | 0 0 0 0 | | kept, uses none |
/// | 5 | KP02-CS0002 Sửa xe Thành Công | HKD | 0 0 1 0 | MoMo | quarantined: "HKD" is not a kind |
/// | 6 | KP02-CS0003 Tiệm tóc Ngọc Lan | Hộ kinh doanh | 0 0 0 0 | Zalo | quarantined: a platform named, none ticked |
///
/// 5 read, 2 quarantined, 3 rows kept, 2 using a digital platform.
const BUSINESSES: &str = "NgayKhaoSat,MaCoSo,TenCoSo,LoaiHinh,NganhNghe,MaKhuPho,QuanTriSo,BanHangSo,ThanhToanKhongTienMat,HoaDonDienTu,NenTang
10/09/2025,KP01-CS0001,Tạp hóa Minh Phát,Hộ kinh doanh,Bán lẻ tạp hóa,KP01,0,0,1,0,VietQR
10/09/2025,KP01-CS0002,Công ty TNHH Hưng Thịnh,Doanh nghiệp,Thương mại,KP01,1,0,1,1,KiotViet; VietQR; MISA meInvoice
11/09/2025,KP02-CS0001,Cà phê Gió Núi,Hộ kinh doanh,Dịch vụ ăn uống,KP02,0,0,0,0,
11/09/2025,KP02-CS0002,Sửa xe Thành Công,HKD,Sửa chữa xe máy,KP02,0,0,1,0,MoMo
12/09/2025,KP02-CS0003,Tiệm tóc Ngọc Lan,Hộ kinh doanh,Dịch vụ cá nhân,KP02,0,0,0,0,Zalo
";

/// Milestone statuses, XLSX: one title row, a blank row, the header on Excel row 3, data from
/// row 4.
///
/// | row | chỉ tiêu | mốc | trạng thái | ngày | minh chứng | outcome |
/// |---|---|---|---|---|---|---|
/// | 4 | I.8 | 2026 Hoàn thành | Đang thực hiện | 25/09/2025 | Kế hoạch 45/KH-UBND | kept |
/// | 5 | I.8 | 2026 Hoàn thành | Hoàn thành | 24/07/2026 | Biên bản kỳ họp thứ năm | kept |
/// | 6 | III.2 | 2026 Hoàn thành giai đoạn 1 | Hoàn thành | 25/11/2026 | (none) | quarantined: no evidence |
/// | 7 | III.3 | 2026 | Đang thực hiện | 25/09/2025 | … | quarantined: no such indicator |
/// | 8 | III.1 | "2026" | Đang làm | 25/09/2025 | … | quarantined: unknown status |
/// | 9 | III.1 | 2026 Hình thành kho… | Đang thực hiện | 25/09/2025 | Kế hoạch xây dựng Kho dữ liệu số | kept |
///
/// 6 read, 3 quarantined, 3 rows kept; the latest I.8 status is "Hoàn thành".
fn milestones(path: &Path) {
    let office = T("Văn phòng HĐND và UBND");
    let vhxh = || T("Phòng Văn hóa - Xã hội");
    xlsx(
        path,
        &["BÁO CÁO TIẾN ĐỘ CÁC MỐC CHỈ TIÊU I.8, III.1, III.2"],
        &[
            "MaChiTieu",
            "MocNam",
            "MocTienDo",
            "TrangThai",
            "NgayCapNhat",
            "MinhChung",
            "DonViChuTri",
        ],
        &[
            vec![
                T("I.8"),
                N(2026.0),
                T("Hoàn thành"),
                T("Đang thực hiện"),
                D(2025, 9, 25),
                T("Kế hoạch 45/KH-UBND"),
                T("Văn phòng HĐND và UBND"),
            ],
            vec![
                T("I.8"),
                N(2026.0),
                T("Hoàn thành"),
                T("Hoàn thành"),
                D(2026, 7, 24),
                T("Biên bản kỳ họp thứ năm"),
                office,
            ],
            vec![
                T("III.2"),
                N(2026.0),
                T("Hoàn thành giai đoạn 1"),
                T("Hoàn thành"),
                D(2026, 11, 25),
                E,
                T("Phòng Kinh tế - Hạ tầng và Đô thị"),
            ],
            vec![
                T("III.3"),
                N(2026.0),
                T("Hình thành kho dữ liệu số với nhóm dữ liệu lõi"),
                T("Đang thực hiện"),
                D(2025, 9, 25),
                T("Kế hoạch xây dựng Kho dữ liệu số"),
                vhxh(),
            ],
            vec![
                T("III.1"),
                T("2026"),
                T("Hình thành kho dữ liệu số với nhóm dữ liệu lõi"),
                T("Đang làm"),
                D(2025, 9, 25),
                T("Kế hoạch xây dựng Kho dữ liệu số"),
                vhxh(),
            ],
            vec![
                T("III.1"),
                N(2026.0),
                T("Hình thành kho dữ liệu số với nhóm dữ liệu lõi"),
                T("Đang thực hiện"),
                D(2025, 9, 25),
                T("Kế hoạch xây dựng Kho dữ liệu số"),
                vhxh(),
            ],
        ],
    );
}

/// A deployment with two khu phố (KP01, KP02) and the uploads source over `uploads/`;
/// training is filed under "giao_duc" instead of its own group.
fn fixture() -> (tempfile::TempDir, chiso::Config) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let up = root.join("uploads");
    std::fs::create_dir_all(&up).unwrap();
    households(&up.join("gia_dinh_so.xlsx"));
    std::fs::write(up.join("to_dan_pho_so.csv"), NEIGHBOURHOODS).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join(TRAINING), up.join("tap_huan_tcvn3.csv")).unwrap();
    let nfd: String = BUSINESSES.nfd().collect();
    assert_ne!(nfd, BUSINESSES);
    std::fs::write(up.join("khao_sat_nen_tang_so.csv"), nfd).unwrap();
    milestones(&up.join("moc_tien_do.xlsx"));
    let catalogue = repo.join("data/catalogue/indicators.toml");
    let toml = format!(
        r#"
[ward]
code = "25216"
name = "Phường Thử Nghiệm"
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

[sources.uploads]
system = "uploads"
groups = {{ training = "giao_duc" }}
[sources.uploads.files]
households = ["uploads/gia_dinh_so*.xlsx"]
neighbourhoods = ["uploads/to_dan_pho_so*.csv"]
training = ["uploads/tap_huan_*.csv"]
businesses = ["uploads/khao_sat_*.csv"]
milestones = ["uploads/moc_tien_do*.xlsx"]
"#,
        catalogue = catalogue.display().to_string().replace('\\', "/")
    );
    let path = root.join("pipelines.toml");
    std::fs::write(&path, toml).unwrap();
    let cfg = chiso::Config::load(&path).unwrap();
    (dir, cfg)
}

async fn ingest(cfg: &chiso::Config) -> warehouse::CommitReport {
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let lake = chiso::pipeline::open_lake(cfg).unwrap();
    chiso::pipeline::ingest(cfg, &lake, Some("uploads"), &key)
        .await
        .unwrap()
        .remove(0)
}

/// Every row of a query, its columns cast to text and joined by `|`.
async fn rows(lake: &warehouse::Lake, sql: &str) -> Vec<String> {
    let ctx = lake.session().await.unwrap();
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in &batches {
        // a column with no text form (lists in the book-keeping tables) reads as empty
        let cols: Vec<_> = b
            .columns()
            .iter()
            .map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).ok())
            .collect();
        for i in 0..b.num_rows() {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| match c {
                    Some(c) if !c.is_null(i) => arrow::array::AsArray::as_string::<i32>(c)
                        .value(i)
                        .to_string(),
                    _ => String::new(),
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

#[tokio::test]
async fn each_upload_loads_the_rows_worked_out_by_hand() {
    let (_dir, cfg) = fixture();
    let r = ingest(&cfg).await;
    // read: 7 + 5 + 7 + 5 + 6; quarantined: 3 + 2 + 4 + 2 + 3; one duplicate (households)
    assert_eq!(r.counts.read, 30, "{r:?}");
    assert_eq!(r.counts.quarantined, 14, "{r:?}");
    assert_eq!(r.counts.duplicates, 1, "{r:?}");
    assert_eq!(r.counts.accepted, 16);
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    for (table, n) in [
        ("household_evaluations", 3),
        ("neighbourhood_evaluations", 3),
        ("official_training", 3),
        ("business_survey", 3),
        ("milestone_statuses", 3),
    ] {
        assert_eq!(
            count(&lake, &format!("SELECT count(*) FROM {table}")).await,
            n,
            "{table}"
        );
    }

    // households meeting every criterion of Phụ lục 3 B: KP01-0001 and KP02-0003
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_ho, ma_khu_pho, CAST(ngay_danh_gia AS VARCHAR), ket_qua, minh_chung \
             FROM household_evaluations WHERE dinh_danh_so AND dich_vu_cong_truc_tuyen \
             AND thanh_toan_so AND an_toan_thong_tin AND ket_noi_so_cong_dong ORDER BY ma_ho"
        )
        .await,
        [
            "KP01-0001|KP01|2025-09-15|Đạt|Ảnh VNeID; gọi ***",
            "KP02-0003|KP02|2025-09-17||",
        ]
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM household_evaluations WHERE chu_ho LIKE 'p1:%'"
        )
        .await,
        3
    );
    // khu phố meeting all six criteria of Phụ lục 3 C: KP01 in both rounds
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_khu_pho, CAST(ngay_danh_gia AS VARCHAR) FROM neighbourhood_evaluations \
             WHERE to_chuc_dieu_phoi_so AND kenh_thong_tin_so AND ho_tro_dich_vu_cong_vneid \
             AND thanh_toan_so_dia_ban AND phan_anh_hien_truong_so \
             AND an_toan_thong_tin_cong_dong ORDER BY 2"
        )
        .await,
        ["KP01|2025-09-25", "KP01|2025-12-24"]
    );
    // the TCVN3 register reads as the Vietnamese it was typed in; 12,5 hours kept exactly
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_can_bo, khoa_hoc, chuc_vu, CAST(tu_ngay AS VARCHAR), \
             CAST(den_ngay AS VARCHAR), CAST(so_gio AS VARCHAR), ket_qua \
             FROM official_training ORDER BY 1, 4"
        )
        .await,
        [
            "CB001|Kỹ năng số cơ bản cho cán bộ|Chủ tịch UBND phường|2025-08-12||8.0|Đạt",
            "CB002|Kỹ năng số cơ bản cho cán bộ|Công chức Tư pháp - Hộ tịch|2025-08-12||8.0|Vắng",
            "CB002|Phân tích dữ liệu với bảng tính|Công chức Tư pháp - Hộ tịch|2025-10-14|2025-10-15|12.5|Đạt",
        ]
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(DISTINCT ma_can_bo) FROM official_training WHERE ket_qua = 'Đạt'"
        )
        .await,
        2
    );
    // the NFD survey is NFC in the lake; two of three businesses use a digital platform
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_co_so, ten_co_so, loai_hinh FROM business_survey \
             WHERE quan_tri_so OR ban_hang_so OR thanh_toan_khong_tien_mat OR hoa_don_dien_tu \
             ORDER BY ma_co_so"
        )
        .await,
        [
            "KP01-CS0001|Tạp hóa Minh Phát|Hộ kinh doanh",
            "KP01-CS0002|Công ty TNHH Hưng Thịnh|Doanh nghiệp",
        ]
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM business_survey WHERE ten_co_so = 'Cà phê Gió Núi'"
        )
        .await,
        1
    );
    // the latest status of each milestone
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_chi_tieu, CAST(moc_nam AS VARCHAR), trang_thai, \
             CAST(ngay_cap_nhat AS VARCHAR), minh_chung FROM milestone_statuses m \
             WHERE ngay_cap_nhat = (SELECT max(ngay_cap_nhat) FROM milestone_statuses x \
             WHERE x.ma_chi_tieu = m.ma_chi_tieu AND x.moc_nam = m.moc_nam) ORDER BY 1"
        )
        .await,
        [
            "I.8|2026|Hoàn thành|2026-07-24|Biên bản kỳ họp thứ năm",
            "III.1|2026|Đang thực hiện|2025-09-25|Kế hoạch xây dựng Kho dữ liệu số",
        ]
    );

    // every bad row with its file, row as the officer sees it, field and reason
    assert_eq!(
        rows(
            &lake,
            "SELECT file, \"row\", field, value, reason FROM quarantine \
             ORDER BY file, \"row\""
        )
        .await,
        [
            "uploads/gia_dinh_so.xlsx|7|KetQua|Đạt|kết luận “Đạt” nhưng chưa đạt tiêu chí: Thanh toán số trong hộ; hộ chỉ đạt khi đạt tất cả tiêu chí",
            "uploads/gia_dinh_so.xlsx|8|MaKhuPho|KP03|mã khu phố không có trong danh sách khu phố (pipelines.toml)",
            "uploads/gia_dinh_so.xlsx|9|KetNoiSoCongDong|x|phải là 0 hoặc 1",
            "uploads/khao_sat_nen_tang_so.csv|5|LoaiHinh|HKD|phải là một trong: Doanh nghiệp, Hộ kinh doanh",
            "uploads/khao_sat_nen_tang_so.csv|6|NenTang|Zalo|có ghi tên nền tảng nhưng không đánh dấu sử dụng nền tảng nào (quản trị, bán hàng, thanh toán, hóa đơn điện tử)",
            "uploads/moc_tien_do.xlsx|6|MinhChung||mốc “Hoàn thành” phải có minh chứng (số, ngày văn bản, biên bản hoặc đường dẫn)",
            "uploads/moc_tien_do.xlsx|7|MaChiTieu|III.3|phải là một trong: I.8, III.1, III.2",
            "uploads/moc_tien_do.xlsx|8|TrangThai|Đang làm|phải là một trong: Chưa bắt đầu, Đang thực hiện, Hoàn thành",
            "uploads/tap_huan_tcvn3.csv|5|DenNgay|13/10/2025|ngày kết thúc khóa học trước ngày bắt đầu",
            "uploads/tap_huan_tcvn3.csv|6|SoGio|0|số giờ học phải lớn hơn 0",
            "uploads/tap_huan_tcvn3.csv|7|SoGio|12|số giờ học vượt quá 10 giờ mỗi ngày của khóa học (1 ngày)",
            "uploads/tap_huan_tcvn3.csv|8|HinhThuc|Học online|phải là một trong: Trực tiếp, Trực tuyến, Kết hợp",
            "uploads/to_dan_pho_so.csv|4|KetQua|Chưa đạt|kết luận “Chưa đạt” nhưng đạt đủ 6 tiêu chí; kiểm tra lại kết luận hoặc các tiêu chí",
            "uploads/to_dan_pho_so.csv|6|MaKhuPho|KP02, 25/09/2025|cùng khóa với dòng 3 của uploads/to_dan_pho_so.csv nhưng khác nội dung; kiểm tra lại nguồn",
        ]
    );

    // each table filed under its group; training as the deployment asks
    let groups: Vec<(String, Option<String>)> = lake
        .tables()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.name != "quarantine" && !t.name.starts_with("ingest_"))
        .map(|t| (t.name, t.group))
        .collect();
    let group = |name: &str| {
        groups
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, g)| g.clone())
    };
    assert_eq!(group("household_evaluations").as_deref(), Some("dan_cu"));
    assert_eq!(
        group("neighbourhood_evaluations").as_deref(),
        Some("dan_cu")
    );
    assert_eq!(group("official_training").as_deref(), Some("giao_duc"));
    assert_eq!(group("business_survey").as_deref(), Some("kinh_doanh"));
    assert_eq!(group("milestone_statuses").as_deref(), Some("dan_cu"));
}

#[tokio::test]
async fn files_seen_are_passed_over_and_a_corrected_sheet_replaces_its_rows() {
    let (dir, cfg) = fixture();
    ingest(&cfg).await;
    let again = ingest(&cfg).await;
    assert_eq!(
        (again.skipped_files, again.counts.read),
        (5, 0),
        "{again:?}"
    );

    // the khu phố's corrected sheet: KP02 on 25/09 now reports the support activities, and
    // its December evaluation is sent again with the right verdict
    std::fs::write(
        dir.path().join("uploads/to_dan_pho_so_sua.csv"),
        "\u{FEFF}NgayDanhGia,MaKhuPho,TenKhuPho,ToChucDieuPhoiSo,KenhThongTinSo,HoTroDichVuCongVNeID,ThanhToanSoDiaBan,PhanAnhHienTruongSo,AnToanThongTinCongDong,KetQua,MinhChung
25/09/2025,KP02,Khu phố Phước Bình,1,1,1,1,1,0,Chưa đạt,Nhật ký hỗ trợ “cầm tay chỉ việc”
24/12/2025,KP02,Khu phố Phước Bình,1,1,1,1,1,1,Đạt,
",
    )
    .unwrap();
    let r = ingest(&cfg).await;
    assert_eq!(
        (r.skipped_files, r.counts.read, r.counts.quarantined),
        (5, 2, 0)
    );
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    // 3 rows before, one replaced, one added
    assert_eq!(
        rows(
            &lake,
            "SELECT ma_khu_pho, CAST(ngay_danh_gia AS VARCHAR), \
             CAST(ho_tro_dich_vu_cong_vneid AS VARCHAR), ket_qua \
             FROM neighbourhood_evaluations ORDER BY 2, 1"
        )
        .await,
        [
            "KP01|2025-09-25|true|Đạt",
            "KP02|2025-09-25|true|Chưa đạt",
            "KP01|2025-12-24|true|Đạt",
            "KP02|2025-12-24|true|Đạt",
        ]
    );
}

#[tokio::test]
async fn no_name_from_the_uploads_reaches_the_lake_in_clear() {
    let (dir, cfg) = fixture();
    ingest(&cfg).await;
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    crate::helpers::assert_not_in_clear(&dir.path().join("lake"), &lake, &PERSONAL).await;
}

#[test]
fn a_group_override_must_name_an_upload_and_a_group() {
    let (dir, cfg) = fixture();
    drop(cfg);
    let path = dir.path().join("pipelines.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    for (bad, named) in [
        ("groups = { trainings = \"giao_duc\" }", "trainings"),
        ("groups = { training = \"giao-duc\" }", "giao-duc"),
    ] {
        std::fs::write(
            &path,
            text.replace("groups = { training = \"giao_duc\" }", bad),
        )
        .unwrap();
        let err = format!("{:#}", chiso::Config::load(&path).unwrap_err());
        assert!(err.contains(named), "{err}");
    }
}

/// The sample's uploads ingest whole: every row read, the bad rows quarantined, each table
/// holding the manifest's count.
#[tokio::test]
async fn the_sample_uploads_ingest() {
    let (dir, cfg) = crate::helpers::sample_deployment(0.05, (2026, 3));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sample/manifest.json")).unwrap())
            .unwrap();
    let n = |k: &str| manifest["counts"][k].as_u64().unwrap();
    let r = ingest(&cfg).await;
    assert_eq!(r.counts.read, n("upload_rows"));
    assert_eq!(r.counts.quarantined, n("upload_bad_rows"), "{r:?}");
    assert_eq!(r.counts.duplicates, n("upload_duplicate_rows"));
    // 3 rounds of households, neighbourhoods, the survey and the payment tallies, 2 training
    // years, 1 milestone file, 1 file of task reports
    assert_eq!(r.files.len(), 3 + 3 + 3 + 3 + 2 + 1 + 1);
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    for (table, key) in [
        ("household_evaluations", "household_evaluations"),
        ("neighbourhood_evaluations", "neighbourhood_evaluations"),
        ("official_training", "training_records"),
        ("business_survey", "business_surveys"),
        ("milestone_statuses", "milestone_statuses"),
        ("task_statuses", "task_statuses"),
        ("digital_payment_survey", "payment_tallies"),
    ] {
        assert_eq!(
            count(&lake, &format!("SELECT count(*) FROM {table}")).await as u64,
            n(key),
            "{table}"
        );
    }
    // 12 khu phố in each of 3 rounds
    assert_eq!(n("neighbourhood_evaluations"), 36);
    assert_eq!(n("payment_tallies"), 36);
    // the plans' tasks begun by March 2026 have reports
    assert!(n("task_statuses") > 0);
}
