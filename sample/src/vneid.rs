//! VNeID statistics from Công an phường: one CSV and one spreadsheet per month, a row per khu phố.

use chrono::Datelike;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::calendar::Month;
use crate::names::in_sentence;
use crate::output::{Output, csv_error, csv_finish, csv_writer};
use crate::period::{Period, ramp};
use crate::rng::Rng;
use crate::{SampleError, SampleSpec};

const DIR: &str = "vneid";

const COLUMNS: [&str; 10] = [
    "NgaySoLieu",
    "MaDonVi",
    "TenDonVi",
    "DanSo",
    "NguoiTruongThanh",
    "HoSoThuNhan",
    "TaiKhoanMuc1",
    "TaiKhoanMuc2",
    "SoKichHoat",
    "SoHoanThanhPhoCap",
];

/// One khu phố's counts at the end of a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    population: u64,
    adults: u64,
    applications: u64,
    level1: u64,
    level2: u64,
    activated: u64,
    course: u64,
}

impl Counts {
    fn values(&self) -> [u64; 7] {
        [
            self.population,
            self.adults,
            self.applications,
            self.level1,
            self.level2,
            self.activated,
            self.course,
        ]
    }

    /// Cumulative figures never go down from one month's report to the next.
    fn at_least(self, prev: Counts) -> Counts {
        Counts {
            population: self.population.max(prev.population),
            adults: self.adults.max(prev.adults),
            applications: self.applications.max(prev.applications),
            level1: self.level1.max(prev.level1),
            level2: self.level2.max(prev.level2),
            activated: self.activated.max(prev.activated),
            course: self.course.max(prev.course),
        }
    }
}

fn month_counts(spec: &SampleSpec, period: &Period, unit: usize, month: Month) -> Counts {
    let u = &spec.ward.units[unit];
    let lag = unit + 1 == spec.ward.units.len() && spec.ward.units.len() > 1;
    let t = period.progress(month);
    let i = period.month_index(month) as f64;
    let mut rng = Rng::stream(
        spec.seed,
        "vneid",
        ((unit as u64) << 16) | period.month_index(month) as u64,
    );
    let mut noise = |sd: f64| 1.0 + sd * rng.normal();
    let pop = f64::from(u.population);
    // Registered population grows slowly, ending near the configured figure.
    let population = (pop * (0.992 + 0.0006 * i.min(20.0)) * noise(0.001)).round();
    let adults = (population * 0.72 * noise(0.002)).round();
    let lag_act = if lag { 0.12 } else { 0.0 };
    let activated = (population * (ramp(0.45, 0.75, t) - lag_act) * noise(0.01)).round();
    let accounts = activated * ramp(1.12, 1.06, t);
    let level2 = (accounts * ramp(0.82, 0.9, t)).round();
    let level1 = (accounts - level2).round().max(0.0);
    let applications = (level2 * 1.04 * noise(0.005)).round();
    let lag_course = if lag { 0.15 } else { 0.0 };
    let course = (adults * (ramp(0.10, 0.62, t) - lag_course).max(0.03) * noise(0.02)).round();
    Counts {
        population: population as u64,
        adults: adults as u64,
        applications: applications as u64,
        level1: level1 as u64,
        level2: level2 as u64,
        activated: activated as u64,
        course: course as u64,
    }
}

/// Writes the monthly files; returns the number of rows per format.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
) -> Result<usize, SampleError> {
    out.remove_stale(DIR, "vneid_", ".csv")?;
    out.remove_stale(DIR, "vneid_", ".xlsx")?;
    let units = &spec.ward.units;
    let mut prev = vec![Counts::default(); units.len()];
    let mut rows = 0;
    for month in period.months() {
        let counts: Vec<Counts> = (0..units.len())
            .map(|i| month_counts(spec, period, i, month).at_least(prev[i]))
            .collect();
        write_csv(spec, month, &counts, out)?;
        write_xlsx(spec, month, &counts, out)?;
        rows += counts.len();
        prev = counts;
    }
    Ok(rows)
}

fn write_csv(
    spec: &SampleSpec,
    month: Month,
    counts: &[Counts],
    out: &mut Output,
) -> Result<(), SampleError> {
    let rel = format!("{DIR}/vneid_{}.csv", month.label());
    let (mut w, path) = csv_writer(out.create(&rel)?)?;
    let err = csv_error(&path);
    w.write_record(COLUMNS).map_err(&err)?;
    let as_of = month.last_day().format("%d/%m/%Y").to_string();
    for (u, c) in spec.ward.units.iter().zip(counts) {
        let mut record = vec![as_of.clone(), u.code.clone(), u.name.clone()];
        record.extend(c.values().iter().map(u64::to_string));
        w.write_record(&record).map_err(&err)?;
    }
    csv_finish(w, &path)
}

fn write_xlsx(
    spec: &SampleSpec,
    month: Month,
    counts: &[Counts],
    out: &mut Output,
) -> Result<(), SampleError> {
    let rel = format!("{DIR}/vneid_{}.xlsx", month.label());
    let path = out.claim(&rel)?;
    let err = |source: XlsxError| SampleError::Xlsx {
        path: path.clone(),
        source,
    };
    let last = month.last_day();
    let as_of = ExcelDateTime::from_ymd(last.year() as u16, last.month() as u8, last.day() as u8)
        .map_err(err)?;
    let mut workbook = Workbook::new();
    // The creation time goes into the file: pin it so that equal inputs give equal bytes.
    workbook.set_properties(
        &DocProperties::new()
            .set_author(format!("Công an {}", in_sentence(&spec.ward.name)))
            .set_creation_datetime(&as_of),
    );
    let title = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = workbook.add_worksheet();
    sheet.set_name("ThongKe").map_err(err)?;
    sheet
        .write_string_with_format(
            0,
            0,
            format!("CÔNG AN {}", spec.ward.name.to_uppercase()),
            &title,
        )
        .map_err(err)?;
    sheet
        .write_string_with_format(
            1,
            0,
            format!(
                "THỐNG KÊ KẾT QUẢ CẤP TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ VÀ PHỔ CẬP KỸ NĂNG SỐ THÁNG {:02}/{}",
                month.month, month.year
            ),
            &title,
        )
        .map_err(err)?;
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(3, col as u16, *name, &header)
            .map_err(err)?;
    }
    for (i, (u, c)) in spec.ward.units.iter().zip(counts).enumerate() {
        let row = 4 + i as u32;
        sheet
            .write_datetime_with_format(row, 0, &as_of, &date)
            .map_err(err)?;
        sheet.write_string(row, 1, &u.code).map_err(err)?;
        sheet.write_string(row, 2, &u.name).map_err(err)?;
        for (j, v) in c.values().iter().enumerate() {
            sheet
                .write_number(row, 3 + j as u16, *v as f64)
                .map_err(err)?;
        }
    }
    sheet.set_column_width(0, 12).map_err(err)?;
    sheet.set_column_width(2, 24).map_err(err)?;
    workbook.save(&path).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_never_decrease() {
        let a = Counts {
            population: 10,
            activated: 5,
            ..Counts::default()
        };
        let b = Counts {
            population: 9,
            activated: 7,
            ..Counts::default()
        };
        let c = b.at_least(a);
        assert_eq!((c.population, c.activated), (10, 7));
    }
}
