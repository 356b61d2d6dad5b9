//! What a reader is handed: the indicator table of a period (the same structure from the CLI
//! and the API), and an indicator's definition in plain Vietnamese with its SQL.

use serde::Serialize;

use crate::catalogue::{Basis, DIMENSIONS};
use crate::measure::Counted;
use crate::{Evaluator, IndicatorRow, Period, PeriodRule, Result, Window, projection};

/// The indicator table of a period.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorTable {
    pub title: String,
    pub period: Period,
    pub period_label: String,
    /// The period rule the report set for every figure; `None` when each uses its own.
    pub period_rule: Option<PeriodRule>,
    /// Khu phố code, `None` for the whole ward.
    pub unit: Option<String>,
    /// The lake version the figures come from (quote it to make the report again).
    pub lake_version: Option<u64>,
    /// Phụ lục 1.
    pub indicators: Vec<IndicatorRow>,
    /// The operations figures.
    pub operations: Vec<IndicatorRow>,
}

/// One indicator broken down by a dimension.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorBreakdown {
    pub id: String,
    pub name: String,
    pub dimension: String,
    pub values: Vec<crate::BreakdownValue>,
}

/// An indicator's definition, in one place.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub targets: Vec<(i32, String)>,
    pub note: String,
    pub legal_source: String,
    pub source: Option<String>,
    pub numerator_vi: Option<String>,
    pub denominator_vi: Option<String>,
    pub filter_vi: Option<String>,
    pub counted_vi: Option<String>,
    pub period_rule_vi: String,
    /// The window the figure of the asked period covers.
    pub window: Window,
    pub window_vi: String,
    /// Breakdown dimensions: id and Vietnamese name.
    pub breakdowns: Vec<(String, String)>,
    pub status_rule_vi: String,
    pub target_rule_vi: Option<String>,
    pub sql: Option<String>,
    /// The catalogue view the SQL reads, when it reads one: name and definition.
    pub view: Option<crate::catalogue::View>,
}

impl Explanation {
    /// The definition as lines a person reads.
    pub fn text(&self) -> String {
        let mut out = format!("{} — {} ({})\n", self.id, self.name, self.unit);
        let mut line = |k: &str, v: &str| {
            if !v.is_empty() {
                out.push_str(&format!("{k}: {v}\n"));
            }
        };
        let targets = self
            .targets
            .iter()
            .map(|(y, t)| format!("đến hết {y}: {t}"))
            .collect::<Vec<_>>()
            .join("; ");
        line("Mục tiêu", &targets);
        line("Tử số", self.numerator_vi.as_deref().unwrap_or(""));
        line("Mẫu số", self.denominator_vi.as_deref().unwrap_or(""));
        line("Phạm vi", self.filter_vi.as_deref().unwrap_or(""));
        line("Đếm", self.counted_vi.as_deref().unwrap_or(""));
        line("Quy tắc kỳ", &self.period_rule_vi);
        line("Kỳ tính", &self.window_vi);
        let dims = self
            .breakdowns
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        line("Chia theo", &dims);
        line("Đánh giá", &self.status_rule_vi);
        line(
            "Mục tiêu định tính",
            self.target_rule_vi.as_deref().unwrap_or(""),
        );
        line("Nguồn dữ liệu", self.source.as_deref().unwrap_or(""));
        line("Ghi chú/nguồn đo lường", &self.note);
        line("Căn cứ", &self.legal_source);
        if let Some(sql) = &self.sql {
            out.push_str(&format!("SQL:\n{sql}\n"));
        }
        if let Some(v) = &self.view {
            out.push_str(&format!(
                "trong đó {} ({}) là:\n{}\n",
                v.name,
                v.description,
                v.sql.trim()
            ));
        }
        out
    }
}

impl Evaluator {
    /// The Phụ lục 1 table and the operations figures of a period.
    pub async fn report(&self, period: Period, unit: Option<&str>) -> Result<IndicatorTable> {
        Ok(IndicatorTable {
            title: self.catalogue().title.clone(),
            period,
            period_label: period.label_vi(),
            period_rule: self.rule(),
            unit: unit.map(str::to_string),
            lake_version: self.lake_version(),
            indicators: self.table(period, unit).await?,
            operations: self.operations(period, unit).await?,
        })
    }

    /// Every indicator and operations figure that can be broken down by `dimension`, broken
    /// down.
    pub async fn breakdowns(
        &self,
        period: Period,
        dimension: &str,
    ) -> Result<Vec<IndicatorBreakdown>> {
        let cat = self.catalogue();
        let mut out = Vec::new();
        for ind in cat.indicators.iter().chain(&cat.operations) {
            if ind
                .measure
                .as_ref()
                .and_then(|m| m.column(dimension))
                .is_none()
            {
                continue;
            }
            out.push(IndicatorBreakdown {
                id: ind.id.clone(),
                name: ind.name.clone(),
                dimension: dimension.to_string(),
                values: self.breakdown(&ind.id, period, dimension).await?,
            });
        }
        Ok(out)
    }

    /// An indicator's definition and the SQL of its figure for `period`.
    pub async fn explain(
        &self,
        id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Explanation> {
        let ind = self.catalogue().indicator(id)?;
        let window = self.window(ind, period);
        let m = ind.measure.as_ref();
        let rule_vi = match (self.rule(), m) {
            (Some(r), _) => format!("{} (do báo cáo đặt)", r.label_vi()),
            (None, Some(m)) => format!("{}; {}", m.period_rule_vi, m.period_rule.label_vi()),
            (None, None) => ind
                .milestone
                .as_ref()
                .map(|ms| ms.rule_vi.clone())
                .unwrap_or_default(),
        };
        let counted_vi = m.map(|m| {
            let what = match m.counted() {
                Counted::Rows => "số bản ghi (dòng)".to_string(),
                Counted::Distinct(c) => format!("số giá trị khác nhau của {c}"),
                Counted::Sum(c) => format!(
                    "tổng {c}{}",
                    m.denominator_sum
                        .as_ref()
                        .map(|d| format!(" (mẫu số: tổng {d})"))
                        .unwrap_or_default()
                ),
            };
            let basis = match &m.basis {
                Basis::Current => "toàn bộ dữ liệu hiện hành".to_string(),
                Basis::Event { column } => format!("bản ghi có {column} trong kỳ"),
                Basis::AsOf { column, key } => format!(
                    "bản ghi mới nhất theo {} có {column} đến hết ngày cuối kỳ",
                    key.join(", ")
                ),
                Basis::Conditions => "điều kiện tử số, mẫu số tự nêu kỳ".to_string(),
            };
            format!("{what}; {basis}")
        });
        let status_rule_vi = if ind.milestone.is_some() {
            projection::MILESTONE_METHOD_VI.to_string()
        } else if ind.targets.is_empty() {
            "Chỉ số theo dõi, không đặt mục tiêu: không đánh giá đạt/chưa đạt".to_string()
        } else if m.is_some_and(|m| m.basis == Basis::Current) {
            "Đạt khi giá trị không thấp hơn mục tiêu của mốc; danh mục hiện hành không có lịch \
             sử nên không dự báo xu hướng"
                .to_string()
        } else {
            format!(
                "Đạt khi giá trị không thấp hơn mục tiêu của mốc; {}",
                projection::METHOD_VI
            )
        };
        Ok(Explanation {
            id: ind.id.clone(),
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            targets: self
                .catalogue()
                .milestones
                .iter()
                .filter_map(|y| ind.target_text(*y).map(|t| (*y, t.to_string())))
                .collect(),
            note: ind.note.clone(),
            legal_source: ind.legal_source.clone(),
            source: m
                .map(|m| m.source.clone())
                .or_else(|| ind.milestone.as_ref().map(|ms| ms.source.clone())),
            numerator_vi: m.map(|m| m.numerator_vi.clone()),
            denominator_vi: m.map(|m| m.denominator_vi.clone()),
            filter_vi: m.and_then(|m| m.filter_vi.clone()),
            counted_vi,
            period_rule_vi: rule_vi,
            window,
            window_vi: format!("{} ({})", window.label_vi(), period.label_vi()),
            breakdowns: m
                .map(|m| {
                    DIMENSIONS
                        .iter()
                        .filter(|(d, _)| m.column(d).is_some())
                        .map(|(d, n)| (d.to_string(), n.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            status_rule_vi,
            target_rule_vi: ind.target_rule_vi.clone(),
            sql: self.explain_sql(id, period, unit).await?,
            view: m.and_then(|m| {
                self.catalogue()
                    .views
                    .iter()
                    .find(|v| v.name == m.source)
                    .cloned()
            }),
        })
    }
}
