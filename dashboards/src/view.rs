//! What a request asks to see — a period, a rule, a khu phố — read and checked once for the
//! pages, the API and the downloads alike; and an indicator's breakdowns as they are shown.

use metrics::{BreakdownValue, Period, PeriodRule};
use serde::Deserialize;

use crate::{ApiError, AppState};

/// `?period=` or the site's default.
pub(crate) fn period_or(raw: Option<&str>, default: Period) -> Result<Period, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|e: metrics::MetricsError| ApiError::bad_request(e.vi())),
        None => Ok(default),
    }
}

/// `?unit=`: a khu phố code of the ward, or none.
pub(crate) fn unit_of(state: &AppState, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(u) if state.site.units.iter().any(|(c, _)| c == u) => Ok(Some(u.to_string())),
        Some(u) => Err(ApiError::bad_request(format!(
            "không có khu phố “{u}”; mã hợp lệ: {}",
            state
                .site
                .units
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What a page shows: `?period=&rule=&unit=`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// Only the tasks this unit leads or takes part in (part of its name), where a page lists
    /// tasks.
    pub nhiem_vu_cua: Option<String>,
    /// Kỳ: 2026-06, 2026-Q2, 2026-H1 hoặc 2026.
    pub period: Option<String>,
    pub rule: Option<String>,
    pub unit: Option<String>,
}

/// The view, checked.
#[derive(Debug, Clone)]
pub struct View {
    pub period: Period,
    pub rule: Option<PeriodRule>,
    pub unit: Option<String>,
}

impl View {
    pub fn read(state: &AppState, q: &ViewQuery) -> Result<View, ApiError> {
        let period = period_or(q.period.as_deref(), state.site.default_period)?;
        let rule = match q.rule.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(r.parse::<PeriodRule>()?),
            None => None,
        };
        let unit = unit_of(state, q.unit.as_deref())?;
        Ok(View { period, rule, unit })
    }

    /// The query string that reproduces this view (without the leading `?`).
    pub fn query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("period", &self.period.to_string());
        if let Some(r) = self.rule {
            s.append_pair("rule", rule_id(r));
        }
        if let Some(u) = &self.unit {
            s.append_pair("unit", u);
        }
        s.finish()
    }

    /// The rule as the `rule` parameter writes it.
    pub fn rule_param(&self) -> Option<&'static str> {
        self.rule.map(rule_id)
    }

    pub fn rule_text(&self) -> &'static str {
        match self.rule {
            None => "kỳ tính theo từng chỉ tiêu",
            Some(PeriodRule::Calendar) => "kỳ tính theo lịch",
            Some(PeriodRule::Nd09) => "kỳ tính theo Nghị định 09/2019",
        }
    }
}

fn rule_id(r: PeriodRule) -> &'static str {
    match r {
        PeriodRule::Calendar => "calendar",
        PeriodRule::Nd09 => "nd09",
    }
}

/// A breakdown: its dimension, the dimension's name, and its values worst first.
pub struct Breakdown {
    pub dimension: String,
    pub name: String,
    pub values: Vec<BreakdownValue>,
}

/// Worst first: the lowest share first, a value without data last, then the larger
/// denominator first (more records behind the same share).
pub fn worst_first(values: &mut [BreakdownValue]) {
    values.sort_by(|a, b| {
        let key = |v: &BreakdownValue| v.value.unwrap_or(f64::INFINITY);
        key(a)
            .total_cmp(&key(b))
            .then(b.denominator.cmp(&a.denominator))
            .then(a.key.cmp(&b.key))
    });
}

/// The breakdowns of `id` for a ward-level view; none for one khu phố.
pub async fn breakdowns(
    ev: &metrics::Evaluator,
    id: &str,
    view: &View,
) -> Result<Vec<Breakdown>, ApiError> {
    if view.unit.is_some() {
        return Ok(Vec::new());
    }
    let explanation = ev.explain(id, view.period, None).await?;
    let mut out = Vec::new();
    for (dim, name) in explanation.breakdowns {
        let mut values = ev.breakdown(id, view.period, &dim).await?;
        worst_first(&mut values);
        out.push(Breakdown {
            dimension: dim,
            name,
            values,
        });
    }
    Ok(out)
}

/// The name a breakdown key is shown with.
pub fn key_name(state: &AppState, dimension: &str, key: Option<&str>) -> String {
    match (dimension, key) {
        (_, None) => "(không ghi)".to_string(),
        ("khu_pho", Some(k)) => unit_name(&state.site, k),
        (_, Some(k)) => k.to_string(),
    }
}

/// A khu phố's name from its code (the code itself when unknown: an office's name).
pub fn unit_name(site: &crate::state::Site, code: &str) -> String {
    site.units
        .iter()
        .find(|(c, _)| c == code)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use metrics::BreakdownValue;

    fn v(key: &str, value: Option<f64>, d: u64) -> BreakdownValue {
        BreakdownValue {
            key: Some(key.into()),
            numerator: 0,
            denominator: d,
            value,
            value_text: String::new(),
        }
    }

    #[test]
    fn worst_first_puts_the_lowest_share_first_and_no_data_last() {
        let mut vs = vec![
            v("a", Some(80.0), 10),
            v("b", None, 0),
            v("c", Some(20.0), 5),
            v("d", Some(20.0), 50),
        ];
        super::worst_first(&mut vs);
        let keys: Vec<_> = vs.iter().map(|v| v.key.clone().unwrap()).collect();
        assert_eq!(keys, ["d", "c", "a", "b"]);
    }
}
