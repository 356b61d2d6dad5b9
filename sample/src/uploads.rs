//! Officers' uploads: the spreadsheets the ward's offices keep by hand and upload. Phụ lục 3
//! evaluations ("Gia đình số" per household, "Tổ dân phố số" per khu phố) once a quarter,
//! training records of officials, the business digital-platform survey once a quarter, and
//! the monthly milestone statuses of I.8, III.1 and III.2.
//!
//! Every figure follows the programme's progress (`Period::progress`), the last khu phố lags,
//! and the DC4.0 pilot khu phố lead the "Tổ dân phố số" evaluations.

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use crate::calendar::{Month, add_working_days, is_working_day, ymd};
use crate::names::{Person, in_sentence, nfd};
use crate::output::{Output, csv_error, csv_finish, csv_writer};
use crate::period::{Period, ramp};
use crate::rng::{Rng, pick_weighted};
use crate::{SampleError, SampleSpec};

pub(crate) const DIR: &str = "uploads";
pub(crate) const MILESTONES_PATH: &str = "uploads/tien_do_moc_chi_tieu.csv";

pub(crate) const HOUSEHOLD_COLUMNS: [&str; 11] = [
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
];

pub(crate) const NEIGHBOURHOOD_COLUMNS: [&str; 12] = [
    "STT",
    "NgayDanhGia",
    "MaKhuPho",
    "TenKhuPho",
    "ToChucDieuPhoiSo",
    "KenhThongTinSo",
    "HoTroDichVuCongVNeID",
    "ThanhToanSoDiaBan",
    "PhanAnhHienTruongSo",
    "AnToanThongTinCongDong",
    "KetQua",
    "MinhChung",
];

pub(crate) const TRAINING_COLUMNS: [&str; 11] = [
    "STT", "MaCanBo", "HoTen", "ChucVu", "DonVi", "KhoaHoc", "HinhThuc", "TuNgay", "DenNgay",
    "SoGio", "KetQua",
];

pub(crate) const BUSINESS_COLUMNS: [&str; 11] = [
    "NgayKhaoSat",
    "MaCoSo",
    "TenCoSo",
    "LoaiHinh",
    "NganhNghe",
    "MaKhuPho",
    "QuanTriSo",
    "BanHangSo",
    "ThanhToanKhongTienMat",
    "HoaDonDienTu",
    "NenTang",
];

pub(crate) const MILESTONE_COLUMNS: [&str; 7] = [
    "MaChiTieu",
    "MocNam",
    "MocTienDo",
    "TrangThai",
    "NgayCapNhat",
    "MinhChung",
    "DonViChuTri",
];

/// What the upload files hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UploadCounts {
    /// Distinct valid rows of each upload: what its table holds once ingested.
    pub(crate) households: usize,
    pub(crate) neighbourhoods: usize,
    pub(crate) training: usize,
    pub(crate) businesses: usize,
    pub(crate) milestones: usize,
    pub(crate) tasks: usize,
    pub(crate) payments: usize,
    /// Data rows in all upload files, bad rows and repeats included.
    pub(crate) rows: usize,
    /// Rows a reader must reject.
    pub(crate) bad_rows: usize,
    /// Rows repeated verbatim.
    pub(crate) duplicate_rows: usize,
}

/// Average household size in Đồng Nai (Tổng điều tra 2019: about 3.5 people).
const PEOPLE_PER_HOUSEHOLD: f64 = 3.5;
/// Residents per business (hộ kinh doanh or doanh nghiệp) in an urban ward.
const PEOPLE_PER_BUSINESS: f64 = 40.0;
/// Officials of the ward (cán bộ, công chức, viên chức) at scale 1.
const OFFICIALS: f64 = 42.0;

const PASSED: &str = "Đạt";
const NOT_PASSED: &str = "Chưa đạt";

/// A spreadsheet cell.
#[derive(Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// A worksheet as officers make it: titles, a blank row, the header, the rows.
struct Sheet<'a> {
    rel: String,
    name: &'a str,
    author: String,
    /// Pinned creation date, so equal inputs give equal bytes.
    created: NaiveDate,
    titles: Vec<String>,
    header: &'a [&'a str],
    rows: Vec<Vec<Cell>>,
    widths: &'a [(u16, f64)],
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn write_sheet(sheet: Sheet, out: &mut Output) -> Result<(), SampleError> {
    let path = out.claim(&sheet.rel)?;
    let err = |source: XlsxError| SampleError::Xlsx {
        path: path.clone(),
        source,
    };
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_author(&sheet.author)
            .set_creation_datetime(&excel_date(sheet.created).map_err(err)?),
    );
    let title = Format::new().set_bold();
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = workbook.add_worksheet();
    ws.set_name(sheet.name).map_err(err)?;
    for (i, t) in sheet.titles.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, t, &title)
            .map_err(err)?;
    }
    let top = sheet.titles.len() as u32 + 1;
    for (col, name) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(top, col as u16, *name, &header)
            .map_err(err)?;
    }
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = top + 1 + i as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::Date(d) => ws
                    .write_datetime_with_format(r, c, &excel_date(*d).map_err(err)?, &date)
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
    }
    for (col, width) in sheet.widths {
        ws.set_column_width(*col, *width).map_err(err)?;
    }
    workbook.save(&path).map_err(err)?;
    Ok(())
}

pub(crate) fn csv_rows(
    out: &mut Output,
    rel: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<(), SampleError> {
    let (mut w, path) = csv_writer(out.create(rel)?)?;
    let err = csv_error(&path);
    w.write_record(header).map_err(&err)?;
    for r in rows {
        w.write_record(r).map_err(&err)?;
    }
    csv_finish(w, &path)
}

pub(crate) fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// The months that close a quarter within the period: each holds an evaluation round.
pub(crate) fn rounds(period: &Period) -> Vec<Month> {
    period.months().filter(|m| m.month % 3 == 0).collect()
}

fn quarter(m: Month) -> u32 {
    (m.month - 1) / 3 + 1
}

/// `2025-Q3`, for file names.
pub(crate) fn quarter_label(m: Month) -> String {
    format!("{}-Q{}", m.year, quarter(m))
}

/// `III/2025`, as titles write a quarter.
fn quarter_vi(m: Month) -> String {
    let roman = ["I", "II", "III", "IV"];
    format!("{}/{}", roman[(quarter(m) - 1) as usize], m.year)
}

/// Working days of `m` from day `from` to day `to`.
fn working_days(m: Month, from: u32, to: u32) -> Vec<NaiveDate> {
    let days: Vec<NaiveDate> = m
        .days()
        .filter(|d| (from..=to).contains(&d.day()) && is_working_day(*d))
        .collect();
    if days.is_empty() {
        vec![ymd(m.year, m.month, from.min(28))]
    } else {
        days
    }
}

pub(crate) fn lags(spec: &SampleSpec, unit: usize) -> bool {
    unit + 1 == spec.ward.units.len() && spec.ward.units.len() > 1
}

/// A code no khu phố of the ward has, for the row that must be refused.
fn unknown_unit(spec: &SampleSpec) -> String {
    (90..)
        .map(|i| format!("KP{i:02}"))
        .find(|c| spec.ward.units.iter().all(|u| &u.code != c))
        .unwrap_or_default()
}

pub(crate) fn ward_office(spec: &SampleSpec) -> String {
    format!("Ủy ban nhân dân {}", in_sentence(&spec.ward.name))
}

/// Writes every upload; returns what they hold.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
) -> Result<UploadCounts, SampleError> {
    for (prefix, suffix) in [
        ("gia_dinh_so_", ".csv"),
        ("to_dan_pho_so_", ".xlsx"),
        ("tap_huan_can_bo_", ".xlsx"),
        ("khao_sat_nen_tang_so_", ".csv"),
    ] {
        out.remove_stale(DIR, prefix, suffix)?;
    }
    let mut counts = UploadCounts::default();
    let rounds = rounds(period);
    for (i, m) in rounds.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| rounds[p]);
        write_households(spec, period, *m, previous, i == 0, out, &mut counts)?;
        write_neighbourhoods(spec, period, *m, i == 0, out, &mut counts)?;
        write_businesses(spec, period, *m, i == 0, out, &mut counts)?;
    }
    write_training(spec, period, out, &mut counts)?;
    write_milestones(spec, period, out, &mut counts)?;
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Gia đình số

/// Criteria of Phụ lục 3 B in column order, weighted by how often a household misses each:
/// digital payment and online services trail identity.
const HOUSEHOLD_MISS_WEIGHTS: [(usize, f64); 5] =
    [(0, 1.0), (1, 2.0), (2, 2.0), (3, 1.5), (4, 1.2)];

const HOUSEHOLD_EVIDENCE: [&str; 4] = [
    "Ảnh chụp tài khoản VNeID mức 2; lịch sử nộp hồ sơ trực tuyến",
    "Lịch sử giao dịch DVCTT; biên nhận thanh toán QR",
    "Phiếu khảo sát ATTT; đã tham gia nhóm Zalo khu phố",
    "Xác nhận tại điểm hỗ trợ số khu phố",
];

/// Share of households that meet every criterion at `month`: a household whose readiness is
/// below it "đạt".
fn household_level(spec: &SampleSpec, period: &Period, unit: usize, month: Month) -> f64 {
    let lag = if lags(spec, unit) { 0.15 } else { 0.0 };
    ramp(0.22, 0.82, period.progress(month)) - lag
}

fn household_count(spec: &SampleSpec, unit: usize) -> usize {
    let pop = f64::from(spec.ward.units[unit].population);
    ((pop / PEOPLE_PER_HOUSEHOLD) * spec.scale).round().max(1.0) as usize
}

/// One round: every household in the first, then the households not yet recognised ("công
/// nhận theo đợt", Phụ lục 3): a household recognised once is not evaluated again.
fn write_households(
    spec: &SampleSpec,
    period: &Period,
    month: Month,
    previous: Option<Month>,
    first: bool,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let round = period.month_index(month) as u64;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let days = working_days(month, 1, 25);
    for (ui, unit) in spec.ward.units.iter().enumerate() {
        let level = household_level(spec, period, ui, month);
        let before = previous.map(|p| household_level(spec, period, ui, p));
        for i in 0..household_count(spec, ui) {
            let mut rng = Rng::stream(spec.seed, "household", ((ui as u64) << 32) | i as u64);
            let head = Person::generate(&mut rng).name;
            let readiness = rng.f64();
            if before.is_some_and(|b| readiness < b) {
                continue;
            }
            let mut rng = Rng::stream(
                spec.seed,
                "household-round",
                ((ui as u64) << 40) | ((i as u64) << 10) | round,
            );
            let mut met = [true; 5];
            let passed = readiness < level;
            if !passed {
                let gap = ((readiness - level) / (1.0 - level).max(0.01)).clamp(0.0, 0.999);
                let misses = 1 + (gap * 3.0) as usize;
                let mut left: Vec<(usize, f64)> = HOUSEHOLD_MISS_WEIGHTS.to_vec();
                for _ in 0..misses {
                    let c = pick_weighted(&mut rng, &left);
                    met[c] = false;
                    left.retain(|(x, _)| *x != c);
                }
            }
            let day = rng.pick(&days);
            let evidence = if passed && rng.chance(0.6) {
                rng.pick(&HOUSEHOLD_EVIDENCE).to_string()
            } else {
                String::new()
            };
            // some forms were typed on machines that write decomposed Unicode
            let head = if i % 37 == 5 { nfd(&head) } else { head };
            let mut row = vec![
                dmy(day),
                unit.code.clone(),
                format!("{}-{:04}", unit.code, i + 1),
                head,
            ];
            row.extend(met.iter().map(|m| flag(*m)));
            row.push(if passed { PASSED } else { NOT_PASSED }.to_string());
            row.push(evidence);
            rows.push(row);
        }
    }
    counts.households += rows.len();
    if first && !rows.is_empty() {
        // the same line pasted twice, and three lines the ward must send back for correction
        let repeat = rows[rows.len().min(2) - 1].clone();
        rows.insert(rows.len().min(2), repeat);
        let mut bad_unit = rows[0].clone();
        bad_unit[1] = unknown_unit(spec);
        let mut bad_verdict = rows[0].clone();
        bad_verdict[6] = "0".into();
        bad_verdict[9] = PASSED.into();
        let mut bad_date = rows[0].clone();
        bad_date[0] = format!("32/{:02}/{}", month.month, month.year);
        rows.extend([bad_unit, bad_verdict, bad_date]);
        counts.duplicate_rows += 1;
        counts.bad_rows += 3;
    }
    counts.rows += rows.len();
    csv_rows(
        out,
        &format!("{DIR}/gia_dinh_so_{}.csv", quarter_label(month)),
        &HOUSEHOLD_COLUMNS,
        &rows,
    )
}

// ---------------------------------------------------------------------------------------------
// Tổ dân phố số

/// Evidence an officer notes for each criterion of Phụ lục 3 C, in column order.
const NEIGHBOURHOOD_EVIDENCE: [&str; 6] = [
    "Quyết định thành lập Tổ công nghệ số cộng đồng",
    "Nhóm Zalo và mã QR trang tin khu phố",
    "Nhật ký hỗ trợ “cầm tay chỉ việc”",
    "Danh sách điểm chấp nhận thanh toán QR",
    "Thống kê phản ánh qua DC4.0 và Zalo OA",
    "Biên bản tuyên truyền ATTT trong quý",
];

fn write_neighbourhoods(
    spec: &SampleSpec,
    period: &Period,
    month: Month,
    first: bool,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let t = period.progress(month);
    let round = period.month_index(month) as u64;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (ui, unit) in spec.ward.units.iter().enumerate() {
        let pilot = if unit.pilot { 0.12 } else { 0.0 };
        let lag = if lags(spec, ui) { 0.2 } else { 0.0 };
        let level = ramp(0.3, 0.92, t) + pilot - lag;
        let met: Vec<bool> = (0..6)
            .map(|c| Rng::stream(spec.seed, "neighbourhood", ((ui as u64) << 8) | c).f64() < level)
            .collect();
        let mut rng = Rng::stream(
            spec.seed,
            "neighbourhood-round",
            ((ui as u64) << 16) | round,
        );
        let day = rng.pick(&working_days(month, 15, 28));
        let evidence: Vec<&str> = met
            .iter()
            .zip(NEIGHBOURHOOD_EVIDENCE)
            .filter(|(m, _)| **m)
            .map(|(_, e)| e)
            .collect();
        let mut row = vec![
            Cell::Number((rows.len() + 1) as f64),
            Cell::Date(day),
            Cell::text(&unit.code),
            Cell::text(&unit.name),
        ];
        row.extend(met.iter().map(|m| Cell::Number(if *m { 1.0 } else { 0.0 })));
        let passed = met.iter().all(|m| *m);
        row.push(Cell::text(if passed { PASSED } else { NOT_PASSED }));
        row.push(if evidence.is_empty() {
            Cell::Empty
        } else {
            Cell::text(evidence.join("; "))
        });
        rows.push(row);
    }
    counts.neighbourhoods += rows.len();
    if first {
        // a criterion typed as a word where the form wants 1 or 0
        let unit = &spec.ward.units[0];
        let mut bad = vec![
            Cell::Number((rows.len() + 1) as f64),
            rows[0][1].clone(),
            Cell::text(&unit.code),
            Cell::text(&unit.name),
        ];
        bad.extend((0..6).map(|c| {
            if c == 1 {
                Cell::text("Có")
            } else {
                Cell::Number(1.0)
            }
        }));
        bad.push(Cell::text(PASSED));
        bad.push(Cell::Empty);
        rows.push(bad);
        counts.bad_rows += 1;
    }
    counts.rows += rows.len();
    write_sheet(
        Sheet {
            rel: format!("{DIR}/to_dan_pho_so_{}.xlsx", quarter_label(month)),
            name: "DanhGia",
            author: ward_office(spec),
            created: month.last_day(),
            titles: vec![
                ward_office(spec).to_uppercase(),
                format!(
                    "KẾT QUẢ ĐÁNH GIÁ “TỔ DÂN PHỐ SỐ” THEO BỘ TIÊU CHÍ (PHỤ LỤC 3) QUÝ {}",
                    quarter_vi(month)
                ),
            ],
            header: &NEIGHBOURHOOD_COLUMNS,
            rows,
            widths: &[(1, 12.0), (3, 24.0), (11, 60.0)],
        },
        out,
    )
}

// ---------------------------------------------------------------------------------------------
// Training of officials

/// Positions and offices of a ward after the 2025 reform; the first officials hold the
/// leading posts, the rest are spread over the staff posts.
const POSITIONS: [(&str, &str); 12] = [
    ("Chủ tịch UBND phường", "Lãnh đạo UBND phường"),
    ("Phó Chủ tịch UBND phường", "Lãnh đạo UBND phường"),
    ("Chánh Văn phòng HĐND và UBND", "Văn phòng HĐND và UBND"),
    ("Trưởng phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
    (
        "Trưởng phòng Kinh tế, Hạ tầng và Đô thị",
        "Phòng Kinh tế, Hạ tầng và Đô thị",
    ),
    (
        "Giám đốc Trung tâm Phục vụ hành chính công",
        "Trung tâm Phục vụ hành chính công",
    ),
    ("Công chức Văn phòng - Thống kê", "Văn phòng HĐND và UBND"),
    ("Công chức Tư pháp - Hộ tịch", "Văn phòng HĐND và UBND"),
    ("Công chức Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
    (
        "Công chức Địa chính - Xây dựng",
        "Phòng Kinh tế, Hạ tầng và Đô thị",
    ),
    (
        "Công chức Tài chính - Kế toán",
        "Phòng Kinh tế, Hạ tầng và Đô thị",
    ),
    (
        "Viên chức Trung tâm Phục vụ hành chính công",
        "Trung tâm Phục vụ hành chính công",
    ),
];
const LEADING_POSTS: usize = 6;

/// Courses on digital skills (Đề án: "ưu tiên kỹ năng phân tích dữ liệu, ứng dụng AI"): name,
/// hours, days, how it is held.
const COURSES: [(&str, f64, u32, &str); 8] = [
    (
        "Kỹ năng số cơ bản cho cán bộ, công chức",
        8.0,
        1,
        "Trực tiếp",
    ),
    (
        "Sử dụng chữ ký số và phần mềm quản lý văn bản, điều hành",
        4.0,
        1,
        "Trực tiếp",
    ),
    (
        "An toàn thông tin và phòng chống lừa đảo trên không gian mạng",
        4.0,
        1,
        "Trực tuyến",
    ),
    (
        "Khai thác dữ liệu dân cư và Kho dữ liệu số phường",
        8.0,
        1,
        "Kết hợp",
    ),
    (
        "Kỹ năng phân tích dữ liệu cơ bản với bảng tính",
        16.0,
        2,
        "Trực tiếp",
    ),
    (
        "Ứng dụng trí tuệ nhân tạo (AI) trong công việc hành chính",
        12.0,
        2,
        "Kết hợp",
    ),
    (
        "Vận hành dịch vụ công trực tuyến toàn trình",
        8.0,
        1,
        "Trực tiếp",
    ),
    (
        "Phổ cập tri thức chuyển đổi số trên nền tảng VNeID",
        4.0,
        1,
        "Trực tuyến",
    ),
];

struct Official {
    code: String,
    name: String,
    position: &'static str,
    office: &'static str,
}

fn officials(spec: &SampleSpec) -> Vec<Official> {
    let n = (OFFICIALS * spec.scale).round().max(8.0) as usize;
    (0..n)
        .map(|i| {
            let mut rng = Rng::stream(spec.seed, "official", i as u64);
            let (position, office) = if i < POSITIONS.len() {
                POSITIONS[i]
            } else {
                POSITIONS[LEADING_POSTS + (i - POSITIONS.len()) % (POSITIONS.len() - LEADING_POSTS)]
            };
            Official {
                code: format!("CB{:03}", i + 1),
                name: Person::generate(&mut rng).name,
                position,
                office,
            }
        })
        .collect()
}

/// One course every second month from the period's start; officials not yet trained are
/// called first, so by late 2026 nearly all have passed one (I.6: 100 %).
fn write_training(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let staff = officials(spec);
    let mut trained = vec![false; staff.len()];
    // (year, row) in date order
    let mut by_year: Vec<(i32, Vec<Cell>)> = Vec::new();
    for month in period.months() {
        let k = period.month_index(month);
        if !k.is_multiple_of(2) {
            continue;
        }
        let (course, hours, days, mode) = COURSES[(k / 2) % COURSES.len()];
        let t = period.progress(month);
        let mut rng = Rng::stream(spec.seed, "course", k as u64);
        let mut start = ymd(month.year, month.month, 8 + rng.below(10) as u32);
        while !is_working_day(start) {
            start += Duration::days(1);
        }
        let end = (days > 1).then(|| add_working_days(start, days - 1));
        let mut called = 0;
        for (i, o) in staff.iter().enumerate() {
            let p = if trained[i] { 0.25 } else { ramp(0.4, 0.92, t) };
            // a course has at least one participant: the last official if nobody else came
            let last_chance = i + 1 == staff.len() && called == 0;
            if !(rng.chance(p) || last_chance) {
                continue;
            }
            called += 1;
            let r = rng.f64();
            let result = if r < 0.05 {
                "Vắng"
            } else if r < 0.09 {
                "Không đạt"
            } else {
                trained[i] = true;
                "Đạt"
            };
            by_year.push((
                start.year(),
                vec![
                    Cell::Empty,
                    Cell::text(&o.code),
                    Cell::text(&o.name),
                    Cell::text(o.position),
                    Cell::text(o.office),
                    Cell::text(course),
                    Cell::text(mode),
                    Cell::Date(start),
                    end.map_or(Cell::Empty, Cell::Date),
                    Cell::Number(hours),
                    Cell::text(result),
                ],
            ));
        }
    }
    let mut years: Vec<i32> = by_year.iter().map(|(y, _)| *y).collect();
    years.dedup();
    let last_day = period.until.last_day();
    for (yi, year) in years.iter().enumerate() {
        let mut rows: Vec<Vec<Cell>> = by_year
            .iter_mut()
            .filter(|(y, _)| y == year)
            .map(|(_, r)| std::mem::take(r))
            .collect();
        counts.training += rows.len();
        if yi == 0 {
            // zero hours, and a course that ends before it starts
            let mut no_hours = rows[0].clone();
            no_hours[9] = Cell::Number(0.0);
            let mut backwards = rows[rows.len().min(2) - 1].clone();
            if let Cell::Date(d) = backwards[7] {
                backwards[8] = Cell::Date(d - Duration::days(1));
            }
            rows.extend([no_hours, backwards]);
            counts.bad_rows += 2;
        }
        for (i, r) in rows.iter_mut().enumerate() {
            r[0] = Cell::Number((i + 1) as f64);
        }
        counts.rows += rows.len();
        let created = if *year == period.until.year {
            last_day
        } else {
            ymd(*year, 12, 31)
        };
        write_sheet(
            Sheet {
                rel: format!("{DIR}/tap_huan_can_bo_{year}.xlsx"),
                name: "TapHuan",
                author: ward_office(spec),
                created,
                titles: vec![
                    ward_office(spec).to_uppercase(),
                    format!(
                        "DANH SÁCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC THAM GIA BỒI DƯỠNG, TẬP HUẤN KỸ \
                         NĂNG SỐ NĂM {year}"
                    ),
                ],
                header: &TRAINING_COLUMNS,
                rows,
                widths: &[
                    (2, 24.0),
                    (3, 30.0),
                    (4, 30.0),
                    (5, 50.0),
                    (7, 12.0),
                    (8, 12.0),
                ],
            },
            out,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Business survey

const TRADES: [(&str, &str); 12] = [
    ("Tạp hóa", "Bán lẻ tạp hóa"),
    ("Cà phê", "Dịch vụ ăn uống"),
    ("Quán cơm", "Dịch vụ ăn uống"),
    ("Bánh mì", "Dịch vụ ăn uống"),
    ("Tiệm tóc", "Dịch vụ cá nhân"),
    ("Nhà thuốc", "Bán lẻ dược phẩm"),
    ("Sửa xe", "Sửa chữa xe máy"),
    ("Điện thoại", "Bán lẻ điện thoại, thiết bị"),
    ("Vật liệu xây dựng", "Bán vật liệu xây dựng"),
    ("Thời trang", "Bán lẻ quần áo"),
    ("Văn phòng phẩm", "Bán lẻ văn phòng phẩm"),
    ("Điện máy", "Bán lẻ đồ điện gia dụng"),
];

const BRANDS: [&str; 20] = [
    "Minh Phát",
    "Thành Công",
    "Hồng Phúc",
    "An Khang",
    "Bình Minh",
    "Phú Quý",
    "Ngọc Lan",
    "Gió Núi",
    "Sông Bé",
    "Tân Phú",
    "Kim Ngân",
    "Hòa Bình",
    "Phước Lộc",
    "Thiên Ân",
    "Hưng Thịnh",
    "Mai Anh",
    "Hoàng Long",
    "Bảo Châu",
    "Đồng Tâm",
    "Xuân Lộc",
];

/// Platforms per survey column (quản trị, bán hàng, thanh toán, hóa đơn điện tử).
const PLATFORMS: [&[&str]; 4] = [
    &["KiotViet", "MISA eShop", "Sapo", "iPOS"],
    &[
        "Zalo",
        "Facebook",
        "Shopee",
        "TikTok Shop",
        "GrabFood",
        "ShopeeFood",
    ],
    &["VietQR", "MoMo", "ZaloPay", "VNPay", "POS ngân hàng"],
    &["MISA meInvoice", "VNPT Invoice", "Viettel S-Invoice"],
];

struct Business {
    code: String,
    name: String,
    company: bool,
    trade: &'static str,
    /// Per survey column: how far the business is from using it (lower is closer).
    distance: [f64; 4],
    platforms: [&'static str; 4],
}

fn business(spec: &SampleSpec, unit: usize, i: usize) -> Business {
    let code = &spec.ward.units[unit].code;
    let mut rng = Rng::stream(spec.seed, "business", ((unit as u64) << 32) | i as u64);
    let company = rng.chance(0.08);
    let (prefix, trade) = rng.pick(&TRADES);
    let brand = rng.pick(&BRANDS);
    let name = if company {
        format!("Công ty TNHH {brand}")
    } else {
        format!("{prefix} {brand}")
    };
    let readiness = rng.f64();
    let distance = std::array::from_fn(|_| 0.6 * readiness + 0.4 * rng.f64());
    let platforms = std::array::from_fn(|f| rng.pick(PLATFORMS[f]));
    Business {
        code: format!("{code}-CS{:04}", i + 1),
        name,
        company,
        trade: if company {
            "Thương mại, dịch vụ"
        } else {
            trade
        },
        distance,
        platforms,
    }
}

/// Share reached per survey column at progress `t`: cashless payment leads, e-invoices are
/// the law for companies and rare among hộ kinh doanh.
fn platform_levels(t: f64, company: bool) -> [f64; 4] {
    let c = if company { 1.0 } else { 0.0 };
    [
        ramp(0.12, 0.4, t) + 0.3 * c,
        ramp(0.18, 0.45, t),
        ramp(0.42, 0.78, t) + 0.15 * c,
        ramp(0.1, 0.35, t) + 1.0 * c,
    ]
}

fn write_businesses(
    spec: &SampleSpec,
    period: &Period,
    month: Month,
    first: bool,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let t = period.progress(month);
    let round = period.month_index(month) as u64;
    let days = working_days(month, 5, 25);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (ui, unit) in spec.ward.units.iter().enumerate() {
        let lag = if lags(spec, ui) { 0.12 } else { 0.0 };
        let n = ((f64::from(unit.population) / PEOPLE_PER_BUSINESS) * spec.scale)
            .round()
            .max(1.0) as usize;
        for i in 0..n {
            let b = business(spec, ui, i);
            let levels = platform_levels(t, b.company);
            let uses: Vec<bool> = (0..4).map(|f| b.distance[f] < levels[f] - lag).collect();
            let named: Vec<&str> = (0..4)
                .filter(|f| uses[*f])
                .map(|f| b.platforms[f])
                .collect();
            let mut rng = Rng::stream(
                spec.seed,
                "business-round",
                ((ui as u64) << 40) | ((i as u64) << 10) | round,
            );
            let name = if i % 29 == 3 { nfd(&b.name) } else { b.name };
            let mut row = vec![
                dmy(rng.pick(&days)),
                b.code,
                name,
                if b.company {
                    "Doanh nghiệp"
                } else {
                    "Hộ kinh doanh"
                }
                .to_string(),
                b.trade.to_string(),
                unit.code.clone(),
            ];
            row.extend(uses.iter().map(|u| flag(*u)));
            row.push(named.join("; "));
            rows.push(row);
        }
    }
    counts.businesses += rows.len();
    if first && !rows.is_empty() {
        let repeat = rows[0].clone();
        rows.insert(1, repeat);
        let mut abbreviated = rows[0].clone();
        abbreviated[3] = "HKD".into();
        let mut unticked = rows[0].clone();
        for v in &mut unticked[6..10] {
            *v = "0".into();
        }
        unticked[10] = "Zalo".into();
        rows.extend([abbreviated, unticked]);
        counts.duplicate_rows += 1;
        counts.bad_rows += 2;
    }
    counts.rows += rows.len();
    csv_rows(
        out,
        &format!("{DIR}/khao_sat_nen_tang_so_{}.csv", quarter_label(month)),
        &BUSINESS_COLUMNS,
        &rows,
    )
}

// ---------------------------------------------------------------------------------------------
// Milestones

/// One milestone of Phụ lục 1 and the steps of its progress: from the month (year, month)
/// on, this status, with this evidence.
struct Milestone {
    indicator: &'static str,
    year: u32,
    wording: &'static str,
    office: &'static str,
    steps: &'static [((i32, u32), &'static str, &'static str)],
}

const MILESTONES: [Milestone; 6] = [
    Milestone {
        indicator: "I.8",
        year: 2026,
        wording: "Hoàn thành",
        office: "Văn phòng HĐND và UBND",
        steps: &[
            ((2025, 7), "Chưa bắt đầu", ""),
            (
                (2025, 10),
                "Đang thực hiện",
                "Kế hoạch triển khai mô hình “Kỳ họp không giấy” của HĐND phường",
            ),
            (
                (2026, 7),
                "Hoàn thành",
                "Biên bản kỳ họp HĐND phường tổ chức không giấy; tài liệu kỳ họp trên hệ thống",
            ),
        ],
    },
    Milestone {
        indicator: "I.8",
        year: 2028,
        wording: "Duy trì",
        office: "Văn phòng HĐND và UBND",
        steps: &[(
            (2027, 1),
            "Đang thực hiện",
            "Các kỳ họp HĐND phường năm 2027 tổ chức không giấy",
        )],
    },
    Milestone {
        indicator: "III.1",
        year: 2026,
        wording: "Hình thành kho dữ liệu số với nhóm dữ liệu lõi",
        office: "Phòng Văn hóa - Xã hội",
        steps: &[
            ((2025, 7), "Chưa bắt đầu", ""),
            (
                (2025, 9),
                "Đang thực hiện",
                "Kế hoạch xây dựng Kho dữ liệu số phường; danh mục dữ liệu lõi (dự thảo)",
            ),
            (
                (2026, 9),
                "Hoàn thành",
                "Báo cáo hình thành Kho dữ liệu số phường với nhóm dữ liệu lõi",
            ),
        ],
    },
    Milestone {
        indicator: "III.1",
        year: 2028,
        wording: "Hoàn thành liên thông 08 lĩnh vực",
        office: "Phòng Văn hóa - Xã hội",
        steps: &[(
            (2026, 10),
            "Đang thực hiện",
            "Danh mục dữ liệu 08 lĩnh vực; quy trình cập nhật – phân quyền (dự thảo)",
        )],
    },
    Milestone {
        indicator: "III.2",
        year: 2026,
        wording: "Hoàn thành giai đoạn 1",
        office: "Phòng Kinh tế, Hạ tầng và Đô thị",
        steps: &[
            ((2025, 7), "Chưa bắt đầu", ""),
            (
                (2025, 11),
                "Đang thực hiện",
                "Dữ liệu nền cơ sở kinh doanh; cấu trúc lớp dữ liệu ban đầu",
            ),
            (
                (2026, 11),
                "Hoàn thành",
                "Biên bản nghiệm thu “Bản đồ số kinh doanh” giai đoạn 1",
            ),
        ],
    },
    Milestone {
        indicator: "III.2",
        year: 2028,
        wording: "Hoàn thành giai đoạn 2",
        office: "Phòng Kinh tế, Hạ tầng và Đô thị",
        steps: &[(
            (2027, 1),
            "Đang thực hiện",
            "Chuẩn hóa dữ liệu theo nhóm ngành; mã QR tra cứu (thử nghiệm)",
        )],
    },
];

/// A status report per milestone each month once its work has begun, until the month it is
/// done; reported on the 25th (the ward's monthly report closes then).
fn write_milestones(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for month in period.months() {
        let mut rng = Rng::stream(spec.seed, "milestones", period.month_index(month) as u64);
        let mut day = ymd(month.year, month.month, 25);
        while !is_working_day(day) {
            day -= Duration::days(1);
        }
        for m in &MILESTONES {
            let now = (month.year, month.month);
            let Some(step) = m.steps.iter().rev().find(|(from, _, _)| *from <= now) else {
                continue;
            };
            let (from, status, evidence) = *step;
            if status == "Hoàn thành" && from != now {
                continue;
            }
            let evidence = if evidence.is_empty() {
                String::new()
            } else {
                format!("{evidence} (cập nhật {})", dmy(day))
            };
            // offices write the year as a number or as text, as the cell happens to be
            let year = if rng.chance(0.1) {
                format!("{}.0", m.year)
            } else {
                m.year.to_string()
            };
            rows.push(vec![
                m.indicator.to_string(),
                year,
                m.wording.to_string(),
                status.to_string(),
                dmy(day),
                evidence,
                m.office.to_string(),
            ]);
        }
    }
    counts.milestones += rows.len();
    if !rows.is_empty() {
        // a typo in the indicator id, and a milestone reported done with no evidence
        let mut typo = rows[0].clone();
        typo[0] = "III.3".into();
        let mut unproven = rows[0].clone();
        unproven[3] = "Hoàn thành".into();
        unproven[5] = String::new();
        rows.insert(1, typo);
        rows.insert(2, unproven);
        counts.bad_rows += 2;
    }
    counts.rows += rows.len();
    csv_rows(out, MILESTONES_PATH, &MILESTONE_COLUMNS, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_labelled_both_ways() {
        let m = Month::new(2025, 9).expect("month");
        assert_eq!(quarter_label(m), "2025-Q3");
        assert_eq!(quarter_vi(m), "III/2025");
        let d = Month::new(2026, 12).expect("month");
        assert_eq!(quarter_label(d), "2026-Q4");
    }

    #[test]
    fn milestone_steps_are_in_order() {
        for m in &MILESTONES {
            assert!(m.steps.windows(2).all(|w| w[0].0 < w[1].0), "{}", m.wording);
            assert!(
                m.steps
                    .iter()
                    .all(|(_, s, e)| *s != "Hoàn thành" || !e.is_empty())
            );
        }
    }
}
