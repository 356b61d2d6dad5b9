//! The period, rule and khu phố pickers: a plain GET form, so they work without JavaScript
//! and every view has its own address.

use maud::{Markup, html};
use metrics::Period;

use crate::auth::{Role, Viewer};
use crate::state::Site;
use crate::view::View;

/// Periods offered: the last 16 months, 6 quarters, 4 half-years and 3 years up to `latest`.
pub fn periods(latest: Period) -> Vec<(&'static str, Vec<Period>)> {
    let end = latest.last_day();
    let mut months = Vec::new();
    let mut quarters = Vec::new();
    let mut halves = Vec::new();
    let mut years = Vec::new();
    let mut m = Period::month_of(end);
    for _ in 0..16 {
        months.push(m);
        let q = Period::quarter_of(m.first_day());
        if !quarters.contains(&q) && quarters.len() < 6 {
            quarters.push(q);
        }
        let h = match m {
            Period::Month { year, month } => Period::Half {
                year,
                half: if month <= 6 { 1 } else { 2 },
            },
            other => other,
        };
        if !halves.contains(&h) && halves.len() < 4 {
            halves.push(h);
        }
        let y = Period::Year {
            year: chrono::Datelike::year(&m.first_day()),
        };
        if !years.contains(&y) && years.len() < 3 {
            years.push(y);
        }
        match m.first_day().pred_opt() {
            Some(d) => m = Period::month_of(d),
            None => break,
        }
    }
    vec![
        ("Tháng", months),
        ("Quý", quarters),
        ("6 tháng", halves),
        ("Năm", years),
    ]
}

/// The pickers' form, submitting to `action`.
pub fn pickers(site: &Site, viewer: &Viewer, view: &View, action: &str, units: bool) -> Markup {
    let mut groups = periods(site.default_period);
    if !groups.iter().any(|(_, ps)| ps.contains(&view.period)) {
        groups.push(("Kỳ đang xem", vec![view.period]));
    }
    let own_unit = match viewer.signed() {
        Some(s) if s.role == Role::KhuPho => s.unit.clone(),
        _ => None,
    };
    let rule = view.rule_param().unwrap_or("");
    html! {
        form.pickers method="get" action=(action) {
            label {
                "Kỳ báo cáo"
                select name="period" {
                    @for (label, ps) in &groups {
                        optgroup label=(label) {
                            @for p in ps {
                                option value=(p.to_string()) selected[*p == view.period] { (p.label_vi()) }
                            }
                        }
                    }
                }
            }
            label {
                "Cách tính kỳ"
                select name="rule" {
                    option value="" selected[rule.is_empty()] { "Theo từng chỉ tiêu" }
                    option value="calendar" selected[rule == "calendar"] { "Theo lịch (tháng, quý, năm)" }
                    option value="nd09" selected[rule == "nd09"] { "Theo Nghị định 09/2019 (15 → 14)" }
                }
            }
            @if units {
                label {
                    "Phạm vi"
                    select name="unit" {
                        @if let Some(u) = &own_unit {
                            option value=(u) selected { (super::layout::unit_name(site, u)) }
                        } @else {
                            option value="" selected[view.unit.is_none()] { "Toàn phường" }
                            @for (code, name) in &site.units {
                                option value=(code) selected[view.unit.as_deref() == Some(code.as_str())] { (name) }
                            }
                        }
                    }
                }
            }
            button.primary type="submit" { "Xem" }
        }
    }
}
