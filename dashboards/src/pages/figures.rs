//! What pages add around a figure: the months of its trend, and how fresh its data is.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use metrics::{Evaluator, Indicator, IndicatorValue, Period};

use crate::{ApiError, AppState};

/// The twelve months up to the end of `period`.
pub fn trend_range(period: Period) -> (Period, Period) {
    let to = Period::month_of(period.last_day());
    let from = Period::month_of(
        period
            .last_day()
            .checked_sub_months(chrono::Months::new(11))
            .unwrap_or(period.first_day()),
    );
    (from, to)
}

/// An indicator's monthly values over [`trend_range`], through the state's figure cache.
pub async fn trend(
    state: &AppState,
    ev: &Evaluator,
    id: &str,
    period: Period,
    unit: Option<&str>,
) -> Result<std::sync::Arc<Vec<IndicatorValue>>, ApiError> {
    let (from, to) = trend_range(period);
    state.series(ev, id, from, to, unit).await
}

/// When a figure's data last arrived, and whether its source is late.
#[derive(Debug, Clone)]
pub struct DataAge {
    pub source: String,
    pub at: DateTime<Utc>,
    pub late: bool,
}

/// Each lake table's last arrival with its source's lateness.
pub struct Arrivals {
    tables: BTreeMap<String, DataAge>,
}

impl Arrivals {
    /// Read from the run log of the evaluator's snapshot (no other table is opened); a source
    /// is late when its newest arrival is older than the age it is allowed.
    pub async fn read(state: &AppState, ev: &Evaluator) -> Result<Arrivals, ApiError> {
        let arrivals = state
            .memo(ev, "arrivals", || async {
                warehouse::table_arrivals(ev.session(), None)
                    .await
                    .map_err(ApiError::internal)
            })
            .await?;
        let mut newest: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for a in arrivals.values() {
            let e = newest.entry(a.source.clone()).or_insert(a.at);
            *e = (*e).max(a.at);
        }
        let now = Utc::now();
        let late = |source: &str| {
            let allowed = state
                .site
                .max_age_hours
                .get(source)
                .copied()
                .unwrap_or(warehouse::freshness::DEFAULT_MAX_AGE_HOURS);
            newest
                .get(source)
                .is_none_or(|t| now - *t > chrono::Duration::hours(allowed as i64))
        };
        Ok(Arrivals {
            tables: arrivals
                .iter()
                .map(|(t, a)| {
                    (
                        t.clone(),
                        DataAge {
                            source: a.source.clone(),
                            at: a.at,
                            late: late(&a.source),
                        },
                    )
                })
                .collect(),
        })
    }

    /// The oldest last arrival among the tables indicator `ind` reads.
    pub fn of(&self, ind: &Indicator, catalogue: &metrics::Catalogue) -> Option<DataAge> {
        let source = ind
            .measure
            .as_ref()
            .map(|m| m.source.as_str())
            .or(ind.milestone.as_ref().map(|m| m.source.as_str()))?;
        let tables: Vec<&str> = match catalogue.views.iter().find(|v| v.name == source) {
            Some(view) => self
                .tables
                .keys()
                .map(String::as_str)
                .filter(|t| mentions(&view.sql, t))
                .collect(),
            None => vec![source],
        };
        tables
            .iter()
            .filter_map(|t| self.tables.get(*t))
            .min_by_key(|a| a.at)
            .cloned()
    }
}

fn mentions(sql: &str, table: &str) -> bool {
    sql.match_indices(table).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + table.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// "2 giờ trước", "3 ngày trước", as a person reads an age.
pub fn age_text(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes().max(0);
    match minutes {
        0..=1 => "vừa xong".to_string(),
        2..=59 => format!("{minutes} phút trước"),
        60..=2879 => format!("{} giờ trước", minutes / 60),
        _ => format!("{} ngày trước", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_view_reads_the_tables_it_names_whole() {
        let sql = "SELECT * FROM one_stop_dossiers d JOIN one_stop_procedures p USING (ma)";
        assert!(super::mentions(sql, "one_stop_dossiers"));
        assert!(super::mentions(sql, "one_stop_procedures"));
        assert!(!super::mentions(sql, "one_stop_dossier"));
    }
}
