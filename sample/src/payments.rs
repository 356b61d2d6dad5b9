//! Digital-payment tallies (II.3): each quarter the community digital-technology team of every
//! khu phố counts its adults, those with a digital payment account, and those who also paid
//! with it.

use chrono::Duration;

use crate::calendar::{Month, ymd};
use crate::output::Output;
use crate::period::{Period, ramp};
use crate::rng::Rng;
use crate::uploads::{UploadCounts, csv_rows, dmy, lags, quarter_label, rounds};
use crate::{SampleError, SampleSpec};

pub(crate) const COLUMNS: [&str; 6] = [
    "NgayTongHop",
    "MaKhuPho",
    "NguoiTruongThanh",
    "CoTaiKhoanThanhToanSo",
    "CoGiaoDichThanhToanSo",
    "DiemHoTro",
];

/// Share of residents who are adults, as the VNeID statistics count them.
const ADULT_SHARE: f64 = 0.72;

/// One tally file per evaluation round.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    out.remove_stale(crate::uploads::DIR, "thanh_toan_so_", ".csv")?;
    for (i, round) in rounds(period).into_iter().enumerate() {
        write_round(spec, period, round, i == 0, out, counts)?;
    }
    Ok(())
}

/// One round's tallies; the first round also holds a row whose counts contradict each other,
/// which a reader must refuse.
fn write_round(
    spec: &SampleSpec,
    period: &Period,
    round: Month,
    first: bool,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let t = period.progress(round);
    let day = ymd(round.year, round.month, 20) - Duration::days(i64::from(round.month % 2));
    let mut rows = Vec::new();
    for (i, unit) in spec.ward.units.iter().enumerate() {
        let mut rng = Rng::stream(
            spec.seed,
            "payments",
            (period.month_index(round) * 1000 + i) as u64,
        );
        let adults = (f64::from(unit.population) * ADULT_SHARE).round() as u64;
        let lag = if lags(spec, i) { 0.12 } else { 0.0 };
        let account = ramp(0.38, 0.88, t) - lag + (rng.f64() - 0.5) * 0.02;
        let paid = ramp(0.62, 0.92, t) + (rng.f64() - 0.5) * 0.02;
        let with_account = (adults as f64 * account.clamp(0.0, 1.0)).round() as u64;
        let with_payment = (with_account as f64 * paid.clamp(0.0, 1.0)).round() as u64;
        rows.push(vec![
            dmy(day),
            unit.code.clone(),
            adults.to_string(),
            with_account.to_string(),
            with_payment.to_string(),
            format!("Điểm hỗ trợ số {}", unit.name),
        ]);
    }
    counts.payments += rows.len();
    if first && let Some(r) = rows.first() {
        let mut bad = r.clone();
        bad[0] = dmy(day - Duration::days(1));
        bad[4] = (r[3].parse::<u64>().unwrap_or(0) + 5).to_string();
        rows.push(bad);
        counts.bad_rows += 1;
    }
    counts.rows += rows.len();
    csv_rows(
        out,
        &format!("uploads/thanh_toan_so_{}.csv", quarter_label(round)),
        &COLUMNS,
        &rows,
    )
}
