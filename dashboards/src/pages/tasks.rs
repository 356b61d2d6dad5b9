//! `/nhiem-vu`: the 6 rõ board — tasks by responsible unit, overdue first, each with the
//! indicators it moves and whether they are on track; filtered by unit and status.

use std::collections::{BTreeMap, BTreeSet};

use axum::Extension;
use axum::extract::State;

use crate::extract::Query;
use maud::{Markup, html};
use metrics::{Status, TaskState, format};
use serde::Deserialize;

use super::PageError;
use super::layout::{Section, page, status_class};
use crate::AppState;
use crate::auth::{Role, Viewer};

#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    /// Part of a unit's name.
    unit: Option<String>,
    /// `qua_han`, `dang_lam`, `da_xong`, `chua_hieu_qua`, `chua_bao_cao`.
    status: Option<String>,
}

const STATUSES: [(&str, &str); 5] = [
    ("qua_han", "Quá hạn"),
    ("dang_lam", "Đang thực hiện, trong hạn"),
    ("da_xong", "Đã hoàn thành"),
    ("chua_hieu_qua", "Xong nhưng chỉ tiêu chưa chuyển biến"),
    ("chua_bao_cao", "Chưa có báo cáo"),
];

fn is_done(t: &TaskState) -> bool {
    t.done_on.is_some()
}

fn matches(t: &TaskState, status: &str) -> bool {
    match status {
        "qua_han" => t.overdue,
        "dang_lam" => !t.overdue && !is_done(t),
        "da_xong" => is_done(t),
        "chua_hieu_qua" => t.done_without_effect,
        "chua_bao_cao" => t.updated_on.is_none(),
        _ => true,
    }
}

/// A task's 6 rõ card.
pub fn card(t: &TaskState) -> Markup {
    let state_class = if t.overdue {
        "chua_dat"
    } else if t.done_without_effect {
        "nguy_co"
    } else if is_done(t) {
        "dat"
    } else {
        "chua_co_du_lieu"
    };
    html! {
        div.card id=(format!("task-{}", t.task.id)) {
            h3 { (t.task.id) " · " (t.task.viec) }
            p {
                span class=(format!("pill {state_class}")) {
                    @if t.overdue { "Quá hạn " (t.days_overdue.unwrap_or(0)) " ngày" }
                    @else if t.done_without_effect { "Xong, chỉ tiêu chưa chuyển biến" }
                    @else { (t.status) }
                }
            }
            dl {
                dt { "Rõ người" } dd { (t.task.nguoi) }
                dt { "Rõ thời gian" } dd { (t.task.thoi_gian) " (hạn " (format::date(t.task.han)) ")" }
                dt { "Chủ trì" } dd { (t.task.chu_tri) }
                @if !t.task.phoi_hop.is_empty() { dt { "Phối hợp" } dd { (t.task.phoi_hop.join("; ")) } }
                dt { "Rõ sản phẩm" } dd { (t.task.san_pham) }
                @if !t.task.muc_tieu.is_empty() { dt { "Rõ hiệu quả" } dd { (t.task.muc_tieu) } }
                @for e in &t.effects { dt { "Chuyển biến" } dd { (e.text) } }
                @if let Some(d) = t.done_on { dt { "Hoàn thành" } dd { (format::date(d)) } }
                @if let Some(e) = &t.evidence { dt { "Minh chứng" } dd { (e) } }
                dt { "Kế hoạch" } dd.small { (t.plan_title) }
            }
        }
    }
}

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<TasksQuery>,
) -> Result<Markup, PageError> {
    let ev = state.evaluator().await;
    let today = chrono::Utc::now()
        .with_timezone(&ev.timezone())
        .date_naive();
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let status = q.status.as_deref().unwrap_or("");
    let all = ev.tasks(&state.site.plans, today, unit).await?;
    // the status of every indicator a task moves, for the latest complete month
    let table = state.report(&ev, state.site.default_period, None).await?;
    let status_of: BTreeMap<&str, (Status, &str, &str)> = table
        .indicators
        .iter()
        .chain(&table.operations)
        .map(|r| {
            (
                r.id.as_str(),
                (
                    r.figure.status,
                    r.figure.status_text.as_str(),
                    r.figure.value_text.as_str(),
                ),
            )
        })
        .collect();
    let mut tasks: Vec<&TaskState> = all.iter().filter(|t| matches(t, status)).collect();
    tasks.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.days_overdue.cmp(&a.days_overdue))
            .then(a.task.han.cmp(&b.task.han))
            .then(a.task.id.cmp(&b.task.id))
    });
    let mut by_unit: BTreeMap<&str, Vec<&TaskState>> = BTreeMap::new();
    for t in &tasks {
        by_unit.entry(t.task.chu_tri.as_str()).or_default().push(t);
    }
    // units with overdue tasks first
    let mut units: Vec<(&str, Vec<&TaskState>)> = by_unit.into_iter().collect();
    units.sort_by_key(|(u, list)| {
        (
            std::cmp::Reverse(list.iter().filter(|t| t.overdue).count()),
            *u,
        )
    });
    let unit_names: BTreeSet<&str> = state
        .site
        .plans
        .iter()
        .flat_map(|p| &p.tasks)
        .flat_map(|t| {
            std::iter::once(t.chu_tri.as_str()).chain(t.phoi_hop.iter().map(String::as_str))
        })
        .collect();
    let office = match viewer.signed() {
        Some(s) if s.role == Role::CanBo => s.unit.clone(),
        _ => None,
    };
    let overdue = all.iter().filter(|t| t.overdue).count();
    let body = html! {
        h1 { "Nhiệm vụ “6 rõ”" }
        p.lead {
            "Tại ngày " (format::date(today)) ": " (all.len()) " nhiệm vụ, "
            span class=(if overdue > 0 { "late" } else { "" }) { (overdue) " quá hạn" }
            @if let Some(u) = unit { " · đơn vị: " (u) }
        }
        form.pickers method="get" action="/nhiem-vu" {
            label { "Đơn vị" select name="unit" {
                @if let Some(o) = &office {
                    option value=(o) selected { (o) }
                } @else {
                    option value="" selected[unit.is_none()] { "Tất cả đơn vị" }
                    @for u in &unit_names { option value=(u) selected[unit == Some(*u)] { (u) } }
                }
            } }
            label { "Tình trạng" select name="status" {
                option value="" selected[status.is_empty()] { "Tất cả" }
                @for (id, label) in STATUSES { option value=(id) selected[status == id] { (label) } }
            } }
            button.primary type="submit" { "Lọc" }
        }
        @if tasks.is_empty() { p.small { "Không có nhiệm vụ nào khớp bộ lọc." } }
        @for (u, list) in &units {
            h2 { (u) " " span.small { "(" (list.len()) " nhiệm vụ, " (list.iter().filter(|t| t.overdue).count()) " quá hạn)" } }
            div.cards {
                @for t in list {
                    div {
                        (card(t))
                        @if !t.task.chi_tieu.is_empty() {
                            p.small {
                                "Chỉ tiêu: "
                                @for id in &t.task.chi_tieu {
                                    @if let Some((st, text, value)) = status_of.get(id.as_str()) {
                                        a href=(format!("/chi-tieu/{id}")) { (id) } " "
                                        span class=(format!("pill {}", status_class(*st))) { (value) " · " (text) } " "
                                    } @else { (id) " " }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Tasks,
        "Nhiệm vụ 6 rõ",
        body,
    ))
}
