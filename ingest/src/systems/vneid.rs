//! VNeID statistics from Công an phường: one row per khu phố per date, as CSV or as the
//! police's spreadsheet, declared as a table. Aggregates only, no personal data. The same
//! month sent as CSV and as XLSX counts once; the same khu phố and date with other figures
//! is a conflict and goes to quarantine.

use crate::declared::{Column, Dataset, Kind, Row, Value, opt, req};
use crate::fields::Fields;
use crate::{KhoGroup, MergeRule};

/// VNeID statistics per khu phố, as CSV or the police's spreadsheet.
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "vneid",
    tables: &[crate::source::Table {
        id: "statistics",
        group: KhoGroup::DanCu,
        dataset: Some(dataset),
    }],
    reader: crate::source::Reader::Declared,
    by_file_name: false,
    pages: None,
    lookups: &[],
    url_env: "CHISO_VNEID_DB_URL",
};

/// Lake table of the statistics.
pub const TABLE: &str = "vneid_statistics";

/// A head count: never negative, and within what a khu phố can hold.
const COUNT: Kind = Kind::Int {
    min: 0,
    max: i32::MAX as i64,
};

const COLUMNS: &[Column] = &[
    req("NgaySoLieu", "ngay_so_lieu", Kind::Date),
    req("MaDonVi", "ma_don_vi", Kind::Unit),
    opt("TenDonVi", "ten_don_vi", Kind::Text),
    req("DanSo", "dan_so", COUNT),
    req("NguoiTruongThanh", "nguoi_truong_thanh", COUNT),
    opt("HoSoThuNhan", "ho_so_thu_nhan", COUNT),
    opt("TaiKhoanMuc1", "tai_khoan_muc_1", COUNT),
    opt("TaiKhoanMuc2", "tai_khoan_muc_2", COUNT),
    req("SoKichHoat", "so_kich_hoat", COUNT),
    req("SoHoanThanhPhoCap", "so_hoan_thanh_pho_cap", COUNT),
];

/// The statistics table.
pub fn dataset() -> Dataset {
    Dataset {
        table: TABLE,
        description: "Thống kê VNeID theo khu phố và ngày số liệu (Công an phường)",
        columns: COLUMNS,
        key: &["ngay_so_lieu", "ma_don_vi"],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_don_vi"),
        rules: &[parts_within_wholes],
    }
}

/// A count larger than the population it is part of is a typing error, not a fact.
fn parts_within_wholes(row: &Row, f: &mut Fields) {
    for (part, part_source, whole, whole_source) in [
        ("nguoi_truong_thanh", "NguoiTruongThanh", "dan_so", "DanSo"),
        ("so_kich_hoat", "SoKichHoat", "dan_so", "DanSo"),
        (
            "so_hoan_thanh_pho_cap",
            "SoHoanThanhPhoCap",
            "nguoi_truong_thanh",
            "NguoiTruongThanh",
        ),
    ] {
        if let (Value::Int(p), Value::Int(w)) = (row.get(part), row.get(whole))
            && p > w
        {
            f.reject(part_source, format!("lớn hơn {whole_source} ({w})"));
        }
    }
}
