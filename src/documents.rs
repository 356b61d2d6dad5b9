//! `chiso report`, `chiso evidence` and `chiso verify`: the documents officials sign and file,
//! and the annexes that prove their figures.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dashboards::documents::evidence::{self, AnnexSpec};
use dashboards::documents::produce::{self, ProduceRequest};
use dashboards::documents::report::{Format, ReportKind, ReportsConfig};
use metrics::{Period, format};

use crate::{Config, site};

/// The report date: given, or today in the ward's zone.
pub fn report_date(cfg: &Config, date: Option<&str>) -> Result<NaiveDate> {
    match date {
        Some(d) => d
            .parse::<NaiveDate>()
            .with_context(|| format!("--date {d}: write YYYY-MM-DD")),
        None => Ok(chrono::Utc::now()
            .with_timezone(&cfg.timezone())
            .date_naive()),
    }
}

/// The period a report covers when none is given: the last complete month or quarter.
pub fn default_period(cfg: &Config, kind: ReportKind) -> Period {
    let month = site::last_complete_month(cfg);
    match kind {
        ReportKind::Monthly => month,
        ReportKind::Quarterly => {
            // a quarter is complete only once its last month is
            let q = Period::quarter_of(month.last_day());
            if q.last_day() == month.last_day() {
                q
            } else {
                Period::quarter_of(q.first_day().pred_opt().unwrap_or(q.first_day()))
            }
        }
    }
}

fn reports_config(cfg: &Config) -> Result<&ReportsConfig> {
    cfg.reports.as_ref().context(
        "pipelines.toml has no [reports]: add [reports.monthly] and [reports.quarterly] with the \
         issuer, number line, recipients and signature (see the repository's pipelines.toml)",
    )
}

/// What `chiso report` is asked.
pub struct ReportArgs<'a> {
    pub kind: ReportKind,
    pub period: Option<&'a str>,
    pub formats: Vec<Format>,
    pub out: &'a Path,
    pub as_of: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub date: Option<&'a str>,
    pub rule: Option<&'a str>,
    pub evidence: bool,
}

/// Produces a report into a folder and says what was written.
pub async fn report(cfg: &Config, a: ReportArgs<'_>) -> Result<()> {
    let reports = reports_config(cfg)?;
    let period = match a.period {
        Some(p) => p.parse::<Period>()?,
        None => default_period(cfg, a.kind),
    };
    let ev = evaluator(cfg, a.as_of, a.rule).await?;
    let req = ProduceRequest {
        kind: a.kind,
        period,
        unit: a.unit.map(str::to_string),
        date: report_date(cfg, a.date)?,
        formats: if a.formats.is_empty() {
            Format::ALL.to_vec()
        } else {
            a.formats
        },
        evidence: a.evidence,
    };
    let files = produce::produce(&ev, &site::site(cfg), reports, &req, a.out)
        .await
        .with_context(|| format!("producing the {} report", a.kind.as_str()))?;
    let lake = crate::pipeline::open_lake(cfg)?;
    produce::record(&ev, &lake, &req, &files, "cli")
        .await
        .context("recording the report in the lake's register")?;
    println!(
        "Báo cáo {} — {}",
        period.label_vi(),
        version_text(ev.lake_version())
    );
    for f in files {
        println!(
            "  {}  {} byte  sha256 {}",
            f.path.display(),
            format::integer(f.bytes),
            f.sha256
        );
    }
    Ok(())
}

/// Writes the evidence annex of some figures.
pub async fn annex(
    cfg: &Config,
    indicators: &[String],
    period: Option<&str>,
    unit: Option<&str>,
    as_of: Option<&str>,
    date: Option<&str>,
    out: &Path,
) -> Result<()> {
    let period = match period {
        Some(p) => p.parse::<Period>()?,
        None => site::last_complete_month(cfg),
    };
    let ev = evaluator(cfg, as_of, None).await?;
    let ids: Vec<String> = if indicators.is_empty() {
        let cat = ev.catalogue();
        cat.indicators
            .iter()
            .chain(&cat.operations)
            .map(|i| i.id.clone())
            .collect()
    } else {
        for id in indicators {
            ev.catalogue().indicator(id)?;
        }
        indicators.to_vec()
    };
    let site = site::site(cfg);
    let spec = AnnexSpec {
        ward: site.ward_name.clone(),
        indicators: ids,
        period,
        unit: produce::unit_named(&site, unit)?,
        date: date.map(|d| report_date(cfg, Some(d))).transpose()?,
    };
    let f = produce::write_annex(&ev, &spec, out)
        .await
        .context("writing the evidence annex")?;
    println!(
        "Phụ lục minh chứng {} — {}: {}  sha256 {}",
        period.label_vi(),
        version_text(ev.lake_version()),
        f.path.display(),
        f.sha256
    );
    Ok(())
}

/// Checks an annex offline; an error names the first file or record that does not match.
pub fn verify(path: &Path) -> Result<()> {
    match evidence::verify(path) {
        Ok(r) => {
            println!(
                "Phụ lục hợp lệ: {} tệp đúng mã SHA-256.",
                format::integer(r.files as u64)
            );
            for f in r.figures {
                match f.totals {
                    Some((n, d)) => println!(
                        "  {}: {} bản ghi; đếm lại tử số {n}, mẫu số {d}: khớp số liệu",
                        f.id,
                        format::integer(f.records)
                    ),
                    None => println!("  {}: {} báo cáo tiến độ", f.id, format::integer(f.records)),
                }
            }
            Ok(())
        }
        Err(e) => bail!("phụ lục không hợp lệ: {e}"),
    }
}

async fn evaluator(
    cfg: &Config,
    as_of: Option<&str>,
    rule: Option<&str>,
) -> Result<metrics::Evaluator> {
    let at = metrics::parse_as_of(as_of.unwrap_or(""), cfg.timezone())?;
    let rule = rule.map(|r| r.parse()).transpose()?;
    let lake = crate::pipeline::open_lake(cfg)?;
    crate::indicators::evaluator_at(cfg, &lake, at, rule).await
}

fn version_text(v: Option<u64>) -> String {
    v.map(|v| format!("phiên bản dữ liệu v{v}"))
        .unwrap_or_else(|| "kho dữ liệu chưa có lần nạp nào".to_string())
}
