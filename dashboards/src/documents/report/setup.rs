//! The deployment's side of a report (`[reports]` in pipelines.toml): who issues it, its
//! number line, who receives it, who signs, when it is made and in which formats. Another ward
//! edits the file, not the code.

use serde::{Deserialize, Serialize};

/// `[reports]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// Folder the scheduled reports are written to (relative to pipelines.toml).
    #[serde(default = "default_outbox")]
    pub outbox: String,
    /// The place of the date line: "Bình Phước, ngày 05 tháng 11 năm 2026".
    pub place: String,
    pub monthly: ReportSetup,
    pub quarterly: ReportSetup,
}

fn default_outbox() -> String {
    "data/outbox".to_string()
}

impl ReportsConfig {
    /// The set-up of one kind of report.
    pub fn setup(&self, kind: ReportKind) -> &ReportSetup {
        match kind {
            ReportKind::Monthly => &self.monthly,
            ReportKind::Quarterly => &self.quarterly,
        }
    }
}

/// Which document rules the layout follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStyle {
    /// A state administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).
    HanhChinh,
    /// A Party document (Hướng dẫn 36-HD/VPTW).
    Dang,
}

/// The two reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The People's Committee's monthly indicator report.
    Monthly,
    /// The party committee's quarterly review, with charts.
    Quarterly,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Monthly => "monthly",
            ReportKind::Quarterly => "quarterly",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "monthly" | "thang" => Ok(ReportKind::Monthly),
            "quarterly" | "quy" => Ok(ReportKind::Quarterly),
            other => Err(format!(
                "“{other}” is not a report: write monthly or quarterly"
            )),
        }
    }
}

/// A file format a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pdf,
    Docx,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Pdf, Format::Docx, Format::Xlsx];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pdf" => Ok(Format::Pdf),
            "docx" => Ok(Format::Docx),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(format!(
                "“{other}” is not a format: write pdf, docx or xlsx"
            )),
        }
    }
}

fn all_formats() -> Vec<Format> {
    Format::ALL.to_vec()
}

/// One report's letterhead, recipients and signature, and when it is made.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSetup {
    pub style: DocStyle,
    /// The issuing body, top left, the body above first: ["ỦY BAN NHÂN DÂN", "PHƯỜNG …"].
    pub issuer: Vec<String>,
    /// The number line, left blank to fill in: "Số:      /BC-UBND".
    pub number: String,
    /// Top right: the quốc hiệu and tiêu ngữ, or "ĐẢNG CỘNG SẢN VIỆT NAM".
    pub motto: Vec<String>,
    /// The subject line; the period follows it.
    pub subject: String,
    /// "Kính gửi: …", when the report is addressed.
    #[serde(default)]
    pub addressee: Option<String>,
    /// "Nơi nhận:" lines.
    pub recipients: Vec<String>,
    /// The signature block's lines: ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"].
    pub signature: Vec<String>,
    /// The signer's name; empty leaves the line blank to sign over.
    #[serde(default)]
    pub signer: String,
    /// When `chiso serve` makes the report of the last complete period: a cron expression
    /// (seconds first) in the ward's zone.
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default = "all_formats")]
    pub formats: Vec<Format>,
    /// Whether a scheduled production adds the evidence annex.
    #[serde(default)]
    pub evidence: bool,
}
