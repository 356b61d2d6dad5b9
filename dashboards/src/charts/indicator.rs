//! An indicator's chart: its monthly series against the target of its next milestone.

use super::{SeriesChart, SeriesPoint};

/// The chart of an indicator's monthly `series` from `from` to `to` in `place`, with the
/// target of the milestone `to` is judged against: the same picture on a page and in a report.
pub fn indicator_chart(
    ind: &metrics::Indicator,
    catalogue: &metrics::Catalogue,
    series: &[metrics::IndicatorValue],
    place: &str,
    from: metrics::Period,
    to: metrics::Period,
) -> SeriesChart {
    let milestone = to.milestone(&catalogue.milestones);
    let target = milestone.and_then(|y| ind.target(y));
    let target_value = match &target {
        Some(metrics::Target::AtLeast { percent }) => Some(*percent),
        _ => None,
    };
    let target_label = match (milestone, milestone.and_then(|y| ind.target_text(y))) {
        (Some(y), Some(t)) if target_value.is_some() => Some(format!("Chỉ tiêu đến hết {y}: {t}")),
        _ => None,
    };
    // the later milestones' numeric targets, each labelled
    let milestones = catalogue
        .milestones
        .iter()
        .filter(|y| Some(**y) > milestone)
        .filter_map(|y| match (ind.target(*y), ind.target_text(*y)) {
            (Some(metrics::Target::AtLeast { percent }), Some(t)) => {
                Some((percent, format!("Mục tiêu đến hết {y}: {t}")))
            }
            _ => None,
        })
        .collect();
    SeriesChart {
        milestones,
        title: ind.name.clone(),
        subtitle: Some(format!(
            "{place} · {} – {} · chỉ tiêu {}",
            from.label_vi(),
            to.label_vi(),
            ind.id
        )),
        y_label: "Tỷ lệ (%)".to_string(),
        x_label: "Tháng".to_string(),
        points: series
            .iter()
            .map(|v| SeriesPoint {
                label: v.period.short_label(),
                value: v.value,
            })
            .collect(),
        target: target_value,
        target_label,
        y_max: 100.0,
    }
}
