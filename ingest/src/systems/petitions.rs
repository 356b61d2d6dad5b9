//! Petitions (phản ánh, kiến nghị; phản ánh hiện trường) from the DC4.0 neighbourhood app, the
//! market app, Zalo OA and the hotline, as paged JSON: files or the apps' API. A petition is
//! re-sent whenever its status changes; the state with the greatest `ngay_cap_nhat` is the
//! current one, so the lake keeps one row per petition, in its latest state.

use crate::MergeRule;
use crate::declared::{Column, Dataset, Kind, Row, Value, opt, req};
use crate::fields::Fields;

/// Petitions from the apps and the hotline: their JSON pages saved to files, their API, or a
/// database.
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "petitions",
    tables: &[crate::source::Table {
        id: "petitions",
        // most petitions are about the street: rubbish, lighting, roads, encroachment, noise
        group: crate::KhoGroup::DoThiMoiTruong,
        dataset: Some(dataset),
    }],
    reader: crate::source::Reader::Declared,
    by_file_name: false,
    pages: Some(crate::source::Pages {
        table: "petitions",
        watermark: (TABLE, UPDATED),
        token_env: "CHISO_PETITIONS_TOKEN",
        since_param: crate::http::PORTAL_SINCE_PARAM,
        // the apps write times in ISO 8601 with their offset, and are asked in the same form
        since_format: "%Y-%m-%dT%H:%M:%S%:z",
    }),
    lookups: &[],
    url_env: "CHISO_PETITIONS_DB_URL",
};

/// Lake table of the petitions.
pub const TABLE: &str = "petitions";
/// Lake column of the time a state was recorded: the order of states, and the watermark of
/// incremental fetches.
pub const UPDATED: &str = "ngay_cap_nhat";

/// Channels a petition arrives by.
pub const CHANNELS: [&str; 4] = ["DC4.0", "Zalo OA", "Đường dây nóng", "App chợ"];
/// Statuses, from received to closed.
pub const STATUSES: [&str; 4] = ["cho_tiep_nhan", "dang_xu_ly", "da_xu_ly", "tu_choi"];
/// Ratings a petitioner gives a handled petition.
pub const RATINGS: [&str; 2] = ["hai_long", "khong_hai_long"];

/// Statuses after which nothing more is done: the petition has a finish time.
const CLOSED: [&str; 2] = ["da_xu_ly", "tu_choi"];

/// The extract's fields as the lake keeps them.
const COLUMNS: &[Column] = &[
    req("id", "id", Kind::Text),
    req("kenh", "kenh", Kind::Code(&CHANNELS)),
    // people write their phone number into the title as well as the text
    req("tieu_de", "tieu_de", Kind::FreeText),
    opt("noi_dung", "noi_dung", Kind::FreeText),
    opt("linh_vuc", "linh_vuc", Kind::Text),
    opt("ma_khu_pho", "ma_khu_pho", Kind::Unit),
    opt("don_vi_xu_ly", "don_vi_xu_ly", Kind::Text),
    req("ngay_tiep_nhan", "ngay_tiep_nhan", Kind::Instant),
    opt("han_xu_ly", "han_xu_ly", Kind::Deadline),
    opt("ngay_hoan_thanh", "ngay_hoan_thanh", Kind::Instant),
    req("trang_thai", "trang_thai", Kind::Code(&STATUSES)),
    opt("cong_khai", "cong_khai", Kind::Flag),
    opt("danh_gia", "danh_gia", Kind::Code(&RATINGS)),
    opt("nguoi_phan_anh", "nguoi_phan_anh", Kind::Personal),
    opt("so_dien_thoai", "so_dien_thoai", Kind::Personal),
    req(UPDATED, UPDATED, Kind::Instant),
];

/// The petitions table.
pub fn dataset() -> Dataset {
    Dataset {
        table: TABLE,
        description: "Phản ánh, kiến nghị của người dân (DC4.0, App chợ, Zalo OA, đường dây \
                      nóng), trạng thái mới nhất của mỗi phản ánh; họ tên và số điện thoại \
                      đã mã hóa",
        columns: COLUMNS,
        key: &["id"],
        merge: MergeRule::LatestBy(UPDATED.to_string()),
        unit_column: Some("ma_khu_pho"),
        rules: &[
            due_after_received,
            finished_after_received,
            closed_has_finish,
            open_has_no_finish,
            rated_only_when_handled,
            public_only_when_closed,
            recorded_after_events,
        ],
    }
}

fn instant(row: &Row, name: &str) -> Option<i64> {
    row.get(name).as_instant()
}

fn status<'r>(row: &'r Row) -> Option<&'r str> {
    match row.get("trang_thai") {
        Value::Text(s) => Some(s.as_str()),
        _ => None,
    }
}

fn due_after_received(row: &Row, f: &mut Fields) {
    if let (Some(received), Some(due)) = (instant(row, "ngay_tiep_nhan"), instant(row, "han_xu_ly"))
        && due < received
    {
        f.reject("han_xu_ly", "hạn xử lý trước ngày tiếp nhận");
    }
}

fn finished_after_received(row: &Row, f: &mut Fields) {
    if let (Some(received), Some(done)) = (
        instant(row, "ngay_tiep_nhan"),
        instant(row, "ngay_hoan_thanh"),
    ) && done < received
    {
        f.reject("ngay_hoan_thanh", "ngày hoàn thành trước ngày tiếp nhận");
    }
}

fn closed_has_finish(row: &Row, f: &mut Fields) {
    if let Some(s) = status(row)
        && CLOSED.contains(&s)
        && instant(row, "ngay_hoan_thanh").is_none()
        && f.errors.iter().all(|e| e.field != "ngay_hoan_thanh")
    {
        f.reject(
            "ngay_hoan_thanh",
            format!("trạng thái “{s}” nhưng không có ngày hoàn thành"),
        );
    }
}

fn open_has_no_finish(row: &Row, f: &mut Fields) {
    if let Some(s) = status(row)
        && !CLOSED.contains(&s)
        && instant(row, "ngay_hoan_thanh").is_some()
    {
        f.reject(
            "trang_thai",
            format!("trạng thái “{s}” (chưa xong) nhưng đã có ngày hoàn thành"),
        );
    }
}

fn rated_only_when_handled(row: &Row, f: &mut Fields) {
    if !matches!(row.get("danh_gia"), Value::Null) && status(row).is_some_and(|s| s != "da_xu_ly") {
        f.reject(
            "danh_gia",
            "chỉ phản ánh đã xử lý (da_xu_ly) mới được đánh giá",
        );
    }
}

fn public_only_when_closed(row: &Row, f: &mut Fields) {
    if row.get("cong_khai") == &Value::Flag(true)
        && status(row).is_some_and(|s| !CLOSED.contains(&s))
    {
        f.reject("cong_khai", "chưa xử lý xong nhưng đã công khai kết quả");
    }
}

fn recorded_after_events(row: &Row, f: &mut Fields) {
    let Some(updated) = instant(row, UPDATED) else {
        return;
    };
    if instant(row, "ngay_tiep_nhan").is_some_and(|t| updated < t) {
        f.reject(UPDATED, "thời điểm cập nhật trước ngày tiếp nhận");
    } else if instant(row, "ngay_hoan_thanh").is_some_and(|t| updated < t) {
        f.reject(UPDATED, "thời điểm cập nhật trước ngày hoàn thành");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::{Context, Input, read};
    use crate::extract::ExtractFile;
    use crate::{Batch, FileInfo, KhoGroup, Pseudonymiser, Ward};

    fn key() -> Pseudonymiser {
        Pseudonymiser::new(b"test-key-0123456789".to_vec()).unwrap()
    }

    /// Reads one page of these records with a one-khu-phố ward (KP01).
    fn read_page(records: Vec<serde_json::Value>) -> Batch {
        let ward = Ward::one_unit();
        let page = ExtractFile {
            info: FileInfo {
                path: "page-0001.json".to_string(),
                sha256: "00".to_string(),
                bytes: 0,
                rows: 0,
            },
            text: serde_json::json!({"page": 1, "totalPages": 1, "data": records}).to_string(),
        };
        let key = key();
        let ctx = Context {
            ward: &ward,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            pseudonymiser: &key,
            limits: crate::Limits::default(),
        };
        read(
            "petitions",
            &ctx,
            KhoGroup::DoThiMoiTruong,
            vec![(&dataset(), vec![Input::Page(&page)])],
        )
        .unwrap()
    }

    /// A handled, rated, published petition with `edit` applied (an empty value is null).
    fn petition(edit: &[(&str, &str)]) -> serde_json::Value {
        let mut v = serde_json::json!({
            "id": "PA1",
            "kenh": "DC4.0",
            "tieu_de": "Đèn đường hỏng",
            "ma_khu_pho": "KP01",
            "ngay_tiep_nhan": "2026-06-01T08:00:00+07:00",
            "han_xu_ly": "2026-06-04T08:00:00+07:00",
            "ngay_hoan_thanh": "2026-06-02T08:00:00+07:00",
            "trang_thai": "da_xu_ly",
            "cong_khai": 1,
            "danh_gia": "hai_long",
            "nguoi_phan_anh": "Nguyễn Văn An",
            "ngay_cap_nhat": "2026-06-02T09:00:00+07:00",
        });
        for (k, x) in edit {
            v[*k] = if x.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::String(x.to_string())
            };
        }
        v
    }

    /// The fields a petition with `edit` is refused on.
    fn refused_on(edit: &[(&str, &str)]) -> Vec<String> {
        read_page(vec![petition(edit)])
            .rejections
            .into_iter()
            .map(|r| r.field)
            .collect()
    }

    #[test]
    fn consistent_petitions_pass() {
        assert!(refused_on(&[]).is_empty());
        // open: no finish time, rating or publication
        assert!(
            refused_on(&[
                ("trang_thai", "dang_xu_ly"),
                ("ngay_hoan_thanh", ""),
                ("danh_gia", ""),
                ("cong_khai", "0"),
            ])
            .is_empty()
        );
        // refused, published, not rated; anonymous
        assert!(
            refused_on(&[
                ("trang_thai", "tu_choi"),
                ("danh_gia", ""),
                ("nguoi_phan_anh", "")
            ])
            .is_empty()
        );
    }

    #[test]
    fn inconsistent_petitions_are_refused_on_the_field_at_fault() {
        assert_eq!(
            refused_on(&[("han_xu_ly", "2026-05-31T08:00:00+07:00")]),
            ["han_xu_ly"]
        );
        assert_eq!(
            refused_on(&[("ngay_hoan_thanh", "2026-05-31T08:00:00+07:00")]),
            ["ngay_hoan_thanh"]
        );
        assert_eq!(refused_on(&[("ngay_hoan_thanh", "")]), ["ngay_hoan_thanh"]);
        assert_eq!(
            refused_on(&[
                ("trang_thai", "dang_xu_ly"),
                ("danh_gia", ""),
                ("cong_khai", "0")
            ]),
            ["trang_thai"]
        );
        assert_eq!(refused_on(&[("trang_thai", "tu_choi")]), ["danh_gia"]);
        assert_eq!(
            refused_on(&[
                ("trang_thai", "cho_tiep_nhan"),
                ("ngay_hoan_thanh", ""),
                ("danh_gia", "")
            ]),
            ["cong_khai"]
        );
        // recorded at 07:00, an hour before it was handled
        assert_eq!(
            refused_on(&[("ngay_cap_nhat", "2026-06-02T07:00:00+07:00")]),
            ["ngay_cap_nhat"]
        );
        assert_eq!(refused_on(&[("kenh", "Facebook")]), ["kenh"]);
        assert_eq!(refused_on(&[("ma_khu_pho", "KP99")]), ["ma_khu_pho"]);
        assert_eq!(refused_on(&[("ngay_cap_nhat", "")]), ["ngay_cap_nhat"]);
        let b = read_page(vec![petition(&[("danh_gia", "binh_thuong")])]);
        assert_eq!(
            b.rejections[0].reason,
            "phải là một trong: hai_long, khong_hai_long"
        );
    }

    #[test]
    fn the_latest_state_wins_and_two_states_at_one_time_conflict() {
        let open = petition(&[
            ("trang_thai", "dang_xu_ly"),
            ("ngay_hoan_thanh", ""),
            ("danh_gia", ""),
            ("cong_khai", "0"),
            ("ngay_cap_nhat", "2026-06-01T09:00:00+07:00"),
        ]);
        // the handled state first, the earlier open one after it: the handled one is kept
        let b = read_page(vec![petition(&[]), open.clone()]);
        assert!(b.rejections.is_empty());
        assert_eq!(b.counts.duplicates, 1);
        let t = &b.tables[0].rows.collect().unwrap()[0];
        let i = t.schema().index_of("trang_thai").unwrap();
        assert_eq!(
            arrow::array::AsArray::as_string::<i32>(t.column(i)).value(0),
            "da_xu_ly"
        );
        // the same time with another status: the second row is a conflict
        let mut clash = open;
        clash["ngay_cap_nhat"] = petition(&[])["ngay_cap_nhat"].clone();
        clash["trang_thai"] = "tu_choi".into();
        clash["ngay_hoan_thanh"] = petition(&[])["ngay_hoan_thanh"].clone();
        let b = read_page(vec![petition(&[]), clash]);
        assert_eq!(b.counts.quarantined, 1);
        assert_eq!(b.rejections[0].row, 2);
        assert_eq!(b.rejections[0].field, "id");
    }

    #[test]
    fn numbers_in_title_and_text_are_masked_and_people_are_tokens() {
        let mut p = petition(&[
            ("tieu_de", "Gọi 0912 345 678"),
            ("noi_dung", "Số nhà 12, gọi 0912345678"),
            ("so_dien_thoai", "0912345678"),
        ]);
        p["cong_khai"] = 0.into();
        let b = read_page(vec![p]);
        assert!(b.rejections.is_empty(), "{:?}", b.rejections);
        let t = &b.tables[0].rows.collect().unwrap()[0];
        let text = |name: &str| {
            let i = t.schema().index_of(name).unwrap();
            arrow::array::AsArray::as_string::<i32>(t.column(i))
                .value(0)
                .to_string()
        };
        assert_eq!(text("tieu_de"), "Gọi ***");
        assert_eq!(text("noi_dung"), "Số nhà 12, gọi ***");
        assert_eq!(
            text("nguoi_phan_anh"),
            key().token("Nguyễn Văn An").unwrap()
        );
        assert_eq!(text("so_dien_thoai"), key().token("0912345678").unwrap());
    }
}
