//! The eight data groups of the ward's Kho dữ liệu số (Đề án, Phụ lục 2). Every lake table is
//! filed under one of them, so the lake can tell which groups hold live data.

use serde::{Deserialize, Serialize};

/// A data group of the Kho dữ liệu số.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KhoGroup {
    DanCu,
    AnSinh,
    Attp,
    KinhDoanh,
    GiaoDuc,
    YTe,
    DoThiMoiTruong,
    VanHoaXaHoi,
}

impl KhoGroup {
    /// All groups in the order of Phụ lục 2.
    pub const ALL: [KhoGroup; 8] = [
        KhoGroup::DanCu,
        KhoGroup::AnSinh,
        KhoGroup::Attp,
        KhoGroup::KinhDoanh,
        KhoGroup::GiaoDuc,
        KhoGroup::YTe,
        KhoGroup::DoThiMoiTruong,
        KhoGroup::VanHoaXaHoi,
    ];

    /// Stable identifier, as written in pipelines.toml and in table properties.
    pub fn id(self) -> &'static str {
        match self {
            KhoGroup::DanCu => "dan_cu",
            KhoGroup::AnSinh => "an_sinh",
            KhoGroup::Attp => "attp",
            KhoGroup::KinhDoanh => "kinh_doanh",
            KhoGroup::GiaoDuc => "giao_duc",
            KhoGroup::YTe => "y_te",
            KhoGroup::DoThiMoiTruong => "do_thi_moi_truong",
            KhoGroup::VanHoaXaHoi => "van_hoa_xa_hoi",
        }
    }

    /// The group's name as Phụ lục 2 writes it.
    pub fn name_vi(self) -> &'static str {
        match self {
            KhoGroup::DanCu => "Dân cư – Tổ dân phố",
            KhoGroup::AnSinh => "An sinh xã hội",
            KhoGroup::Attp => "An toàn thực phẩm",
            KhoGroup::KinhDoanh => "Kinh doanh",
            KhoGroup::GiaoDuc => "Giáo dục",
            KhoGroup::YTe => "Y tế",
            KhoGroup::DoThiMoiTruong => "Đô thị – môi trường",
            KhoGroup::VanHoaXaHoi => "Văn hóa – xã hội",
        }
    }

    /// The group with this identifier.
    pub fn from_id(id: &str) -> Option<KhoGroup> {
        KhoGroup::ALL.into_iter().find(|g| g.id() == id)
    }
}
