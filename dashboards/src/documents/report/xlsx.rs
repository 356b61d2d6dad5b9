//! The XLSX: the indicator table on the first sheet, then one sheet per indicator group with
//! the monthly series. Numbers are numbers and dates are dates, with formats that a vi-VN
//! Excel shows as `95,2 %` and `05/11/2026`; every text is written as a string, so a name
//! that starts with `=`, `+`, `-` or `@` stays text and never runs as a formula.

use chrono::{Datelike, NaiveDate};
use metrics::{IndicatorRow, IndicatorValue};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use super::model::ReportDoc;
use crate::documents::{DocError, xlsx_properties};

struct Formats {
    title: Format,
    head: Format,
    text: Format,
    count: Format,
    percent: Format,
    date: Format,
    month: Format,
}

impl Formats {
    fn new() -> Self {
        let cell = || {
            Format::new()
                .set_font_name("Times New Roman")
                .set_font_size(12)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter)
        };
        Self {
            title: Format::new()
                .set_font_name("Times New Roman")
                .set_font_size(14)
                .set_bold(),
            head: cell()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            // one line a row: a wrapped cell needs a row height only Excel computes on open
            text: cell(),
            count: cell().set_num_format("#,##0"),
            percent: cell().set_num_format("0.0\" %\""),
            date: cell().set_num_format("dd/mm/yyyy"),
            month: cell().set_bold().set_num_format("mm/yyyy"),
        }
    }
}

/// A sheet prints on A4 landscape, its header row on every page.
fn print_setup(ws: &mut Worksheet, header_row: u32) -> Result<(), DocError> {
    ws.set_paper_size(9).set_landscape();
    ws.set_repeat_rows(header_row, header_row)?;
    Ok(())
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, DocError> {
    Ok(ExcelDateTime::from_ymd(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
    )?)
}

/// The report as XLSX bytes.
pub fn xlsx(doc: &ReportDoc) -> Result<Vec<u8>, DocError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(&xlsx_properties(&doc.document_title, Some(doc.date)));
    if !doc.province.is_empty() {
        let ws = book.add_worksheet();
        ws.set_name("Toàn tỉnh")?;
        province_sheet(ws, doc, &f)?;
        let ws = book.add_worksheet();
        ws.set_name("Các phường")?;
        wards_sheet(ws, doc, &f)?;
        return Ok(book.save_to_buffer()?);
    }
    let ws = book.add_worksheet();
    ws.set_name("Chỉ tiêu")?;
    indicator_sheet(ws, doc, &f)?;
    let mut groups: Vec<&str> = Vec::new();
    for r in &doc.rows {
        if !groups.contains(&r.group.as_str()) {
            groups.push(&r.group);
        }
    }
    for g in groups {
        let rows: Vec<&(IndicatorRow, Vec<IndicatorValue>)> =
            doc.series.iter().filter(|(r, _)| r.group == g).collect();
        let ws = book.add_worksheet();
        ws.set_name(format!("Nhóm {g} theo tháng"))?;
        series_sheet(ws, doc, &rows, &f)?;
    }
    Ok(book.save_to_buffer()?)
}

/// A count, or an empty cell when there is none.
fn count_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<u64>,
    f: &Format,
) -> Result<(), DocError> {
    match v {
        Some(n) => ws.write_number_with_format(row, col, n as f64, f)?,
        None => ws.write_blank(row, col, f)?,
    };
    Ok(())
}

fn percent_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    f: &Format,
) -> Result<(), DocError> {
    match v {
        Some(x) => ws.write_number_with_format(row, col, x, f)?,
        None => ws.write_blank(row, col, f)?,
    };
    Ok(())
}

fn heads(
    ws: &mut Worksheet,
    top: u32,
    heads: &[&str],
    widths: &[f64],
    f: &Formats,
) -> Result<(), DocError> {
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &f.head)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

/// The province's figure of every indicator: the wards' numerators and denominators summed.
fn province_sheet(ws: &mut Worksheet, doc: &ReportDoc, f: &Formats) -> Result<(), DocError> {
    ws.write_string_with_format(0, 0, &doc.document_title, &f.title)?;
    ws.write_string(1, 0, doc.issuer.join(" — "))?;
    ws.write_string(
        2,
        0,
        "Tử số, mẫu số là tổng của các phường; phiên bản dữ liệu từng phường ở trang “Các phường”.",
    )?;
    let top = 4;
    heads(
        ws,
        top,
        &[
            "Mã",
            "Nhóm",
            "STT",
            "Chỉ tiêu",
            "ĐVT",
            "Tử số",
            "Mẫu số",
            "Kết quả",
            "Kết quả (chữ)",
            "Mục tiêu",
            "Đánh giá",
            "Phường đạt",
            "Phường được đánh giá",
        ],
        &[
            8.0, 6.0, 5.0, 60.0, 8.0, 12.0, 12.0, 10.0, 22.0, 14.0, 18.0, 10.0, 12.0,
        ],
        f,
    )?;
    for (i, r) in doc.province.iter().enumerate() {
        let row = top + 1 + i as u32;
        let v = &r.figure;
        ws.write_string_with_format(row, 0, &r.id, &f.text)?;
        ws.write_string_with_format(row, 1, &r.group, &f.text)?;
        ws.write_number_with_format(row, 2, f64::from(r.stt), &f.count)?;
        ws.write_string_with_format(row, 3, &r.name, &f.text)?;
        ws.write_string_with_format(row, 4, &r.unit, &f.text)?;
        count_cell(ws, row, 5, v.numerator, &f.count)?;
        count_cell(ws, row, 6, v.denominator, &f.count)?;
        percent_cell(ws, row, 7, v.value, &f.percent)?;
        ws.write_string_with_format(row, 8, &v.value_text, &f.text)?;
        ws.write_string_with_format(row, 9, v.target_text.as_deref().unwrap_or(""), &f.text)?;
        ws.write_string_with_format(row, 10, &v.status_text, &f.text)?;
        ws.write_number_with_format(row, 11, r.wards_met as f64, &f.count)?;
        ws.write_number_with_format(row, 12, r.wards_judged as f64, &f.count)?;
    }
    ws.set_freeze_panes(top + 1, 4)?;
    print_setup(ws, top)
}

/// Every ward's figure of every indicator, ranked within the indicator.
fn wards_sheet(ws: &mut Worksheet, doc: &ReportDoc, f: &Formats) -> Result<(), DocError> {
    ws.write_string_with_format(0, 0, &doc.document_title, &f.title)?;
    ws.write_string(
        1,
        0,
        "Mỗi chỉ tiêu, các phường xếp theo kết quả từ cao xuống thấp.",
    )?;
    let top = 3;
    heads(
        ws,
        top,
        &[
            "Mã",
            "Chỉ tiêu",
            "Mã phường",
            "Phường",
            "Phiên bản dữ liệu",
            "Hạng",
            "Tử số",
            "Mẫu số",
            "Kết quả",
            "Kết quả (chữ)",
            "Đánh giá",
        ],
        &[
            8.0, 50.0, 10.0, 26.0, 10.0, 7.0, 12.0, 12.0, 10.0, 22.0, 18.0,
        ],
        f,
    )?;
    let mut row = top;
    for r in &doc.province {
        for w in &r.wards {
            row += 1;
            ws.write_string_with_format(row, 0, &r.id, &f.text)?;
            ws.write_string_with_format(row, 1, &r.name, &f.text)?;
            ws.write_string_with_format(row, 2, &w.code, &f.text)?;
            ws.write_string_with_format(row, 3, &w.name, &f.text)?;
            count_cell(ws, row, 4, w.lake_version, &f.count)?;
            count_cell(ws, row, 5, w.rank.map(|r| r as u64), &f.count)?;
            count_cell(ws, row, 6, w.numerator, &f.count)?;
            count_cell(ws, row, 7, w.denominator, &f.count)?;
            percent_cell(ws, row, 8, w.value, &f.percent)?;
            ws.write_string_with_format(row, 9, &w.value_text, &f.text)?;
            ws.write_string_with_format(row, 10, &w.status_text, &f.text)?;
        }
    }
    ws.set_freeze_panes(top + 1, 2)?;
    ws.autofilter(top, 0, row.max(top + 1), 10)?;
    print_setup(ws, top)
}

fn indicator_sheet(ws: &mut Worksheet, doc: &ReportDoc, f: &Formats) -> Result<(), DocError> {
    ws.write_string_with_format(0, 0, &doc.document_title, &f.title)?;
    ws.write_string(1, 0, doc.issuer.join(" — "))?;
    ws.write_string(
        2,
        0,
        format!(
            "Phiên bản dữ liệu: {}",
            doc.lake_version
                .map(|v| format!("v{v}"))
                .unwrap_or_else(|| "chưa có".to_string())
        ),
    )?;
    let head = [
        "Mã",
        "Nhóm",
        "STT",
        "Chỉ tiêu",
        "ĐVT",
        "Từ ngày",
        "Đến ngày",
        "Tử số",
        "Mẫu số",
        "Kết quả",
        "Kết quả (chữ)",
        "Mốc",
        "Mục tiêu",
        "Đánh giá",
        "Dự kiến đạt mục tiêu",
        "Ghi chú/nguồn đo lường",
    ];
    let top = 4;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &f.head)?;
    }
    for (i, r) in doc.rows.iter().enumerate() {
        let row = top + 1 + i as u32;
        let v = &r.figure;
        ws.write_string_with_format(row, 0, &r.id, &f.text)?;
        ws.write_string_with_format(row, 1, &r.group, &f.text)?;
        ws.write_number_with_format(row, 2, f64::from(r.stt), &f.count)?;
        ws.write_string_with_format(row, 3, &r.name, &f.text)?;
        ws.write_string_with_format(row, 4, &r.unit, &f.text)?;
        ws.write_datetime_with_format(row, 5, &excel_date(v.window.from)?, &f.date)?;
        ws.write_datetime_with_format(row, 6, &excel_date(v.window.to)?, &f.date)?;
        count_cell(ws, row, 7, v.numerator, &f.count)?;
        count_cell(ws, row, 8, v.denominator, &f.count)?;
        percent_cell(ws, row, 9, v.value, &f.percent)?;
        ws.write_string_with_format(row, 10, &v.value_text, &f.text)?;
        match v.milestone {
            Some(y) => ws.write_number_with_format(row, 11, f64::from(y), &f.text)?,
            None => ws.write_blank(row, 11, &f.text)?,
        };
        ws.write_string_with_format(row, 12, v.target_text.as_deref().unwrap_or(""), &f.text)?;
        ws.write_string_with_format(row, 13, &v.status_text, &f.text)?;
        match v.projection.as_ref().and_then(|p| p.reaches_target_on) {
            Some(d) => ws.write_datetime_with_format(row, 14, &excel_date(d)?, &f.date)?,
            None => ws.write_blank(row, 14, &f.date)?,
        };
        ws.write_string_with_format(row, 15, &r.note, &f.text)?;
    }
    for (c, w) in [8, 6, 5, 60, 8, 11, 11, 10, 10, 10, 22, 7, 14, 18, 14, 50]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(top + 1, 4)?;
    print_setup(ws, top)
}

fn series_sheet(
    ws: &mut Worksheet,
    doc: &ReportDoc,
    rows: &[&(IndicatorRow, Vec<IndicatorValue>)],
    f: &Formats,
) -> Result<(), DocError> {
    if let Some((r, _)) = rows.first() {
        ws.write_string_with_format(0, 0, format!("{}. {}", r.group, r.group_name), &f.title)?;
    }
    ws.write_string(
        1,
        0,
        "Giá trị từng tháng (%); ô trống: chưa có dữ liệu. Chỉ tiêu dạng mốc ghi trạng thái.",
    )?;
    let top = 3;
    ws.write_string_with_format(top, 0, "Mã", &f.head)?;
    ws.write_string_with_format(top, 1, "Chỉ tiêu", &f.head)?;
    for (j, m) in doc.months.iter().enumerate() {
        ws.write_datetime_with_format(top, 2 + j as u16, &excel_date(m.first_day())?, &f.month)?;
    }
    for (i, (r, values)) in rows.iter().enumerate() {
        let row = top + 1 + i as u32;
        ws.write_string_with_format(row, 0, &r.id, &f.text)?;
        ws.write_string_with_format(row, 1, &r.name, &f.text)?;
        for (j, v) in values.iter().enumerate() {
            let col = 2 + j as u16;
            match (v.value, &v.milestone_state) {
                (Some(x), _) => ws.write_number_with_format(row, col, x, &f.percent)?,
                (None, Some(s)) => ws.write_string_with_format(row, col, &s.status, &f.text)?,
                (None, None) => ws.write_blank(row, col, &f.percent)?,
            };
        }
    }
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 60)?;
    for j in 0..doc.months.len() {
        ws.set_column_width(2 + j as u16, 10)?;
    }
    ws.set_freeze_panes(top + 1, 2)?;
    print_setup(ws, top)
}
