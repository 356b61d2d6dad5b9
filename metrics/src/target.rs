//! Milestone targets as the plan writes them ("≥ 90%", "100%", "Hoàn thành") and whether a
//! value meets them.

use serde::Serialize;

/// A milestone target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A percentage to reach: "≥ 90%", and "100%" (nothing above 100 exists, so "100%" is
    /// "at least 100").
    AtLeast { percent: f64 },
    /// A qualitative milestone ("Hoàn thành", "Thí điểm, hình thành mô hình"), judged from
    /// milestone statuses, not from a number.
    Milestone { text: String },
}

impl Target {
    /// Reads the plan's text.
    pub fn parse(text: &str) -> Target {
        let t = text.trim();
        let body = t.trim_start_matches('≥').trim_start_matches(">=").trim();
        if let Some(num) = body.strip_suffix('%')
            && let Ok(v) = num.trim().replace(',', ".").parse::<f64>()
        {
            return Target::AtLeast { percent: v };
        }
        Target::Milestone {
            text: t.to_string(),
        }
    }

    /// Whether a percentage meets the target; `None` when the target is not numeric.
    pub fn met_by(&self, value: f64) -> Option<bool> {
        match self {
            // a value printed as 90,0 % must not fail a ≥ 90 % target by a rounding hair
            Target::AtLeast { percent } => Some(value + 1e-9 >= *percent),
            Target::Milestone { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_texts() {
        assert_eq!(Target::parse("≥ 90%"), Target::AtLeast { percent: 90.0 });
        assert_eq!(Target::parse("≥70%"), Target::AtLeast { percent: 70.0 });
        assert_eq!(Target::parse("100%"), Target::AtLeast { percent: 100.0 });
        assert_eq!(
            Target::parse("Hoàn thành"),
            Target::Milestone {
                text: "Hoàn thành".into()
            }
        );
        assert_eq!(Target::parse("≥ 90%").met_by(90.0), Some(true));
        assert_eq!(Target::parse("≥ 90%").met_by(89.99), Some(false));
        assert_eq!(Target::parse("Duy trì").met_by(100.0), None);
    }
}
