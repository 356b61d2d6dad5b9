//! The market management database (chợ Đồng Xoài and the like): traders, stalls, contracts,
//! fee collections and digital-payment acceptance, as declared tables. The same declarations
//! read the database through [`crate::sql`] and the tables exported as CSV.

use crate::MergeRule;
use crate::declared::{Column, Dataset, Kind, Row, opt, req};
use crate::fields::Fields;

/// The market management software: its tables as CSV exports named after them
/// (`stalls.csv`), or its database.
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "market",
    tables: &[
        table("traders", traders),
        table("stalls", stalls),
        table("contracts", contracts),
        table("fee_collections", fee_collections),
        table("payment_acceptance", acceptance),
    ],
    reader: crate::source::Reader::Declared,
    by_file_name: true,
    pages: None,
    lookups: &[],
    url_env: "CHISO_MARKET_DB_URL",
};

const fn table(id: &'static str, dataset: fn() -> Dataset) -> crate::source::Table {
    crate::source::Table {
        id,
        group: crate::KhoGroup::KinhDoanh,
        dataset: Some(dataset),
    }
}

/// Payment methods of a fee collection.
pub const METHODS: [&str; 4] = ["tien_mat", "chuyen_khoan", "qr", "pos"];
/// Digital methods a stall can confirm it accepts.
pub const ACCEPTED: [&str; 2] = ["qr", "pos"];

const ID: Kind = Kind::Int {
    min: 1,
    max: i64::MAX,
};
const DONG: Kind = Kind::Decimal { scale: 0 };

/// A row re-sent with a later `updated_at` is the current one; an earlier one never
/// replaces it.
fn latest() -> MergeRule {
    MergeRule::LatestBy("updated_at".to_string())
}

const TRADERS: &[Column] = &[
    req("id", "id", ID),
    req("code", "code", Kind::Text),
    req("full_name", "full_name", Kind::Personal),
    opt("phone", "phone", Kind::Personal),
    opt("business_line", "business_line", Kind::Text),
    opt("registered_on", "registered_on", Kind::Date),
    req("updated_at", "updated_at", Kind::Instant),
];

const STALLS: &[Column] = &[
    req("id", "id", ID),
    req("code", "code", Kind::Text),
    req("market_code", "market_code", Kind::Text),
    req("zone", "zone", Kind::Text),
    req("area_m2", "area_m2", Kind::Decimal { scale: 2 }),
    opt("position", "position", Kind::Text),
    req("pilot_model", "pilot_model", Kind::Flag),
    req("updated_at", "updated_at", Kind::Instant),
];

const CONTRACTS: &[Column] = &[
    req("id", "id", ID),
    req("stall_id", "stall_id", ID),
    req("trader_id", "trader_id", ID),
    req("start_date", "start_date", Kind::Date),
    opt("end_date", "end_date", Kind::Date),
    req("monthly_fee", "monthly_fee", DONG),
    req("updated_at", "updated_at", Kind::Instant),
];

const FEES: &[Column] = &[
    req("id", "id", ID),
    req("receipt_no", "receipt_no", Kind::Text),
    req("stall_id", "stall_id", ID),
    req("billing_month", "billing_month", Kind::Text),
    req("amount_due", "amount_due", DONG),
    req("amount_paid", "amount_paid", DONG),
    opt("paid_at", "paid_at", Kind::Instant),
    opt("method", "method", Kind::Code(&METHODS)),
    req("e_invoice", "e_invoice", Kind::Flag),
    req("updated_at", "updated_at", Kind::Instant),
];

const ACCEPTANCE: &[Column] = &[
    req("id", "id", ID),
    req("stall_id", "stall_id", ID),
    req("method", "method", Kind::Code(&ACCEPTED)),
    req("confirmed_on", "confirmed_on", Kind::Date),
    req("updated_at", "updated_at", Kind::Instant),
];

/// Traders (hộ kinh doanh). Name and phone are personal.
pub fn traders() -> Dataset {
    Dataset {
        table: "market_traders",
        description: "Hộ kinh doanh tại chợ (tên và số điện thoại đã mã hóa)",
        columns: TRADERS,
        key: &["id"],
        merge: latest(),
        unit_column: None,
        rules: &[],
    }
}

/// Stalls (sạp): code, zone, area, position, whether in the pilot model.
pub fn stalls() -> Dataset {
    Dataset {
        table: "market_stalls",
        description: "Sạp hàng: mã, khu, diện tích, vị trí, thuộc mô hình thí điểm hay không",
        columns: STALLS,
        key: &["id"],
        merge: latest(),
        unit_column: None,
        rules: &[],
    }
}

/// Contracts between a trader and a stall.
pub fn contracts() -> Dataset {
    Dataset {
        table: "market_contracts",
        description: "Hợp đồng thuê sạp: sạp, hộ kinh doanh, thời hạn, tiền thuê tháng",
        columns: CONTRACTS,
        key: &["id"],
        merge: latest(),
        unit_column: None,
        rules: &[ends_after_start],
    }
}

/// Fee collections: one receipt per stall and billing month.
pub fn fee_collections() -> Dataset {
    Dataset {
        table: "market_fee_collections",
        description: "Thu phí: biên lai, sạp, tháng tính phí, phải thu, đã thu, thời điểm, \
                      hình thức, hóa đơn điện tử",
        columns: FEES,
        key: &["id"],
        merge: latest(),
        unit_column: None,
        rules: &[billing_month, paid_with_method],
    }
}

/// Digital payment (QR, POS) a stall confirmed it accepts, from a date.
pub fn acceptance() -> Dataset {
    Dataset {
        table: "market_payment_acceptance",
        description: "Sạp xác nhận chấp nhận thanh toán QR/POS từ ngày",
        columns: ACCEPTANCE,
        key: &["id"],
        merge: latest(),
        unit_column: None,
        rules: &[],
    }
}

fn ends_after_start(row: &Row, f: &mut Fields) {
    if let (Some(start), Some(end)) = (
        row.get("start_date").as_date(),
        row.get("end_date").as_date(),
    ) && end < start
    {
        f.reject("end_date", "ngày kết thúc trước ngày bắt đầu");
    }
}

fn billing_month(row: &Row, f: &mut Fields) {
    if let crate::declared::Value::Text(m) = row.get("billing_month") {
        let ok = m.len() == 7
            && chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_ok();
        if !ok {
            f.reject("billing_month", "tháng tính phí phải có dạng yyyy-MM");
        }
    }
}

fn paid_with_method(row: &Row, f: &mut Fields) {
    let paid = !matches!(row.get("paid_at"), crate::declared::Value::Null);
    let method = !matches!(row.get("method"), crate::declared::Value::Null);
    if paid && !method {
        f.reject("method", "đã thu nhưng không ghi hình thức thanh toán");
    }
}
