//! Opening an evaluator over the lake at a point of its history, with the Kho dữ liệu groups'
//! freshness at that point.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use warehouse::{AsOf, Lake};

use crate::{Catalogue, Evaluator, KhoGroupState, MetricsError, Result};

/// Reads an as-of point: `v12` (a lake version), `2026-07-05` (the end of that local day), or
/// an RFC 3339 instant.
pub fn parse_as_of(text: &str, tz: Tz) -> Result<AsOf> {
    let t = text.trim();
    let bad = || MetricsError::AsOf(text.to_string());
    if t.is_empty() || t.eq_ignore_ascii_case("latest") {
        return Ok(AsOf::Latest);
    }
    if let Some(v) = t.strip_prefix(['v', 'V']) {
        return v.parse().map(AsOf::Version).map_err(|_| bad());
    }
    if let Ok(d) = NaiveDate::from_str(t) {
        let next = d
            .succ_opt()
            .ok_or_else(bad)?
            .and_hms_opt(0, 0, 0)
            .ok_or_else(bad)?;
        let end = tz.from_local_datetime(&next).earliest().ok_or_else(bad)?;
        return Ok(AsOf::Time(
            end.with_timezone(&Utc) - Duration::microseconds(1),
        ));
    }
    DateTime::parse_from_rfc3339(t)
        .map(|t| AsOf::Time(t.with_timezone(&Utc)))
        .map_err(|_| bad())
}

impl Evaluator {
    /// An evaluator over the lake as it stood at `at`. `max_age_hours` is each source's
    /// allowed age, which decides whether a Kho dữ liệu group's tables are fresh.
    pub async fn open(
        lake: &Lake,
        catalogue: Catalogue,
        tz: Tz,
        at: AsOf,
        max_age_hours: &BTreeMap<String, u64>,
    ) -> Result<Evaluator> {
        let warehouse::Snapshot {
            ctx,
            version,
            tables,
        } = lake.figures_as_of(at).await?;
        // freshness is judged at the moment the figures stand for, not when they are re-read
        let now = match at {
            AsOf::Time(t) => t,
            AsOf::Version(_) => warehouse::last_run_end(&ctx)
                .await?
                .unwrap_or_else(Utc::now),
            AsOf::Latest => Utc::now(),
        };
        let arrivals = warehouse::table_arrivals(&ctx, Some(now)).await?;
        let groups = tables::KhoGroup::ALL
            .into_iter()
            .map(|g| {
                let mine: Vec<&warehouse::TableInfo> = tables
                    .iter()
                    .filter(|t| t.group.as_deref() == Some(g.id()))
                    .collect();
                let mut fresh_tables = Vec::new();
                let mut last_arrival = None;
                for t in &mine {
                    let Some(a) = arrivals.get(&t.name) else {
                        continue;
                    };
                    last_arrival = last_arrival.max(Some(a.at));
                    let hours = max_age_hours
                        .get(&a.source)
                        .copied()
                        .unwrap_or(warehouse::freshness::DEFAULT_MAX_AGE_HOURS);
                    if now - a.at <= Duration::hours(hours as i64) {
                        fresh_tables.push(t.name.clone());
                    }
                }
                KhoGroupState {
                    id: g.id().to_string(),
                    name: g.name_vi().to_string(),
                    tables: mine
                        .iter()
                        .filter(|t| arrivals.contains_key(&t.name))
                        .map(|t| t.name.clone())
                        .collect(),
                    fresh: !fresh_tables.is_empty(),
                    fresh_tables,
                    last_arrival,
                }
            })
            .collect();
        let versions = tables.iter().map(|t| (t.name.clone(), t.version)).collect();
        Ok(Evaluator::new(catalogue, ctx, tz)
            .await?
            .with_kho_groups(groups)
            .with_table_versions(versions)
            .with_lake_version(match at {
                // the run log at a time is not one of its versions
                AsOf::Time(_) => None,
                _ => version,
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_points() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        assert_eq!(parse_as_of("v12", tz).unwrap(), AsOf::Version(12));
        assert_eq!(parse_as_of("", tz).unwrap(), AsOf::Latest);
        // the end of 5 July in Hanoi is 16:59:59.999999 UTC
        let AsOf::Time(t) = parse_as_of("2026-07-05", tz).unwrap() else {
            panic!()
        };
        assert_eq!(t.to_rfc3339(), "2026-07-05T16:59:59.999999+00:00");
        assert!(matches!(
            parse_as_of("2026-07-05T17:00:00+07:00", tz),
            Ok(AsOf::Time(_))
        ));
        assert!(parse_as_of("vX", tz).is_err());
        assert!(parse_as_of("hôm qua", tz).is_err());
    }
}
