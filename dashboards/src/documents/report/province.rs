//! The province's report: the same letterhead, blocks and layouts as a ward's, made from the
//! wards' tables side by side. The province's figure is the wards' numerators and denominators
//! summed; every ward's standing and the lake version it was read from are listed, so that a
//! figure can be followed down to the ward's own report and annex.

use metrics::province::ProvinceRow;
use metrics::{Period, Status, format};

use super::model::{BLANK, Block, ReportDoc, issuer_in_text, place_date};
use super::setup::{ReportKind, ReportSetup};
use super::tables::{Row, Table, col};
use crate::documents::{DocError, province_scope};

/// What a province's report is asked for.
pub struct ProvinceReportRequest<'a> {
    pub kind: ReportKind,
    pub period: Period,
    pub date: chrono::NaiveDate,
    /// "Tỉnh Đồng Nai".
    pub province: &'a str,
    pub place: &'a str,
    pub setup: &'a ReportSetup,
    /// The plan the indicators come from, as the catalogue names it.
    pub source_document: &'a str,
    /// When the wards' lakes were read: "mới nhất", or a time.
    pub as_of: &'a str,
}

/// Builds the province's report from its rows (as `metrics::province::evaluate` gives them).
pub fn build(rows: &[ProvinceRow], req: &ProvinceReportRequest<'_>) -> Result<ReportDoc, DocError> {
    super::model::check_period(req.kind, req.period)?;
    let wards = ward_standing(rows);
    let period_label = req.period.label_vi();
    let issuer_name = issuer_in_text(&req.setup.issuer, req.province);
    let p = |text: String| Block::Paragraph { text };
    let mut blocks = vec![
        p(format!(
            "Thực hiện {}, {} tổng hợp kết quả thực hiện các chỉ tiêu {period_label} của {} \
             phường trên địa bàn như sau:",
            req.source_document,
            issuer_name,
            wards.len()
        )),
        p(format!(
            "Số liệu của mỗi phường đọc từ kho dữ liệu của phường ({}); phiên bản dữ liệu của \
             từng phường ghi tại mục II. Số liệu toàn {} là tổng tử số và tổng mẫu số của các \
             phường, không lấy bình quân tỷ lệ của các phường.",
            req.as_of,
            province_scope(req.province)
        )),
        Block::Heading {
            text: format!(
                "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU TOÀN {}",
                province_scope(req.province).to_uppercase()
            ),
        },
        Block::Table(figures(rows)),
    ];

    blocks.push(Block::Heading {
        text: "II. KẾT QUẢ CỦA CÁC PHƯỜNG".to_string(),
    });
    blocks.push(Block::Subheading {
        text: "1. Số chỉ tiêu đạt của từng phường".to_string(),
    });
    blocks.push(Block::Table(standing_table(&wards)));
    blocks.push(Block::Subheading {
        text: "2. Các phường chưa đạt theo từng chỉ tiêu".to_string(),
    });
    let mut any = false;
    for r in rows {
        let behind: Vec<String> = r
            .wards
            .iter()
            .filter(|w| matches!(w.status, Status::ChuaDat | Status::NguyCo))
            .map(|w| format!("{} ({})", w.name, w.value_text))
            .collect();
        if behind.is_empty() {
            continue;
        }
        any = true;
        blocks.push(Block::Bullet {
            text: format!(
                "{} {} — mục tiêu {}: {}/{} phường chưa đạt: {}.",
                r.id,
                r.name,
                r.figure.target_text.clone().unwrap_or_default(),
                behind.len(),
                r.wards_judged,
                behind.join("; ")
            ),
        });
    }
    if !any {
        blocks.push(Block::Bullet {
            text: "Không có phường nào chưa đạt chỉ tiêu có mục tiêu trong kỳ.".to_string(),
        });
    }
    let missing: Vec<&ProvinceRow> = rows
        .iter()
        .filter(|r| r.figure.status == Status::ChuaCoDuLieu)
        .collect();
    if !missing.is_empty() {
        blocks.push(Block::Bullet {
            text: format!(
                "Chưa có dữ liệu để tính {} chỉ tiêu ở phường nào: {}.",
                missing.len(),
                missing
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }

    blocks.push(Block::Heading {
        text: "III. ĐÁNH GIÁ, KIẾN NGHỊ".to_string(),
    });
    for what in [
        "đánh giá chung về kết quả của các phường",
        "nguyên nhân của các chỉ tiêu chưa đạt",
        "chỉ đạo, kiến nghị đối với các phường chưa đạt",
    ] {
        blocks.push(Block::Blank {
            text: format!("{BLANK} {what} …………]"),
        });
    }
    blocks.push(p(format!(
        "Trên đây là báo cáo tổng hợp kết quả thực hiện các chỉ tiêu {period_label} của các \
         phường trên địa bàn {}./.",
        req.province
    )));

    Ok(ReportDoc {
        kind: req.kind,
        style: req.setup.style,
        issuer: req.setup.issuer.clone(),
        number: req.setup.number.clone(),
        motto: req.setup.motto.clone(),
        place_date: place_date(req.place, req.date),
        title: "BÁO CÁO".to_string(),
        subject: format!("{} {period_label}", req.setup.subject),
        addressee: req.setup.addressee.clone(),
        blocks,
        recipients: req.setup.recipients.clone(),
        signature: req.setup.signature.clone(),
        signer: req.setup.signer.clone(),
        document_title: format!("Báo cáo {period_label} — {}", req.province),
        date: req.date,
        period: req.period.to_string(),
        lake_version: None,
        rows: Vec::new(),
        months: Vec::new(),
        series: Vec::new(),
        province: rows.to_vec(),
    })
}

/// The province's figure of every indicator, with how many wards meet the target.
fn figures(rows: &[ProvinceRow]) -> Table {
    let mut out = Table {
        columns: vec![
            col("STT", 0.55, "center"),
            col("Chỉ tiêu", 4.0, "left"),
            col("ĐVT", 0.75, "center"),
            col("Kết quả", 1.45, "center"),
            col("Tử số/Mẫu số", 1.9, "center"),
            col("Mục tiêu", 1.15, "center"),
            col("Đánh giá", 1.25, "center"),
            col("Phường đạt", 1.1, "center"),
        ],
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
        out.rows.push(Row {
            cells: vec![
                r.stt.to_string(),
                r.name.clone(),
                r.unit.clone(),
                r.figure.value_text.clone(),
                super::tables::fraction(&r.figure),
                r.figure.target_text.clone().unwrap_or_default(),
                r.figure.status_text.clone(),
                match r.wards_judged {
                    0 => String::new(),
                    n => format!("{}/{n}", r.wards_met),
                },
            ],
            group: false,
        });
    }
    out
}

/// One ward's standing over every indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardStanding {
    pub code: String,
    pub name: String,
    pub lake_version: Option<u64>,
    pub met: usize,
    pub behind: usize,
    pub no_data: usize,
}

/// The wards, most targets met first (then fewest behind, then by code).
pub fn ward_standing(rows: &[ProvinceRow]) -> Vec<WardStanding> {
    let mut out: Vec<WardStanding> = Vec::new();
    for r in rows {
        for w in &r.wards {
            let i = match out.iter().position(|s| s.code == w.code) {
                Some(i) => i,
                None => {
                    out.push(WardStanding {
                        code: w.code.clone(),
                        name: w.name.clone(),
                        lake_version: w.lake_version,
                        met: 0,
                        behind: 0,
                        no_data: 0,
                    });
                    out.len() - 1
                }
            };
            let s = &mut out[i];
            match w.status {
                Status::Dat => s.met += 1,
                Status::ChuaDat | Status::NguyCo => s.behind += 1,
                Status::ChuaCoDuLieu if r.figure.target_text.is_some() => s.no_data += 1,
                _ => {}
            }
        }
    }
    out.sort_by(|a, b| {
        b.met
            .cmp(&a.met)
            .then(a.behind.cmp(&b.behind))
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

fn standing_table(wards: &[WardStanding]) -> Table {
    let mut out = Table {
        columns: vec![
            col("TT", 0.5, "center"),
            col("Mã", 0.8, "center"),
            col("Phường", 3.0, "left"),
            col("Đạt", 0.9, "center"),
            col("Chưa đạt, nguy cơ", 1.4, "center"),
            col("Chưa có dữ liệu", 1.3, "center"),
            col("Phiên bản dữ liệu", 1.4, "center"),
        ],
        rows: Vec::new(),
    };
    for (i, w) in wards.iter().enumerate() {
        out.rows.push(Row {
            cells: vec![
                (i + 1).to_string(),
                w.code.clone(),
                w.name.clone(),
                format::integer(w.met as u64),
                format::integer(w.behind as u64),
                format::integer(w.no_data as u64),
                w.lake_version.map(|v| format!("v{v}")).unwrap_or_default(),
            ],
            group: false,
        });
    }
    out
}
