//! The ward's procedure catalogue (danh mục TTHC cấp xã) and how much each procedure is used.

use crate::SampleError;
use crate::output::{Output, csv_error, csv_finish, csv_writer};

/// One administrative procedure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Procedure {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) field: &'static str,
    /// Legal processing time in working days, which sets the due date.
    pub(crate) days: u32,
    pub(crate) online_service: bool,
    pub(crate) fully_online: bool,
    pub(crate) paper_result: bool,
    pub(crate) fee: bool,
    /// Share of the ward's dossiers, in percent.
    pub(crate) weight: f64,
}

pub(crate) const FIELDS: [(&str, &str); 13] = [
    ("HT", "Hộ tịch"),
    ("CT", "Chứng thực"),
    ("BTXH", "Bảo trợ xã hội"),
    ("NCC", "Người có công"),
    ("DD", "Đất đai"),
    ("XD", "Xây dựng"),
    ("KD", "Kinh doanh hộ cá thể"),
    ("VH", "Văn hóa cơ sở"),
    ("TDKT", "Thi đua - khen thưởng"),
    ("TG", "Tín ngưỡng, tôn giáo"),
    ("HG", "Hòa giải ở cơ sở"),
    ("GD", "Giáo dục và Đào tạo"),
    ("TE", "Trẻ em"),
];

const fn p(
    code: &'static str,
    name: &'static str,
    field: &'static str,
    days: u32,
    flags: [u8; 4],
    weight: f64,
) -> Procedure {
    Procedure {
        code,
        name,
        field,
        days,
        online_service: flags[0] == 1,
        fully_online: flags[1] == 1,
        paper_result: flags[2] == 1,
        fee: flags[3] == 1,
        weight,
    }
}

/// Flags are CoDVCTT, DuDieuKienToanTrinh, YeuCauKetQuaGiay, CoPhi. Codes follow the national
/// database's style; names follow the published ward-level catalogue after the 2025 reform, which
/// moved land, construction and household-business procedures to the commune level.
pub(crate) const PROCEDURES: [Procedure; 62] = [
    p("1.001193", "Đăng ký khai sinh", "HT", 1, [1, 1, 1, 0], 5.0),
    p("1.000894", "Đăng ký kết hôn", "HT", 1, [1, 1, 1, 0], 1.8),
    p("1.000656", "Đăng ký khai tử", "HT", 1, [1, 1, 1, 0], 1.2),
    p(
        "1.004873",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "HT",
        3,
        [1, 1, 0, 1],
        4.5,
    ),
    p(
        "1.001022",
        "Đăng ký nhận cha, mẹ, con",
        "HT",
        3,
        [1, 1, 1, 1],
        0.3,
    ),
    p(
        "1.000689",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
        "HT",
        3,
        [1, 1, 1, 1],
        0.3,
    ),
    p(
        "1.004746",
        "Đăng ký lại khai sinh",
        "HT",
        5,
        [1, 1, 1, 1],
        0.4,
    ),
    p(
        "1.004837",
        "Đăng ký lại kết hôn",
        "HT",
        5,
        [1, 0, 1, 1],
        0.1,
    ),
    p(
        "1.005461",
        "Đăng ký lại khai tử",
        "HT",
        5,
        [1, 0, 1, 1],
        0.1,
    ),
    p(
        "2.000635",
        "Cấp bản sao Trích lục hộ tịch",
        "HT",
        1,
        [1, 1, 0, 1],
        3.5,
    ),
    p(
        "1.004859",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc",
        "HT",
        3,
        [1, 1, 0, 1],
        1.0,
    ),
    p("1.004845", "Đăng ký giám hộ", "HT", 3, [1, 0, 0, 0], 0.05),
    p(
        "1.003583",
        "Đăng ký nuôi con nuôi trong nước",
        "HT",
        15,
        [1, 0, 1, 1],
        0.05,
    ),
    p(
        "1.001695",
        "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân",
        "HT",
        3,
        [1, 1, 1, 0],
        0.3,
    ),
    p(
        "2.002516",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        "HT",
        5,
        [1, 1, 0, 0],
        2.0,
    ),
    p(
        "2.002517",
        "Liên thông thủ tục hành chính về đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất, trợ cấp mai táng, hỗ trợ chi phí mai táng",
        "HT",
        5,
        [1, 1, 0, 0],
        0.8,
    ),
    p(
        "2.000908",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
        "CT",
        1,
        [1, 1, 0, 1],
        33.0,
    ),
    p(
        "2.000815",
        "Cấp bản sao từ sổ gốc",
        "CT",
        1,
        [1, 1, 0, 1],
        0.8,
    ),
    p(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)",
        "CT",
        1,
        [1, 1, 1, 1],
        7.0,
    ),
    p(
        "2.001035",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở",
        "CT",
        2,
        [1, 0, 1, 1],
        2.5,
    ),
    p(
        "2.001019",
        "Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là động sản, quyền sử dụng đất, nhà ở",
        "CT",
        3,
        [1, 0, 1, 1],
        0.4,
    ),
    p(
        "2.001016",
        "Chứng thực văn bản khai nhận di sản mà di sản là động sản, quyền sử dụng đất, nhà ở",
        "CT",
        3,
        [1, 0, 1, 1],
        0.3,
    ),
    p("2.001009", "Chứng thực di chúc", "CT", 2, [0, 0, 1, 1], 0.1),
    p(
        "2.001050",
        "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
        "CT",
        2,
        [1, 0, 1, 1],
        0.2,
    ),
    p(
        "2.000913",
        "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực",
        "CT",
        1,
        [1, 1, 0, 1],
        0.6,
    ),
    p(
        "2.000927",
        "Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật",
        "CT",
        1,
        [1, 1, 1, 1],
        0.2,
    ),
    p(
        "1.001776",
        "Trợ giúp xã hội thường xuyên đối với đối tượng bảo trợ xã hội (trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng)",
        "BTXH",
        15,
        [1, 1, 0, 0],
        0.8,
    ),
    p(
        "1.001758",
        "Điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng",
        "BTXH",
        7,
        [1, 1, 0, 0],
        0.4,
    ),
    p(
        "1.001753",
        "Thay đổi nơi nhận trợ cấp xã hội hằng tháng khi đối tượng thay đổi nơi cư trú",
        "BTXH",
        10,
        [1, 1, 0, 0],
        0.2,
    ),
    p(
        "1.001731",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "BTXH",
        3,
        [1, 1, 0, 0],
        0.3,
    ),
    p(
        "1.001699",
        "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
        "BTXH",
        15,
        [1, 0, 1, 0],
        0.4,
    ),
    p(
        "1.001653",
        "Đổi, cấp lại Giấy xác nhận khuyết tật",
        "BTXH",
        5,
        [1, 1, 1, 0],
        0.2,
    ),
    p(
        "1.000535",
        "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm",
        "BTXH",
        7,
        [1, 1, 0, 0],
        0.2,
    ),
    p(
        "1.000489",
        "Công nhận hộ thoát nghèo, hộ thoát cận nghèo trong năm",
        "BTXH",
        7,
        [1, 1, 0, 0],
        0.1,
    ),
    p(
        "1.010812",
        "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
        "NCC",
        12,
        [1, 1, 0, 0],
        0.1,
    ),
    p(
        "1.010815",
        "Giải quyết trợ cấp mai táng phí đối với thân nhân khi người có công với cách mạng từ trần",
        "NCC",
        7,
        [1, 1, 0, 0],
        0.1,
    ),
    p(
        "1.010826",
        "Cấp giấy xác nhận thân nhân của người có công",
        "NCC",
        5,
        [1, 1, 1, 0],
        0.1,
    ),
    p(
        "1.002519",
        "Giải quyết chế độ mai táng phí, trợ cấp một lần khi cựu chiến binh từ trần",
        "NCC",
        5,
        [1, 1, 0, 0],
        0.05,
    ),
    p(
        "1.012766",
        "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
        "DD",
        15,
        [1, 0, 1, 1],
        1.2,
    ),
    p(
        "1.012778",
        "Đăng ký biến động đất đai, tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất",
        "DD",
        10,
        [1, 0, 1, 1],
        2.5,
    ),
    p(
        "1.012784",
        "Cho phép chuyển mục đích sử dụng đất đối với hộ gia đình, cá nhân",
        "DD",
        15,
        [1, 0, 1, 1],
        0.6,
    ),
    p(
        "1.012790",
        "Tách thửa hoặc hợp thửa đất",
        "DD",
        15,
        [1, 0, 1, 1],
        0.7,
    ),
    p(
        "1.012795",
        "Cấp đổi, cấp lại Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "DD",
        7,
        [1, 1, 1, 1],
        0.8,
    ),
    p(
        "1.003554",
        "Hòa giải tranh chấp đất đai",
        "DD",
        15,
        [0, 0, 0, 0],
        0.2,
    ),
    p(
        "1.012801",
        "Cung cấp thông tin, dữ liệu đất đai",
        "DD",
        3,
        [1, 1, 0, 1],
        0.5,
    ),
    p(
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "XD",
        15,
        [1, 1, 1, 1],
        1.2,
    ),
    p(
        "1.009995",
        "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với nhà ở riêng lẻ",
        "XD",
        15,
        [1, 1, 1, 1],
        0.3,
    ),
    p(
        "1.009996",
        "Điều chỉnh giấy phép xây dựng đối với nhà ở riêng lẻ",
        "XD",
        10,
        [1, 1, 1, 1],
        0.1,
    ),
    p(
        "1.009997",
        "Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ",
        "XD",
        5,
        [1, 1, 1, 0],
        0.1,
    ),
    p(
        "1.009998",
        "Cấp lại giấy phép xây dựng đối với nhà ở riêng lẻ",
        "XD",
        5,
        [1, 1, 1, 1],
        0.05,
    ),
    p(
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        "KD",
        3,
        [1, 1, 0, 1],
        1.6,
    ),
    p(
        "2.000575",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "KD",
        3,
        [1, 1, 0, 1],
        0.9,
    ),
    p(
        "2.000614",
        "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
        "KD",
        3,
        [1, 1, 0, 0],
        0.5,
    ),
    p(
        "2.000421",
        "Chấm dứt hoạt động hộ kinh doanh",
        "KD",
        3,
        [1, 1, 0, 0],
        0.5,
    ),
    p(
        "2.000591",
        "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
        "KD",
        3,
        [1, 1, 0, 1],
        0.2,
    ),
    p(
        "2.000633",
        "Cấp Giấy phép bán lẻ rượu",
        "KD",
        10,
        [1, 1, 1, 1],
        0.1,
    ),
    p(
        "1.000954",
        "Xét tặng danh hiệu \"Gia đình văn hóa\" hằng năm",
        "VH",
        5,
        [1, 1, 0, 0],
        0.2,
    ),
    p(
        "1.003645",
        "Thông báo tổ chức lễ hội cấp xã",
        "VH",
        5,
        [1, 1, 0, 0],
        0.05,
    ),
    p(
        "1.000748",
        "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về thành tích thực hiện nhiệm vụ chính trị",
        "TDKT",
        10,
        [1, 1, 1, 0],
        0.1,
    ),
    p(
        "1.001055",
        "Đăng ký hoạt động tín ngưỡng",
        "TG",
        15,
        [1, 1, 0, 0],
        0.02,
    ),
    p(
        "2.000930",
        "Thủ tục công nhận hòa giải viên",
        "HG",
        3,
        [1, 1, 0, 0],
        0.03,
    ),
    p(
        "1.004443",
        "Cho phép nhóm trẻ, lớp mẫu giáo độc lập hoạt động giáo dục",
        "GD",
        15,
        [1, 0, 1, 0],
        0.02,
    ),
];

pub(crate) fn field_name(code: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, n)| *n)
}

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

pub(crate) const CATALOGUE_PATH: &str = "one_stop/danh_muc_tthc.csv";

/// Writes the catalogue; returns the number of procedures.
pub(crate) fn write(out: &mut Output) -> Result<usize, SampleError> {
    let (mut w, path) = csv_writer(out.create(CATALOGUE_PATH)?)?;
    let err = csv_error(&path);
    w.write_record([
        "MaTTHC",
        "TenTTHC",
        "MaLinhVuc",
        "TenLinhVuc",
        "CapThucHien",
        "CoDVCTT",
        "DuDieuKienToanTrinh",
        "YeuCauKetQuaGiay",
        "CoPhi",
    ])
    .map_err(&err)?;
    for p in &PROCEDURES {
        w.write_record([
            p.code,
            p.name,
            p.field,
            field_name(p.field),
            "Cấp xã",
            flag(p.online_service),
            flag(p.fully_online),
            flag(p.paper_result),
            flag(p.fee),
        ])
        .map_err(&err)?;
    }
    csv_finish(w, &path)?;
    Ok(PROCEDURES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        let mut codes: Vec<&str> = PROCEDURES.iter().map(|p| p.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PROCEDURES.len());
        assert!(PROCEDURES.iter().all(|p| !field_name(p.field).is_empty()));
        assert!(PROCEDURES.iter().all(|p| (1..=15).contains(&p.days)));
        let full = PROCEDURES.iter().filter(|p| p.fully_online).count() as f64;
        let share = full / PROCEDURES.len() as f64;
        assert!((0.65..0.85).contains(&share), "{share}");
        let offline = PROCEDURES.iter().filter(|p| !p.online_service).count();
        assert!((1..=3).contains(&offline));
    }
}
