//! `/chi-tieu/{id}`: one indicator — its series against the milestones, its breakdowns worst
//! first, its definition in plain Vietnamese with the SQL, its 6 rõ tasks, and the downloads.

use axum::Extension;
use axum::extract::{Path, State};

use crate::extract::Query;
use maud::{Markup, html};
use metrics::{Target, TaskState, format};

use super::PageError;
use super::figures::{Arrivals, age_text};
use super::layout::{Section, page, status_class, unit_name};
use super::pickers::pickers;
use crate::AppState;
use crate::auth::Viewer;
use crate::view::{View, ViewQuery, breakdowns, key_name};

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Markup, PageError> {
    let view = View::read(&state, &q)?;
    let ev = state.evaluator_for(None, q.rule.as_deref()).await?;
    let ind = ev.catalogue().indicator(&id)?.clone();
    let id = ind.id.clone();
    let row = ev.row(&id, view.period, view.unit.as_deref()).await?;
    let explanation = ev.explain(&id, view.period, view.unit.as_deref()).await?;
    let breakdowns = breakdowns(&ev, &id, &view).await?;
    let arrivals = Arrivals::read(&state, &ev).await?;
    let age = arrivals.of(&ind, ev.catalogue());
    let today = chrono::Utc::now()
        .with_timezone(&ev.timezone())
        .date_naive();
    let tasks: Vec<TaskState> = ev
        .tasks(
            &state.site.plans,
            today,
            q.nhiem_vu_cua.as_deref().filter(|u| !u.trim().is_empty()),
        )
        .await?
        .into_iter()
        .filter(|t| t.task.chi_tieu.contains(&id))
        .collect();
    let f = &row.figure;
    let query = view.query();
    let place = match &view.unit {
        Some(u) => unit_name(&state.site, u),
        None => state.site.ward_name.clone(),
    };
    let chart_query = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let (from, to) = super::figures::trend_range(view.period);
        s.append_pair("from", &from.to_string());
        s.append_pair("to", &to.to_string());
        if let Some(u) = &view.unit {
            s.append_pair("unit", u);
        }
        if let Some(r) = &q.rule {
            s.append_pair("rule", r);
        }
        s.finish()
    };
    let evidence_query = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("period", &view.period.to_string());
        if let Some(u) = &view.unit {
            s.append_pair("unit", u);
        }
        s.finish()
    };
    let body = html! {
        p.small { a href=(format!("/?{query}")) { "← Tổng quan" } }
        h1 { (id) " · " (row.name) }
        p.lead { (place) " · " (view.period.label_vi()) " · " (explanation.window_vi) }
        (pickers(&state.site, &viewer, &view, &format!("/chi-tieu/{id}"), true))
        div.headline {
            div { div.small { "Kết quả" } div.big { (f.value_text) } }
            @if let (Some(n), Some(d)) = (f.numerator, f.denominator) {
                div { div.small { "Tử số / mẫu số" } div { (format::integer(n)) " / " (format::integer(d)) } }
            }
            @if let (Some(y), Some(t)) = (f.milestone, &f.target_text) {
                div { div.small { "Mục tiêu đến hết " (y) } div { (t) } }
            }
            div {
                div.small { "Đánh giá" }
                span class=(format!("pill {}", status_class(f.status))) { (f.status_text) }
                @if let Some(d) = f.projection.as_ref().and_then(|p| p.reaches_target_on) {
                    " " span.small { "dự kiến đạt " (format::date(d)) }
                }
            }
            @if let Some(a) = &age {
                div { div.small { "Dữ liệu" } div class=(if a.late { "late" } else { "" }) {
                    (age_text(a.at, chrono::Utc::now())) " (" (a.source) ")" @if a.late { " · trễ hạn" }
                } }
            }
        }
        @if row.computed {
            h2 { "Diễn biến 12 tháng" }
            figure {
                img src=(format!("/charts/{id}.svg?{chart_query}")) width="960" height="540"
                    alt=(format!("Biểu đồ {id} theo tháng, {place}, với mục tiêu các mốc"));
                figcaption { a href=(format!("/charts/{id}.png?{chart_query}")) { "Tải ảnh PNG" } }
            }
        }
        h2 { "Mục tiêu theo mốc" }
        table.cards-small {
            thead { tr { @for (y, _) in &row.targets { th { "Đến hết " (y) } } } }
            tbody { tr { @for (y, t) in &row.targets {
                td data-label=(format!("Đến hết {y}")) {
                    (t)
                    @if matches!(ind.target(*y), Some(Target::AtLeast { .. })) && f.milestone == Some(*y) { " ← mốc đang xét" }
                }
            } } }
        }
        @for b in &breakdowns {
            h2 { "Theo " (b.name) " (thấp nhất trước)" }
            @if b.values.is_empty() {
                p.small { "Không có hồ sơ nào trong kỳ." }
            } @else {
                figure {
                    img src=(format!("/charts/{id}/theo/{}.svg?{query}", b.dimension)) width="960" height=(crate::charts::bar_height(b.values.len()))
                        alt=(format!("Biểu đồ cột {id} theo {}", b.name));
                }
                div.wrap { table.cards-small {
                    thead { tr { th { (b.name) } th.num { "Kết quả" } th.num { "Tử số" } th.num { "Mẫu số" } } }
                    tbody { @for v in &b.values { tr {
                        td data-label=(b.name) { (key_name(&state, &b.dimension, v.key.as_deref())) }
                        td.num data-label="Kết quả" { (v.value_text) }
                        td.num data-label="Tử số" { (format::integer(v.numerator)) }
                        td.num data-label="Mẫu số" { (format::integer(v.denominator)) }
                    } } }
                } }
            }
        }
        h2 { "Định nghĩa" }
        div.card { dl {
            @for (k, v) in [
                ("Tử số", explanation.numerator_vi.as_deref()),
                ("Mẫu số", explanation.denominator_vi.as_deref()),
                ("Phạm vi", explanation.filter_vi.as_deref()),
                ("Cách đếm", explanation.counted_vi.as_deref()),
                ("Quy tắc kỳ", Some(explanation.period_rule_vi.as_str())),
                ("Kỳ tính", Some(explanation.window_vi.as_str())),
                ("Đánh giá", Some(explanation.status_rule_vi.as_str())),
                ("Mục tiêu định tính", explanation.target_rule_vi.as_deref()),
                ("Nguồn dữ liệu", explanation.source.as_deref()),
                ("Ghi chú", Some(explanation.note.as_str())),
                ("Căn cứ", Some(explanation.legal_source.as_str())),
            ] {
                @if let Some(v) = v.filter(|v| !v.is_empty()) { dt { (k) } dd { (v) } }
            }
        } }
        @if let Some(sql) = &explanation.sql {
            details open {
                summary { "Câu lệnh SQL cho ra con số này" }
                pre { code { (sql) } }
                @if let Some(v) = &explanation.view {
                    p.small { "trong đó " code { (v.name) } " (" (v.description) ") là:" }
                    pre { code { (v.sql.trim()) } }
                }
            }
        }
        h2 { "Nhiệm vụ 6 rõ gắn với chỉ tiêu" }
        @if tasks.is_empty() {
            p.small { "Chưa có nhiệm vụ nào trong kế hoạch gắn với chỉ tiêu này." }
        }
        div.cards { @for t in &tasks { (super::tasks::card(t)) } }
        h2 { "Tải về" }
        p.downloads {
            a href=(format!("/chi-tieu/{id}/tai/{id}.csv?{query}")) { "Số liệu và phân tích (CSV)" }
            a href=(format!("/chi-tieu/{id}/tai/{id}.xlsx?{query}")) { "Số liệu và phân tích (XLSX)" }
            @if row.computed {
                a href=(format!("/api/indicators/{id}/evidence?{evidence_query}")) { "Phụ lục minh chứng (ZIP)" }
            }
            a href="/bao-cao" { "Báo cáo tháng, quý" }
        }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Indicator,
        &format!("{id} {}", row.name),
        body,
    ))
}
