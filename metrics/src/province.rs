//! The province's table: every ward's figure side by side, and the province's own figure made
//! from the wards' numerators and denominators summed (never an average of percentages, which
//! would weigh a ward of 300 dossiers like one of 30,000).

use std::collections::BTreeMap;

use chrono_tz::Tz;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use warehouse::Lake;

use crate::{
    AsOf, Catalogue, Evaluator, IndicatorRow, IndicatorValue, MetricsError, Period, Result, Status,
    Target, format,
};

/// Wards evaluated at once: each holds its own session while its table is computed.
const AT_ONCE: usize = 4;

/// A ward's lake, as the province knows it.
#[derive(Debug, Clone)]
pub struct WardLake {
    pub code: String,
    pub name: String,
    pub lake: Lake,
}

/// Every ward's table for `period`, each from its own lake as it stood at `at` (a time or
/// the latest: a version number is one lake's), side by side with the province's.
pub async fn evaluate(
    wards: &[WardLake],
    catalogue: &Catalogue,
    tz: Tz,
    at: AsOf,
    max_age_hours: &BTreeMap<String, u64>,
    period: Period,
) -> Result<Vec<ProvinceRow>> {
    if matches!(at, AsOf::Version(_)) {
        return Err(MetricsError::Province(
            "a province is read as of a date or a time, not one lake's version".into(),
        ));
    }
    // each ward's future owns what it reads, so that the whole can be awaited anywhere
    let tables: Vec<WardTable> = futures::stream::iter(wards.to_vec())
        .map(|w| {
            let catalogue = catalogue.clone();
            let max_age_hours = max_age_hours.clone();
            async move {
                let ward = |e: MetricsError| {
                    MetricsError::Province(format!("ward {} ({}): {e}", w.code, w.lake.root()))
                };
                let ev = Evaluator::open(&w.lake, catalogue, tz, at, &max_age_hours)
                    .await
                    .map_err(ward)?;
                let report = ev.report(period, None).await.map_err(ward)?;
                Ok::<_, MetricsError>(WardTable {
                    code: w.code,
                    name: w.name,
                    lake_version: ev.lake_version(),
                    rows: report
                        .indicators
                        .into_iter()
                        .chain(report.operations)
                        .collect(),
                })
            }
        })
        .buffered(AT_ONCE)
        .try_collect()
        .await?;
    Ok(combine(&tables))
}

/// One ward's table for the period, as its own evaluator computed it.
#[derive(Debug, Clone)]
pub struct WardTable {
    pub code: String,
    pub name: String,
    /// The version of the ward's lake the table was read from.
    pub lake_version: Option<u64>,
    pub rows: Vec<IndicatorRow>,
}

/// One ward's figure in a province row.
#[derive(Debug, Clone, Serialize)]
pub struct WardFigure {
    pub code: String,
    pub name: String,
    /// 1 for the highest value; `None` for a ward with no value to rank.
    pub rank: Option<usize>,
    /// The version of the ward's lake its figure was read from.
    pub lake_version: Option<u64>,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub value_text: String,
    pub status: Status,
    pub status_text: String,
}

/// One indicator across the province.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceRow {
    pub id: String,
    pub group: String,
    pub group_name: String,
    pub stt: u32,
    pub name: String,
    pub unit: String,
    /// The province's figure: sums of the wards' numerators and denominators.
    #[serde(flatten)]
    pub figure: IndicatorValue,
    /// Wards with a figure and a target to judge it by, and those of them that meet it.
    pub wards_judged: usize,
    pub wards_met: usize,
    /// Wards ranked by value, highest first; wards with no value last, by code.
    pub wards: Vec<WardFigure>,
}

/// Puts the wards' tables side by side. Every ward must have been evaluated with the same
/// catalogue and period; rows are matched by indicator id, in the first ward's order.
pub fn combine(wards: &[WardTable]) -> Vec<ProvinceRow> {
    let Some(first) = wards.first() else {
        return Vec::new();
    };
    first
        .rows
        .iter()
        .map(|template| {
            let figures: Vec<(&WardTable, &IndicatorValue)> = wards
                .iter()
                .filter_map(|w| {
                    w.rows
                        .iter()
                        .find(|r| r.id == template.id)
                        .map(|r| (w, &r.figure))
                })
                .collect();
            row(template, &figures)
        })
        .collect()
}

fn row(template: &IndicatorRow, figures: &[(&WardTable, &IndicatorValue)]) -> ProvinceRow {
    // judged: a ward with a figure and a target to hold it to
    let judged = figures
        .iter()
        .filter(|(_, f)| !matches!(f.status, Status::ChuaCoDuLieu | Status::KhongCoMucTieu))
        .count();
    let met = figures
        .iter()
        .filter(|(_, f)| f.status == Status::Dat)
        .count();
    let mut figure = IndicatorValue {
        numerator: None,
        denominator: None,
        value: None,
        value_text: crate::evaluate::NO_DATA.to_string(),
        unit: None,
        projection: None,
        milestone_state: None,
        kho_groups: None,
        ..template.figure.clone()
    };
    let ratios: Vec<(u64, u64)> = figures
        .iter()
        .filter_map(|(_, f)| f.numerator.zip(f.denominator))
        .collect();
    let target = template
        .figure
        .milestone
        .and_then(|y| template.targets.iter().find(|(year, _)| *year == y))
        .map(|(_, text)| Target::parse(text));
    figure.status = if !ratios.is_empty() {
        let (n, d) = ratios.iter().fold((0, 0), |(n, d), (a, b)| (n + a, d + b));
        figure.numerator = Some(n);
        figure.denominator = Some(d);
        figure.value = (d > 0).then(|| n as f64 * 100.0 / d as f64);
        match (figure.value, &target) {
            (None, _) => Status::ChuaCoDuLieu,
            (Some(_), None) => Status::KhongCoMucTieu,
            (Some(v), Some(t @ Target::AtLeast { .. })) if t.met_by(v) == Some(true) => Status::Dat,
            (Some(_), Some(Target::AtLeast { .. })) => Status::ChuaDat,
            // a pilot: met where one ward has formed the model
            (Some(_), Some(Target::Milestone { .. })) if met > 0 => Status::Dat,
            (Some(_), Some(Target::Milestone { .. })) => Status::ChuaDat,
        }
    } else if judged == 0 {
        Status::ChuaCoDuLieu
    } else if met == judged {
        Status::Dat
    } else {
        Status::ChuaDat
    };
    figure.value_text = match (figure.value, figure.numerator) {
        (Some(v), _) => format::percent(v),
        // a milestone row has no sum: how many wards have reached it
        (None, None) if judged > 0 => format!("{met}/{judged} phường đạt"),
        _ => crate::evaluate::NO_DATA.to_string(),
    };
    figure.status_text = figure.status.label_vi().to_string();
    let mut wards: Vec<WardFigure> = figures
        .iter()
        .map(|(w, f)| WardFigure {
            code: w.code.clone(),
            name: w.name.clone(),
            rank: None,
            lake_version: w.lake_version,
            numerator: f.numerator,
            denominator: f.denominator,
            value: f.value,
            value_text: f.value_text.clone(),
            status: f.status,
            status_text: f.status_text.clone(),
        })
        .collect();
    wards.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.code.cmp(&b.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    // equal values share a rank (1, 2, 2, 4)
    let mut last: Option<(f64, usize)> = None;
    for (i, w) in wards.iter_mut().enumerate() {
        let Some(v) = w.value else { break };
        let rank = match last {
            Some((lv, r)) if lv == v => r,
            _ => i + 1,
        };
        w.rank = Some(rank);
        last = Some((v, rank));
    }
    ProvinceRow {
        id: template.id.clone(),
        group: template.group.clone(),
        group_name: template.group_name.clone(),
        stt: template.stt,
        name: template.name.clone(),
        unit: template.unit.clone(),
        figure,
        wards_judged: judged,
        wards_met: met,
        wards,
    }
}
