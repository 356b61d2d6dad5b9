//! Dossier states (hồ sơ TTHC): validation and the lake tables of states.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, AsArray, BooleanBuilder, Int32Builder, Int64Builder, StringArray,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::fields::Fields;
use crate::keep::{Conflict, Hashed, Keeper, hash128};
use crate::raw::{Names, RawRecord};
use crate::{FileInfo, KhoGroup, MergeRule, Pseudonymiser, Result, TableData, TableSpec, Ward};
use tables::Spool;

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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// What the reading thread keeps of a valid state (its columns go to the worker's
/// [`Columns`]): its row and keys, hashed by the worker.
#[derive(Debug, Clone, Copy)]
pub struct Offered {
    pub row: u64,
    /// The history key (MaHoSo, NgayCapNhat) and the content, hashed.
    pub hashed: Hashed,
    /// MaHoSo, hashed: the latest-state key.
    pub dossier: [u64; 2],
    /// NgayCapNhat: the latest state is the one recorded last.
    pub at: i64,
}

/// What validation needs to know besides the record.
pub struct Rules<'a> {
    pub ward: &'a Ward,
    /// The catalogue's procedure codes, looked up as field names are (each row names one).
    pub procedures: &'a Names,
    pub pseudonymiser: &'a Pseudonymiser,
}

/// Validates one record; `None` when any field failed (the errors are in `f`).
pub fn parse(rec: &RawRecord, rules: &Rules, f: &mut Fields) -> Option<(Offered, DossierContent)> {
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
    if !f.errors.is_empty() {
        return None;
    }
    let offered = Offered {
        row: rec.row,
        hashed: Hashed::of(&(&content.ma_ho_so, content.ngay_cap_nhat), &content),
        dossier: hash128(&content.ma_ho_so),
        at: content.ngay_cap_nhat,
    };
    Some((offered, content))
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

/// A run's dossier states on their way to the history and latest-state tables: every valid
/// state goes to one spool as it arrives; at the end of the run the history table is that
/// spool without the states sent twice or in conflict, and the latest-state table without
/// the states a later one replaced.
pub struct Stage {
    spool: Spool,
    /// (MaHoSo, NgayCapNhat): the same state sent twice counts once, a different state under
    /// the same key is a conflict.
    history: Keeper,
    /// MaHoSo: the state with the greatest NgayCapNhat.
    latest: Keeper,
}

/// What a run's dossier states came to.
pub struct Staged {
    /// The history and latest-state tables; `None` when no state was kept.
    pub tables: Option<(TableData, TableData)>,
    /// States sent twice: counted once.
    pub duplicates: u64,
    /// States with the key of a state kept but another content, with their MaHoSo.
    pub conflicts: Vec<(Conflict, String)>,
}

impl Stage {
    pub fn new() -> Self {
        Self {
            // the batch id is known once every file is read: it is stamped as rows are read
            spool: Spool::stamped(schema()),
            history: Keeper::new(false),
            latest: Keeper::new(true),
        }
    }

    /// What a worker builds a chunk's states into.
    pub fn columns(&self) -> impl Fn() -> Columns + Sync + use<> {
        let schema = self.spool.schema();
        move || Columns::new(schema.clone())
    }

    /// A file or page starts.
    pub fn begin(&mut self) {
        let at = self.spool.len();
        self.history.begin(at);
        self.latest.begin(at);
    }

    /// Takes a chunk of valid states of `file`: their columns and, in the same order, what
    /// the keepers are offered of each.
    pub fn take(&mut self, file: &FileInfo, built: Built, offered: Vec<Offered>) -> Result<()> {
        let start = self.spool.len();
        let batch = built.map_err(built_error)?;
        if batch.num_rows() > 0 {
            self.spool.push(batch).map_err(built_error)?;
        }
        for (i, s) in offered.into_iter().enumerate() {
            let (at, from) = (start + i, (file, s.row));
            self.history.offer(s.hashed, 0, at, from)?;
            let latest = Hashed {
                key: s.dossier,
                content: s.hashed.content,
            };
            self.latest.offer(latest, s.at, at, from)?;
        }
        Ok(())
    }

    /// The current file is refused: its states are left out.
    pub fn refuse(&mut self) {
        let end = self.spool.len();
        self.history.refuse(end);
        self.latest.refuse(end);
    }

    /// Decides which states are kept: the history and latest-state tables, and what was left
    /// out.
    pub fn finish(self, group: KhoGroup, batch_id: &str) -> Result<Staged> {
        let Stage {
            spool,
            history,
            latest,
        } = self;
        // the two keepers decide apart from each other and from the spool's last write: each
        // on a core of its own, instead of one after the other on the reading thread
        let (all, history, latest) = std::thread::scope(|s| {
            let latest = s.spawn(|| latest.finish());
            let history = history.finish();
            let all = spool.finish();
            let latest = latest
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (all, history, latest)
        });
        let all = all.map_err(built_error)?;
        let history = history?;
        let positions: Vec<usize> = history.conflicts.iter().map(|c| c.pos as usize).collect();
        let conflicts = if positions.is_empty() {
            Vec::new()
        } else {
            let picked = all.at(&positions).map_err(built_error)?;
            let ids = picked.column(0).as_string::<i32>();
            history
                .conflicts
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c, ids.value(i).to_string()))
                .collect()
        };
        let mut staged = Staged {
            tables: None,
            duplicates: history.duplicates,
            conflicts,
        };
        let history_rows = all.without(history.dropped).stamp(batch_id);
        if history_rows.num_rows() == 0 {
            return Ok(staged);
        }
        let latest = latest?;
        let latest_rows = all.without(latest.dropped).stamp(batch_id);
        staged.tables = Some((
            TableData {
                spec: history_spec(group),
                rows: history_rows,
            },
            TableData {
                spec: latest_spec(group),
                rows: latest_rows,
            },
        ));
        Ok(staged)
    }
}

impl Default for Stage {
    fn default() -> Self {
        Self::new()
    }
}

fn built_error(source: ArrowError) -> crate::IngestError {
    tables::BuildError {
        table: HISTORY_TABLE.to_string(),
        source,
    }
    .into()
}

/// A chunk's valid states as the spool's columns, built by the worker that checked them.
pub type Built = std::result::Result<RecordBatch, ArrowError>;

/// Builds a chunk's valid states into the spool's columns, on the worker that checked them.
pub struct Columns {
    schema: SchemaRef,
    ma_ho_so: StringBuilder,
    ma_tthc: StringBuilder,
    ten_tthc: StringBuilder,
    ma_linh_vuc: StringBuilder,
    ma_don_vi: StringBuilder,
    kenh: Int32Builder,
    phi_dia_gioi: BooleanBuilder,
    tiep_nhan: TimestampMicrosecondBuilder,
    hen_tra: TimestampMicrosecondBuilder,
    ket_thuc: TimestampMicrosecondBuilder,
    tra: TimestampMicrosecondBuilder,
    trang_thai: Int32Builder,
    bo_sung: Int32Builder,
    so_hoa: BooleanBuilder,
    tai_su_dung: BooleanBuilder,
    kq_dien_tu: BooleanBuilder,
    thanh_toan: Int32Builder,
    hai_long: Int32Builder,
    khu_pho: StringBuilder,
    cap_nhat: TimestampMicrosecondBuilder,
    chu_ho_so: StringBuilder,
    cccd: StringBuilder,
    row: Int64Builder,
}

impl Columns {
    fn new(schema: SchemaRef) -> Self {
        let utc = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
        Self {
            schema,
            ma_ho_so: StringBuilder::new(),
            ma_tthc: StringBuilder::new(),
            ten_tthc: StringBuilder::new(),
            ma_linh_vuc: StringBuilder::new(),
            ma_don_vi: StringBuilder::new(),
            kenh: Int32Builder::new(),
            phi_dia_gioi: BooleanBuilder::new(),
            tiep_nhan: utc(),
            hen_tra: utc(),
            ket_thuc: utc(),
            tra: utc(),
            trang_thai: Int32Builder::new(),
            bo_sung: Int32Builder::new(),
            so_hoa: BooleanBuilder::new(),
            tai_su_dung: BooleanBuilder::new(),
            kq_dien_tu: BooleanBuilder::new(),
            thanh_toan: Int32Builder::new(),
            hai_long: Int32Builder::new(),
            khu_pho: StringBuilder::new(),
            cap_nhat: utc(),
            chu_ho_so: StringBuilder::new(),
            cccd: StringBuilder::new(),
            row: Int64Builder::new(),
        }
    }
}

impl crate::parallel::Build for Columns {
    type Value = DossierContent;
    type Built = Built;

    fn push(&mut self, row: u64, c: DossierContent) {
        self.ma_ho_so.append_value(&c.ma_ho_so);
        self.ma_tthc.append_value(&c.ma_tthc);
        self.ten_tthc.append_option(c.ten_tthc.as_deref());
        self.ma_linh_vuc.append_option(c.ma_linh_vuc.as_deref());
        self.ma_don_vi.append_option(c.ma_don_vi.as_deref());
        self.kenh.append_value(c.kenh_thuc_hien);
        self.phi_dia_gioi.append_value(c.phi_dia_gioi);
        self.tiep_nhan.append_value(c.ngay_tiep_nhan);
        self.hen_tra.append_option(c.ngay_hen_tra);
        self.ket_thuc.append_option(c.ngay_ket_thuc_xu_ly);
        self.tra.append_option(c.ngay_tra);
        self.trang_thai.append_value(c.trang_thai_ho_so);
        self.bo_sung.append_value(c.so_lan_bo_sung);
        self.so_hoa.append_value(c.ho_so_co_thanh_phan_so_hoa);
        self.tai_su_dung.append_value(c.duoc_tai_su_dung);
        self.kq_dien_tu.append_value(c.co_ket_qua_dien_tu);
        self.thanh_toan.append_option(c.duoc_thanh_toan_truc_tuyen);
        self.hai_long.append_option(c.danh_gia_hai_long);
        self.khu_pho.append_option(c.ma_khu_pho.as_deref());
        self.cap_nhat.append_value(c.ngay_cap_nhat);
        self.chu_ho_so.append_option(c.chu_ho_so_token.as_deref());
        self.cccd.append_option(c.so_cccd_token.as_deref());
        self.row.append_value(row as i64);
    }

    fn finish(&mut self, file: &str) -> Self::Built {
        let rows = self.row.len();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(self.ma_ho_so.finish()),
            Arc::new(self.ma_tthc.finish()),
            Arc::new(self.ten_tthc.finish()),
            Arc::new(self.ma_linh_vuc.finish()),
            Arc::new(self.ma_don_vi.finish()),
            Arc::new(self.kenh.finish()),
            Arc::new(self.phi_dia_gioi.finish()),
            Arc::new(self.tiep_nhan.finish()),
            Arc::new(self.hen_tra.finish()),
            Arc::new(self.ket_thuc.finish()),
            Arc::new(self.tra.finish()),
            Arc::new(self.trang_thai.finish()),
            Arc::new(self.bo_sung.finish()),
            Arc::new(self.so_hoa.finish()),
            Arc::new(self.tai_su_dung.finish()),
            Arc::new(self.kq_dien_tu.finish()),
            Arc::new(self.thanh_toan.finish()),
            Arc::new(self.hai_long.finish()),
            Arc::new(self.khu_pho.finish()),
            Arc::new(self.cap_nhat.finish()),
            Arc::new(self.chu_ho_so.finish()),
            Arc::new(self.cccd.finish()),
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                file, rows,
            ))),
            Arc::new(self.row.finish()),
        ];
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}
