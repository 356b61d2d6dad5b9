//! KQ / Mức độ / Giai đoạn rows (I.8, III.1, III.2): the latest status officers reported for
//! the milestone, and for III.1 which Kho dữ liệu groups have live, fresh tables.

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::catalogue::MilestoneMeasure;
use crate::{Indicator, MetricsError, Result, Status, Window, format};
use warehouse::columns::{int64, utf8};

/// The status a milestone update reports as done.
pub const DONE: &str = "Hoàn thành";
/// The status of a milestone not started.
pub const NOT_STARTED: &str = "Chưa bắt đầu";
/// Months before a milestone's end within which a milestone not started is at risk.
pub const RISK_MONTHS: u32 = 6;

/// The latest status report of a milestone on or before a window's last day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MilestoneState {
    /// The milestone year the report is about.
    pub year: i32,
    /// The step as the officers name it ("Giai đoạn 1: …").
    pub step: String,
    pub status: String,
    pub updated_on: NaiveDate,
    pub evidence: Option<String>,
    pub responsible: Option<String>,
}

impl MilestoneState {
    /// "Hoàn thành giai đoạn 1 (mốc 2026): Đang thực hiện, cập nhật 30/06/2026".
    pub fn text(&self) -> String {
        format!(
            "{} (mốc {}): {}, cập nhật {}",
            self.step,
            self.year,
            self.status,
            format::date(self.updated_on)
        )
    }
}

/// A Kho dữ liệu group (Phụ lục 2) and the freshness of its tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KhoGroupState {
    pub id: String,
    pub name: String,
    /// Lake tables filed under the group.
    pub tables: Vec<String>,
    /// Those whose source delivered within its allowed age.
    pub fresh_tables: Vec<String>,
    pub last_arrival: Option<DateTime<Utc>>,
    /// At least one fresh table.
    pub fresh: bool,
}

/// The query behind a milestone row, as people can re-run it.
pub fn sql(ind: &Indicator, m: &MilestoneMeasure, w: &Window) -> String {
    format!(
        "SELECT moc_nam, moc_tien_do, trang_thai, ngay_cap_nhat, minh_chung, don_vi_chu_tri\n\
         FROM {}\nWHERE ma_chi_tieu = '{}'\n  AND ngay_cap_nhat <= DATE '{}'\n\
         ORDER BY ngay_cap_nhat DESC",
        m.source,
        ind.id.replace('\'', "''"),
        w.to.format("%Y-%m-%d")
    )
}

/// The latest report for the milestone `year` on or before the window's end; without one, the
/// latest report about any earlier milestone.
pub async fn state(
    ctx: &SessionContext,
    ind: &Indicator,
    m: &MilestoneMeasure,
    w: &Window,
    year: Option<i32>,
) -> Result<Option<MilestoneState>> {
    if !ctx.table_exist(m.source.as_str()).unwrap_or(false) {
        return Ok(None);
    }
    let q = |source| MetricsError::Query {
        indicator: ind.id.clone(),
        source,
    };
    let batches = ctx
        .sql(&sql(ind, m, w))
        .await
        .map_err(q)?
        .collect()
        .await
        .map_err(q)?;
    let mut rows = Vec::new();
    for b in &batches {
        let years = int64(b.column(0)).map_err(q)?;
        let steps = utf8(b.column(1)).map_err(q)?;
        let statuses = utf8(b.column(2)).map_err(q)?;
        let dates = utf8(b.column(3)).map_err(q)?;
        let evidence = utf8(b.column(4)).map_err(q)?;
        let responsible = utf8(b.column(5)).map_err(q)?;
        for i in 0..b.num_rows() {
            let (Some(y), Some(step), Some(status), Some(d)) =
                (years[i], &steps[i], &statuses[i], &dates[i])
            else {
                continue;
            };
            let Ok(updated_on) = NaiveDate::parse_from_str(d, "%Y-%m-%d") else {
                continue;
            };
            rows.push(MilestoneState {
                year: y as i32,
                step: step.clone(),
                status: status.clone(),
                updated_on,
                evidence: evidence[i].clone(),
                responsible: responsible[i].clone(),
            });
        }
    }
    let latest = |pick: &dyn Fn(&MilestoneState) -> bool| {
        rows.iter()
            .filter(|r| pick(r))
            .max_by_key(|r| (r.updated_on, r.year))
            .cloned()
    };
    Ok(match year {
        Some(y) => latest(&|r| r.year == y).or_else(|| latest(&|r| r.year < y)),
        None => latest(&|_| true),
    })
}

/// Đạt when the milestone's own report says done; missed once its year is over; at risk when
/// it has not started with less than [`RISK_MONTHS`] left after the period.
pub fn status(
    state: Option<&MilestoneState>,
    w: &Window,
    period: crate::Period,
    year: Option<i32>,
) -> Status {
    let Some(s) = state else {
        return Status::ChuaCoDuLieu;
    };
    let Some(year) = year else {
        return Status::ChuaCoDuLieu;
    };
    if s.year == year && s.status == DONE {
        return Status::Dat;
    }
    let Some(due) = crate::period::deadline(year) else {
        return Status::ChuaDat;
    };
    if period.last_day() >= due {
        return Status::ChuaDat;
    }
    let risk_from = due
        .checked_sub_months(chrono::Months::new(RISK_MONTHS))
        .unwrap_or(due);
    let started = s.year == year && s.status != NOT_STARTED;
    if !started && w.to > risk_from {
        Status::NguyCo
    } else {
        Status::ChuaDat
    }
}
