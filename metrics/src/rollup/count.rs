//! Counting a measure's parts per day over a session.

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;

use super::Entry;
use super::parts::{self, Part, Query, Shape};
use crate::measure::ColumnKind;
use crate::{Measure, MetricsError, Result};

/// One measure being counted per day.
pub(crate) struct Measured<'a> {
    pub id: &'a str,
    pub m: &'a Measure,
    pub parts: &'a [Part],
    pub offset: i64,
}

/// A part's row at the finest grain: the day, each breakdown column's value, the counts.
pub(crate) struct Row {
    pub day: i64,
    pub values: Vec<Option<String>>,
    pub numerator: i64,
    pub denominator: i64,
}

impl Measured<'_> {
    /// The entries of every breakdown (`""`: the whole ward) on `days`, or on every day: one
    /// scan per part at the finest grain, summed here into each breakdown.
    pub(crate) async fn entries(
        &self,
        ctx: &SessionContext,
        days: Option<&[i64]>,
    ) -> Result<BTreeMap<String, Vec<Entry>>> {
        let dims: Vec<(&str, &str)> = self
            .m
            .breakdowns
            .iter()
            .map(|(d, c)| (d.as_str(), c.as_str()))
            .collect();
        let columns: Vec<&str> = dims.iter().map(|(_, c)| *c).collect();
        let mut sums: Vec<Sums> = vec![Sums::new(); dims.len() + 1];
        for part in self.parts {
            let shape = part.shape();
            for r in self.rows(ctx, part, &self.m.source, &columns, days).await? {
                add(&mut sums[0], (shape, r.day, None), &r);
                for (i, v) in r.values.iter().enumerate() {
                    add(&mut sums[i + 1], (shape, r.day, v.clone()), &r);
                }
            }
        }
        let names = std::iter::once("").chain(dims.iter().map(|(d, _)| *d));
        Ok(names
            .zip(sums)
            .map(|(dim, sums)| (dim.to_string(), entries(sums)))
            .filter(|(_, list)| !list.is_empty())
            .collect())
    }

    /// The entries of one breakdown column (`None`: the whole ward).
    pub(crate) async fn dimension(
        &self,
        ctx: &SessionContext,
        column: Option<&str>,
        days: Option<&[i64]>,
    ) -> Result<Vec<Entry>> {
        let columns: Vec<&str> = column.into_iter().collect();
        let mut sums = Sums::new();
        for part in self.parts {
            for r in self.rows(ctx, part, &self.m.source, &columns, days).await? {
                let value = r.values.first().cloned().flatten();
                add(&mut sums, (part.shape(), r.day, value), &r);
            }
        }
        Ok(entries(sums))
    }

    /// One part's rows over `source`, by day and the values of `columns`.
    pub(crate) async fn rows(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
        columns: &[&str],
        days: Option<&[i64]>,
    ) -> Result<Vec<Row>> {
        let kinds = kinds(ctx, &self.m.source, part).await;
        let kind = |c: &str| kinds.get(c).copied().unwrap_or(ColumnKind::Instant);
        let sql = parts::sql(
            part,
            &Query {
                measure: self.m,
                source,
                values: columns,
                days,
                offset_seconds: self.offset,
            },
            &kind,
        );
        let batches = ctx
            .sql(&sql)
            .await
            .map_err(|e| self.query(e))?
            .collect()
            .await
            .map_err(|e| self.query(e))?;
        let k = columns.len();
        let mut out = Vec::new();
        for b in &batches {
            let q = |e| self.query(e);
            let day = warehouse::columns::int64(b.column(0)).map_err(q)?;
            let values = (1..=k)
                .map(|i| warehouse::columns::utf8(b.column(i)))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(q)?;
            let num = warehouse::columns::int64(b.column(k + 1)).map_err(q)?;
            let den = warehouse::columns::int64(b.column(k + 2)).map_err(q)?;
            for r in 0..b.num_rows() {
                let Some(d) = day[r] else { continue };
                out.push(Row {
                    day: d,
                    values: values.iter().map(|v| v[r].clone()).collect(),
                    numerator: num[r].unwrap_or(0),
                    denominator: den[r].unwrap_or(0),
                });
            }
        }
        Ok(out)
    }

    pub(crate) fn query(&self, source: datafusion::error::DataFusionError) -> MetricsError {
        MetricsError::Query {
            indicator: self.id.to_string(),
            source,
        }
    }
}

/// Counts by shape, day and value.
type Sums = BTreeMap<(Shape, i64, Option<String>), (i64, i64)>;

fn add(sums: &mut Sums, key: (Shape, i64, Option<String>), r: &Row) {
    let e = sums.entry(key).or_default();
    e.0 += r.numerator;
    e.1 += r.denominator;
}

/// The entries of summed counts; a day whose counts cancel out holds nothing.
fn entries(sums: Sums) -> Vec<Entry> {
    sums.into_iter()
        .filter(|(_, (n, d))| *n != 0 || *d != 0)
        .map(|((shape, day, value), (numerator, denominator))| Entry {
            shape,
            day,
            value,
            numerator,
            denominator,
        })
        .collect()
}

/// How each date column of a part is read.
pub(crate) async fn kinds(
    ctx: &SessionContext,
    source: &str,
    part: &Part,
) -> BTreeMap<String, ColumnKind> {
    let mut out = BTreeMap::new();
    for c in part.date_columns() {
        if let Some(k) = crate::measure::kind_of(ctx, source, c).await {
            out.insert(c.to_string(), k);
        }
    }
    out
}
