//! The records behind a figure: the rows its denominator counts, each marked in or out of the
//! numerator, or for KQ / Mức độ / Giai đoạn rows the status reports it reads. What an evidence
//! annex lists, and what anyone can count again to get the figure back.

use datafusion::physical_plan::SendableRecordBatchStream;
use serde::{Deserialize, Serialize};

use crate::measure::{self, Counted, IN_NUMERATOR};
use crate::{Evaluator, MetricsError, Period, Result};

/// How a record list is counted back into the figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recount {
    /// Numerator: rows marked in it; denominator: all rows.
    Rows,
    /// Distinct non-empty values of `column` among the marked rows, and among all rows.
    Distinct { column: String },
    /// The sum of `column` over the marked rows; the sum of `denominator_column` over all
    /// rows.
    Sum {
        column: String,
        denominator_column: String,
    },
    /// Not a ratio: the status reports of a milestone, latest first.
    StatusReports,
}

impl Recount {
    /// The rule in Vietnamese, for the annex's README.
    pub fn text_vi(&self) -> String {
        match self {
            Recount::Rows => {
                format!("mẫu số = số dòng của danh sách; tử số = số dòng có {IN_NUMERATOR} = 1")
            }
            Recount::Distinct { column } => format!(
                "mẫu số = số giá trị khác nhau (khác rỗng) của cột {column}; tử số = số giá trị \
                 khác nhau của {column} trên các dòng có {IN_NUMERATOR} = 1"
            ),
            Recount::Sum {
                column,
                denominator_column,
            } => format!(
                "mẫu số = tổng cột {denominator_column} trên mọi dòng; tử số = tổng cột {column} \
                 trên các dòng có {IN_NUMERATOR} = 1"
            ),
            Recount::StatusReports => "không phải tỷ lệ: dòng đầu tiên là báo cáo tiến độ mới \
                                       nhất mà chỉ tiêu đọc"
                .to_string(),
        }
    }
}

/// The query listing a figure's records.
#[derive(Debug, Clone, Serialize)]
pub struct RecordQuery {
    pub indicator: String,
    /// The rows, ordered by every column so the list is the same each time it is made.
    pub sql: String,
    pub recount: Recount,
}

impl Evaluator {
    /// The query listing the records behind indicator `id` for `period` (and one khu phố);
    /// `None` when the figure reads no records: not computed, its source not in the lake, or
    /// a khu phố asked of a figure that cannot be cut by khu phố.
    pub async fn record_query(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Option<RecordQuery>> {
        let ind = self.catalogue().indicator(id)?;
        let w = self.window(ind, period);
        let (sql, recount) = if let Some(ms) = &ind.milestone {
            if !self.has_table(&ms.source) {
                return Ok(None);
            }
            let sql = format!(
                "SELECT *\nFROM {}\nWHERE ma_chi_tieu = '{}'\n  AND ngay_cap_nhat <= DATE '{}'",
                ms.source,
                ind.id.replace('\'', "''"),
                w.to.format("%Y-%m-%d")
            );
            (sql, Recount::StatusReports)
        } else if let Some(m) = &ind.measure {
            if !self.has_table(&m.source) || (unit.is_some() && m.column("khu_pho").is_none()) {
                return Ok(None);
            }
            let kind = self.basis_kind(m).await;
            let sql = measure::records_sql(
                m,
                &w,
                self.timezone(),
                kind,
                m.column("khu_pho").filter(|_| unit.is_some()),
                unit,
            );
            let recount = match m.counted() {
                Counted::Rows => Recount::Rows,
                Counted::Distinct(c) => Recount::Distinct {
                    column: c.to_string(),
                },
                Counted::Sum(c) => Recount::Sum {
                    column: c.to_string(),
                    denominator_column: m.denominator_sum.clone().unwrap_or_else(|| c.to_string()),
                },
            };
            (sql, recount)
        } else {
            return Ok(None);
        };
        let q = |source| MetricsError::Query {
            indicator: ind.id.clone(),
            source,
        };
        // the order: latest report first for milestones, then every column, so that the
        // same lake version always lists the same bytes
        let df = self.session().sql(&sql).await.map_err(q)?;
        let mut order: Vec<String> = Vec::new();
        if recount == Recount::StatusReports {
            order.push("ngay_cap_nhat DESC".to_string());
        }
        order.extend(
            df.schema()
                .fields()
                .iter()
                .map(|f| format!("\"{}\"", f.name().replace('"', "\"\""))),
        );
        Ok(Some(RecordQuery {
            indicator: ind.id.clone(),
            sql: format!("{sql}\nORDER BY {}", order.join(", ")),
            recount,
        }))
    }

    /// The records of a query, as a stream of batches: never all in memory at once.
    pub async fn records(&self, q: &RecordQuery) -> Result<SendableRecordBatchStream> {
        let err = |source| MetricsError::Query {
            indicator: q.indicator.clone(),
            source,
        };
        self.session()
            .sql(&q.sql)
            .await
            .map_err(err)?
            .execute_stream()
            .await
            .map_err(err)
    }
}
