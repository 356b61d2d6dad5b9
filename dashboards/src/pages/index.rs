//! `/`: the Phụ lục 1 table for a period, value against the milestone target, with status.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::{esc, layout};
use crate::api::period_or;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub struct IndexQuery {
    period: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Query(q): Query<IndexQuery>,
) -> Result<Html<String>, ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let ev = state.evaluator().await;
    let rows = ev.table(period, None).await?;
    let cat = ev.catalogue();
    let milestone = period.milestone(&cat.milestones);
    let site = &state.site;

    let mut body = String::new();
    body.push_str(&format!(
        "<header><h1>{}</h1><p>{} · {} · {}</p></header><main>",
        esc(&cat.title),
        esc(&site.ward_name),
        esc(&site.province),
        esc(&cat.source_document)
    ));
    body.push_str(&format!(
        r#"<form method="get" action="/"><label>Kỳ báo cáo (2026-06, 2026-Q2, 2026-H1, 2026): <input name="period" value="{}"></label> <button type="submit">Xem</button> <strong>Kết quả {}</strong></form>"#,
        esc(&period.to_string()),
        esc(&period.label_vi())
    ));
    let target_head = milestone
        .map(|y| format!("Chỉ tiêu đến hết {y}"))
        .unwrap_or_else(|| "Chỉ tiêu".to_string());
    body.push_str(&format!(
        "<table id=\"phu-luc-1\"><thead><tr><th>STT</th><th>Nhóm chỉ tiêu</th><th>ĐVT</th>\
         <th>Kết quả kỳ</th><th>Tử số / mẫu số</th><th>{}</th><th>Đánh giá</th>{}<th>Ghi chú/nguồn đo lường</th></tr></thead><tbody>",
        esc(&target_head),
        cat.milestones
            .iter()
            .map(|y| format!("<th>Đến hết {y}</th>"))
            .collect::<String>()
    ));
    let mut group = "";
    let cols = 8 + cat.milestones.len();
    for r in &rows {
        if r.group != group {
            group = &r.group;
            body.push_str(&format!(
                "<tr class=\"group\"><td colspan=\"{cols}\">{}. {}</td></tr>",
                esc(&r.group),
                esc(&r.group_name)
            ));
        }
        let f = &r.figure;
        let frac = match (f.numerator, f.denominator) {
            (Some(n), Some(d)) => format!(
                "{} / {}",
                metrics::format::integer(n),
                metrics::format::integer(d)
            ),
            _ => String::new(),
        };
        let status_class = serde_json::to_value(f.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let name = if r.computed {
            format!(
                "<a href=\"/charts/{id}.svg\">{}</a>",
                esc(&r.name),
                id = esc(&r.id)
            )
        } else {
            esc(&r.name)
        };
        body.push_str(&format!(
            "<tr id=\"row-{id}\"><td>{stt}</td><td>{name}</td><td>{unit}</td><td class=\"num value\">{value}</td>\
             <td class=\"num\">{frac}</td><td>{target}</td><td class=\"{status_class}\">{status}</td>{targets}<td class=\"note\">{note}</td></tr>",
            id = esc(&r.id),
            stt = esc(&r.id),
            unit = esc(&r.unit),
            value = esc(&f.value_text),
            target = esc(f.target_text.as_deref().unwrap_or("")),
            status = esc(&f.status_text),
            targets = r
                .targets
                .iter()
                .map(|(_, t)| format!("<td>{}</td>", esc(t)))
                .collect::<String>(),
            note = esc(&r.note),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(
        "<figure><img src=\"/charts/I.3.svg\" alt=\"Biểu đồ chỉ tiêu I.3 theo tháng\" width=\"960\" height=\"540\"></figure>",
    );
    body.push_str(
        "</main><footer>Số liệu tính từ kho dữ liệu của phường; mỗi con số có tử số, mẫu số và câu lệnh SQL tại /api/indicators/{id}.</footer>",
    );
    Ok(Html(layout(
        &format!("{} – {}", cat.title, site.ward_name),
        &body,
    )))
}
