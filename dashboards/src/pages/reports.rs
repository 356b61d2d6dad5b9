//! `/bao-cao`: the reports produced (on schedule or on demand) with their files to download,
//! and a form that produces one now. `/bao-cao/tai/{file}` serves a file of the outbox.

use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{esc, layout};
use crate::documents::produce::{self, ProduceRequest};
use crate::documents::report::{Format, ReportKind};
use crate::{ApiError, AppState};

pub async fn get(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let site = &state.site;
    let productions = state.lake.productions().await.map_err(ApiError::internal)?;
    let month = site.default_period;
    let mut body = format!(
        "<header><h1>Báo cáo</h1><p>{} · {}</p></header><main>",
        esc(&site.ward_name),
        esc(&site.province)
    );
    if site.reports.is_none() {
        body.push_str(
            "<p class=\"chua_dat\">pipelines.toml chưa có mục [reports] (đơn vị ban hành, nơi \
             nhận, người ký): chưa lập được báo cáo.</p>",
        );
    }
    let units: String = site
        .units
        .iter()
        .map(|(c, n)| format!("<option value=\"{}\">{}</option>", esc(c), esc(n)))
        .collect();
    body.push_str(&format!(
        r#"<form method="post" action="/bao-cao">
<fieldset><legend>Lập báo cáo</legend>
<label>Loại <select name="kind"><option value="monthly">Báo cáo tháng (UBND)</option><option value="quarterly">Báo cáo quý (Đảng ủy)</option></select></label>
<label>Kỳ (2026-10 hoặc 2026-Q3) <input name="period" value="{period}" required></label>
<label>Phạm vi <select name="unit"><option value="">Toàn phường</option>{units}</select></label>
<label>Ngày báo cáo <input name="date" type="date"></label>
<label><input type="checkbox" name="pdf" checked> PDF</label>
<label><input type="checkbox" name="docx" checked> DOCX</label>
<label><input type="checkbox" name="xlsx" checked> XLSX</label>
<label><input type="checkbox" name="evidence"> kèm phụ lục minh chứng</label>
<button type="submit">Lập báo cáo</button>
</fieldset></form>"#,
        period = esc(&month.to_string()),
    ));
    // on a phone the register scrolls sideways inside its box; hashes break anywhere
    body.push_str(
        "<style>#bao-cao .note { word-break: break-all; } .cuon { overflow-x: auto; }</style>\
         <div class=\"cuon\"><table id=\"bao-cao\"><thead><tr><th>Loại</th><th>Kỳ</th><th>Phạm vi</th>\
         <th>Ngày báo cáo</th><th>Phiên bản dữ liệu</th><th>Lập lúc</th><th>Lập bởi</th>\
         <th>Tệp (SHA-256)</th></tr></thead><tbody>",
    );
    if productions.is_empty() {
        body.push_str(
            "<tr><td colspan=\"8\" class=\"chua_co_du_lieu\">Chưa lập báo cáo nào.</td></tr>",
        );
    }
    let tz = state.evaluator().await.timezone();
    for p in &productions {
        let kind = match p.kind.as_str() {
            "monthly" => "Báo cáo tháng",
            "quarterly" => "Báo cáo quý",
            other => other,
        };
        let trigger = match p.trigger.as_str() {
            "schedule" => "theo lịch",
            "web" => "trên trang",
            "cli" => "dòng lệnh",
            other => other,
        };
        let files: String = p
            .files
            .iter()
            .map(|f| {
                let here = site.outbox.join(&f.name).is_file();
                if here && p.trigger != "cli" {
                    format!(
                        "<div><a href=\"/bao-cao/tai/{n}\">{n}</a> <span class=\"note\">{}</span></div>",
                        esc(&f.sha256),
                        n = esc(&f.name)
                    )
                } else {
                    format!(
                        "<div>{} <span class=\"note\">{}</span></div>",
                        esc(&f.name),
                        esc(&f.sha256)
                    )
                }
            })
            .collect();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{files}</td></tr>",
            esc(kind),
            esc(&p.period),
            esc(if p.unit.is_empty() { "Toàn phường" } else { &p.unit }),
            esc(&chrono::NaiveDate::parse_from_str(&p.date, "%Y-%m-%d")
                .map(metrics::format::date)
                .unwrap_or_else(|_| p.date.clone())),
            p.lake_version.map(|v| format!("v{v}")).unwrap_or_default(),
            esc(&p.produced_at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()),
            esc(trigger),
        ));
    }
    body.push_str("</tbody></table></div></main>");
    Ok(Html(layout(
        &format!("Báo cáo – {}", site.ward_name),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct ProduceForm {
    kind: String,
    period: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    date: String,
    pdf: Option<String>,
    docx: Option<String>,
    xlsx: Option<String>,
    evidence: Option<String>,
}

/// Produces a report into the outbox, then shows the list.
pub async fn post(
    State(state): State<AppState>,
    Form(f): Form<ProduceForm>,
) -> Result<Redirect, ApiError> {
    let kind: ReportKind = f.kind.parse().map_err(ApiError::bad_request)?;
    let period = crate::api::period_or(Some(&f.period), state.site.default_period)?;
    let ev = state.evaluator().await;
    let date = match f.date.trim() {
        "" => chrono::Utc::now()
            .with_timezone(&ev.timezone())
            .date_naive(),
        d => d
            .parse()
            .map_err(|_| ApiError::bad_request("ngày báo cáo viết YYYY-MM-DD"))?,
    };
    let formats: Vec<Format> = [
        (&f.pdf, Format::Pdf),
        (&f.docx, Format::Docx),
        (&f.xlsx, Format::Xlsx),
    ]
    .into_iter()
    .filter(|(on, _)| on.is_some())
    .map(|(_, fmt)| fmt)
    .collect();
    if formats.is_empty() && f.evidence.is_none() {
        return Err(ApiError::bad_request("chọn ít nhất một định dạng"));
    }
    let req = ProduceRequest {
        kind,
        period,
        unit: Some(f.unit.trim().to_string()).filter(|u| !u.is_empty()),
        date,
        formats,
        evidence: f.evidence.is_some(),
    };
    produce::into_outbox(&ev, &state.site, &state.lake, &req, "web")
        .await
        .map_err(ApiError::from)?;
    // 303 See Other: the browser shows the list with a GET
    Ok(Redirect::to("/bao-cao"))
}

/// A file of the outbox, by name only.
pub async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(ApiError::not_found("không có tệp này"));
    }
    let path = state.site.outbox.join(&name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found("không có tệp này"))?;
    let content_type = match name.rsplit_once('.').map(|(_, e)| e) {
        Some("pdf") => Format::Pdf.content_type(),
        Some("docx") => Format::Docx.content_type(),
        Some("xlsx") => Format::Xlsx.content_type(),
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
