//! Officers' uploads: the spreadsheets the ward's offices keep by hand (Đề án, Phụ lục 3
//! evaluations of "Gia đình số" and "Tổ dân phố số", training of officials in digital
//! skills, the business digital-platform survey, milestone statuses of I.8, III.1 and
//! III.2), declared as tables and validated like any extract.
//!
//! Each criterion of Phụ lục 3 is its own 0/1 column, so a unit's "đạt" can be computed from
//! the criteria (every one met) and checked against the officer's own verdict.

use crate::declared::{Column, Dataset, Kind, Row, Value, opt, req};
use crate::fields::Fields;
use crate::{KhoGroup, MergeRule};

/// One criterion of a Phụ lục 3 evaluation: its column and its wording in the Đề án.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    /// Field name in the upload.
    pub source: &'static str,
    /// Column name in the lake.
    pub name: &'static str,
    /// "Nhóm tiêu chí".
    pub group_vi: &'static str,
    /// "Điều kiện/tiêu chuẩn tối thiểu".
    pub condition_vi: &'static str,
}

/// Phụ lục 3, B. Gia đình số (đánh giá theo hộ).
pub const HOUSEHOLD_CRITERIA: [Criterion; 5] = [
    Criterion {
        source: "DinhDanhSo",
        name: "dinh_danh_so",
        group_vi: "Định danh số trong hộ",
        condition_vi: "Có tối thiểu 01–02 thành viên trưởng thành có VNeID sử dụng",
    },
    Criterion {
        source: "DichVuCongTrucTuyen",
        name: "dich_vu_cong_truc_tuyen",
        group_vi: "DVCTT trong hộ",
        condition_vi: "Hộ có phát sinh tối thiểu 01 giao dịch DVCTT hoặc tra cứu TTHC qua kênh số",
    },
    Criterion {
        source: "ThanhToanSo",
        name: "thanh_toan_so",
        group_vi: "Thanh toán số trong hộ",
        condition_vi: "Có tối thiểu 01 phương thức thanh toán số và sử dụng trong chi tiêu thiết yếu",
    },
    Criterion {
        source: "AnToanThongTin",
        name: "an_toan_thong_tin",
        group_vi: "An toàn thông tin",
        condition_vi: "Thành viên nắm khuyến cáo ATTT cơ bản",
    },
    Criterion {
        source: "KetNoiSoCongDong",
        name: "ket_noi_so_cong_dong",
        group_vi: "Kết nối số với cộng đồng",
        condition_vi: "Tham gia kênh thông tin số chính thống của TDP/phường",
    },
];

/// Phụ lục 3, C. Tổ dân phố số (đánh giá theo địa bàn).
pub const NEIGHBOURHOOD_CRITERIA: [Criterion; 6] = [
    Criterion {
        source: "ToChucDieuPhoiSo",
        name: "to_chuc_dieu_phoi_so",
        group_vi: "Tổ chức điều phối số",
        condition_vi: "Có đầu mối/tổ hỗ trợ số; kế hoạch hoạt động theo quý",
    },
    Criterion {
        source: "KenhThongTinSo",
        name: "kenh_thong_tin_so",
        group_vi: "Kênh thông tin số chính thống",
        condition_vi: "Có kênh truyền thông số/QR; nội dung tuyên truyền định kỳ",
    },
    Criterion {
        source: "HoTroDichVuCongVNeID",
        name: "ho_tro_dich_vu_cong_vneid",
        group_vi: "Hỗ trợ DVCTT-VNeID",
        condition_vi: "Có hoạt động hỗ trợ định kỳ “cầm tay chỉ việc”",
    },
    Criterion {
        source: "ThanhToanSoDiaBan",
        name: "thanh_toan_so_dia_ban",
        group_vi: "Thanh toán số tại địa bàn",
        condition_vi: "Tuyên truyền/nhân rộng điểm chấp nhận thanh toán số",
    },
    Criterion {
        source: "PhanAnhHienTruongSo",
        name: "phan_anh_hien_truong_so",
        group_vi: "Phản ánh hiện trường số",
        condition_vi: "Hướng dẫn phản ánh qua kênh số; theo dõi xử lý",
    },
    Criterion {
        source: "AnToanThongTinCongDong",
        name: "an_toan_thong_tin_cong_dong",
        group_vi: "An toàn thông tin cộng đồng",
        condition_vi: "Tuyên truyền ATTT tối thiểu 01 lần/quý",
    },
];

/// The officer's verdict on a household or a tổ dân phố.
pub const VERDICTS: [&str; 2] = ["Đạt", "Chưa đạt"];
/// Outcome of one official in one course.
pub const TRAINING_RESULTS: [&str; 3] = ["Đạt", "Không đạt", "Vắng"];
/// How a course was held.
pub const TRAINING_MODES: [&str; 3] = ["Trực tiếp", "Trực tuyến", "Kết hợp"];
/// Kinds of business in the survey.
pub const BUSINESS_KINDS: [&str; 2] = ["Doanh nghiệp", "Hộ kinh doanh"];
/// Indicators of Phụ lục 1 measured by a milestone rather than a ratio.
pub const MILESTONE_INDICATORS: [&str; 3] = ["I.8", "III.1", "III.2"];
/// Status of a milestone.
pub const MILESTONE_STATUSES: [&str; 3] = ["Chưa bắt đầu", "Đang thực hiện", "Hoàn thành"];

/// Status of a 6 rõ task as its lead unit reports it.
pub const TASK_STATUSES: [&str; 3] = MILESTONE_STATUSES;

/// The survey's kinds of digital platform (Phụ lục 1, II.6: quản trị, bán hàng, thanh toán,
/// hóa đơn điện tử); a business using any of them counts.
pub const PLATFORM_FLAGS: [&str; 4] = [
    "quan_tri_so",
    "ban_hang_so",
    "thanh_toan_khong_tien_mat",
    "hoa_don_dien_tu",
];

/// Hours a course can hold in one day; more is a typing error.
pub const MAX_HOURS_PER_DAY: i128 = 10;

const fn flag(c: &Criterion) -> Column {
    req(c.source, c.name, Kind::Flag)
}

const H: &[Criterion; 5] = &HOUSEHOLD_CRITERIA;
const N: &[Criterion; 6] = &NEIGHBOURHOOD_CRITERIA;

const HOUSEHOLD_COLUMNS: [Column; 11] = [
    req("NgayDanhGia", "ngay_danh_gia", Kind::Date),
    req("MaKhuPho", "ma_khu_pho", Kind::Unit),
    req("MaHo", "ma_ho", Kind::Text),
    req("ChuHo", "chu_ho", Kind::Personal),
    flag(&H[0]),
    flag(&H[1]),
    flag(&H[2]),
    flag(&H[3]),
    flag(&H[4]),
    opt("KetQua", "ket_qua", Kind::Code(&VERDICTS)),
    opt("MinhChung", "minh_chung", Kind::FreeText),
];

const NEIGHBOURHOOD_COLUMNS: [Column; 11] = [
    req("NgayDanhGia", "ngay_danh_gia", Kind::Date),
    req("MaKhuPho", "ma_khu_pho", Kind::Unit),
    opt("TenKhuPho", "ten_khu_pho", Kind::Text),
    flag(&N[0]),
    flag(&N[1]),
    flag(&N[2]),
    flag(&N[3]),
    flag(&N[4]),
    flag(&N[5]),
    opt("KetQua", "ket_qua", Kind::Code(&VERDICTS)),
    opt("MinhChung", "minh_chung", Kind::FreeText),
];

const TRAINING_COLUMNS: [Column; 10] = [
    req("MaCanBo", "ma_can_bo", Kind::Text),
    req("HoTen", "ho_ten", Kind::Personal),
    req("ChucVu", "chuc_vu", Kind::Text),
    opt("DonVi", "don_vi", Kind::Text),
    req("KhoaHoc", "khoa_hoc", Kind::Text),
    opt("HinhThuc", "hinh_thuc", Kind::Code(&TRAINING_MODES)),
    req("TuNgay", "tu_ngay", Kind::Date),
    opt("DenNgay", "den_ngay", Kind::Date),
    req("SoGio", "so_gio", Kind::Decimal { scale: 1 }),
    req("KetQua", "ket_qua", Kind::Code(&TRAINING_RESULTS)),
];

const BUSINESS_COLUMNS: [Column; 11] = [
    req("NgayKhaoSat", "ngay_khao_sat", Kind::Date),
    req("MaCoSo", "ma_co_so", Kind::Text),
    req("TenCoSo", "ten_co_so", Kind::Text),
    req("LoaiHinh", "loai_hinh", Kind::Code(&BUSINESS_KINDS)),
    opt("NganhNghe", "nganh_nghe", Kind::Text),
    req("MaKhuPho", "ma_khu_pho", Kind::Unit),
    req("QuanTriSo", "quan_tri_so", Kind::Flag),
    req("BanHangSo", "ban_hang_so", Kind::Flag),
    req(
        "ThanhToanKhongTienMat",
        "thanh_toan_khong_tien_mat",
        Kind::Flag,
    ),
    req("HoaDonDienTu", "hoa_don_dien_tu", Kind::Flag),
    opt("NenTang", "nen_tang", Kind::Text),
];

const MILESTONE_COLUMNS: [Column; 7] = [
    req(
        "MaChiTieu",
        "ma_chi_tieu",
        Kind::Code(&MILESTONE_INDICATORS),
    ),
    req(
        "MocNam",
        "moc_nam",
        Kind::Int {
            min: 2020,
            max: 2100,
        },
    ),
    req("MocTienDo", "moc_tien_do", Kind::Text),
    req("TrangThai", "trang_thai", Kind::Code(&MILESTONE_STATUSES)),
    req("NgayCapNhat", "ngay_cap_nhat", Kind::Date),
    opt("MinhChung", "minh_chung", Kind::Text),
    req("DonViChuTri", "don_vi_chu_tri", Kind::Text),
];

const TASK_COLUMNS: [Column; 6] = [
    req("MaNhiemVu", "ma_nhiem_vu", Kind::Text),
    req("TrangThai", "trang_thai", Kind::Code(&TASK_STATUSES)),
    req("NgayCapNhat", "ngay_cap_nhat", Kind::Date),
    opt("NgayHoanThanh", "ngay_hoan_thanh", Kind::Date),
    opt("MinhChung", "minh_chung", Kind::Text),
    opt("DonViBaoCao", "don_vi_bao_cao", Kind::Text),
];

const COUNT: Kind = Kind::Int {
    min: 0,
    max: 10_000_000,
};

const PAYMENT_COLUMNS: [Column; 6] = [
    req("NgayTongHop", "ngay_tong_hop", Kind::Date),
    req("MaKhuPho", "ma_khu_pho", Kind::Unit),
    req("NguoiTruongThanh", "nguoi_truong_thanh", COUNT),
    req("CoTaiKhoanThanhToanSo", "co_tai_khoan", COUNT),
    req("CoGiaoDichThanhToanSo", "co_giao_dich", COUNT),
    opt("DiemHoTro", "diem_ho_tro", Kind::Text),
];

/// The officers' uploads, by the name pipelines.toml gives their file lists. Officials'
/// training is filed with "Văn hóa – xã hội", which Phụ lục 2 ties to digital skills;
/// milestones, like the one-stop tables, with "Dân cư – Tổ dân phố", since the ward's own
/// administration has no group of its own.
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "uploads",
    tables: &[
        table("households", KhoGroup::DanCu, households),
        table("neighbourhoods", KhoGroup::DanCu, neighbourhoods),
        table("training", KhoGroup::VanHoaXaHoi, training),
        table("businesses", KhoGroup::KinhDoanh, businesses),
        table("milestones", KhoGroup::DanCu, milestones),
        table("tasks", KhoGroup::DanCu, tasks),
        table("payments", KhoGroup::DanCu, payments),
    ],
    reader: crate::source::Reader::Declared,
    by_file_name: false,
    pages: None,
    lookups: &[],
    url_env: "CHISO_UPLOADS_DB_URL",
};

const fn table(
    id: &'static str,
    group: KhoGroup,
    dataset: fn() -> Dataset,
) -> crate::source::Table {
    crate::source::Table {
        id,
        group,
        dataset: Some(dataset),
    }
}

/// "Gia đình số" evaluations: one household at one evaluation date, a flag per criterion of
/// Phụ lục 3 B. A corrected sheet sent again replaces the rows it changes.
pub fn households() -> Dataset {
    Dataset {
        table: "household_evaluations",
        description: "Đánh giá “Gia đình số” theo hộ: mỗi tiêu chí Phụ lục 3 B là một cột 0/1 \
                      (tên chủ hộ đã mã hóa)",
        columns: &HOUSEHOLD_COLUMNS,
        key: &["ma_ho", "ngay_danh_gia"],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_khu_pho"),
        rules: &[household_verdict],
    }
}

/// "Tổ dân phố số" evaluations: one khu phố at one evaluation date, a flag per criterion of
/// Phụ lục 3 C.
pub fn neighbourhoods() -> Dataset {
    Dataset {
        table: "neighbourhood_evaluations",
        description: "Đánh giá “Tổ dân phố số” theo khu phố: mỗi tiêu chí Phụ lục 3 C là một \
                      cột 0/1",
        columns: &NEIGHBOURHOOD_COLUMNS,
        key: &["ma_khu_pho", "ngay_danh_gia"],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_khu_pho"),
        rules: &[neighbourhood_verdict],
    }
}

/// Officials trained in digital skills (I.6): one official in one course.
pub fn training() -> Dataset {
    Dataset {
        table: "official_training",
        description: "Cán bộ, công chức, viên chức tham gia bồi dưỡng, tập huấn kỹ năng số: \
                      khóa học, thời gian, số giờ, kết quả (họ tên đã mã hóa)",
        columns: &TRAINING_COLUMNS,
        key: &["ma_can_bo", "khoa_hoc", "tu_ngay"],
        merge: MergeRule::Upsert,
        unit_column: None,
        rules: &[course_dates, course_hours],
    }
}

/// The business digital-platform survey (II.6): one business at one survey date.
pub fn businesses() -> Dataset {
    Dataset {
        table: "business_survey",
        description: "Khảo sát doanh nghiệp, hộ kinh doanh sử dụng nền tảng số: quản trị, bán \
                      hàng, thanh toán không dùng tiền mặt, hóa đơn điện tử",
        columns: &BUSINESS_COLUMNS,
        key: &["ma_co_so", "ngay_khao_sat"],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_khu_pho"),
        rules: &[platforms_named_and_ticked],
    }
}

/// Milestone statuses of I.8, III.1 and III.2: one status report of one milestone at one
/// date; the history is kept, so the status at any period's end can be read back.
pub fn milestones() -> Dataset {
    Dataset {
        table: "milestone_statuses",
        description: "Trạng thái mốc tiến độ của chỉ tiêu I.8, III.1, III.2 theo ngày cập nhật, \
                      kèm minh chứng và đơn vị chủ trì",
        columns: &MILESTONE_COLUMNS,
        key: &["ma_chi_tieu", "moc_nam", "ngay_cap_nhat"],
        merge: MergeRule::Upsert,
        unit_column: None,
        rules: &[done_needs_evidence],
    }
}

/// Status reports of the 6 rõ tasks (`data/plans/`): one report of one task at one date; the
/// history is kept, so a task's state at any date can be read back.
pub fn tasks() -> Dataset {
    Dataset {
        table: "task_statuses",
        description: "Báo cáo tiến độ nhiệm vụ “6 rõ”: trạng thái, ngày hoàn thành, minh chứng, \
                      đơn vị báo cáo",
        columns: &TASK_COLUMNS,
        key: &["ma_nhiem_vu", "ngay_cap_nhat"],
        merge: MergeRule::Upsert,
        unit_column: None,
        rules: &[task_done_has_date_and_evidence],
    }
}

/// Digital-payment tallies per khu phố (II.3), as the community digital-technology teams
/// collect them by round: adults, those with a digital payment account, those who also paid.
pub fn payments() -> Dataset {
    Dataset {
        table: "digital_payment_survey",
        description: "Tổng hợp theo đợt người trưởng thành có tài khoản thanh toán số và có phát \
                      sinh giao dịch, theo khu phố",
        columns: &PAYMENT_COLUMNS,
        key: &["ma_khu_pho", "ngay_tong_hop"],
        merge: MergeRule::Upsert,
        unit_column: Some("ma_khu_pho"),
        rules: &[payments_nested],
    }
}

fn task_done_has_date_and_evidence(row: &Row, f: &mut Fields) {
    let done = matches!(row.get("trang_thai"), Value::Text(s) if s == "Hoàn thành");
    if done && row.get("ngay_hoan_thanh") == &Value::Null {
        f.reject(
            "NgayHoanThanh",
            "nhiệm vụ “Hoàn thành” phải có ngày hoàn thành",
        );
    }
    if done && row.get("minh_chung") == &Value::Null {
        f.reject(
            "MinhChung",
            "nhiệm vụ “Hoàn thành” phải có minh chứng (số, ngày văn bản, biên bản hoặc đường dẫn)",
        );
    }
    if let (Some(d), Some(u)) = (
        row.get("ngay_hoan_thanh").as_date(),
        row.get("ngay_cap_nhat").as_date(),
    ) && d > u
    {
        f.reject("NgayHoanThanh", "ngày hoàn thành sau ngày cập nhật báo cáo");
    }
}

/// Those who paid are among those with an account, who are among the adults.
fn payments_nested(row: &Row, f: &mut Fields) {
    let n = |c: &str| match row.get(c) {
        Value::Int(v) => Some(*v),
        _ => None,
    };
    if let (Some(adults), Some(account), Some(paid)) = (
        n("nguoi_truong_thanh"),
        n("co_tai_khoan"),
        n("co_giao_dich"),
    ) {
        if account > adults {
            f.reject(
                "CoTaiKhoanThanhToanSo",
                "số người có tài khoản lớn hơn số người trưởng thành",
            );
        } else if paid > account {
            f.reject(
                "CoGiaoDichThanhToanSo",
                "số người có giao dịch lớn hơn số người có tài khoản thanh toán số",
            );
        }
    }
}

fn household_verdict(row: &Row, f: &mut Fields) {
    verdict(row, f, &HOUSEHOLD_CRITERIA, "hộ");
}

fn neighbourhood_verdict(row: &Row, f: &mut Fields) {
    verdict(row, f, &NEIGHBOURHOOD_CRITERIA, "khu phố");
}

/// Phụ lục 3: a unit is "đạt" only when it meets every criterion, so an officer's verdict
/// that says otherwise is a mistake in one of the two.
fn verdict(row: &Row, f: &mut Fields, criteria: &[Criterion], unit: &str) {
    let Value::Text(verdict) = row.get("ket_qua") else {
        return;
    };
    let mut unmet = Vec::new();
    for c in criteria {
        match row.get(c.name) {
            Value::Flag(true) => {}
            Value::Flag(false) => unmet.push(c.group_vi),
            // an unreadable criterion is already an error of its own
            _ => return,
        }
    }
    if verdict == VERDICTS[0] && !unmet.is_empty() {
        f.reject(
            "KetQua",
            format!(
                "kết luận “Đạt” nhưng chưa đạt tiêu chí: {}; {unit} chỉ đạt khi đạt tất cả \
                 tiêu chí",
                unmet.join("; ")
            ),
        );
    } else if verdict == VERDICTS[1] && unmet.is_empty() {
        f.reject(
            "KetQua",
            format!(
                "kết luận “Chưa đạt” nhưng đạt đủ {} tiêu chí; kiểm tra lại kết luận hoặc các \
                 tiêu chí",
                criteria.len()
            ),
        );
    }
}

fn course_dates(row: &Row, f: &mut Fields) {
    if let (Some(from), Some(to)) = (row.get("tu_ngay").as_date(), row.get("den_ngay").as_date())
        && to < from
    {
        f.reject("DenNgay", "ngày kết thúc khóa học trước ngày bắt đầu");
    }
}

fn course_hours(row: &Row, f: &mut Fields) {
    let Value::Decimal(tenths) = row.get("so_gio") else {
        return;
    };
    if *tenths == 0 {
        f.reject("SoGio", "số giờ học phải lớn hơn 0");
        return;
    }
    let Some(from) = row.get("tu_ngay").as_date() else {
        return;
    };
    let to = row.get("den_ngay").as_date().unwrap_or(from);
    if to < from {
        return;
    }
    let days = i128::from(to - from) + 1;
    if *tenths > MAX_HOURS_PER_DAY * 10 * days {
        f.reject(
            "SoGio",
            format!(
                "số giờ học vượt quá {MAX_HOURS_PER_DAY} giờ mỗi ngày của khóa học ({days} ngày)"
            ),
        );
    }
}

fn platforms_named_and_ticked(row: &Row, f: &mut Fields) {
    let named = matches!(row.get("nen_tang"), Value::Text(_));
    let ticked = PLATFORM_FLAGS
        .iter()
        .any(|c| row.get(c) == &Value::Flag(true));
    // an unreadable flag is already an error of its own
    let read = PLATFORM_FLAGS
        .iter()
        .all(|c| matches!(row.get(c), Value::Flag(_)));
    if named && read && !ticked {
        f.reject(
            "NenTang",
            "có ghi tên nền tảng nhưng không đánh dấu sử dụng nền tảng nào (quản trị, bán hàng, \
             thanh toán, hóa đơn điện tử)",
        );
    }
}

fn done_needs_evidence(row: &Row, f: &mut Fields) {
    let done = matches!(row.get("trang_thai"), Value::Text(s) if s == "Hoàn thành");
    if done && row.get("minh_chung") == &Value::Null {
        f.reject(
            "MinhChung",
            "mốc “Hoàn thành” phải có minh chứng (số, ngày văn bản, biên bản hoặc đường dẫn)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_criterion_has_its_own_flag_column() {
        let h = households();
        for c in HOUSEHOLD_CRITERIA {
            let col = h.columns.iter().find(|col| col.name == c.name);
            assert_eq!(
                col.map(|c| (c.source, c.kind)),
                Some((c.source, Kind::Flag))
            );
        }
        let n = neighbourhoods();
        for c in NEIGHBOURHOOD_CRITERIA {
            assert!(
                n.columns
                    .iter()
                    .any(|col| col.name == c.name && col.required)
            );
        }
        // the key columns exist in every table
        for t in SYSTEM.tables {
            let d = t.dataset.expect("a declared table")();
            for k in d.key {
                assert!(d.columns.iter().any(|c| c.name == *k), "{} {k}", d.table);
            }
        }
    }
}
