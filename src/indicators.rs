//! `chiso indicators`: the Phụ lục 1 table for a period, as text, JSON or CSV.

use anyhow::{Context, Result};
use metrics::{AsOf, Catalogue, Evaluator, IndicatorRow, PeriodRule};
use warehouse::Lake;

use crate::Config;

/// An evaluator over the lake's current state.
pub async fn evaluator(cfg: &Config, lake: &Lake) -> Result<Evaluator> {
    evaluator_at(cfg, lake, AsOf::Latest, None).await
}

/// An evaluator over the lake as it stood at `at`, every figure read under `rule` if given.
pub async fn evaluator_at(
    cfg: &Config,
    lake: &Lake,
    at: AsOf,
    rule: Option<PeriodRule>,
) -> Result<Evaluator> {
    let catalogue = Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let ev = Evaluator::open(lake, catalogue, cfg.timezone(), at, &cfg.max_ages())
        .await
        .context("reading the lake")?;
    Ok(ev.with_rule(rule))
}

/// `numerator/denominator` as the tables print it, empty for a figure that is no ratio.
pub fn fraction(f: &metrics::IndicatorValue) -> String {
    match (f.numerator, f.denominator) {
        (Some(n), Some(d)) => format!(
            "{}/{}",
            metrics::format::integer(n),
            metrics::format::integer(d)
        ),
        _ => String::new(),
    }
}

/// The table as aligned text, the way the plan prints it.
pub fn as_text(rows: &[IndicatorRow], title: &str) -> String {
    let mut out = format!("{title}\n");
    let mut group = "";
    for r in rows {
        if r.group != group {
            group = &r.group;
            out.push_str(&format!("\n{}. {}\n", r.group, r.group_name));
        }
        let frac = fraction(&r.figure);
        let target = r.figure.target_text.clone().unwrap_or_default();
        out.push_str(&format!(
            "{:<6} {:<10} {:>16} {:>15}  mục tiêu {:<12} {}  — {}\n",
            r.id, r.unit, r.figure.value_text, frac, target, r.figure.status_text, r.name
        ));
        if let Some(p) = &r.figure.projection
            && r.figure.status == metrics::Status::NguyCo
        {
            let when = p
                .reaches_target_on
                .map(|d| format!("đạt mục tiêu vào khoảng {}", metrics::format::date(d)))
                .unwrap_or_else(|| "không đạt mục tiêu theo xu hướng hiện tại".to_string());
            out.push_str(&format!("       dự báo: {when}\n"));
        }
    }
    out
}

/// The table as CSV (UTF-8, header row), one row per indicator.
pub fn as_csv(rows: &[IndicatorRow]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "nhom",
        "stt",
        "chi_tieu",
        "dvt",
        "ky",
        "tu_ngay",
        "den_ngay",
        "quy_tac_ky",
        "tu_so",
        "mau_so",
        "gia_tri",
        "gia_tri_hien_thi",
        "moc",
        "muc_tieu",
        "trang_thai",
        "ghi_chu",
    ])?;
    for r in rows {
        let f = &r.figure;
        w.write_record([
            r.id.clone(),
            r.group.clone(),
            r.stt.to_string(),
            r.name.clone(),
            r.unit.clone(),
            f.period.to_string(),
            f.window.from.format("%Y-%m-%d").to_string(),
            f.window.to.format("%Y-%m-%d").to_string(),
            serde_json::to_value(f.window.rule)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            f.numerator.map(|v| v.to_string()).unwrap_or_default(),
            f.denominator.map(|v| v.to_string()).unwrap_or_default(),
            f.value.map(|v| format!("{v:.4}")).unwrap_or_default(),
            f.value_text.clone(),
            f.milestone.map(|v| v.to_string()).unwrap_or_default(),
            f.target_text.clone().unwrap_or_default(),
            f.status_text.clone(),
            r.note.clone(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Breakdowns as text: one block per indicator, one line per value.
pub fn breakdown_text(b: &[metrics::IndicatorBreakdown]) -> String {
    let mut out = String::new();
    for i in b {
        out.push_str(&format!("\n{} — {} (theo {})\n", i.id, i.name, i.dimension));
        for v in &i.values {
            out.push_str(&format!(
                "  {:<16} {:>16} {:>15}\n",
                v.key.as_deref().unwrap_or("(không ghi)"),
                v.value_text,
                format!(
                    "{}/{}",
                    metrics::format::integer(v.numerator),
                    metrics::format::integer(v.denominator)
                )
            ));
        }
    }
    out
}

/// Breakdowns as CSV, one row per indicator and value.
pub fn breakdown_csv(b: &[metrics::IndicatorBreakdown], period: metrics::Period) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "ky",
        "chieu",
        "gia_tri_chieu",
        "tu_so",
        "mau_so",
        "gia_tri",
    ])?;
    for i in b {
        for v in &i.values {
            w.write_record([
                i.id.clone(),
                period.to_string(),
                i.dimension.clone(),
                v.key.clone().unwrap_or_default(),
                v.numerator.to_string(),
                v.denominator.to_string(),
                v.value.map(|x| format!("{x:.4}")).unwrap_or_default(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Tasks as text, grouped by the person who answers for them (the head of the lead unit; the
/// plans spell one unit several ways, the person once).
pub fn tasks_text(tasks: &[metrics::TaskState], today: chrono::NaiveDate) -> String {
    let mut by_unit: std::collections::BTreeMap<&str, Vec<&metrics::TaskState>> =
        Default::default();
    for t in tasks {
        by_unit.entry(t.task.nguoi.as_str()).or_default().push(t);
    }
    let overdue = tasks.iter().filter(|t| t.overdue).count();
    let mut out = format!(
        "Nhiệm vụ “6 rõ” tại ngày {}: {} nhiệm vụ, {} quá hạn\n",
        metrics::format::date(today),
        tasks.len(),
        overdue
    );
    for (unit, list) in by_unit {
        out.push_str(&format!("\n{unit}\n"));
        for t in list {
            let mark = if t.overdue {
                format!("QUÁ HẠN {} ngày", t.days_overdue.unwrap_or(0))
            } else if t.done_without_effect {
                "xong, chỉ tiêu chưa chuyển biến".to_string()
            } else {
                t.status.clone()
            };
            out.push_str(&format!(
                "  {:<8} hạn {}  {:<28} {}\n           chủ trì: {}; sản phẩm: {}\n",
                t.task.id,
                metrics::format::date(t.task.han),
                mark,
                t.task.viec,
                t.task.chu_tri,
                t.task.san_pham
            ));
            for e in &t.effects {
                out.push_str(&format!("           hiệu quả: {}\n", e.text));
            }
        }
    }
    out
}
