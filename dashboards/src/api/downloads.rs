//! `/chi-tieu/{id}/tai/{id}.csv|.xlsx`: an indicator's figure and its breakdowns as a table to
//! take away. Text never becomes a formula: in CSV a cell that a spreadsheet would read as one
//! (`=`, `+`, `-`, `@`, tab, carriage return first) is prefixed with an apostrophe; in XLSX
//! every text cell is written as a string.

use axum::extract::{Path, State};

use crate::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format as CellFormat, Workbook};

use crate::view::{View, ViewQuery, breakdowns, key_name};
use crate::{ApiError, AppState};

const HEAD: [&str; 14] = [
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Kỳ",
    "Từ ngày",
    "Đến ngày",
    "Phạm vi",
    "Chia theo",
    "Giá trị chia",
    "Tử số",
    "Mẫu số",
    "Kết quả (%)",
    "Kết quả",
    "Mục tiêu",
    "Đánh giá",
];

/// One line of the table.
enum Cell {
    Text(String),
    Number(Option<f64>),
}

/// A text cell as a spreadsheet must show it: never as a formula.
pub fn csv_text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

async fn lines(
    state: &AppState,
    id: &str,
    view: &View,
) -> Result<(String, Vec<Vec<Cell>>), ApiError> {
    let ev = state.evaluator_for(None, view.rule_param()).await?;
    let ind = ev.catalogue().indicator(id)?.clone();
    let row = ev.row(&ind.id, view.period, view.unit.as_deref()).await?;
    let place = match &view.unit {
        Some(u) => crate::view::unit_name(&state.site, u),
        None => state.site.ward_name.clone(),
    };
    let f = &row.figure;
    let common = |dim: &str, key: String| {
        vec![
            Cell::Text(ind.id.clone()),
            Cell::Text(ind.name.clone()),
            Cell::Text(view.period.to_string()),
            Cell::Text(metrics::format::date(f.window.from)),
            Cell::Text(metrics::format::date(f.window.to)),
            Cell::Text(place.clone()),
            Cell::Text(dim.to_string()),
            Cell::Text(key),
        ]
    };
    let tail = |n: Option<u64>, d: Option<u64>, v: Option<f64>, text: &str| {
        vec![
            Cell::Number(n.map(|n| n as f64)),
            Cell::Number(d.map(|d| d as f64)),
            Cell::Number(v),
            Cell::Text(text.to_string()),
        ]
    };
    let mut first = common("", String::new());
    first.extend(tail(f.numerator, f.denominator, f.value, &f.value_text));
    first.push(Cell::Text(f.target_text.clone().unwrap_or_default()));
    first.push(Cell::Text(f.status_text.clone()));
    let mut out = vec![first];
    for b in breakdowns(&ev, &ind.id, view).await? {
        for v in &b.values {
            let mut line = common(&b.name, key_name(state, &b.dimension, v.key.as_deref()));
            line.extend(tail(
                Some(v.numerator),
                Some(v.denominator),
                v.value,
                &v.value_text,
            ));
            line.push(Cell::Text(String::new()));
            line.push(Cell::Text(String::new()));
            out.push(line);
        }
    }
    Ok((ind.id, out))
}

fn csv_bytes(lines: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    // a byte-order mark, so that a spreadsheet opens the Vietnamese as UTF-8
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(HEAD).map_err(ApiError::internal)?;
    for line in lines {
        let record: Vec<String> = line
            .iter()
            .map(|c| match c {
                Cell::Text(t) => csv_text(t),
                Cell::Number(Some(n)) => n.to_string(),
                Cell::Number(None) => String::new(),
            })
            .collect();
        w.write_record(&record).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

fn xlsx_bytes(id: &str, lines: &[Vec<Cell>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let head = CellFormat::new().set_bold().set_text_wrap();
    let ws = book.add_worksheet();
    ws.set_name(id.replace(['[', ']', ':', '*', '?', '/', '\\'], "_"))?;
    for (c, h) in HEAD.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (r, line) in lines.iter().enumerate() {
        for (c, cell) in line.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(t) => {
                    ws.write_string(r, c, t)?;
                }
                Cell::Number(Some(n)) => {
                    ws.write_number(r, c, *n)?;
                }
                Cell::Number(None) => {}
            }
        }
    }
    ws.set_column_width(1, 50)?;
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[utoipa::path(get, path = "/chi-tieu/{id}/tai/{file}", tag = "tải về",
    params(("id" = String, Path, description = "Mã chỉ tiêu", example = "I.3"), ("file" = String, Path, description = "I.3.csv hoặc I.3.xlsx", example = "I.3.csv"), ViewQuery),
    responses(
        (status = 200, description = "Số liệu và phân tích (CSV hoặc XLSX)", content_type = "text/csv", body = String),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, ApiError> {
    let view = View::read(&state, &q)?;
    let (stem, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found("tệp có dạng I.3.csv hoặc I.3.xlsx"))?;
    if stem != id || !matches!(ext, "csv" | "xlsx") {
        return Err(ApiError::not_found("tệp có dạng I.3.csv hoặc I.3.xlsx"));
    }
    let (id, lines) = lines(&state, &id, &view).await?;
    let name = format!(
        "{id}_{}{}.{ext}",
        view.period,
        view.unit
            .as_deref()
            .map(|u| format!("_{u}"))
            .unwrap_or_default()
    );
    let (content_type, bytes) = match ext {
        "csv" => ("text/csv; charset=utf-8", csv_bytes(&lines)?),
        _ => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx_bytes(&id, &lines).map_err(ApiError::internal)?,
        ),
    };
    Ok((
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

#[cfg(test)]
mod tests {
    #[test]
    fn text_that_a_spreadsheet_would_compute_is_kept_as_text() {
        assert_eq!(
            super::csv_text("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(super::csv_text("+1"), "'+1");
        assert_eq!(super::csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_text("Khu phố 1"), "Khu phố 1");
    }
}
