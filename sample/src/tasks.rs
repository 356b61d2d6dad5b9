//! Status reports of the 6 rõ tasks, as lead units send them: a task is reported under way
//! once begun, and done with its date and evidence; some finish late, some stall, some are
//! never reported on.

use chrono::{Duration, NaiveDate};

use crate::output::Output;
use crate::period::Period;
use crate::rng::Rng;
use crate::uploads::{UploadCounts, csv_rows, dmy};
use crate::{SampleError, SampleSpec};

pub(crate) const PATH: &str = "uploads/tien_do_nhiem_vu.csv";

pub(crate) const COLUMNS: [&str; 6] = [
    "MaNhiemVu",
    "TrangThai",
    "NgayCapNhat",
    "NgayHoanThanh",
    "MinhChung",
    "DonViBaoCao",
];

const UNDER_WAY: &str = "Đang thực hiện";
const DONE: &str = "Hoàn thành";

pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
    counts: &mut UploadCounts,
) -> Result<(), SampleError> {
    let end = period.until.last_day();
    let office = crate::uploads::ward_office(spec);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let report = |rows: &mut Vec<Vec<String>>,
                  id: &str,
                  status: &str,
                  on: NaiveDate,
                  done: Option<NaiveDate>,
                  evidence: String| {
        rows.push(vec![
            id.to_string(),
            status.to_string(),
            dmy(on),
            done.map(dmy).unwrap_or_default(),
            evidence,
            office.clone(),
        ]);
    };
    for (i, task) in spec.ward.tasks.iter().enumerate() {
        let mut rng = Rng::stream(spec.seed, "tasks", i as u64);
        let start = task.start.unwrap_or(task.due - Duration::days(45));
        if start > end {
            continue;
        }
        let began = (start + Duration::days(5)).min(end);
        let r = rng.f64();
        if task.due > end {
            report(&mut rows, &task.id, UNDER_WAY, began, None, String::new());
        } else if r < 0.7 {
            let done_on = (task.due + Duration::days(rng.range(-20, 12)))
                .min(end)
                .max(start);
            if began < done_on {
                report(&mut rows, &task.id, UNDER_WAY, began, None, String::new());
            }
            let on = (done_on + Duration::days(rng.range(0, 3))).min(end);
            let evidence = format!("Báo cáo số {}/BC-UBND ngày {}", 10 + i, dmy(on));
            report(&mut rows, &task.id, DONE, on, Some(done_on), evidence);
        } else if r < 0.85 {
            report(&mut rows, &task.id, UNDER_WAY, began, None, String::new());
        }
    }
    counts.tasks += rows.len();
    // a task reported done with no evidence, which a reader must refuse
    if let Some(done) = rows.iter().find(|r| r[1] == DONE).cloned() {
        let mut bad = done;
        bad[4] = String::new();
        bad[2] = dmy(end);
        rows.push(bad);
        counts.bad_rows += 1;
    }
    counts.rows += rows.len();
    csv_rows(out, PATH, &COLUMNS, &rows)
}
