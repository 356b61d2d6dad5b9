//! The command line: `chiso demo | sample | ingest | serve | indicators | tasks | freshness |
//! report | evidence | verify`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use ingest::Pseudonymiser;
use metrics::Period;

use crate::{Config, pipeline, site};

/// Chỉ số: indicator pipeline and dashboards for a ward's digital-transformation programme.
#[derive(Debug, Parser)]
#[command(name = "chiso", version, about)]
pub struct Cli {
    /// The deployment file.
    #[arg(long, global = true, default_value = "pipelines.toml")]
    pub config: PathBuf,
    /// Compute the figures on a Ballista cluster: df://host:port of its scheduler, or
    /// `standalone` for one inside this process (a build with the `cluster` feature).
    #[arg(long, global = true, value_name = "URL")]
    pub cluster: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// What `chiso rollups` does.
#[derive(Debug, Subcommand)]
pub enum RollupsAction {
    /// Recompute every kept count from the raw tables as the last logged runs left them
    /// (after a catalogue change, or to check them).
    Rebuild,
}

/// What `chiso user` does. The password is read as one line from standard input when it is
/// not a terminal; at a terminal a strong password is made and printed once.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add an account.
    Add {
        name: String,
        /// dang_uy, ubnd, can_bo or khu_pho.
        #[arg(long)]
        role: String,
        /// khu_pho: the khu phố code (KP01); can_bo: the office as the plans name it.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Set a new password (and enable the account again).
    Passwd { name: String },
    /// Disable an account: it cannot sign in, and its open sessions end.
    Disable { name: String },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sample extracts → lake → service on the configured address, with no database or
    /// network needed.
    Demo {
        /// Generate and ingest, then exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Write deterministic synthetic extracts for the configured ward.
    Sample {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Volume multiplier: 1 is one real ward.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Last month covered (YYYY-MM); default: the last complete month.
        #[arg(long)]
        until: Option<String>,
        /// A province of this many distinct wards instead: each ward's extracts and deployment
        /// file under OUT/<code>/, and the province's file, listing their lakes, as
        /// OUT/pipelines.toml.
        #[arg(long, value_name = "N")]
        wards: Option<usize>,
        /// With --wards: the wards' lakes under this root (s3://bucket/prefix or a directory),
        /// one prefix per ward; default: each ward's own directory.
        #[arg(long, value_name = "URL", requires = "wards")]
        lake: Option<String>,
    },
    /// Run the pipelines once and print what was committed.
    Ingest {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
    },
    /// Serve the dashboards and the API.
    Serve {
        /// Address to listen on (default: `server.address` in the deployment file).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Sign-in accounts: add one, set a password, disable one.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The indicator counts kept per day (normally kept up to date by every ingest).
    Rollups {
        #[command(subcommand)]
        action: RollupsAction,
    },
    /// When each source's data last arrived, per khu phố, and what is late.
    Freshness {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the indicator table (Phụ lục 1 and the operations figures) for a period.
    Indicators {
        /// 2026-06, 2026-Q2, 2026-H1 or 2026; default: the last complete month.
        #[arg(long)]
        period: Option<String>,
        /// Khu phố code.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The lake as it stood then: a version (v12), a date (2026-07-05: its end) or an
        /// RFC 3339 time.
        #[arg(long)]
        as_of: Option<String>,
        /// Read every figure under this period rule: calendar, or nd09 (Nghị định 09/2019:
        /// the 15th to the 14th).
        #[arg(long)]
        rule: Option<String>,
        /// Show how one indicator is computed (numerator, denominator, period rule, SQL).
        #[arg(long, value_name = "ID")]
        explain: Option<String>,
        /// Break every indicator down by khu_pho, linh_vuc, don_vi or kenh.
        #[arg(long, value_name = "DIMENSION")]
        by: Option<String>,
        /// Every ward of the [province] side by side, with the province's figure (the wards'
        /// numerators and denominators summed).
        #[arg(long, conflicts_with_all = ["unit", "explain", "by", "rule"])]
        province: bool,
    },
    /// The 6 rõ tasks of the ward's plans: who, what, by when, product, effect, and status.
    Tasks {
        /// Only the tasks this unit leads or takes part in (part of its name, e.g. "VH-XH").
        #[arg(long)]
        unit: Option<String>,
        /// The day to judge at (YYYY-MM-DD); default: today.
        #[arg(long)]
        on: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A report to sign and file, as PDF, DOCX and XLSX (all three unless --format says).
    Report {
        #[arg(value_enum)]
        kind: ReportArg,
        /// 2026-10 for a monthly report, 2026-Q3 for a quarterly one; default: the last
        /// complete month or quarter.
        #[arg(long)]
        period: Option<String>,
        /// pdf, docx or xlsx; repeat or separate with commas.
        #[arg(long, value_enum, value_delimiter = ',')]
        format: Vec<DocFormat>,
        /// Folder to write the files into.
        #[arg(long)]
        out: PathBuf,
        /// The lake as it stood then (v12, a date or an RFC 3339 time): the same version and
        /// date give the same files.
        #[arg(long)]
        as_of: Option<String>,
        /// Khu phố code.
        #[arg(long)]
        unit: Option<String>,
        /// The date the report bears (YYYY-MM-DD); default: today in the ward's zone.
        #[arg(long)]
        date: Option<String>,
        /// calendar, or nd09 (Nghị định 09/2019: the 15th to the 14th).
        #[arg(long)]
        rule: Option<String>,
        /// Also write the evidence annex of every figure in the report.
        #[arg(long)]
        evidence: bool,
        /// The [province]'s report: every ward's figures side by side and the province's
        /// (the wards' numerators and denominators summed), signed as [province.reports] says.
        #[arg(long, conflicts_with_all = ["unit", "rule"])]
        province: bool,
    },
    /// The evidence annex of figures: their records, SQL and source batches, with hashes.
    Evidence {
        /// Indicator ids (I.3, VH.1 …); repeat or separate with commas; default: every one.
        #[arg(long, value_delimiter = ',')]
        indicator: Vec<String>,
        /// Default: the last complete month.
        #[arg(long)]
        period: Option<String>,
        /// Khu phố code.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
        /// The date the annex bears (YYYY-MM-DD); without it the archive carries no date.
        #[arg(long)]
        date: Option<String>,
        /// The ZIP file to write.
        #[arg(long)]
        out: PathBuf,
        /// The [province]'s annex: every ward's annex whole, and the sums of their figures.
        #[arg(long, conflicts_with_all = ["indicator", "unit"])]
        province: bool,
    },
    /// Checks an evidence annex offline: every hash, every record, every count.
    Verify {
        /// The annex (ZIP).
        file: PathBuf,
    },
}

/// Which report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportArg {
    /// The People's Committee's monthly indicator report.
    Monthly,
    /// The party committee's quarterly review, with charts.
    Quarterly,
}

/// A report's file format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DocFormat {
    Pdf,
    Docx,
    Xlsx,
}

/// Output format of `chiso indicators`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    // an annex is checked with nothing but itself: no deployment file needed
    if let Command::Verify { file } = &cli.command {
        return crate::documents::verify(file);
    }
    let mut cfg = Config::load(&cli.config)?;
    if let Some(url) = &cli.cluster {
        cfg.use_cluster(url)?;
    }
    match cli.command {
        Command::Verify { .. } => {}
        Command::Report {
            kind,
            period,
            format,
            out,
            as_of,
            unit,
            date,
            rule,
            evidence,
            province,
        } => {
            use dashboards::documents::report::{Format as F, ReportKind};
            let kind = match kind {
                ReportArg::Monthly => ReportKind::Monthly,
                ReportArg::Quarterly => ReportKind::Quarterly,
            };
            let formats = format
                .into_iter()
                .map(|f| match f {
                    DocFormat::Pdf => F::Pdf,
                    DocFormat::Docx => F::Docx,
                    DocFormat::Xlsx => F::Xlsx,
                })
                .collect();
            if province {
                crate::documents::province_report(
                    &cfg,
                    crate::documents::ProvinceArgs {
                        kind,
                        period: period.as_deref(),
                        formats,
                        out: &out,
                        as_of: as_of.as_deref(),
                        date: date.as_deref(),
                        evidence,
                    },
                )
                .await?;
                return Ok(());
            }
            crate::documents::report(
                &cfg,
                crate::documents::ReportArgs {
                    kind,
                    period: period.as_deref(),
                    formats,
                    out: &out,
                    as_of: as_of.as_deref(),
                    unit: unit.as_deref(),
                    date: date.as_deref(),
                    rule: rule.as_deref(),
                    evidence,
                },
            )
            .await?;
        }
        Command::Evidence {
            indicator,
            period,
            unit,
            as_of,
            date,
            out,
            province,
        } => {
            if province {
                crate::documents::province_annex(
                    &cfg,
                    period.as_deref(),
                    as_of.as_deref(),
                    date.as_deref(),
                    &out,
                )
                .await?;
                return Ok(());
            }
            crate::documents::annex(
                &cfg,
                &indicator,
                period.as_deref(),
                unit.as_deref(),
                as_of.as_deref(),
                date.as_deref(),
                &out,
            )
            .await?;
        }
        Command::Sample {
            out,
            seed,
            scale,
            until,
            wards,
            lake,
        } => {
            let until = match until {
                Some(u) => u.parse::<Period>()?,
                None => site::last_complete_month(&cfg),
            };
            match wards {
                Some(n) => {
                    let Period::Month { year, month } = until else {
                        anyhow::bail!("--until takes a month, like 2026-10");
                    };
                    let files = crate::province::write_wards(
                        &cfg,
                        &cli.config,
                        &out,
                        n,
                        seed,
                        scale,
                        (year, month),
                        lake.as_deref(),
                    )?;
                    println!(
                        "sample: {} wards ({} dossiers) under {} up to {}; the province's file: {}",
                        files.len(),
                        files.iter().map(|(_, m)| m.dossier_count).sum::<usize>(),
                        out.display(),
                        until.label_vi(),
                        out.join("pipelines.toml").display()
                    );
                }
                None => write_sample(&cfg, &out, seed, scale, until)?,
            }
        }
        Command::Ingest { source } => {
            // personal data never enters the lake in clear: no key, no ingest
            let key = cfg.pseudonymiser()?;
            let lake = pipeline::open_lake(&cfg)?;
            for r in pipeline::ingest(&cfg, &lake, source.as_deref(), &key).await? {
                print!("{}", pipeline::describe(&r));
            }
        }
        Command::Indicators {
            period,
            unit,
            format,
            as_of,
            rule,
            explain,
            by,
            province,
        } => {
            let period = match period {
                Some(p) => p.parse::<Period>()?,
                None => site::last_complete_month(&cfg),
            };
            if province {
                let at = metrics::parse_as_of(as_of.as_deref().unwrap_or(""), cfg.timezone())?;
                let rows = crate::province::table(&cfg, period, at).await?;
                let name = cfg.province.as_ref().map(|p| p.name.as_str());
                match format {
                    Format::Table => print!(
                        "{}",
                        crate::province::as_text(
                            &rows,
                            &format!(
                                "Chỉ số chuyển đổi số các phường — {} — {}",
                                name.unwrap_or_default(),
                                period.label_vi()
                            )
                        )
                    ),
                    Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                    Format::Csv => print!("{}", crate::province::as_csv(&rows, period)?),
                }
                return Ok(());
            }
            if let Some(u) = &unit
                && cfg.ward.unit(u).is_none()
            {
                anyhow::bail!("no khu phố “{u}” in pipelines.toml");
            }
            let at = metrics::parse_as_of(as_of.as_deref().unwrap_or(""), cfg.timezone())?;
            let rule = rule.map(|r| r.parse()).transpose()?;
            let lake = pipeline::open_lake(&cfg)?;
            let ev = crate::indicators::evaluator_at(&cfg, &lake, at, rule).await?;
            if let Some(id) = explain {
                let e = ev.explain(&id, period, unit.as_deref()).await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&e)?),
                    Format::Table | Format::Csv => print!("{}", e.text()),
                }
                return Ok(());
            }
            if let Some(dim) = by {
                let b = ev.breakdowns(period, &dim).await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
                    Format::Table => print!("{}", crate::indicators::breakdown_text(&b)),
                    Format::Csv => print!("{}", crate::indicators::breakdown_csv(&b, period)?),
                }
                return Ok(());
            }
            let report = ev.report(period, unit.as_deref()).await?;
            match format {
                Format::Table => {
                    // a report read under a rule says which days its figures cover
                    let window = match report.period_rule {
                        Some(rule) => {
                            format!(" ({}: {})", rule.label_vi(), period.window(rule).label_vi())
                        }
                        None => String::new(),
                    };
                    let title = format!(
                        "{} — {} — {}{window}{}",
                        report.title,
                        cfg.ward.name,
                        period.label_vi(),
                        report
                            .lake_version
                            .map(|v| format!(" — dữ liệu phiên bản v{v}"))
                            .unwrap_or_default()
                    );
                    print!("{}", crate::indicators::as_text(&report.indicators, &title));
                    print!("{}", crate::indicators::as_text(&report.operations, ""));
                }
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Csv => {
                    let rows: Vec<_> = report
                        .indicators
                        .into_iter()
                        .chain(report.operations)
                        .collect();
                    print!("{}", crate::indicators::as_csv(&rows)?)
                }
            }
        }
        Command::Tasks { unit, on, format } => {
            let today = match on {
                Some(d) => d
                    .parse::<chrono::NaiveDate>()
                    .with_context(|| format!("--on {d}: write YYYY-MM-DD"))?,
                None => chrono::Utc::now()
                    .with_timezone(&cfg.timezone())
                    .date_naive(),
            };
            let plans = metrics::load_plans(&cfg.path(&cfg.ward.plans))?;
            let lake = pipeline::open_lake(&cfg)?;
            let ev = crate::indicators::evaluator(&cfg, &lake).await?;
            let tasks = ev.tasks(&plans, today, unit.as_deref()).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&tasks)?),
                Format::Table | Format::Csv => {
                    print!("{}", crate::indicators::tasks_text(&tasks, today))
                }
            }
        }
        Command::User { action } => user(&cfg, action)?,
        Command::Serve { listen } => {
            let mut cfg = cfg;
            if let Some(l) = listen {
                cfg.server.address = l;
            }
            let key = cfg.pseudonymiser().ok();
            if key.is_none() {
                println!(
                    "chiso: no pseudonymisation key ({}): serving without scheduled ingest",
                    ingest::pseudonym::KEY_ENV
                );
            }
            serve(cfg, key).await?
        }
        Command::Rollups {
            action: RollupsAction::Rebuild,
        } => {
            let lake = pipeline::open_lake(&cfg)?;
            let k = pipeline::rebuild_rollups(&cfg, &lake).await?;
            match &k.commit {
                Some(c) => println!(
                    "rollups: {} indicators recomputed from the raw tables ({} rows), version {}",
                    k.whole.len(),
                    tables::number::integer(c.rows_changed),
                    c.current_version
                ),
                None => println!(
                    "rollups: {} indicators recomputed; identical to those kept",
                    k.whole.len()
                ),
            }
        }
        Command::Freshness { format } => {
            let lake = pipeline::open_lake(&cfg)?;
            let f = lake.freshness(&cfg.max_ages(), chrono::Utc::now()).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&f)?),
                Format::Table | Format::Csv => print!("{}", freshness_text(&f, cfg.timezone())),
            }
        }
        Command::Demo { no_serve } => {
            let key = demo(&cfg).await?;
            demo_accounts(&cfg)?;
            if !no_serve {
                serve(cfg, Some(key)).await?;
            }
        }
    }
    Ok(())
}

fn write_sample(
    cfg: &Config,
    out: &std::path::Path,
    seed: u64,
    scale: f64,
    until: Period,
) -> Result<()> {
    let Period::Month { year, month } = until else {
        anyhow::bail!("--until takes a month, like 2026-10");
    };
    let spec = cfg.sample_spec(seed, scale, (year, month));
    let manifest = sample::write_sample(&spec, out)
        .with_context(|| format!("writing the sample to {}", out.display()))?;
    println!(
        "sample: {} files in {} ({} dossiers, {} dossier states) up to {}",
        manifest.files.len(),
        out.display(),
        manifest.dossier_count,
        manifest.state_count,
        until.label_vi()
    );
    Ok(())
}

/// The sample data into the lake, with a throw-away key when none is configured.
async fn demo(cfg: &Config) -> Result<Pseudonymiser> {
    let out = cfg.path("data/sample");
    write_sample(cfg, &out, 1, 1.0, site::last_complete_month(cfg))?;
    let key = match cfg.pseudonymiser() {
        Ok(k) => k,
        Err(_) => {
            println!(
                "demo: no pseudonymisation key configured; using a throw-away key for this run \
                 (set {} for real data)",
                ingest::pseudonym::KEY_ENV
            );
            Pseudonymiser::new(throwaway_key()?)?
        }
    };
    let lake = pipeline::open_lake(cfg)?;
    for r in pipeline::ingest(cfg, &lake, None, &key).await? {
        print!("{}", pipeline::describe(&r));
    }
    Ok(key)
}

/// 32 bytes from the operating system's generator, as hex: nobody can reproduce the demo's
/// tokens, and nothing of them outlives the run.
fn throwaway_key() -> Result<Vec<u8>> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| anyhow::anyhow!("the operating system's random generator: {e}"))?;
    Ok(hex::encode(b).into_bytes())
}

/// `chiso user add|passwd|disable`.
fn user(cfg: &Config, action: UserAction) -> Result<()> {
    let file = dashboards::auth::UserFile::new(cfg.path(&cfg.server.users));
    let shown = file.path().display().to_string();
    match action {
        UserAction::Add { name, role, unit } => {
            let role: dashboards::auth::Role = role.parse()?;
            if role == dashboards::auth::Role::KhuPho
                && let Some(u) = &unit
                && !cfg.ward.units.iter().any(|x| &x.code == u)
            {
                anyhow::bail!(
                    "--unit {u}: không có khu phố này; mã hợp lệ: {}",
                    cfg.ward
                        .units
                        .iter()
                        .map(|u| u.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let (password, made) = password()?;
            file.add(&name, role, unit.as_deref(), &password)?;
            println!(
                "chiso: đã thêm tài khoản {name} ({}) vào {shown}",
                role.id()
            );
            if made {
                println!("mật khẩu (chỉ in một lần): {password}");
            }
        }
        UserAction::Passwd { name } => {
            let (password, made) = password()?;
            file.set_password(&name, &password)?;
            println!("chiso: đã đổi mật khẩu của {name}; các phiên đang mở đã kết thúc");
            if made {
                println!("mật khẩu mới (chỉ in một lần): {password}");
            }
        }
        UserAction::Disable { name } => {
            file.disable(&name)?;
            println!("chiso: đã khóa tài khoản {name}; các phiên đang mở đã kết thúc");
        }
    }
    Ok(())
}

/// The password to set: one line of standard input, or, at a terminal, a new one.
fn password() -> Result<(String, bool)> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((dashboards::auth::new_password(), true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        anyhow::bail!("đọc mật khẩu từ đầu vào chuẩn: dòng trống");
    }
    Ok((line, false))
}

/// The demo's accounts, one per role, made once with new passwords printed.
fn demo_accounts(cfg: &Config) -> Result<()> {
    let file = dashboards::auth::UserFile::new(cfg.path(&cfg.server.users));
    if !file.load()?.is_empty() {
        println!(
            "demo: đăng nhập bằng các tài khoản trong {} (quên mật khẩu: chiso user passwd TÊN)",
            file.path().display()
        );
        return Ok(());
    }
    use dashboards::auth::Role;
    let kp = cfg.ward.units.first().map(|u| u.code.clone());
    let office = "Văn phòng HĐND và UBND".to_string();
    let accounts = [
        ("dang-uy", Role::DangUy, None),
        ("ubnd", Role::Ubnd, None),
        ("can-bo", Role::CanBo, Some(office)),
        ("khu-pho", Role::KhuPho, kp),
    ];
    println!("demo: tài khoản đăng nhập (mật khẩu chỉ in lần này):");
    for (name, role, unit) in accounts {
        let password = dashboards::auth::new_password();
        file.add(name, role, unit.as_deref(), &password)?;
        println!("  {name:<8} {:<8} {password}", role.id());
    }
    Ok(())
}

/// Serves, with the sources on their schedules when a key is at hand.
async fn serve(cfg: Config, key: Option<Pseudonymiser>) -> Result<()> {
    let cfg = std::sync::Arc::new(cfg);
    let state = site::state(&cfg).await?;
    let addr: std::net::SocketAddr = cfg.server.address.parse().with_context(|| {
        format!(
            "server.address (or --listen) “{}” is not an address like 127.0.0.1:8080",
            cfg.server.address
        )
    })?;
    let listener = dashboards::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another chiso running? change server.address")
    })?;
    let _scheduler = match key {
        Some(key) => crate::scheduler::start(cfg.clone(), state.clone(), key).await?,
        None => None,
    };
    let _reports = crate::report_schedule::start(cfg.clone(), state.clone()).await?;
    let _follow = crate::follow::start(cfg.clone(), state.clone());
    // the address bound, not the one asked for: port 0 asks for any free port
    let addr = listener.local_addr().unwrap_or(addr);
    println!("chiso: serving {} on http://{addr}/", cfg.ward.name);
    dashboards::serve(listener, state).await?;
    // requests are answered; now let scheduled work under way finish, and start none
    println!("chiso: stopping; waiting for scheduled work under way");
    crate::scheduler::GATE.close().await;
    Ok(())
}

/// Freshness as text: one line per source, then its late khu phố.
fn freshness_text(f: &[warehouse::SourceFreshness], tz: chrono_tz::Tz) -> String {
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| match t {
        Some(t) => t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string(),
        None => "chưa bao giờ".to_string(),
    };
    let mut out = String::new();
    for s in f {
        out.push_str(&format!(
            "{:<12} dữ liệu mới nhất: {:<16} hạn {} giờ  {}\n",
            s.source,
            when(s.last_arrival),
            s.max_age_hours,
            if s.late {
                "TRỄ HẠN"
            } else {
                "đúng hạn"
            }
        ));
        for u in s.units.iter().filter(|u| u.late) {
            out.push_str(&format!(
                "  {:<10} trễ hạn, dữ liệu mới nhất {}\n",
                u.unit,
                when(Some(u.last_arrival))
            ));
        }
        for f in &s.refused {
            out.push_str(&format!(
                "  tệp bị từ chối: {} — {}\n    (gửi lại tệp đã sửa; tệp này không được đọc lại)\n",
                f.path, f.reason
            ));
        }
    }
    out
}
