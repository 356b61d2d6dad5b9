//! VNeID statistics from Công an phường: one row per khu phố per month, as CSV or as the
//! police's spreadsheet. Aggregates only, no personal data.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use crate::extract::SourceFile;
use crate::fields::Fields;
use crate::raw::RawRecord;
use crate::run::Run;
use crate::{Batch, KhoGroup, MergeRule, Result, TableData};
use crate::{TableSpec, Ward};

/// VNeID statistics per khu phố, as CSV or the police's spreadsheet.
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "vneid",
    tables: &[crate::source::Table {
        id: "statistics",
        group: KhoGroup::DanCu,
        dataset: None,
    }],
    reader: crate::source::Reader::Vneid,
    by_file_name: false,
    pages: None,
    lookups: &[],
    url_env: "",
};

/// Lake table of the statistics.
pub const TABLE: &str = "vneid_statistics";

/// Columns a statistics file must have.
pub const REQUIRED: [&str; 6] = [
    "NgaySoLieu",
    "MaDonVi",
    "DanSo",
    "NguoiTruongThanh",
    "SoKichHoat",
    "SoHoanThanhPhoCap",
];

const COUNTS: [(&str, &str); 7] = [
    ("DanSo", "dan_so"),
    ("NguoiTruongThanh", "nguoi_truong_thanh"),
    ("HoSoThuNhan", "ho_so_thu_nhan"),
    ("TaiKhoanMuc1", "tai_khoan_muc_1"),
    ("TaiKhoanMuc2", "tai_khoan_muc_2"),
    ("SoKichHoat", "so_kich_hoat"),
    ("SoHoanThanhPhoCap", "so_hoan_thanh_pho_cap"),
];

/// One khu phố's figures at one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistic {
    pub ngay_so_lieu: NaiveDate,
    pub ma_don_vi: String,
    pub ten_don_vi: Option<String>,
    /// In the order of `COUNTS`; optional ones may be absent.
    pub counts: [Option<i64>; 7],
    pub file: String,
    pub row: u64,
}

impl Statistic {
    fn same_content(&self, o: &Statistic) -> bool {
        (
            self.ngay_so_lieu,
            &self.ma_don_vi,
            &self.ten_don_vi,
            self.counts,
        ) == (o.ngay_so_lieu, &o.ma_don_vi, &o.ten_don_vi, o.counts)
    }
}

fn parse(rec: &RawRecord, file: &str, ward: &Ward, tz: Tz, f: &mut Fields) -> Option<Statistic> {
    let date = f
        .instant("NgaySoLieu", true)
        .and_then(chrono::DateTime::<Utc>::from_timestamp_micros)
        .map(|t| t.with_timezone(&tz).date_naive());
    let ma_don_vi = f.required_text("MaDonVi");
    if !ma_don_vi.is_empty() && ward.unit(&ma_don_vi).is_none() {
        f.reject(
            "MaDonVi",
            "mã khu phố không có trong danh sách khu phố (pipelines.toml)",
        );
    }
    let mut counts = [None; 7];
    for (i, (field, _)) in COUNTS.iter().enumerate() {
        let required = REQUIRED.contains(field);
        counts[i] = f.int_in(field, 0, i32::MAX, required).map(i64::from);
    }
    let get = |name: &str| {
        COUNTS
            .iter()
            .position(|(n, _)| *n == name)
            .and_then(|i| counts[i])
    };
    // a count larger than the population it is part of is a typing error, not a fact
    for (part, whole) in [
        ("NguoiTruongThanh", "DanSo"),
        ("SoKichHoat", "DanSo"),
        ("SoHoanThanhPhoCap", "NguoiTruongThanh"),
    ] {
        if let (Some(p), Some(w)) = (get(part), get(whole))
            && p > w
        {
            f.reject(part, format!("lớn hơn {whole} ({w})"));
        }
    }
    let s = Statistic {
        ngay_so_lieu: date?,
        ten_don_vi: f.text("TenDonVi"),
        ma_don_vi,
        counts,
        file: file.to_string(),
        row: rec.row,
    };
    f.errors.is_empty().then_some(s)
}

/// The table's declaration.
pub fn spec(group: KhoGroup) -> TableSpec {
    let mut fields = vec![
        Field::new("ngay_so_lieu", DataType::Date32, false),
        Field::new("ma_don_vi", DataType::Utf8, false),
        Field::new("ten_don_vi", DataType::Utf8, true),
    ];
    for (source, column) in COUNTS {
        fields.push(Field::new(
            column,
            DataType::Int64,
            !REQUIRED.contains(&source),
        ));
    }
    fields.push(Field::new("_file", DataType::Utf8, false));
    fields.push(Field::new("_row", DataType::Int64, false));
    fields.push(Field::new("_batch_id", DataType::Utf8, false));
    TableSpec {
        name: TABLE.to_string(),
        group: Some(group),
        description: "Thống kê VNeID theo khu phố và ngày số liệu (Công an phường)".to_string(),
        schema: Arc::new(Schema::new(fields)),
        key: vec!["ngay_so_lieu".to_string(), "ma_don_vi".to_string()],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_don_vi".to_string()),
    }
}

fn table(rows: &[&Statistic], group: KhoGroup, batch: &str) -> Result<TableData> {
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from_iter_values(
            rows.iter().map(|s| crate::time::epoch_days(s.ngay_so_lieu)),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|s| s.ma_don_vi.as_str()),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|s| s.ten_don_vi.as_deref()),
        )),
    ];
    for i in 0..COUNTS.len() {
        columns.push(Arc::new(Int64Array::from_iter(
            rows.iter().map(|s| s.counts[i]),
        )));
    }
    columns.push(Arc::new(StringArray::from_iter_values(
        rows.iter().map(|s| s.file.as_str()),
    )));
    columns.push(Arc::new(Int64Array::from_iter_values(
        rows.iter().map(|s| s.row as i64),
    )));
    columns.push(Arc::new(StringArray::from_iter_values(
        rows.iter().map(|_| batch),
    )));
    Ok(TableData::from_columns(spec(group), columns)?)
}

/// Reads one run's statistics files into a batch. The same month sent as CSV and as XLSX
/// counts once; the same khu phố and date with different figures is a conflict and goes to
/// quarantine.
pub fn read(
    files: &[SourceFile],
    source: &str,
    ward: &Ward,
    group: KhoGroup,
    limits: crate::Limits,
) -> Result<Batch> {
    let tz: Tz = ward
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let mut run = Run::new(source, limits);
    let mut stats: BTreeMap<(NaiveDate, String), Statistic> = BTreeMap::new();
    for sf in files {
        let checked = run.checked(sf, &REQUIRED, tz, |rec, file, f| {
            parse(rec, file, ward, tz, f)
        });
        let Some((info, valid)) = checked else {
            continue;
        };
        for s in valid {
            let key = (s.ngay_so_lieu, s.ma_don_vi.clone());
            match stats.get(&key) {
                Some(prev) if prev.same_content(&s) => run.counts.duplicates += 1,
                Some(prev) => run.reject_row(
                    &info,
                    s.row,
                    "MaDonVi",
                    &s.ma_don_vi,
                    format!(
                        "cùng khu phố và ngày số liệu với dòng {} của {} nhưng khác số liệu",
                        prev.row, prev.file
                    ),
                ),
                None => {
                    stats.insert(key, s);
                }
            }
        }
    }
    let id = run.batch_id();
    let mut tables = Vec::new();
    if !stats.is_empty() {
        let rows: Vec<&Statistic> = stats.values().collect();
        tables.push(table(&rows, group, &id)?);
    }
    run.into_batch(id, tables)
}
