//! The procedure catalogue (danh mục TTHC).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};

use crate::fields::Fields;
use crate::raw::RawRecord;
use crate::{KhoGroup, MergeRule, Result, TableData, TableSpec};

/// Lake table of the catalogue.
pub const TABLE: &str = "one_stop_procedures";

/// Columns a catalogue file must have.
pub const REQUIRED: [&str; 5] = [
    "MaTTHC",
    "TenTTHC",
    "CoDVCTT",
    "DuDieuKienToanTrinh",
    "YeuCauKetQuaGiay",
];

/// One procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub ma_tthc: String,
    pub ten_tthc: String,
    pub ma_linh_vuc: Option<String>,
    pub ten_linh_vuc: Option<String>,
    pub cap_thuc_hien: Option<String>,
    pub co_dvctt: bool,
    pub du_dieu_kien_toan_trinh: bool,
    pub yeu_cau_ket_qua_giay: bool,
    pub co_phi: bool,
    pub file: String,
    pub row: u64,
}

/// Validates one catalogue record.
pub fn parse(rec: &RawRecord, file: &str, f: &mut Fields) -> Option<Procedure> {
    let ma_tthc = f.required_text("MaTTHC");
    let ten_tthc = f.required_text("TenTTHC");
    let p = Procedure {
        ma_linh_vuc: f.text("MaLinhVuc"),
        ten_linh_vuc: f.text("TenLinhVuc"),
        cap_thuc_hien: f.text("CapThucHien"),
        co_dvctt: required_flag(f, "CoDVCTT"),
        du_dieu_kien_toan_trinh: required_flag(f, "DuDieuKienToanTrinh"),
        yeu_cau_ket_qua_giay: required_flag(f, "YeuCauKetQuaGiay"),
        co_phi: f.flag("CoPhi").unwrap_or(false),
        ma_tthc,
        ten_tthc,
        file: file.to_string(),
        row: rec.row,
    };
    f.errors.is_empty().then_some(p)
}

fn required_flag(f: &mut Fields, field: &str) -> bool {
    match f.flag(field) {
        Some(v) => v,
        None => {
            if f.errors.iter().all(|e| e.field != field) {
                f.reject(field, "bắt buộc nhưng để trống");
            }
            false
        }
    }
}

/// The catalogue table's declaration.
pub fn spec(group: KhoGroup) -> TableSpec {
    let t = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let b = |n: &str| Field::new(n, DataType::Boolean, false);
    TableSpec {
        name: TABLE.to_string(),
        group: Some(group),
        description: "Danh mục thủ tục hành chính của phường, một dòng mỗi TTHC".to_string(),
        schema: Arc::new(Schema::new(vec![
            t("ma_tthc", false),
            t("ten_tthc", false),
            t("ma_linh_vuc", true),
            t("ten_linh_vuc", true),
            t("cap_thuc_hien", true),
            b("co_dvctt"),
            b("du_dieu_kien_toan_trinh"),
            b("yeu_cau_ket_qua_giay"),
            b("co_phi"),
            t("_file", false),
            Field::new("_row", DataType::Int64, false),
            t("_batch_id", false),
        ])),
        key: vec!["ma_tthc".to_string()],
        merge: MergeRule::Upsert,
        unit_column: None,
    }
}

/// Procedures as table rows.
pub fn table(rows: &[Procedure], group: KhoGroup, batch_id: &str) -> Result<TableData> {
    let spec = spec(group);
    let mut text: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
    let mut flags: Vec<BooleanBuilder> = (0..4).map(|_| BooleanBuilder::new()).collect();
    let mut file = StringBuilder::new();
    let mut row = Int64Builder::new();
    let mut batch = StringBuilder::new();
    for p in rows {
        text[0].append_value(&p.ma_tthc);
        text[1].append_value(&p.ten_tthc);
        text[2].append_option(p.ma_linh_vuc.as_deref());
        text[3].append_option(p.ten_linh_vuc.as_deref());
        text[4].append_option(p.cap_thuc_hien.as_deref());
        flags[0].append_value(p.co_dvctt);
        flags[1].append_value(p.du_dieu_kien_toan_trinh);
        flags[2].append_value(p.yeu_cau_ket_qua_giay);
        flags[3].append_value(p.co_phi);
        file.append_value(&p.file);
        row.append_value(p.row as i64);
        batch.append_value(batch_id);
    }
    let mut arrays: Vec<ArrayRef> = Vec::new();
    arrays.extend(text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    arrays.extend(flags.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    arrays.push(Arc::new(file.finish()));
    arrays.push(Arc::new(row.finish()));
    arrays.push(Arc::new(batch.finish()));
    Ok(TableData::from_columns(spec, arrays)?)
}
