//! Counting a measure's parts per day over a session.

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;

use super::Entry;
use super::parts::{self, Part, Query};
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
    /// The entries of every breakdown (`""`: the whole ward) on `days`, or on every day.
    pub(crate) async fn entries(
        &self,
        ctx: &SessionContext,
        days: Option<&[i64]>,
    ) -> Result<BTreeMap<String, Vec<Entry>>> {
        let mut out = BTreeMap::new();
        let dims = std::iter::once(("", None)).chain(
            self.m
                .breakdowns
                .iter()
                .map(|(d, c)| (d.as_str(), Some(c.as_str()))),
        );
        for (dim, column) in dims {
            let list = self.dimension(ctx, column, days).await?;
            if !list.is_empty() {
                out.insert(dim.to_string(), list);
            }
        }
        Ok(out)
    }

    /// The entries of one breakdown column (`None`: the whole ward).
    pub(crate) async fn dimension(
        &self,
        ctx: &SessionContext,
        column: Option<&str>,
        days: Option<&[i64]>,
    ) -> Result<Vec<Entry>> {
        let mut list = Vec::new();
        for part in self.parts {
            list.extend(self.part(ctx, part, &self.m.source, column, days).await?);
        }
        Ok(list)
    }

    /// One part's rows over `source`.
    pub(crate) async fn part(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
        value: Option<&str>,
        days: Option<&[i64]>,
    ) -> Result<Vec<Entry>> {
        let kinds = kinds(ctx, &self.m.source, part).await;
        let kind = |c: &str| kinds.get(c).copied().unwrap_or(ColumnKind::Instant);
        let sql = parts::sql(
            part,
            &Query {
                measure: self.m,
                source,
                value,
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
        let shape = part.shape();
        let mut out = Vec::new();
        for b in &batches {
            let q = |e| self.query(e);
            let day = warehouse::columns::int64(b.column(0)).map_err(q)?;
            let value = warehouse::columns::utf8(b.column(1)).map_err(q)?;
            let num = warehouse::columns::int64(b.column(2)).map_err(q)?;
            let den = warehouse::columns::int64(b.column(3)).map_err(q)?;
            for r in 0..b.num_rows() {
                let (Some(day), n, d) = (day[r], num[r].unwrap_or(0), den[r].unwrap_or(0)) else {
                    continue;
                };
                // a day whose counts cancel out holds nothing
                if n == 0 && d == 0 {
                    continue;
                }
                out.push(Entry {
                    shape,
                    day,
                    value: value[r].clone(),
                    numerator: n,
                    denominator: d,
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

/// How each date column of a part is read.
pub(crate) async fn kinds(
    ctx: &SessionContext,
    source: &str,
    part: &Part,
) -> BTreeMap<String, ColumnKind> {
    let mut out = BTreeMap::new();
    if let Ok(df) = ctx.table(source).await {
        for c in part.date_columns() {
            if let Ok(f) = df.schema().field_with_unqualified_name(c) {
                out.insert(c.to_string(), ColumnKind::of(f.data_type()));
            }
        }
    }
    out
}
