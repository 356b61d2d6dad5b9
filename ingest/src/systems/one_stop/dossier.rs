//! Dossier states (hồ sơ TTHC): validation and the lake tables of states.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::TimestampMicrosecondBuilder;
use arrow::array::{ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::fields::Fields;
use crate::raw::RawRecord;
use crate::{KhoGroup, MergeRule, Pseudonymiser, Result, TableData, TableSpec, Ward};

/// Latest state of every dossier.
pub const LATEST_TABLE: &str = "one_stop_dossiers";
/// Every state ever received.
pub const HISTORY_TABLE: &str = "one_stop_dossier_history";

/// Columns a dossier file must have.
pub const REQUIRED: [&str; 6] = [
    "MaHoSo",
    "MaTTHC",
    "KenhThucHien",
    "NgayTiepNhan",
    "TrangThaiHoSo",
    "NgayCapNhat",
];

/// Fields holding personal data: masked in quarantine, hashed in the lake.
pub const PERSONAL: [&str; 2] = ["ChuHoSo", "SoCCCD"];

/// What a dossier state says (everything but where it was read from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierContent {
    pub ma_ho_so: String,
    pub ma_tthc: String,
    pub ten_tthc: Option<String>,
    pub ma_linh_vuc: Option<String>,
    pub ma_don_vi: Option<String>,
    pub kenh_thuc_hien: i32,
    pub phi_dia_gioi: bool,
    pub ngay_tiep_nhan: i64,
    pub ngay_hen_tra: Option<i64>,
    pub ngay_ket_thuc_xu_ly: Option<i64>,
    pub ngay_tra: Option<i64>,
    pub trang_thai_ho_so: i32,
    pub so_lan_bo_sung: i32,
    pub ho_so_co_thanh_phan_so_hoa: bool,
    pub duoc_tai_su_dung: bool,
    pub co_ket_qua_dien_tu: bool,
    pub duoc_thanh_toan_truc_tuyen: Option<i32>,
    pub danh_gia_hai_long: Option<i32>,
    pub ma_khu_pho: Option<String>,
    pub ngay_cap_nhat: i64,
    pub chu_ho_so_token: Option<String>,
    pub so_cccd_token: Option<String>,
}

/// A dossier state and where it came from.
#[derive(Debug, Clone)]
pub struct DossierState {
    pub content: DossierContent,
    /// Shared by every state of the file.
    pub file: Arc<str>,
    pub row: u64,
}

/// What validation needs to know besides the record.
pub struct Rules<'a> {
    pub ward: &'a Ward,
    pub procedures: &'a BTreeSet<String>,
    pub pseudonymiser: &'a Pseudonymiser,
}

/// Validates one record; `None` when any field failed (the errors are in `f`).
pub fn parse(
    rec: &RawRecord,
    file: &Arc<str>,
    rules: &Rules,
    f: &mut Fields,
) -> Option<DossierState> {
    let ma_ho_so = f.required_text("MaHoSo");
    let ma_tthc = f.required_text("MaTTHC");
    if !ma_tthc.is_empty() && !rules.procedures.contains(&ma_tthc) {
        f.reject("MaTTHC", "mã TTHC không có trong danh mục TTHC của phường");
    }
    let ma_khu_pho = f.text("MaKhuPho");
    if let Some(kp) = &ma_khu_pho
        && rules.ward.unit(kp).is_none()
    {
        f.reject(
            "MaKhuPho",
            "mã khu phố không có trong danh sách khu phố (pipelines.toml)",
        );
    }
    let ngay_tiep_nhan = f.happened("NgayTiepNhan", true);
    let ngay_cap_nhat = f.happened("NgayCapNhat", true);
    let kenh = f.int_in("KenhThucHien", 1, 3, true);
    let trang_thai = f.int_in("TrangThaiHoSo", 1, 10, true);
    let content = DossierContent {
        ten_tthc: f.text("TenTTHC"),
        ma_linh_vuc: f.text("MaLinhVuc"),
        ma_don_vi: f.text("MaDonVi"),
        phi_dia_gioi: f.flag("PhiDiaGioi").unwrap_or(false),
        ngay_hen_tra: f.instant("NgayHenTra", false),
        ngay_ket_thuc_xu_ly: f.happened("NgayKetThucXuLy", false),
        ngay_tra: f.happened("NgayTra", false),
        so_lan_bo_sung: f.int_in("SoLanBoSung", 0, 1000, false).unwrap_or(0),
        ho_so_co_thanh_phan_so_hoa: f.flag("HoSoCoThanhPhanSoHoa").unwrap_or(false),
        duoc_tai_su_dung: f.flag("DuocTaiSuDung").unwrap_or(false),
        co_ket_qua_dien_tu: f.flag("CoKetQuaDienTu").unwrap_or(false),
        duoc_thanh_toan_truc_tuyen: f.int_in("DuocThanhToanTrucTuyen", 0, 2, false),
        danh_gia_hai_long: f.int_in("DanhGiaHaiLong", 1, 3, false),
        chu_ho_so_token: rules.pseudonymiser.token(rec.get("ChuHoSo")),
        so_cccd_token: rules.pseudonymiser.token(rec.get("SoCCCD")),
        ma_khu_pho,
        ma_ho_so,
        ma_tthc,
        kenh_thuc_hien: kenh.unwrap_or_default(),
        ngay_tiep_nhan: ngay_tiep_nhan.unwrap_or_default(),
        trang_thai_ho_so: trang_thai.unwrap_or_default(),
        ngay_cap_nhat: ngay_cap_nhat.unwrap_or_default(),
    };
    dates_in_order(&content, ngay_tiep_nhan, ngay_cap_nhat, f);
    f.errors.is_empty().then(|| DossierState {
        content,
        file: Arc::clone(file),
        row: rec.row,
    })
}

/// A dossier's dates in the order its life gives them: due, finished and returned not
/// before it was received; finished and returned not after the state that reports them was
/// recorded.
fn dates_in_order(
    c: &DossierContent,
    received: Option<i64>,
    recorded: Option<i64>,
    f: &mut Fields,
) {
    let received_rules = [
        ("NgayHenTra", c.ngay_hen_tra, "hạn trả trước ngày tiếp nhận"),
        (
            "NgayKetThucXuLy",
            c.ngay_ket_thuc_xu_ly,
            "kết thúc xử lý trước ngày tiếp nhận",
        ),
        (
            "NgayTra",
            c.ngay_tra,
            "ngày trả kết quả trước ngày tiếp nhận",
        ),
    ];
    if let Some(received) = received {
        for (field, t, reason) in received_rules {
            if t.is_some_and(|t| t < received) {
                f.reject(field, reason);
            }
        }
    }
    let recorded_rules = [
        ("NgayKetThucXuLy", c.ngay_ket_thuc_xu_ly, "kết thúc xử lý"),
        ("NgayTra", c.ngay_tra, "ngày trả kết quả"),
    ];
    if let Some(recorded) = recorded {
        for (field, t, what) in recorded_rules {
            if t.is_some_and(|t| t > recorded) {
                f.reject(
                    field,
                    format!("{what} sau thời điểm cập nhật trạng thái (NgayCapNhat)"),
                );
            }
        }
    }
}

fn schema() -> Arc<Schema> {
    let ts = |n: &str, null: bool| {
        Field::new(
            n,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            null,
        )
    };
    let t = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let i = |n: &str, null: bool| Field::new(n, DataType::Int32, null);
    let b = |n: &str| Field::new(n, DataType::Boolean, false);
    Arc::new(Schema::new(vec![
        t("ma_ho_so", false),
        t("ma_tthc", false),
        t("ten_tthc", true),
        t("ma_linh_vuc", true),
        t("ma_don_vi", true),
        i("kenh_thuc_hien", false),
        b("phi_dia_gioi"),
        ts("ngay_tiep_nhan", false),
        ts("ngay_hen_tra", true),
        ts("ngay_ket_thuc_xu_ly", true),
        ts("ngay_tra", true),
        i("trang_thai_ho_so", false),
        i("so_lan_bo_sung", false),
        b("ho_so_co_thanh_phan_so_hoa"),
        b("duoc_tai_su_dung"),
        b("co_ket_qua_dien_tu"),
        i("duoc_thanh_toan_truc_tuyen", true),
        i("danh_gia_hai_long", true),
        t("ma_khu_pho", true),
        ts("ngay_cap_nhat", false),
        t("chu_ho_so_token", true),
        t("so_cccd_token", true),
        t("_file", false),
        Field::new("_row", DataType::Int64, false),
        t("_batch_id", false),
    ]))
}

/// Declaration of the latest-state table.
pub fn latest_spec(group: KhoGroup) -> TableSpec {
    TableSpec {
        name: LATEST_TABLE.to_string(),
        group: Some(group),
        description: "Hồ sơ TTHC, trạng thái mới nhất của mỗi hồ sơ (theo NgayCapNhat)".to_string(),
        schema: schema(),
        key: vec!["ma_ho_so".to_string()],
        merge: MergeRule::LatestBy("ngay_cap_nhat".to_string()),
        unit_column: Some("ma_khu_pho".to_string()),
    }
}

/// Declaration of the history table.
pub fn history_spec(group: KhoGroup) -> TableSpec {
    TableSpec {
        name: HISTORY_TABLE.to_string(),
        group: Some(group),
        description: "Hồ sơ TTHC, mọi trạng thái đã nhận (lịch sử)".to_string(),
        schema: schema(),
        key: vec!["ma_ho_so".to_string(), "ngay_cap_nhat".to_string()],
        merge: MergeRule::InsertNew,
        unit_column: Some("ma_khu_pho".to_string()),
    }
}

/// States as rows of a table declared by `spec`.
pub fn table(spec: TableSpec, states: &[&DossierState], batch_id: &str) -> Result<TableData> {
    let utc = |b: TimestampMicrosecondBuilder| b.with_timezone("UTC");
    let mut ma_ho_so = StringBuilder::new();
    let mut ma_tthc = StringBuilder::new();
    let mut ten_tthc = StringBuilder::new();
    let mut ma_linh_vuc = StringBuilder::new();
    let mut ma_don_vi = StringBuilder::new();
    let mut kenh = Int32Builder::new();
    let mut phi_dia_gioi = BooleanBuilder::new();
    let mut tiep_nhan = utc(TimestampMicrosecondBuilder::new());
    let mut hen_tra = utc(TimestampMicrosecondBuilder::new());
    let mut ket_thuc = utc(TimestampMicrosecondBuilder::new());
    let mut tra = utc(TimestampMicrosecondBuilder::new());
    let mut trang_thai = Int32Builder::new();
    let mut bo_sung = Int32Builder::new();
    let mut so_hoa = BooleanBuilder::new();
    let mut tai_su_dung = BooleanBuilder::new();
    let mut kq_dien_tu = BooleanBuilder::new();
    let mut thanh_toan = Int32Builder::new();
    let mut hai_long = Int32Builder::new();
    let mut khu_pho = StringBuilder::new();
    let mut cap_nhat = utc(TimestampMicrosecondBuilder::new());
    let mut chu_ho_so = StringBuilder::new();
    let mut cccd = StringBuilder::new();
    let mut file = StringBuilder::new();
    let mut row = Int64Builder::new();
    let mut batch = StringBuilder::new();
    for s in states {
        let c = &s.content;
        ma_ho_so.append_value(&c.ma_ho_so);
        ma_tthc.append_value(&c.ma_tthc);
        ten_tthc.append_option(c.ten_tthc.as_deref());
        ma_linh_vuc.append_option(c.ma_linh_vuc.as_deref());
        ma_don_vi.append_option(c.ma_don_vi.as_deref());
        kenh.append_value(c.kenh_thuc_hien);
        phi_dia_gioi.append_value(c.phi_dia_gioi);
        tiep_nhan.append_value(c.ngay_tiep_nhan);
        hen_tra.append_option(c.ngay_hen_tra);
        ket_thuc.append_option(c.ngay_ket_thuc_xu_ly);
        tra.append_option(c.ngay_tra);
        trang_thai.append_value(c.trang_thai_ho_so);
        bo_sung.append_value(c.so_lan_bo_sung);
        so_hoa.append_value(c.ho_so_co_thanh_phan_so_hoa);
        tai_su_dung.append_value(c.duoc_tai_su_dung);
        kq_dien_tu.append_value(c.co_ket_qua_dien_tu);
        thanh_toan.append_option(c.duoc_thanh_toan_truc_tuyen);
        hai_long.append_option(c.danh_gia_hai_long);
        khu_pho.append_option(c.ma_khu_pho.as_deref());
        cap_nhat.append_value(c.ngay_cap_nhat);
        chu_ho_so.append_option(c.chu_ho_so_token.as_deref());
        cccd.append_option(c.so_cccd_token.as_deref());
        file.append_value(&s.file);
        row.append_value(s.row as i64);
        batch.append_value(batch_id);
    }
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(ma_ho_so.finish()),
        Arc::new(ma_tthc.finish()),
        Arc::new(ten_tthc.finish()),
        Arc::new(ma_linh_vuc.finish()),
        Arc::new(ma_don_vi.finish()),
        Arc::new(kenh.finish()),
        Arc::new(phi_dia_gioi.finish()),
        Arc::new(tiep_nhan.finish()),
        Arc::new(hen_tra.finish()),
        Arc::new(ket_thuc.finish()),
        Arc::new(tra.finish()),
        Arc::new(trang_thai.finish()),
        Arc::new(bo_sung.finish()),
        Arc::new(so_hoa.finish()),
        Arc::new(tai_su_dung.finish()),
        Arc::new(kq_dien_tu.finish()),
        Arc::new(thanh_toan.finish()),
        Arc::new(hai_long.finish()),
        Arc::new(khu_pho.finish()),
        Arc::new(cap_nhat.finish()),
        Arc::new(chu_ho_so.finish()),
        Arc::new(cccd.finish()),
        Arc::new(file.finish()),
        Arc::new(row.finish()),
        Arc::new(batch.finish()),
    ];
    Ok(TableData::from_columns(spec, arrays)?)
}
