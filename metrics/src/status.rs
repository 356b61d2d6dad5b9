//! Where an indicator stands against its milestone.

use serde::Serialize;

/// Status of a value against the milestone target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The value meets the target.
    Dat,
    /// The value does not meet the target yet (or missed it at the deadline).
    ChuaDat,
    /// On its current trend it will not reach the target by the milestone's end.
    NguyCo,
    /// Nothing to judge: no measure, no records in the period, or a zero denominator.
    ChuaCoDuLieu,
    /// A figure with no target to judge it against (an operations figure).
    KhongCoMucTieu,
}

impl Status {
    /// As printed in reports.
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Dat => "Đạt",
            Status::ChuaDat => "Chưa đạt",
            Status::NguyCo => "Nguy cơ không đạt",
            Status::ChuaCoDuLieu => "Chưa có dữ liệu",
            Status::KhongCoMucTieu => "Không đặt mục tiêu",
        }
    }
}
