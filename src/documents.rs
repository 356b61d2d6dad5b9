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

/// The period asked for, or the default when none is.
fn period_or(asked: Option<&str>, default: impl FnOnce() -> Period) -> Result<Period> {
    Ok(match asked {
        Some(p) => p.parse::<Period>()?,
        None => default(),
    })
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
    let period = period_or(a.period, || default_period(cfg, a.kind))?;
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
    for f in &files {
        print_produced(f);
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
    let period = period_or(period, || site::last_complete_month(cfg))?;
    let ev = evaluator(cfg, as_of, None).await?;
    let ids: Vec<String> = if indicators.is_empty() {
        ev.catalogue().ids()
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

/// What `chiso report --province` and `chiso evidence --province` are asked.
pub struct ProvinceArgs<'a> {
    pub kind: ReportKind,
    pub period: Option<&'a str>,
    pub formats: Vec<Format>,
    pub out: &'a Path,
    pub as_of: Option<&'a str>,
    pub date: Option<&'a str>,
    pub evidence: bool,
}

/// The province's report from every ward's lake, with the province's annex on request.
pub async fn province_report(cfg: &Config, a: ProvinceArgs<'_>) -> Result<()> {
    use dashboards::documents::report::{self, province};
    let Some(p) = &cfg.province else {
        bail!("no [province] in the deployment file: list the wards and their lakes there");
    };
    let reports = p.reports.as_ref().context(
        "[province] has no reports: add [province.reports.monthly] and \
         [province.reports.quarterly] with the province's issuer, number line, recipients and \
         signature, as [reports] has them for a ward",
    )?;
    let period = period_or(a.period, || default_period(cfg, a.kind))?;
    let (at, as_of) = province_moment(cfg, a.as_of)?;
    let date = report_date(cfg, a.date)?;
    let catalogue = metrics::Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let rows = crate::province::table(cfg, period, at).await?;
    let doc = province::build(
        &rows,
        &province::ProvinceReportRequest {
            kind: a.kind,
            period,
            date,
            province: &p.name,
            place: &reports.place,
            setup: reports.setup(a.kind),
            source_document: &catalogue.source_document,
            as_of: &as_of,
        },
    )?;
    std::fs::create_dir_all(a.out)?;
    let stem = report::file_stem(a.kind, period, Some("tinh"));
    let formats = if a.formats.is_empty() {
        Format::ALL.to_vec()
    } else {
        a.formats
    };
    println!("Báo cáo {} — {} — {as_of}", period.label_vi(), p.name);
    for format in formats {
        let bytes = report::render(&doc, format)?;
        let path = a.out.join(format!("{stem}.{}", format.extension()));
        let f = produce::write_whole(&path, &bytes)?;
        print_produced(&f);
    }
    if a.evidence {
        let path = a.out.join(format!("{stem}-minh-chung.zip"));
        let f = province_annex_into(cfg, &catalogue, period, at, Some(date), &path).await?;
        print_produced(&f);
    }
    Ok(())
}

/// The province's evidence annex: every ward's annex and the sums.
pub async fn province_annex(
    cfg: &Config,
    period: Option<&str>,
    as_of: Option<&str>,
    date: Option<&str>,
    out: &Path,
) -> Result<()> {
    let period = period_or(period, || site::last_complete_month(cfg))?;
    let (at, _) = province_moment(cfg, as_of)?;
    let date = date.map(|d| report_date(cfg, Some(d))).transpose()?;
    let catalogue = metrics::Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let f = province_annex_into(cfg, &catalogue, period, at, date, out).await?;
    println!("Phụ lục minh chứng toàn tỉnh {}:", period.label_vi());
    print_produced(&f);
    Ok(())
}

async fn province_annex_into(
    cfg: &Config,
    catalogue: &metrics::Catalogue,
    period: Period,
    at: metrics::AsOf,
    date: Option<NaiveDate>,
    path: &Path,
) -> Result<produce::Produced> {
    use dashboards::documents::evidence::province::{ProvinceAnnex, ProvinceAnnexSpec};
    let Some(p) = &cfg.province else {
        bail!("no [province] in the deployment file: list the wards and their lakes there");
    };
    let spec = ProvinceAnnexSpec {
        province: p.name.clone(),
        indicators: catalogue.ids(),
        period,
        date,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut annex = ProvinceAnnex::new(std::io::BufWriter::new(tmp.reopen()?), spec);
    // one ward at a time: each ward's snapshot is let go before the next is opened
    for w in crate::province::ward_lakes(cfg)? {
        let ev = metrics::Evaluator::open(
            &w.lake,
            catalogue.clone(),
            cfg.timezone(),
            at,
            &cfg.max_ages(),
        )
        .await
        .with_context(|| format!("ward {} ({})", w.code, w.lake.root()))?;
        annex
            .add_ward(&w.code, &w.name, &ev)
            .await
            .with_context(|| format!("the annex of ward {}", w.code))?;
    }
    let (file, _) = annex.finish()?;
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(produce::persist(tmp, path)?)
}

/// When a province is read: a time or the latest (a version is one lake's), and the words
/// its report says it with.
fn province_moment(cfg: &Config, as_of: Option<&str>) -> Result<(metrics::AsOf, String)> {
    let at = metrics::parse_as_of(as_of.unwrap_or(""), cfg.timezone())?;
    let text = match at {
        metrics::AsOf::Latest => format!(
            "dữ liệu mới nhất lúc {}",
            chrono::Utc::now()
                .with_timezone(&cfg.timezone())
                .format("%H:%M ngày %d/%m/%Y")
        ),
        metrics::AsOf::Version(_) => {
            bail!("--as-of: a province is read as of a date or a time, not one lake's version")
        }
        _ => format!("dữ liệu tính đến {}", as_of.unwrap_or_default()),
    };
    Ok((at, text))
}

fn print_produced(f: &produce::Produced) {
    println!(
        "  {}  {} byte  sha256 {}",
        f.path.display(),
        format::integer(f.bytes),
        f.sha256
    );
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
