//! Counting a measure's parts per day over a session.

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
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
        let sums = self.sums(ctx, &columns, days).await?;
        let names = std::iter::once("").chain(dims.iter().map(|(d, _)| *d));
        Ok(names
            .zip(sums)
            .map(|(dim, sums)| (dim.to_string(), sums.entries()))
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
        let sums = self.sums(ctx, &columns, days).await?;
        let picked = sums
            .into_iter()
            .last()
            .expect("the whole ward's sums come first, always");
        Ok(picked.entries())
    }

    /// The counts of every part on `days` (or every day), for the whole ward (first) and by
    /// each of `columns`: a part gives its counts at the finest grain (tens of thousands of
    /// rows a year), summed here with the values interned, not copied a row at a time.
    async fn sums(
        &self,
        ctx: &SessionContext,
        columns: &[&str],
        days: Option<&[i64]>,
    ) -> Result<Vec<Interned>> {
        let mut sums: Vec<Interned> = (0..=columns.len()).map(|_| Interned::default()).collect();
        let k = columns.len();
        for part in self.parts {
            let shape = part.shape();
            for b in self
                .batches(ctx, part, &self.m.source, columns, days)
                .await?
            {
                let q = |e| self.query(e);
                let day = warehouse::columns::int64(b.column(0)).map_err(q)?;
                let values = (1..=k)
                    .map(|i| arrow::compute::cast(b.column(i), &DataType::Utf8))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| q(e.into()))?;
                let num = warehouse::columns::int64(b.column(k + 1)).map_err(q)?;
                let den = warehouse::columns::int64(b.column(k + 2)).map_err(q)?;
                for r in 0..b.num_rows() {
                    let Some(d) = day[r] else { continue };
                    let counts = (num[r].unwrap_or(0), den[r].unwrap_or(0));
                    sums[0].add(shape, d, None, counts);
                    for (i, v) in values.iter().enumerate() {
                        let v = v.as_string::<i32>();
                        let value = (!v.is_null(r)).then(|| v.value(r));
                        sums[i + 1].add(shape, d, value, counts);
                    }
                }
            }
        }
        Ok(sums)
    }

    /// The days one part counts something on over `source`.
    pub(crate) async fn days(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
    ) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for b in self.batches(ctx, part, source, &[], None).await? {
            let day = warehouse::columns::int64(b.column(0)).map_err(|e| self.query(e))?;
            out.extend(day.into_iter().flatten());
        }
        Ok(out)
    }

    /// One part's counts over `source` as the query gives them: the day, the values of
    /// `columns`, the numerator and the denominator.
    async fn batches(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
        columns: &[&str],
        days: Option<&[i64]>,
    ) -> Result<Vec<RecordBatch>> {
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
        ctx.sql(&sql)
            .await
            .map_err(|e| self.query(e))?
            .collect()
            .await
            .map_err(|e| self.query(e))
    }

    pub(crate) fn query(&self, source: datafusion::error::DataFusionError) -> MetricsError {
        MetricsError::Query {
            indicator: self.id.to_string(),
            source,
        }
    }
}

/// One breakdown's counts by shape, day and value, each value kept once.
#[derive(Default)]
struct Interned {
    /// Value → its number; `None` (no value) is 0.
    ids: HashMap<String, u32>,
    values: Vec<Option<String>>,
    sums: HashMap<(Shape, i64, u32), (i64, i64)>,
}

impl Interned {
    fn add(&mut self, shape: Shape, day: i64, value: Option<&str>, (n, d): (i64, i64)) {
        if self.values.is_empty() {
            self.values.push(None);
        }
        let id = match value {
            None => 0,
            Some(v) => match self.ids.get(v) {
                Some(id) => *id,
                None => {
                    let id = self.values.len() as u32;
                    self.ids.insert(v.to_string(), id);
                    self.values.push(Some(v.to_string()));
                    id
                }
            },
        };
        let e = self.sums.entry((shape, day, id)).or_default();
        e.0 += n;
        e.1 += d;
    }

    /// The entries of the summed counts; a day whose counts cancel out holds nothing.
    fn entries(self) -> Vec<Entry> {
        let values = self.values;
        let mut out: Vec<Entry> = self
            .sums
            .into_iter()
            .filter(|(_, (n, d))| *n != 0 || *d != 0)
            .map(|((shape, day, id), (numerator, denominator))| Entry {
                shape,
                day,
                value: values[id as usize].clone(),
                numerator,
                denominator,
            })
            .collect();
        out.sort_by(|a, b| (a.shape, a.day, &a.value).cmp(&(b.shape, b.day, &b.value)));
        out
    }
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
