//! The ward a deployment serves and its reporting units (khu phố).

use serde::Deserialize;

/// A reporting unit: khu phố or tổ dân phố.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Code used by the source systems (`MaKhuPho`).
    pub code: String,
    /// Name as people write it.
    pub name: String,
    /// Part of the DC4.0 pilot.
    #[serde(default)]
    pub pilot: bool,
    /// Approximate population; shapes the synthetic sample only.
    #[serde(default)]
    pub population: u32,
}

/// A market managed by the ward.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Market {
    pub code: String,
    pub name: String,
}

/// The ward.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    /// Administrative code of the ward.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub province: String,
    /// IANA time zone all local times are read in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Path of the indicator catalogue.
    pub catalogue: String,
    /// Directory of the plans' task tables (6 rõ).
    #[serde(default = "default_plans")]
    pub plans: String,
    #[serde(default)]
    pub units: Vec<Unit>,
    #[serde(default)]
    pub markets: Vec<Market>,
}

fn default_plans() -> String {
    "data/plans".to_string()
}

fn default_timezone() -> String {
    "Asia/Ho_Chi_Minh".to_string()
}

impl Ward {
    /// A ward of one khu phố (KP01), for tests of the readers.
    #[cfg(test)]
    pub(crate) fn one_unit() -> Ward {
        Ward {
            code: "25216".to_string(),
            name: "Phường Thử".to_string(),
            province: String::new(),
            timezone: "Asia/Ho_Chi_Minh".to_string(),
            catalogue: String::new(),
            plans: String::new(),
            units: vec![Unit {
                code: "KP01".to_string(),
                name: "Khu phố Một".to_string(),
                pilot: true,
                population: 0,
            }],
            markets: Vec::new(),
        }
    }

    /// The unit with this code.
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| crate::text::same(&u.code, code))
    }
}
