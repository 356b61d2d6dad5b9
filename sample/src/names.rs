//! Vietnamese people: names, citizen ID numbers, phone numbers.

use unicode_normalization::UnicodeNormalization;

use crate::rng::{Rng, pick_weighted};

/// Southern distribution, with Điểu for the S'tiêng families of the former Bình Phước province.
const SURNAMES: [(&str, f64); 30] = [
    ("Nguyễn", 31.0),
    ("Trần", 11.0),
    ("Lê", 9.0),
    ("Phạm", 6.0),
    ("Huỳnh", 4.0),
    ("Võ", 4.0),
    ("Phan", 4.0),
    ("Trương", 2.0),
    ("Bùi", 2.0),
    ("Đặng", 2.0),
    ("Đỗ", 1.5),
    ("Ngô", 1.5),
    ("Hồ", 1.5),
    ("Hoàng", 1.5),
    ("Dương", 1.0),
    ("Đinh", 1.0),
    ("Lý", 1.0),
    ("Lâm", 1.0),
    ("Vũ", 1.0),
    ("Đoàn", 0.8),
    ("Mai", 0.7),
    ("Tô", 0.5),
    ("Hà", 0.5),
    ("Châu", 0.5),
    ("Cao", 0.5),
    ("Lương", 0.5),
    ("Điểu", 0.5),
    ("Thái", 0.3),
    ("Tạ", 0.3),
    ("Quách", 0.3),
];

const MALE_MIDDLE: [(&str, f64); 17] = [
    ("Văn", 35.0),
    ("Minh", 8.0),
    ("Hữu", 6.0),
    ("Đức", 6.0),
    ("Quốc", 6.0),
    ("Thanh", 6.0),
    ("Công", 5.0),
    ("Tấn", 5.0),
    ("Hoàng", 4.0),
    ("Gia", 4.0),
    ("Ngọc", 3.0),
    ("Trung", 3.0),
    ("Anh", 3.0),
    ("Duy", 3.0),
    ("Thành", 3.0),
    ("Nhật", 2.0),
    ("Phước", 2.0),
];

const FEMALE_MIDDLE: [(&str, f64); 16] = [
    ("Thị", 45.0),
    ("Ngọc", 8.0),
    ("Thu", 5.0),
    ("Thanh", 5.0),
    ("Kim", 5.0),
    ("Mỹ", 4.0),
    ("Hồng", 4.0),
    ("Bích", 3.0),
    ("Phương", 3.0),
    ("Thùy", 3.0),
    ("Minh", 3.0),
    ("Khánh", 2.0),
    ("Diễm", 2.0),
    ("Hoàng", 2.0),
    ("Quỳnh", 2.0),
    ("Yến", 2.0),
];

/// Second middle names after "Thị", as in Trần Thị Bích Ngọc.
const FEMALE_SECOND: [&str; 8] = ["Bích", "Ngọc", "Kim", "Thanh", "Thu", "Mỹ", "Hồng", "Diễm"];

const MALE_GIVEN: [&str; 58] = [
    "An", "Bảo", "Bình", "Cường", "Danh", "Dũng", "Duy", "Đạt", "Định", "Đông", "Hải", "Hào",
    "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Khang", "Khải", "Khánh", "Khoa", "Kiên", "Lâm", "Long",
    "Lộc", "Luân", "Lực", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Phước",
    "Quang", "Quân", "Sang", "Sơn", "Tài", "Tâm", "Thái", "Thắng", "Thành", "Thiện", "Thịnh",
    "Thông", "Tiến", "Toàn", "Trí", "Trọng", "Trung", "Tú", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
];

const FEMALE_GIVEN: [&str; 52] = [
    "An", "Anh", "Châu", "Chi", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền",
    "Hoa", "Hồng", "Huệ", "Hương", "Huyền", "Khánh", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai",
    "My", "Nga", "Ngân", "Ngọc", "Nguyệt", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh",
    "Tâm", "Thảo", "Thắm", "Thơ", "Thu", "Thư", "Thủy", "Tiên", "Trâm", "Trang", "Trinh", "Tuyết",
    "Uyên", "Vân", "Vy", "Xuân", "Yến",
];

/// Province codes of the CCCD: 070 (former Bình Phước) and 075 (Đồng Nai) for most residents,
/// then provinces people commonly move from.
const PROVINCES: [(&str, f64); 12] = [
    ("070", 55.0),
    ("075", 20.0),
    ("079", 4.0),
    ("074", 3.0),
    ("038", 3.0),
    ("040", 3.0),
    ("042", 2.0),
    ("036", 2.0),
    ("034", 2.0),
    ("052", 2.0),
    ("066", 2.0),
    ("001", 2.0),
];

/// Mobile prefixes of Viettel, VinaPhone and MobiFone.
const PHONE_PREFIXES: [&str; 24] = [
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "081",
    "082", "083", "084", "085", "088", "091", "094", "070", "077", "089", "090",
];

/// One resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) cccd: String,
    pub(crate) phone: String,
}

impl Person {
    /// An adult born between 1950 and 2006.
    pub(crate) fn generate(rng: &mut Rng) -> Person {
        let female = rng.chance(0.52);
        let surname = pick_weighted(rng, &SURNAMES);
        let mut name = String::from(surname);
        if female {
            let middle = pick_weighted(rng, &FEMALE_MIDDLE);
            name.push(' ');
            name.push_str(middle);
            if middle == "Thị" && rng.chance(0.18) {
                name.push(' ');
                name.push_str(rng.pick(&FEMALE_SECOND));
            }
            name.push(' ');
            name.push_str(rng.pick(&FEMALE_GIVEN));
        } else {
            name.push(' ');
            name.push_str(pick_weighted(rng, &MALE_MIDDLE));
            name.push(' ');
            name.push_str(rng.pick(&MALE_GIVEN));
        }
        let born = rng.range(1950, 2006);
        // CCCD: province (3), sex and century (1), year of birth (2), serial (6).
        let century_sex = match (born >= 2000, female) {
            (false, false) => 0,
            (false, true) => 1,
            (true, false) => 2,
            (true, true) => 3,
        };
        let cccd = format!(
            "{}{}{:02}{:06}",
            pick_weighted(rng, &PROVINCES),
            century_sex,
            born % 100,
            rng.below(1_000_000)
        );
        let phone = format!("{}{:07}", rng.pick(&PHONE_PREFIXES), rng.below(10_000_000));
        Person { name, cccd, phone }
    }

    /// The resident number `index` of unit `unit`: the same person every time, so the same
    /// citizen can file several dossiers under one name and ID.
    pub(crate) fn resident(seed: u64, unit: usize, index: u64) -> Person {
        let mut rng = Rng::stream(seed, "resident", ((unit as u64) << 32) | index);
        Person::generate(&mut rng)
    }
}

/// A random adult's name.
pub(crate) fn full_name(rng: &mut Rng) -> String {
    Person::generate(rng).name
}

/// A random mobile number.
pub(crate) fn phone(rng: &mut Rng) -> String {
    format!("{}{:07}", rng.pick(&PHONE_PREFIXES), rng.below(10_000_000))
}

/// A unit's name inside a sentence: "Phường Bình Phước" becomes "phường Bình Phước".
pub(crate) fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Canonical decomposition, as some Windows and macOS tools write Vietnamese.
pub(crate) fn nfd(s: &str) -> String {
    s.nfd().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residents_are_stable_and_plausible() {
        let a = Person::resident(3, 1, 42);
        assert_eq!(a, Person::resident(3, 1, 42));
        assert_eq!(a.cccd.len(), 12);
        assert!(a.cccd.starts_with('0') && a.cccd.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a.phone.len(), 10);
        assert!(a.name.split(' ').count() >= 3);
    }

    #[test]
    fn nfd_decomposes_vietnamese() {
        let s = nfd("Nguyễn");
        assert_ne!(s, "Nguyễn");
        assert_eq!(s.nfc().collect::<String>(), "Nguyễn");
    }
}
