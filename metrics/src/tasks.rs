//! The "6 rõ" registry: the plans' task tables as data (`data/plans/*.toml`) — rõ người, rõ
//! việc, rõ thời gian, rõ trách nhiệm, rõ sản phẩm, rõ hiệu quả — with the status officers
//! upload, what is overdue, and whether a finished task's indicator moved.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Evaluator, MetricsError, Period, Result, format};
use warehouse::columns::utf8;

/// One plan's task table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub source_document: String,
    pub tasks: Vec<Task>,
}

/// One task, with its 6 rõ.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub stt: u32,
    /// Rõ việc.
    pub viec: String,
    /// Rõ thời gian, as the plan writes it.
    pub thoi_gian: String,
    #[serde(default)]
    pub bat_dau: Option<NaiveDate>,
    /// The deadline read from `thoi_gian`.
    pub han: NaiveDate,
    /// A recurring task ("Thường xuyên").
    #[serde(default)]
    pub thuong_xuyen: bool,
    /// Rõ người: the position answering for it.
    pub nguoi: String,
    /// Rõ trách nhiệm: the lead unit and the units that take part.
    pub chu_tri: String,
    #[serde(default)]
    pub phoi_hop: Vec<String>,
    /// Rõ sản phẩm.
    pub san_pham: String,
    /// Rõ hiệu quả: linked indicators and the expected effect.
    #[serde(default)]
    pub chi_tieu: Vec<String>,
    #[serde(default)]
    pub muc_tieu: String,
}

impl Task {
    /// Whether `unit` (part of a unit's name, any case) leads the task or takes part in it.
    pub fn involves(&self, unit: &str) -> bool {
        let u = unit.to_lowercase();
        self.chu_tri.to_lowercase().contains(&u)
            || self.phoi_hop.iter().any(|p| p.to_lowercase().contains(&u))
    }
}

/// Loads every `*.toml` under `dir`, in file-name order, and checks that task ids are unique.
pub fn load_plans(dir: &Path) -> Result<Vec<Plan>> {
    let err = |path: &Path, message: String| MetricsError::Plans {
        path: path.display().to_string(),
        message,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| err(dir, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut plans = Vec::new();
    let mut seen = HashMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| err(&f, e.to_string()))?;
        let plan: Plan = toml::from_str(&text).map_err(|e| err(&f, e.to_string()))?;
        for t in &plan.tasks {
            if let Some(other) = seen.insert(t.id.clone(), plan.id.clone()) {
                return Err(err(&f, format!("task {} is also in plan {other}", t.id)));
            }
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// The statuses an officer reports.
pub const DONE: &str = "Hoàn thành";

/// A task with where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct TaskState {
    pub plan_id: String,
    pub plan_title: String,
    #[serde(flatten)]
    pub task: Task,
    /// The latest reported status; "Chưa có báo cáo" when none.
    pub status: String,
    pub updated_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    /// Not done and past its deadline.
    pub overdue: bool,
    pub days_overdue: Option<i64>,
    /// Done after its deadline.
    pub done_late: bool,
    /// For a done task: each linked indicator before and after.
    pub effects: Vec<Effect>,
    /// Done, but a linked indicator did not move.
    pub done_without_effect: bool,
}

/// A linked indicator in the month before a task was done and in the latest complete month.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Effect {
    pub indicator: String,
    pub before_period: Period,
    pub before: Option<f64>,
    pub after_period: Period,
    pub after: Option<f64>,
    /// `None` when it cannot be judged yet (no later month, or no data).
    pub moved: Option<bool>,
    pub text: String,
}

/// A status report as uploaded.
struct Report {
    status: String,
    updated_on: NaiveDate,
    done_on: Option<NaiveDate>,
    evidence: Option<String>,
}

impl Evaluator {
    /// Every task of `plans` as it stood on `today`; with `unit`, only the tasks that unit
    /// leads or takes part in.
    pub async fn tasks(
        &self,
        plans: &[Plan],
        today: NaiveDate,
        unit: Option<&str>,
    ) -> Result<Vec<TaskState>> {
        let reports = self.task_reports(today).await?;
        let latest_month = Period::month_of(
            today
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(today),
        );
        let mut out = Vec::new();
        for plan in plans {
            for task in &plan.tasks {
                if unit.is_some_and(|u| !task.involves(u)) {
                    continue;
                }
                let r = reports.get(&task.id);
                let done_on = r.filter(|r| r.status == DONE).and_then(|r| r.done_on);
                let done = r.is_some_and(|r| r.status == DONE);
                let overdue = !done && today > task.han;
                let mut effects = Vec::new();
                if let Some(d) = done_on {
                    let before_period =
                        Period::month_of(d.checked_sub_months(chrono::Months::new(1)).unwrap_or(d));
                    for id in &task.chi_tieu {
                        let Some(m) = &self.catalogue().indicator(id)?.measure else {
                            continue;
                        };
                        // a catalogue share has no history to compare
                        let comparable = m.basis != crate::Basis::Current;
                        let before = self.value(id, before_period, None).await?.value;
                        let after_value = self.value(id, latest_month, None).await?;
                        let after = after_value.value;
                        // the month it was done in is the first that can show its effect
                        let judged = comparable && latest_month >= Period::month_of(d);
                        let moved = match (before, after) {
                            (Some(b), Some(a)) if judged => {
                                Some(a > b + 1e-9 || after_value.status == crate::Status::Dat)
                            }
                            _ => None,
                        };
                        let show = |v: Option<f64>| {
                            v.map(format::percent)
                                .unwrap_or_else(|| crate::evaluate::NO_DATA.to_string())
                        };
                        let text = format!(
                            "{id}: {} ({}) → {} ({}){}",
                            show(before),
                            before_period.label_vi(),
                            show(after),
                            latest_month.label_vi(),
                            match moved {
                                Some(true) => "; có chuyển biến",
                                Some(false) => "; chưa chuyển biến",
                                None if !comparable => {
                                    "; chỉ tiêu tính trên danh mục hiện hành, không so sánh theo thời gian"
                                }
                                None => "; chưa đủ số liệu để đánh giá",
                            }
                        );
                        effects.push(Effect {
                            indicator: id.clone(),
                            before_period,
                            before,
                            after_period: latest_month,
                            after,
                            moved,
                            text,
                        });
                    }
                }
                out.push(TaskState {
                    plan_id: plan.id.clone(),
                    plan_title: plan.title.clone(),
                    task: task.clone(),
                    status: r
                        .map(|r| r.status.clone())
                        .unwrap_or_else(|| "Chưa có báo cáo".to_string()),
                    updated_on: r.map(|r| r.updated_on),
                    done_on,
                    evidence: r.and_then(|r| r.evidence.clone()),
                    overdue,
                    days_overdue: overdue.then(|| (today - task.han).num_days()),
                    done_late: done_on.is_some_and(|d| d > task.han),
                    done_without_effect: effects.iter().any(|e| e.moved == Some(false)),
                    effects,
                });
            }
        }
        Ok(out)
    }

    /// The latest report per task on or before `today`.
    async fn task_reports(&self, today: NaiveDate) -> Result<HashMap<String, Report>> {
        let mut out: HashMap<String, Report> = HashMap::new();
        let ctx = self.session();
        if !ctx.table_exist(TABLE).unwrap_or(false) {
            return Ok(out);
        }
        let q = |source| MetricsError::Query {
            indicator: "6 rõ".to_string(),
            source,
        };
        let sql = format!(
            "SELECT ma_nhiem_vu, trang_thai, ngay_cap_nhat, ngay_hoan_thanh, minh_chung \
             FROM {TABLE} WHERE ngay_cap_nhat <= DATE '{}'",
            today.format("%Y-%m-%d")
        );
        let batches = ctx.sql(&sql).await.map_err(q)?.collect().await.map_err(q)?;
        let date = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        };
        for b in &batches {
            let cols: Vec<Vec<Option<String>>> = (0..5)
                .map(|i| utf8(b.column(i)))
                .collect::<std::result::Result<_, _>>()
                .map_err(q)?;
            let [ids, statuses, updated, done, evidence] = &cols[..] else {
                continue;
            };
            for i in 0..b.num_rows() {
                let (Some(id), Some(status), Some(updated_on)) =
                    (&ids[i], &statuses[i], date(&updated[i]))
                else {
                    continue;
                };
                if out.get(id).is_some_and(|r| r.updated_on >= updated_on) {
                    continue;
                }
                out.insert(
                    id.clone(),
                    Report {
                        status: status.clone(),
                        updated_on,
                        done_on: date(&done[i]),
                        evidence: evidence[i].clone(),
                    },
                );
            }
        }
        Ok(out)
    }
}

/// The lake table of task status reports.
pub const TABLE: &str = "task_statuses";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_plans() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/plans");
        let plans = load_plans(&dir).unwrap();
        let count = |id: &str| plans.iter().find(|p| p.id == id).map(|p| p.tasks.len());
        assert_eq!(count("dc40"), Some(18));
        assert_eq!(count("cho_dong_xoai"), Some(18));
        assert!(count("de_an_pl4").is_some_and(|n| n > 0));
        let cat = crate::Catalogue::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/catalogue/indicators.toml"),
        )
        .unwrap();
        for p in &plans {
            for t in &p.tasks {
                assert!(!t.viec.is_empty() && !t.chu_tri.is_empty(), "{}", t.id);
                for id in &t.chi_tieu {
                    assert!(cat.indicator(id).is_ok(), "{} links {id}", t.id);
                }
            }
        }
    }
}
