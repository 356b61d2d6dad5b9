//! Petitions (phản ánh, kiến nghị) from the DC4.0 app, the market app, Zalo OA and the hotline,
//! as paged JSON. Times carry their offset, as the DC4.0 API sends them.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::calendar::{Month, add_working_days, at, is_working_day};
use crate::names::{Person, in_sentence};
use crate::output::{Output, push_json_str};
use crate::pages::PageWriter;
use crate::period::{Period, ramp};
use crate::rng::{Rng, Weighted, pick_weighted};
use crate::{SampleError, SampleSpec};

pub(crate) const DIR: &str = "petitions";
/// About 250 petitions a month at scale 1.
const PER_MONTH: f64 = 250.0;

/// Deadline classes of Đà Nẵng's 1022 rule, in working days.
const URGENT: u32 = 1;
const QUICK: u32 = 3;
const NORMAL: u32 = 15;

const STREETS: [&str; 14] = [
    "Phú Riềng Đỏ",
    "Hùng Vương",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Lê Quý Đôn",
    "Quốc lộ 14",
    "ĐT 741",
    "Lê Duẩn",
    "Hai Bà Trưng",
    "Tôn Đức Thắng",
    "Nguyễn Văn Linh",
    "Trường Chinh",
    "Lý Thường Kiệt",
    "Huỳnh Văn Nghệ",
];

/// (field, title, text, deadline class); `{s}` is a street, `{k}` the khu phố's name.
type Template = (&'static str, &'static str, &'static str, u32);

const TEMPLATES: [(Template, f64); 20] = [
    (
        (
            "Đô thị – Môi trường",
            "Rác thải tập kết sai nơi quy định trên đường {s}",
            "Người dân đổ rác sinh hoạt ra lề đường {s} ({k}) nhiều ngày chưa được thu gom, gây mùi hôi.",
            QUICK,
        ),
        9.0,
    ),
    (
        (
            "Đô thị – Môi trường",
            "Nước thải chảy tràn ra đường {s}",
            "Nước thải từ khu dân cư chảy tràn ra mặt đường {s}, gây ô nhiễm và trơn trượt.",
            QUICK,
        ),
        4.0,
    ),
    (
        (
            "Đô thị – Môi trường",
            "Đốt rác gây khói bụi tại {k}",
            "Một số hộ dân thường xuyên đốt rác vào buổi tối, khói bay vào nhà dân xung quanh.",
            QUICK,
        ),
        3.0,
    ),
    (
        (
            "Đô thị – Môi trường",
            "Lấn chiếm vỉa hè để kinh doanh trên đường {s}",
            "Các hộ kinh doanh bày hàng hóa lấn chiếm toàn bộ vỉa hè đường {s}, người đi bộ phải xuống lòng đường.",
            QUICK,
        ),
        6.0,
    ),
    (
        (
            "Đô thị – Môi trường",
            "Cây xanh có nguy cơ gãy đổ trên đường {s}",
            "Cây xanh lớn trên vỉa hè đường {s} bị nghiêng, nhánh khô có nguy cơ rơi xuống người đi đường.",
            URGENT,
        ),
        2.0,
    ),
    (
        (
            "An ninh trật tự",
            "Hát karaoke gây ồn sau 22 giờ tại {k}",
            "Hộ dân mở loa kéo hát karaoke đến khuya, ảnh hưởng đến việc nghỉ ngơi của người dân xung quanh.",
            QUICK,
        ),
        7.0,
    ),
    (
        (
            "An ninh trật tự",
            "Thanh thiếu niên tụ tập đua xe trên đường {s}",
            "Nhóm thanh thiếu niên thường tụ tập chạy xe tốc độ cao, nẹt pô trên đường {s} vào ban đêm.",
            URGENT,
        ),
        2.5,
    ),
    (
        (
            "An ninh trật tự",
            "Nghi vấn trộm cắp tài sản tại {k}",
            "Trong tuần qua nhiều hộ dân ở {k} bị mất trộm xe đạp, điện thoại; đề nghị tăng cường tuần tra.",
            URGENT,
        ),
        2.0,
    ),
    (
        (
            "An ninh trật tự",
            "Đậu đỗ xe ô tô lấn chiếm lòng đường {s}",
            "Xe ô tô đậu kéo dài hai bên đường {s}, gây cản trở giao thông giờ cao điểm.",
            QUICK,
        ),
        3.0,
    ),
    (
        (
            "An toàn thực phẩm",
            "Cơ sở kinh doanh thực phẩm không rõ nguồn gốc trên đường {s}",
            "Cơ sở bán thực phẩm đông lạnh không có nhãn mác, không rõ nguồn gốc xuất xứ.",
            NORMAL,
        ),
        2.5,
    ),
    (
        (
            "An toàn thực phẩm",
            "Quán ăn không đảm bảo vệ sinh tại {k}",
            "Quán ăn để thực phẩm sống chín lẫn lộn, khu chế biến mất vệ sinh.",
            NORMAL,
        ),
        2.0,
    ),
    (
        (
            "Hạ tầng",
            "Đèn chiếu sáng công cộng hư hỏng trên đường {s}",
            "Nhiều bóng đèn chiếu sáng trên đường {s} không hoạt động, ban đêm rất tối, dễ xảy ra tai nạn.",
            QUICK,
        ),
        7.0,
    ),
    (
        (
            "Hạ tầng",
            "Mặt đường hư hỏng, nhiều ổ gà trên đường {s}",
            "Mặt đường {s} xuất hiện nhiều ổ gà lớn, mưa xuống đọng nước, người đi xe máy dễ té ngã.",
            QUICK,
        ),
        6.0,
    ),
    (
        (
            "Hạ tầng",
            "Nắp hố ga bị vỡ tại {k}",
            "Nắp hố ga trong hẻm bị vỡ, nguy hiểm cho trẻ em và người đi đường.",
            URGENT,
        ),
        2.0,
    ),
    (
        (
            "Hạ tầng",
            "Ngập nước cục bộ khi mưa trên đường {s}",
            "Mỗi khi mưa lớn, đoạn đường {s} ngập sâu, nước tràn vào nhà dân.",
            QUICK,
        ),
        3.5,
    ),
    (
        (
            "Hạ tầng",
            "Dây điện, cáp viễn thông treo thấp tại {k}",
            "Dây cáp viễn thông bị đứt, treo lơ lửng thấp trên hẻm, xe tải đi qua dễ vướng.",
            QUICK,
        ),
        2.5,
    ),
    (
        (
            "Chợ",
            "Sạp hàng lấn chiếm lối đi trong chợ",
            "Một số sạp bày hàng ra lối đi chung, khách vào chợ đi lại khó khăn.",
            QUICK,
        ),
        3.0,
    ),
    (
        (
            "Chợ",
            "Vệ sinh khu bán thủy hải sản trong chợ kém",
            "Nước thải khu bán cá chảy ra lối đi, mùi hôi nồng nặc.",
            QUICK,
        ),
        2.0,
    ),
    (
        (
            "Chợ",
            "Nghi vấn cân thiếu trọng lượng tại chợ",
            "Người mua phản ánh một số sạp sử dụng cân sai, cân thiếu trọng lượng.",
            NORMAL,
        ),
        1.5,
    ),
    (
        (
            "Chợ",
            "Thắc mắc về mức thu phí sạp chợ",
            "Tiểu thương đề nghị Ban quản lý chợ công khai mức thu phí và giải thích khoản tăng phí.",
            NORMAL,
        ),
        1.0,
    ),
];

/// Handled by the ward's offices, or for small matters by the khu phố's board.
fn handler(spec: &SampleSpec, field: &str, unit_name: &str, rng: &mut Rng) -> String {
    let ward = in_sentence(&spec.ward.name);
    if field != "Chợ" && rng.chance(0.1) {
        return format!("Ban điều hành {unit_name}");
    }
    match field {
        "An ninh trật tự" => format!("Công an {ward}"),
        "An toàn thực phẩm" => "Phòng Văn hóa - Xã hội".to_string(),
        "Chợ" => spec.ward.markets.first().map_or_else(
            || "Phòng Kinh tế, Hạ tầng và Đô thị".to_string(),
            |m| format!("Ban quản lý {}", m.name),
        ),
        _ => "Phòng Kinh tế, Hạ tầng và Đô thị".to_string(),
    }
}

fn iso(t: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+07:00",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Due time: `days` working days after reception; what arrives outside office hours counts from
/// the next working morning.
fn due(received: NaiveDateTime, days: u32) -> NaiveDateTime {
    let d = received.date();
    let minute = received.hour() * 60 + received.minute();
    let in_hours = is_working_day(d) && (7 * 60..17 * 60).contains(&minute);
    if in_hours {
        at(
            add_working_days(d, days),
            received.hour(),
            received.minute(),
            0,
        )
    } else {
        let start = if is_working_day(d) && minute < 7 * 60 {
            d
        } else {
            add_working_days(d, 1)
        };
        at(add_working_days(start, days - 1), 17, 0, 0)
    }
}

struct Petition {
    received: NaiveDateTime,
    /// The JSON object after its id, which is known once the month is sorted.
    rest: String,
}

fn month_count(spec: &SampleSpec, period: &Period, month: Month) -> u64 {
    let mut rng = Rng::stream(
        spec.seed,
        "petition-count",
        period.month_index(month) as u64,
    );
    let t = period.progress(month);
    let expected =
        PER_MONTH * spec.scale * ramp(0.9, 1.15, t) * (1.0 + 0.06 * rng.normal()).max(0.5);
    rng.round_random(expected)
}

/// Writes the petition pages; returns the number of petitions.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
) -> Result<usize, SampleError> {
    let counts: Vec<(Month, u64)> = period
        .months()
        .map(|m| (m, month_count(spec, period, m)))
        .collect();
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let mut pages = PageWriter::new(out, DIR, total as usize)?;
    let units = &spec.ward.units;
    let unit_weights = Weighted::new(units.iter().map(|u| f64::from(u.population)));
    let templates: Vec<(usize, f64)> = TEMPLATES
        .iter()
        .enumerate()
        .map(|(i, (t, w))| {
            let market = t.0 == "Chợ";
            (
                i,
                if market && spec.ward.markets.is_empty() {
                    0.0
                } else {
                    *w
                },
            )
        })
        .collect();
    for (month, n) in counts {
        let mut rng = Rng::stream(spec.seed, "petitions", period.month_index(month) as u64);
        let t = period.progress(month);
        let days: Vec<NaiveDate> = month.days().collect();
        let mut petitions: Vec<Petition> = (0..n)
            .map(|_| {
                let day = rng.pick(&days);
                // People write from morning to late evening.
                let received = at(
                    day,
                    6 + rng.below(16) as u32,
                    rng.below(60) as u32,
                    rng.below(60) as u32,
                );
                let unit = unit_weights.sample(&mut rng);
                let template = pick_weighted(&mut rng, &templates);
                Petition {
                    received,
                    rest: petition_json(spec, period, &mut rng, t, received, unit, template),
                }
            })
            .collect();
        petitions.sort_by_key(|p| p.received);
        for (i, p) in petitions.iter().enumerate() {
            let id = format!("PA{:02}{:02}-{:05}", month.year % 100, month.month, i + 1);
            let mut s = String::with_capacity(p.rest.len() + 32);
            s.push_str("{\"id\": ");
            push_json_str(&mut s, &id);
            s.push_str(&p.rest);
            pages.push(&s)?;
        }
    }
    pages.finish()?;
    Ok(total as usize)
}

/// The record after its id: `, "kenh": …}`.
fn petition_json(
    spec: &SampleSpec,
    period: &Period,
    rng: &mut Rng,
    t: f64,
    received: NaiveDateTime,
    unit: usize,
    template: usize,
) -> String {
    let u = &spec.ward.units[unit];
    let ((field, title, text, class), _) = TEMPLATES[template];
    let street = rng.pick(&STREETS);
    let fill = |s: &str| s.replace("{s}", street).replace("{k}", &u.name);
    let channel = if field == "Chợ" {
        pick_weighted(
            rng,
            &[
                ("App chợ", 0.6),
                ("Zalo OA", 0.25),
                ("Đường dây nóng", 0.15),
            ],
        )
    } else if u.pilot && rng.chance(ramp(0.3, 0.7, t)) {
        "DC4.0"
    } else if rng.chance(0.65) {
        "Zalo OA"
    } else {
        "Đường dây nóng"
    };
    let due_at = due(received, class);
    let end = period.end;
    let refused = rng.chance(0.03);
    let late = !refused && rng.chance(0.08);
    let finished = if refused {
        received + Duration::minutes(rng.range(60, 60 * 30))
    } else if late {
        due_at + Duration::minutes(rng.range(120, 60 * 24 * 4))
    } else {
        let span = (due_at - received).num_seconds().max(600);
        received + Duration::seconds(600 + (rng.f64().powf(1.4) * (span - 600) as f64) as i64)
    };
    let accepted_after = Duration::minutes(rng.range(10, 60 * 20));
    // `updated` is when the state sent was recorded: the app re-sends a petition at each
    // change of status, and the state recorded last is the current one
    let (status, done, updated) = if finished <= end {
        (
            if refused { "tu_choi" } else { "da_xu_ly" },
            Some(finished),
            finished,
        )
    } else if received + accepted_after > end {
        ("cho_tiep_nhan", None, received)
    } else {
        ("dang_xu_ly", None, received + accepted_after)
    };
    let public = status == "da_xu_ly" && rng.chance(ramp(0.7, 0.85, t));
    let rating = if status == "da_xu_ly" && rng.chance(0.55) {
        let unhappy = if late { 0.55 } else { 0.08 };
        Some(if rng.chance(unhappy) {
            "khong_hai_long"
        } else {
            "hai_long"
        })
    } else {
        None
    };
    let anonymous = channel == "Đường dây nóng" && rng.chance(0.15);
    let person = Person::generate(rng);
    let handler = handler(spec, field, &u.name, rng);

    let mut a = String::with_capacity(768);
    let field_str = |out: &mut String, name: &str, v: Option<&str>| {
        out.push_str(", \"");
        out.push_str(name);
        out.push_str("\": ");
        match v {
            Some(v) => push_json_str(out, v),
            None => out.push_str("null"),
        }
    };
    field_str(&mut a, "kenh", Some(channel));
    field_str(&mut a, "tieu_de", Some(&fill(title)));
    field_str(&mut a, "noi_dung", Some(&fill(text)));
    field_str(&mut a, "linh_vuc", Some(field));
    field_str(&mut a, "ma_khu_pho", Some(&u.code));
    field_str(&mut a, "don_vi_xu_ly", Some(&handler));
    field_str(&mut a, "ngay_tiep_nhan", Some(&iso(received)));
    field_str(&mut a, "han_xu_ly", Some(&iso(due_at)));
    field_str(&mut a, "ngay_hoan_thanh", done.map(iso).as_deref());
    field_str(&mut a, "trang_thai", Some(status));
    a.push_str(&format!(", \"cong_khai\": {}", u8::from(public)));
    field_str(&mut a, "danh_gia", rating);
    field_str(
        &mut a,
        "nguoi_phan_anh",
        (!anonymous).then_some(person.name.as_str()),
    );
    field_str(
        &mut a,
        "so_dien_thoai",
        (!anonymous).then_some(person.phone.as_str()),
    );
    field_str(&mut a, "ngay_cap_nhat", Some(&iso(updated)));
    a.push('}');
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ymd;

    #[test]
    fn deadlines_count_working_days() {
        // Friday 10:00, 1 working day: Monday 10:00.
        assert_eq!(
            due(at(ymd(2025, 7, 4), 10, 0, 0), URGENT),
            at(ymd(2025, 7, 7), 10, 0, 0)
        );
        // Saturday evening, 3 working days: Wednesday 17:00.
        assert_eq!(
            due(at(ymd(2025, 7, 5), 20, 0, 0), QUICK),
            at(ymd(2025, 7, 9), 17, 0, 0)
        );
    }
}
