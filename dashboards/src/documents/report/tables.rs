//! The tables of a report: the figures against the next milestone, the quarter's months side
//! by side, and the indicators behind target with who answers for them.

use metrics::{Evaluator, IndicatorRow, IndicatorValue, Period, Status, TaskState, format};
use serde::Serialize;

use crate::documents::DocError;

/// A table whose header row repeats on every page.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub title: String,
    /// Relative width.
    pub width: f64,
    /// left, center or right.
    pub align: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    /// A group's title row, spanning the table.
    pub group: bool,
}

pub(super) fn col(title: &str, width: f64, align: &str) -> Column {
    Column {
        title: title.to_string(),
        width,
        align: align.to_string(),
    }
}

pub(super) fn fraction(v: &IndicatorValue) -> String {
    match (v.numerator, v.denominator) {
        // spaced, so that a narrow column can break a long pair at the slash
        (Some(n), Some(d)) => format!("{} / {}", format::integer(n), format::integer(d)),
        _ => String::new(),
    }
}

/// A figure in a table cell: the percentage, or a milestone's status and the date reported.
pub(super) fn cell_value(v: &IndicatorValue) -> String {
    let Some(s) = &v.milestone_state else {
        return v.value_text.clone();
    };
    let mut out = format!("{}, {}", s.status, format::date(s.updated_on));
    if let Some(groups) = &v.kho_groups {
        let fresh = groups.iter().filter(|g| g.fresh).count();
        out.push_str(&format!("; {fresh}/{} nhóm dữ liệu còn mới", groups.len()));
    }
    out
}

pub(super) fn projected(v: &IndicatorValue) -> String {
    match (&v.projection, v.status) {
        (Some(p), Status::NguyCo | Status::ChuaDat) if p.points > 0 => match p.reaches_target_on {
            Some(d) => format!("khoảng {}", format::date(d)),
            None => "không đạt theo xu hướng".to_string(),
        },
        _ => String::new(),
    }
}

pub(super) fn off_track(v: &IndicatorValue) -> bool {
    matches!(v.status, Status::ChuaDat | Status::NguyCo)
}

/// The table of figures against the next milestone.
pub(super) fn figures_table(rows: &[IndicatorRow], groups: bool) -> Table {
    let milestone = rows
        .iter()
        .find_map(|r| r.figure.milestone)
        .map(|y| format!("Mục tiêu đến hết {y}"))
        .unwrap_or_else(|| "Mục tiêu".to_string());
    let mut out = Table {
        columns: vec![
            col("STT", 0.55, "center"),
            col("Chỉ tiêu", 4.05, "left"),
            col("ĐVT", 0.75, "center"),
            col("Kết quả", 1.45, "center"),
            col("Tử số/Mẫu số", 1.9, "center"),
            col(&milestone, 1.15, "center"),
            col("Đánh giá", 1.25, "center"),
            col("Dự kiến đạt", 1.5, "center"),
        ],
        rows: Vec::new(),
    };
    let mut group = "";
    for r in rows {
        if groups && r.group != group {
            group = &r.group;
            out.rows.push(Row {
                cells: vec![format!("{}. {}", r.group, r.group_name)],
                group: true,
            });
        }
        out.rows.push(Row {
            cells: vec![
                r.stt.to_string(),
                r.name.clone(),
                r.unit.clone(),
                cell_value(&r.figure),
                fraction(&r.figure),
                r.figure.target_text.clone().unwrap_or_default(),
                r.figure.status_text.clone(),
                projected(&r.figure),
            ],
            group: false,
        });
    }
    out
}

/// The 6 rõ tasks that move an indicator.
pub(super) fn tasks_of<'t>(
    tasks: &'t [TaskState],
    id: &str,
) -> impl Iterator<Item = &'t TaskState> {
    tasks
        .iter()
        .filter(move |t| t.task.chi_tieu.iter().any(|c| c == id))
}

/// The quarter's months side by side with the quarter.
pub(super) async fn quarter_table(
    ev: &Evaluator,
    rows: &[IndicatorRow],
    quarter: Period,
    unit: Option<&str>,
) -> Result<Table, DocError> {
    let months = quarter.months();
    let mut columns = vec![col("STT", 0.6, "center"), col("Chỉ tiêu", 4.6, "left")];
    for m in &months {
        columns.push(col(&format!("Tháng {}", m.short_label()), 1.4, "center"));
    }
    columns.push(col(&upper_first(&quarter.label_vi()), 1.4, "center"));
    let mut out = Table {
        columns,
        rows: Vec::new(),
    };
    let mut group = "";
    for r in rows {
        if r.group != group {
            group = &r.group;
            out.rows.push(Row {
                cells: vec![format!("{}. {}", r.group, r.group_name)],
                group: true,
            });
        }
        let mut cells = vec![r.stt.to_string(), r.name.clone()];
        for m in &months {
            let v = ev.value(&r.id, *m, unit).await?;
            cells.push(short_value(&v));
        }
        cells.push(short_value(&r.figure));
        out.rows.push(Row {
            cells,
            group: false,
        });
    }
    Ok(out)
}

/// A value in a narrow column: a percentage, or a milestone's status without its date.
pub(super) fn short_value(v: &IndicatorValue) -> String {
    match (&v.milestone_state, v.value) {
        (Some(s), _) => s.status.clone(),
        (None, Some(_)) => v.value_text.clone(),
        (None, None) => "—".to_string(),
    }
}

pub(super) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The indicators behind target, who answers for them and what of theirs is overdue.
pub(super) fn behind_table(rows: &[&&IndicatorRow], tasks: &[TaskState]) -> Table {
    let mut out = Table {
        columns: vec![
            col("Mã", 0.7, "center"),
            col("Chỉ tiêu", 3.0, "left"),
            col("Kết quả / mục tiêu", 1.6, "center"),
            col("Đánh giá", 1.7, "center"),
            col("Đơn vị chịu trách nhiệm", 2.4, "left"),
            col("Nhiệm vụ “6 rõ” quá hạn", 2.8, "left"),
        ],
        rows: Vec::new(),
    };
    for r in rows {
        let mut units: Vec<String> = Vec::new();
        for t in tasks_of(tasks, &r.id) {
            let who = format!("{} ({})", t.task.chu_tri, t.task.nguoi);
            if !units.contains(&who) {
                units.push(who);
            }
        }
        let overdue: Vec<String> = tasks_of(tasks, &r.id)
            .filter(|t| t.overdue)
            .map(|t| {
                format!(
                    "{}: {} (hạn {}, quá {} ngày)",
                    t.task.id,
                    t.task.viec,
                    format::date(t.task.han),
                    t.days_overdue.unwrap_or(0)
                )
            })
            .collect();
        let mut status = r.figure.status_text.clone();
        let when = projected(&r.figure);
        if !when.is_empty() {
            status = format!("{status}; dự kiến đạt {when}");
        }
        out.rows.push(Row {
            cells: vec![
                r.id.clone(),
                r.name.clone(),
                format!(
                    "{} / {}",
                    cell_value(&r.figure),
                    r.figure.target_text.clone().unwrap_or_default()
                ),
                status,
                if units.is_empty() {
                    "Chưa giao nhiệm vụ".to_string()
                } else {
                    units.join("; ")
                },
                if overdue.is_empty() {
                    "Không".to_string()
                } else {
                    overdue.join("; ")
                },
            ],
            group: false,
        });
    }
    out
}
