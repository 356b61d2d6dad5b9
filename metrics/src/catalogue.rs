//! The indicator catalogue: Phụ lục 1 as data.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{MetricsError, PeriodRule, Result, Target};

/// The whole catalogue file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Title of the table as the plan prints it.
    pub title: String,
    /// The plan the table comes from.
    pub source_document: String,
    /// Milestone years ("đến hết năm …"), ascending.
    pub milestones: Vec<i32>,
    pub groups: Vec<Group>,
    /// Views measures may read, defined over lake tables.
    #[serde(default)]
    pub views: Vec<View>,
    pub indicators: Vec<Indicator>,
    /// Figures of the operations dashboard (Nhiệm vụ 1.2.a) beside Phụ lục 1.
    #[serde(default)]
    pub operations: Vec<Indicator>,
}

/// A group of the table (I. Chính quyền số, …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub name: String,
}

/// A SQL view over the lake.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub name: String,
    pub description: String,
    pub sql: String,
}

/// One row of Phụ lục 1, or one operations figure.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable id: `I.1` … `III.2`; `VH.1` … for operations figures.
    pub id: String,
    /// Group id: `I`, `II`, `III`, `VH`.
    pub group: String,
    /// STT within the group.
    pub stt: u32,
    /// Name, exactly as the plan writes it.
    pub name: String,
    /// ĐVT: `%`, `KQ`, `Mức độ`, `Giai đoạn`.
    pub unit: String,
    /// Milestone year → target text as the plan writes it.
    #[serde(default)]
    pub targets: BTreeMap<String, String>,
    /// "Ghi chú/nguồn đo lường".
    pub note: String,
    /// The legal or programme text the indicator and its formula come from.
    #[serde(default)]
    pub legal_source: String,
    /// Monitoring cadence (Phụ lục 5): `thang`, `quy`, …
    #[serde(default)]
    pub cadence: Option<String>,
    /// How to compute it from the lake as a ratio.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// How to read it from milestone statuses, for KQ / Mức độ / Giai đoạn rows.
    #[serde(default)]
    pub milestone: Option<MilestoneMeasure>,
    /// How a target that is not a number (“Thí điểm, hình thành mô hình”) is judged.
    #[serde(default)]
    pub target_rule_vi: Option<String>,
}

/// How rows of a measure's source belong to a period.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Basis {
    /// Every row as the lake holds it now, whatever the period (a catalogue).
    Current,
    /// Rows whose `column` (an instant or a date, read in local time) falls in the window.
    Event { column: String },
    /// The latest row per `key` whose `column` is on or before the window's last day: the
    /// state at the period's end.
    AsOf { column: String, key: Vec<String> },
    /// The conditions name the window themselves through `{start}` and `{end}` (instants,
    /// end exclusive), `{first_day}` and `{last_day}` (dates).
    Conditions,
}

/// How an indicator is computed: a ratio of row counts, of distinct values or of sums.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Lake table or catalogue view.
    pub source: String,
    pub basis: Basis,
    /// SQL condition on the rows in scope; rows outside it are not counted at all.
    #[serde(default)]
    pub filter: Option<String>,
    /// SQL condition for the numerator (rows that also satisfy `denominator`).
    pub numerator: String,
    /// SQL condition for the denominator.
    pub denominator: String,
    /// What is counted: `rows` (default), `distinct:<column>` or `sum:<column>`.
    #[serde(default)]
    pub count: Option<String>,
    /// With `count = "sum:<column>"`: the column the denominator sums, when not the same.
    #[serde(default)]
    pub denominator_sum: Option<String>,
    /// The period rule the figure uses unless a report sets one.
    #[serde(default)]
    pub period_rule: PeriodRule,
    /// Breakdown dimension (`khu_pho`, `linh_vuc`, `don_vi`, `kenh`) → column.
    #[serde(default)]
    pub breakdowns: BTreeMap<String, String>,
    pub numerator_vi: String,
    pub denominator_vi: String,
    #[serde(default)]
    pub filter_vi: Option<String>,
    /// The period rule in words.
    pub period_rule_vi: String,
    /// For a `conditions` measure: the same figure as parts counted once per day, so that it
    /// can be kept in the rollups (see [`crate::rollup`]); a test checks every period and unit
    /// against the conditions.
    #[serde(default)]
    pub rollup: Vec<RollupPart>,
}

/// A part of a figure counted once per local day.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RollupPart {
    /// Rows counted in a window when `column` falls in it.
    Days {
        column: String,
        numerator: String,
        denominator: String,
    },
    /// Rows counted in a window when it ends on a day from the latest of `from` up to the day
    /// before `until` (for ever while `until` is empty): a state held over days, such as
    /// "open and overdue".
    Spans {
        from: Vec<String>,
        until: String,
        numerator: String,
        denominator: String,
    },
}

/// A KQ / Mức độ / Giai đoạn row read from the milestone statuses officers upload.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneMeasure {
    /// The statuses table.
    pub source: String,
    /// Also report which of the Kho dữ liệu groups have live, fresh tables (III.1).
    #[serde(default)]
    pub kho_groups: bool,
    /// The rule in words.
    pub rule_vi: String,
}

/// Breakdown dimensions and their Vietnamese names.
pub const DIMENSIONS: [(&str, &str); 4] = [
    ("khu_pho", "khu phố / tổ dân phố"),
    ("linh_vuc", "lĩnh vực"),
    ("don_vi", "đơn vị xử lý"),
    ("kenh", "kênh"),
];

impl Measure {
    /// The column of a breakdown dimension.
    pub fn column(&self, dimension: &str) -> Option<&str> {
        self.breakdowns.get(dimension).map(String::as_str)
    }
}

impl Catalogue {
    /// Every id, Phụ lục 1's indicators then the operations figures: what a whole report's
    /// annex proves.
    pub fn ids(&self) -> Vec<String> {
        self.indicators
            .iter()
            .chain(&self.operations)
            .map(|i| i.id.clone())
            .collect()
    }

    /// Creates the catalogue's views in a session; a view over a table the session lacks is
    /// left out (its measures have no data).
    pub async fn register_views(&self, ctx: &datafusion::prelude::SessionContext) {
        for v in &self.views {
            if let Ok(df) = ctx.sql(&v.sql).await {
                let _ = ctx.register_table(v.name.as_str(), df.into_view());
            }
        }
    }

    /// Loads and checks the catalogue file.
    pub fn load(path: &Path) -> Result<Catalogue> {
        let text = std::fs::read_to_string(path).map_err(|e| MetricsError::Catalogue {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Catalogue::parse(&text, &path.display().to_string())
    }

    /// Parses and checks catalogue text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Catalogue> {
        let err = |message: String| MetricsError::Catalogue {
            path: origin.to_string(),
            message,
        };
        let cat: Catalogue = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let all: Vec<&Indicator> = cat.indicators.iter().chain(&cat.operations).collect();
        for ind in &all {
            if all.iter().filter(|o| o.id == ind.id).count() > 1 {
                return Err(err(format!("indicator id {} appears twice", ind.id)));
            }
            if let Some(m) = &ind.measure {
                for d in m.breakdowns.keys() {
                    if !DIMENSIONS.iter().any(|(id, _)| id == d) {
                        return Err(err(format!(
                            "indicator {}: breakdown “{d}” is not one of {}",
                            ind.id,
                            DIMENSIONS.map(|(id, _)| id).join(", ")
                        )));
                    }
                }
                let counted = m.count.as_deref().unwrap_or("rows");
                if counted != "rows"
                    && !counted.starts_with("distinct:")
                    && !counted.starts_with("sum:")
                {
                    return Err(err(format!(
                        "indicator {}: count “{counted}”: write rows, distinct:<column> or sum:<column>",
                        ind.id
                    )));
                }
                if !m.rollup.is_empty()
                    && (m.basis != Basis::Conditions || counted.starts_with("distinct:"))
                {
                    return Err(err(format!(
                        "indicator {}: rollup parts are for conditions measures counting rows or sums",
                        ind.id
                    )));
                }
            }
            if ind.measure.is_some() && ind.milestone.is_some() {
                return Err(err(format!(
                    "indicator {} has both a measure and a milestone",
                    ind.id
                )));
            }
        }
        for ind in &cat.operations {
            if !cat.groups.iter().any(|g| g.id == ind.group) {
                return Err(err(format!(
                    "figure {} names group “{}”, which is not among [[groups]]",
                    ind.id, ind.group
                )));
            }
        }
        for ind in &cat.indicators {
            if !cat.groups.iter().any(|g| g.id == ind.group) {
                return Err(err(format!(
                    "indicator {} names group “{}”, which is not among [[groups]]",
                    ind.id, ind.group
                )));
            }
            for y in &cat.milestones {
                if !ind.targets.contains_key(&y.to_string()) {
                    return Err(err(format!(
                        "indicator {} has no target for milestone {y}",
                        ind.id
                    )));
                }
            }
        }
        Ok(cat)
    }

    /// The indicator (or operations figure) with this id.
    pub fn indicator(&self, id: &str) -> Result<&Indicator> {
        self.indicators
            .iter()
            .chain(&self.operations)
            .find(|i| i.id == id)
            .ok_or_else(|| MetricsError::UnknownIndicator(id.to_string()))
    }

    /// The name of a group.
    pub fn group_name(&self, id: &str) -> &str {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.as_str())
            .unwrap_or("")
    }
}

impl Indicator {
    /// The target text for a milestone year.
    pub fn target_text(&self, year: i32) -> Option<&str> {
        self.targets.get(&year.to_string()).map(String::as_str)
    }

    /// The target for a milestone year.
    pub fn target(&self, year: i32) -> Option<Target> {
        self.target_text(year).map(Target::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Catalogue {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/catalogue/indicators.toml");
        Catalogue::load(&path).unwrap()
    }

    #[test]
    fn the_plans_seventeen_rows() {
        let c = bundled();
        let ids: Vec<&str> = c.indicators.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "I.7", "I.8", "II.1", "II.2", "II.3",
                "II.4", "II.5", "II.6", "II.7", "III.1", "III.2"
            ]
        );
        let i3 = c.indicator("I.3").unwrap();
        assert_eq!(
            i3.name,
            "Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)"
        );
        assert_eq!(i3.target(2030), Some(Target::AtLeast { percent: 95.0 }));
        let i8 = c.indicator("I.8").unwrap();
        assert_eq!(i8.unit, "KQ");
        assert_eq!(i8.target_text(2028), Some("Duy trì"));
        assert_eq!(
            c.indicator("II.5").unwrap().target_text(2026),
            Some("Thí điểm, hình thành mô hình")
        );
        assert_eq!(
            c.indicator("III.1").unwrap().note,
            "Báo cáo trạng thái liên thông; danh mục dữ liệu; quy trình cập nhật–phân quyền"
        );
        assert_eq!(c.group_name("II"), "Nhóm chỉ tiêu Xã hội số - Kinh tế số");
    }

    #[test]
    fn a_broken_catalogue_is_named() {
        let e = Catalogue::parse("title = 1", "x.toml").unwrap_err();
        assert!(e.to_string().contains("x.toml"), "{e}");
    }
}
