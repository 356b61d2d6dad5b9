//! A report's content, made once from the figures and the 6 rõ tasks and then laid out as
//! PDF, DOCX and XLSX: the letterhead, a body of blocks (headings, paragraphs, tables, charts
//! and the blanks an officer fills in), the addressees and the signature.

use chrono::{Datelike, NaiveDate};
use metrics::{Evaluator, IndicatorRow, IndicatorValue, Period, Plan, Status, TaskState, format};
use serde::Serialize;

use super::setup::{DocStyle, ReportKind, ReportSetup};
use super::tables::{
    Table, behind_table, figures_table, fraction, off_track, quarter_table, tasks_of,
};
use crate::charts::{indicator_chart, series_svg};
use crate::documents::DocError;

/// What marks a blank for the officer, so that none is signed unfilled by accident.
pub const BLANK: &str = "[Cán bộ điền:";

/// What a report is asked for.
pub struct ReportRequest<'a> {
    pub kind: ReportKind,
    pub period: Period,
    /// Khu phố code and name; `None` for the whole ward.
    pub unit: Option<(String, String)>,
    /// The date the report bears.
    pub date: NaiveDate,
    pub ward: &'a str,
    pub place: &'a str,
    pub setup: &'a ReportSetup,
    pub plans: &'a [Plan],
}

/// The report, ready to lay out.
#[derive(Debug, Clone, Serialize)]
pub struct ReportDoc {
    pub kind: ReportKind,
    pub style: DocStyle,
    pub issuer: Vec<String>,
    pub number: String,
    pub motto: Vec<String>,
    /// "Bình Phước, ngày 05 tháng 11 năm 2026".
    pub place_date: String,
    pub title: String,
    pub subject: String,
    pub addressee: Option<String>,
    pub blocks: Vec<Block>,
    pub recipients: Vec<String>,
    pub signature: Vec<String>,
    pub signer: String,
    /// For the file's properties: "Báo cáo tháng 10/2026 — Phường …".
    pub document_title: String,
    pub date: NaiveDate,
    pub period: String,
    pub lake_version: Option<u64>,
    /// The figures, for the spreadsheet.
    #[serde(skip)]
    pub rows: Vec<IndicatorRow>,
    /// Monthly values of every indicator, for the spreadsheet: the months, then per indicator.
    #[serde(skip)]
    pub months: Vec<Period>,
    #[serde(skip)]
    pub series: Vec<(IndicatorRow, Vec<IndicatorValue>)>,
    /// A province's report: every indicator with each ward's figure, for the spreadsheet.
    #[serde(skip)]
    pub province: Vec<metrics::province::ProvinceRow>,
}

/// One piece of the body.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A section heading: "I. KẾT QUẢ THỰC HIỆN".
    Heading {
        text: String,
    },
    /// A numbered sub-heading: "1. …".
    Subheading {
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// A fact in a list.
    Bullet {
        text: String,
    },
    /// A judgement left to the officer, marked so it cannot pass unseen.
    Blank {
        text: String,
    },
    Table(Table),
    /// A chart as SVG (vector in the PDF) and PNG (in the DOCX).
    Chart {
        id: String,
        caption: String,
        svg: String,
        #[serde(skip)]
        png: Vec<u8>,
    },
}

/// "Bình Phước, ngày 05 tháng 11 năm 2026": days under 10 and the months January and February
/// take a leading zero (Nghị định 30/2020/NĐ-CP).
pub fn place_date(place: &str, d: NaiveDate) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        d.day(),
        d.year()
    )
}

fn task_line(t: &TaskState) -> String {
    format!(
        "{} — {} (chủ trì: {}; hạn {}{})",
        t.task.id,
        t.task.viec,
        t.task.chu_tri,
        format::date(t.task.han),
        t.days_overdue
            .map(|d| format!(", quá hạn {d} ngày"))
            .unwrap_or_default()
    )
}

/// A monthly report covers a month, a quarterly one a quarter.
pub(super) fn check_period(kind: ReportKind, period: Period) -> Result<(), DocError> {
    match (kind, period) {
        (ReportKind::Monthly, Period::Month { .. })
        | (ReportKind::Quarterly, Period::Quarter { .. }) => Ok(()),
        (ReportKind::Monthly, _) => Err(DocError::Request(
            "báo cáo tháng cần một tháng, ví dụ 2026-10".to_string(),
        )),
        (ReportKind::Quarterly, _) => Err(DocError::Request(
            "báo cáo quý cần một quý, ví dụ 2026-Q3".to_string(),
        )),
    }
}

/// Builds the report from the evaluator's snapshot.
pub async fn build(ev: &Evaluator, req: &ReportRequest<'_>) -> Result<ReportDoc, DocError> {
    check_period(req.kind, req.period)?;
    let unit = req.unit.as_ref().map(|(c, _)| c.as_str());
    let place = match &req.unit {
        Some((_, name)) => format!("{name}, {}", req.ward),
        None => req.ward.to_string(),
    };
    let table = ev.report(req.period, unit).await?;
    let tasks = ev.tasks(req.plans, req.date, None).await?;
    let issuer_name = issuer_in_text(&req.setup.issuer, req.ward);
    let period_label = req.period.label_vi();
    let subject = format!("{} {period_label}", req.setup.subject);
    let mut blocks = Vec::new();
    let p = |text: String| Block::Paragraph { text };
    blocks.push(p(format!(
        "Thực hiện {}, {} báo cáo kết quả thực hiện các chỉ tiêu {period_label}{} như sau:",
        ev.catalogue().source_document,
        issuer_name,
        match &req.unit {
            Some((code, name)) => format!(" tại {name} ({code})"),
            None => String::new(),
        }
    )));
    blocks.push(p(cut_line(&table, ev.lake_version())));

    // I. results
    blocks.push(Block::Heading {
        text: "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU".to_string(),
    });
    blocks.push(Block::Subheading {
        text: format!(
            "1. Các chỉ tiêu của {} ({})",
            ev.catalogue().source_document,
            place
        ),
    });
    blocks.push(Block::Table(figures_table(&table.indicators, true)));
    blocks.push(Block::Subheading {
        text: "2. Chỉ số vận hành (hồ sơ, phản ánh, kinh doanh)".to_string(),
    });
    blocks.push(Block::Table(figures_table(&table.operations, false)));
    let all: Vec<&IndicatorRow> = table.indicators.iter().chain(&table.operations).collect();
    let months = twelve_months(req.period);
    let mut series = Vec::new();
    for r in &all {
        let s = ev
            .series(&r.id, months[0], months[months.len() - 1], unit)
            .await?;
        series.push(((*r).clone(), s));
    }
    if req.kind == ReportKind::Quarterly {
        blocks.push(Block::Subheading {
            text: format!("3. Các tháng trong {period_label}"),
        });
        blocks.push(Block::Table(
            quarter_table(ev, &table.indicators, req.period, unit).await?,
        ));
        blocks.push(Block::Subheading {
            text: format!(
                "4. Diễn biến các chỉ tiêu 12 tháng đến hết {}",
                req.period.label_vi()
            ),
        });
        for (r, s) in series.iter().filter(|(r, _)| {
            r.group != "VH" && r.unit == "%" && r.computed && r.figure.milestone_state.is_none()
        }) {
            let ind = ev.catalogue().indicator(&r.id)?;
            let chart = indicator_chart(
                ind,
                ev.catalogue(),
                s,
                &place,
                months[0],
                months[months.len() - 1],
            );
            let svg = series_svg(&chart)?;
            let png = crate::charts::svg_to_png(&svg)?;
            blocks.push(Block::Chart {
                id: r.id.clone(),
                caption: format!("Biểu đồ {}: {}", r.id, r.name),
                svg,
                png,
            });
        }
    }
    let judged: Vec<&&IndicatorRow> = all
        .iter()
        .filter(|r| r.figure.status != Status::KhongCoMucTieu)
        .collect();
    let met: Vec<&&&IndicatorRow> = judged
        .iter()
        .filter(|r| r.figure.status == Status::Dat)
        .collect();
    blocks.push(Block::Subheading {
        text: format!(
            "{}. Kết quả nổi bật",
            if req.kind == ReportKind::Quarterly {
                5
            } else {
                3
            }
        ),
    });
    blocks.push(Block::Bullet {
        text: format!(
            "Đạt {} trên {} chỉ tiêu có mục tiêu{}.",
            met.len(),
            judged.len(),
            if met.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    met.iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
    });
    for r in &met {
        blocks.push(Block::Bullet {
            text: format!(
                "{} {}: {}{} — mục tiêu {}.",
                r.id,
                r.name,
                r.figure.value_text,
                bracket(&fraction(&r.figure)),
                r.figure.target_text.clone().unwrap_or_default()
            ),
        });
    }
    let done: Vec<&TaskState> = tasks
        .iter()
        .filter(|t| t.done_on.is_some_and(|d| req.period.contains(d)))
        .collect();
    if !done.is_empty() {
        blocks.push(Block::Bullet {
            text: format!(
                "Hoàn thành {} nhiệm vụ “6 rõ” trong kỳ: {}.",
                done.len(),
                done.iter()
                    .map(|t| t.task.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    blocks.push(Block::Blank {
        text: format!("{BLANK} đánh giá chung về kết quả thực hiện trong kỳ …………]"),
    });

    // II. shortcomings
    let behind: Vec<&&IndicatorRow> = all.iter().filter(|r| off_track(&r.figure)).collect();
    let overdue: Vec<&TaskState> = tasks.iter().filter(|t| t.overdue).collect();
    blocks.push(Block::Heading {
        text: "II. TỒN TẠI, HẠN CHẾ".to_string(),
    });
    if behind.is_empty() {
        blocks.push(Block::Bullet {
            text: "Không có chỉ tiêu chưa đạt hoặc có nguy cơ không đạt trong kỳ.".to_string(),
        });
    } else {
        blocks.push(Block::Bullet {
            text: format!(
                "Có {} chỉ tiêu chưa đạt hoặc có nguy cơ không đạt mục tiêu:",
                behind.len()
            ),
        });
        blocks.push(Block::Table(behind_table(&behind, &tasks)));
    }
    let missing: Vec<&&IndicatorRow> = all
        .iter()
        .filter(|r| r.computed && r.figure.status == Status::ChuaCoDuLieu)
        .collect();
    if !missing.is_empty() {
        blocks.push(Block::Bullet {
            text: format!(
                "Chưa có dữ liệu để tính {} chỉ tiêu: {}.",
                missing.len(),
                missing
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    blocks.push(Block::Bullet {
        text: format!(
            "Nhiệm vụ “6 rõ” quá hạn tại ngày {}: {}.",
            format::date(req.date),
            overdue.len()
        ),
    });
    for t in &overdue {
        blocks.push(Block::Bullet { text: task_line(t) });
    }
    blocks.push(Block::Blank {
        text: format!("{BLANK} tồn tại, hạn chế khác …………]"),
    });

    // III. causes
    blocks.push(Block::Heading {
        text: "III. NGUYÊN NHÂN".to_string(),
    });
    for r in &behind {
        let late: Vec<&TaskState> = tasks_of(&tasks, &r.id).filter(|t| t.overdue).collect();
        if !late.is_empty() {
            blocks.push(Block::Bullet {
                text: format!(
                    "{}: {} nhiệm vụ liên quan quá hạn ({}).",
                    r.id,
                    late.len(),
                    late.iter()
                        .map(|t| t.task.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if tasks_of(&tasks, &r.id).next().is_none() {
            blocks.push(Block::Bullet {
                text: format!(
                    "{}: chưa có nhiệm vụ “6 rõ” nào trong kế hoạch gắn với chỉ tiêu.",
                    r.id
                ),
            });
        }
        for t in tasks_of(&tasks, &r.id).filter(|t| t.done_without_effect) {
            blocks.push(Block::Bullet {
                text: format!(
                    "{}: nhiệm vụ {} đã hoàn thành nhưng chỉ tiêu chưa chuyển biến.",
                    r.id, t.task.id
                ),
            });
        }
    }
    blocks.push(Block::Blank {
        text: format!("{BLANK} nguyên nhân khách quan …………]"),
    });
    blocks.push(Block::Blank {
        text: format!("{BLANK} nguyên nhân chủ quan …………]"),
    });

    // IV. what next
    let next = req.period.next();
    blocks.push(Block::Heading {
        text: format!(
            "IV. GIẢI PHÁP, NHIỆM VỤ TRỌNG TÂM {}",
            next.label_vi().to_uppercase()
        ),
    });
    if !overdue.is_empty() {
        blocks.push(Block::Bullet {
            text: format!(
                "Hoàn thành dứt điểm {} nhiệm vụ quá hạn nêu tại mục II: {}.",
                overdue.len(),
                overdue
                    .iter()
                    .map(|t| t.task.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    for t in tasks
        .iter()
        .filter(|t| !t.overdue && t.done_on.is_none() && next.contains(t.task.han))
    {
        blocks.push(Block::Bullet {
            text: format!("Đến hạn trong {}: {}", next.label_vi(), task_line(t)),
        });
    }
    blocks.push(Block::Blank {
        text: format!("{BLANK} giải pháp, kiến nghị, đề xuất …………]"),
    });
    blocks.push(p(format!(
        "Trên đây là báo cáo kết quả thực hiện các chỉ tiêu {period_label} của {}./.",
        issuer_name
    )));

    let document_title = format!("Báo cáo {period_label} — {place}");
    Ok(ReportDoc {
        kind: req.kind,
        style: req.setup.style,
        issuer: req.setup.issuer.clone(),
        number: req.setup.number.clone(),
        motto: req.setup.motto.clone(),
        place_date: place_date(req.place, req.date),
        title: "BÁO CÁO".to_string(),
        subject,
        addressee: req.setup.addressee.clone(),
        blocks,
        recipients: req.setup.recipients.clone(),
        signature: req.setup.signature.clone(),
        signer: req.setup.signer.clone(),
        document_title,
        date: req.date,
        period: req.period.to_string(),
        lake_version: ev.lake_version(),
        rows: all.into_iter().cloned().collect(),
        months,
        series,
        province: Vec::new(),
    })
}

fn bracket(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({s})")
    }
}

/// The issuing body as a sentence names it: "ỦY BAN NHÂN DÂN" over "PHƯỜNG BÌNH PHƯỚC" is
/// "Ủy ban nhân dân phường Bình Phước", "TỈNH ỦY ĐỒNG NAI" is "Tỉnh ủy Đồng Nai". The
/// letterhead's last line is the issuer; when it starts with an administrative unit it
/// only finishes the line above ("ỦY BAN NHÂN DÂN" / "PHƯỜNG …"), so the two are one name.
/// The body's own words take a capital only on the first, the place's name on every word
/// (the style of Nghị định 30/2020/NĐ-CP); "UBND" and other initials stay as written.
pub(super) fn issuer_in_text(issuer: &[String], fallback: &str) -> String {
    let mut lines: Vec<&str> = issuer.iter().map(|l| l.trim()).collect();
    lines.retain(|l| !l.is_empty());
    let name = match lines.as_slice() {
        [] => fallback.to_string(),
        [.., above, last] if starts_with_unit(&lower_words(last)) => format!("{above} {last}"),
        [.., last] => last.to_string(),
    };
    organ_case(&name)
}

/// Words that name a kind of administrative unit, longest first: the place's own name
/// follows them.
const UNITS: [&[&str]; 7] = [
    &["thành", "phố"],
    &["thị", "trấn"],
    &["đặc", "khu"],
    &["phường"],
    &["xã"],
    &["tỉnh"],
    &["huyện"],
];

/// Bodies whose name ends in a unit word ("tỉnh ủy", "thành ủy"): the place follows them
/// without a unit word of its own.
const UNIT_BODIES: [&[&str]; 3] = [&["tỉnh", "ủy"], &["thành", "ủy"], &["huyện", "ủy"]];

/// Initials written in capitals wherever they stand.
const INITIALS: [&str; 5] = ["UBND", "HĐND", "MTTQ", "TP", "TW"];

fn lower_words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_lowercase).collect()
}

fn starts_with_unit(words: &[String]) -> bool {
    UNITS.iter().any(|u| starts_with(words, u))
}

fn starts_with(words: &[String], prefix: &[&str]) -> bool {
    words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p)
}

fn organ_case(s: &str) -> String {
    let raw: Vec<&str> = s.split_whitespace().collect();
    let words = lower_words(s);
    // where the place's name starts: after the first unit word, or after a body named for
    // its unit ("Tỉnh ủy Đồng Nai")
    let mut place = words.len();
    for i in 0..words.len() {
        let rest = &words[i..];
        if let Some(b) = UNIT_BODIES.iter().find(|b| starts_with(rest, b)) {
            place = i + b.len();
            break;
        }
        if let Some(u) = UNITS.iter().find(|u| starts_with(rest, u)) {
            place = i + u.len();
            break;
        }
    }
    let capital = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    raw.iter()
        .zip(&words)
        .enumerate()
        .map(|(i, (raw, lower))| {
            if INITIALS.contains(&raw.trim_end_matches('.')) {
                raw.to_string()
            } else if i == 0 || i >= place {
                capital(lower)
            } else {
                lower.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Số liệu chốt đến ngày …": the last day any figure covers, the lake version, and each
/// period rule in use with its window.
fn cut_line(table: &metrics::IndicatorTable, version: Option<u64>) -> String {
    let rows: Vec<&IndicatorRow> = table.indicators.iter().chain(&table.operations).collect();
    let end = rows.iter().map(|r| r.figure.window.to).max();
    let mut windows: Vec<(metrics::Window, Vec<&str>)> = Vec::new();
    for r in &rows {
        let w = r.figure.window;
        match windows.iter_mut().find(|(x, _)| *x == w) {
            Some((_, ids)) => ids.push(&r.id),
            None => windows.push((w, vec![&r.id])),
        }
    }
    let rules = windows
        .iter()
        .map(|(w, ids)| {
            let who = if windows.len() > 1 {
                format!(" cho {}", ids.join(", "))
            } else {
                String::new()
            };
            format!("{} từ {}{who}", w.rule.label_vi(), w.label_vi())
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "Số liệu chốt đến ngày {} ({}); kỳ tính: {rules}.",
        end.map(format::date).unwrap_or_default(),
        version
            .map(|v| format!("phiên bản dữ liệu v{v}"))
            .unwrap_or_else(|| "kho dữ liệu chưa có lần nạp nào".to_string()),
    )
}

/// The twelve months up to the period's last.
fn twelve_months(period: Period) -> Vec<Period> {
    let last = period.last_day();
    (0..12)
        .rev()
        .map(|back| {
            Period::month_of(
                last.with_day(1)
                    .unwrap_or(last)
                    .checked_sub_months(chrono::Months::new(back))
                    .unwrap_or(last),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_line_as_the_decree_writes_it() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            place_date("Bình Phước", d(2026, 11, 5)),
            "Bình Phước, ngày 05 tháng 11 năm 2026"
        );
        assert_eq!(
            place_date("Bình Phước", d(2026, 2, 14)),
            "Bình Phước, ngày 14 tháng 02 năm 2026"
        );
        assert_eq!(
            place_date("Bình Phước", d(2026, 3, 1)),
            "Bình Phước, ngày 01 tháng 3 năm 2026"
        );
    }

    #[test]
    fn periods_that_follow() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(p("2026-12").next(), p("2027-01"));
        assert_eq!(p("2026-Q4").next(), p("2027-Q1"));
        assert_eq!(p("2026-H2").next(), p("2027-H1"));
        assert_eq!(twelve_months(p("2026-Q3"))[0], p("2025-10"));
        assert_eq!(twelve_months(p("2026-Q3"))[11], p("2026-09"));
    }

    #[test]
    fn issuers_named_in_a_sentence() {
        let named = |lines: &[&str]| {
            let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            issuer_in_text(&lines, "Phường 26734")
        };
        assert_eq!(
            named(&["ỦY BAN NHÂN DÂN", "PHƯỜNG BÌNH PHƯỚC"]),
            "Ủy ban nhân dân phường Bình Phước"
        );
        assert_eq!(
            named(&["ĐẢNG BỘ TỈNH ĐỒNG NAI", "ĐẢNG ỦY PHƯỜNG BÌNH PHƯỚC"]),
            "Đảng ủy phường Bình Phước"
        );
        assert_eq!(named(&["TỈNH ỦY ĐỒNG NAI"]), "Tỉnh ủy Đồng Nai");
        assert_eq!(
            named(&["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"]),
            "Ủy ban nhân dân thành phố Hồ Chí Minh"
        );
        assert_eq!(named(&["UBND PHƯỜNG TÂN ĐỊNH"]), "UBND phường Tân Định");
        assert_eq!(named(&["PHƯỜNG BÌNH PHƯỚC"]), "Phường Bình Phước");
        assert_eq!(
            named(&["Ủy ban nhân dân phường Bình Phước"]),
            "Ủy ban nhân dân phường Bình Phước"
        );
        assert_eq!(named(&[]), "Phường 26734");
    }
}
