//! `chiso indicators`: the Phụ lục 1 table for a period, as text, JSON or CSV.

use anyhow::{Context, Result};
use metrics::{Catalogue, Evaluator, IndicatorRow};
use warehouse::Lake;

use crate::Config;

/// An evaluator over the lake's current state.
pub async fn evaluator(cfg: &Config, lake: &Lake) -> Result<Evaluator> {
    let catalogue = Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let ctx = lake.session().await.context("reading the lake")?;
    Ok(Evaluator::new(catalogue, ctx, cfg.timezone()).await?)
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
        let frac = match (r.figure.numerator, r.figure.denominator) {
            (Some(n), Some(d)) => format!(
                "{}/{}",
                metrics::format::integer(n),
                metrics::format::integer(d)
            ),
            _ => String::new(),
        };
        let target = r.figure.target_text.clone().unwrap_or_default();
        out.push_str(&format!(
            "{:<6} {:<10} {:>16} {:>15}  mục tiêu {:<12} {}  — {}\n",
            r.id, r.unit, r.figure.value_text, frac, target, r.figure.status_text, r.name
        ));
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
