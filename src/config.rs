//! pipelines.toml: the deployment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The whole deployment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub ward: ingest::Ward,
    pub lake: LakeConfig,
    pub server: ServerConfig,
    /// Sources by name.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    /// The reports: letterheads, recipients, signatures, schedules and the outbox.
    #[serde(default)]
    pub reports: Option<dashboards::documents::report::ReportsConfig>,
    /// File holding the pseudonymisation key, outside the lake (the environment variable
    /// CHISO_PSEUDONYM_KEY takes precedence).
    #[serde(default)]
    pub pseudonym_key_file: Option<String>,
    /// Directory the file's relative paths are taken from.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// Where the lake is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LakeConfig {
    #[serde(default = "default_lake")]
    pub location: String,
}

fn default_lake() -> String {
    "data/lake".to_string()
}

/// The web service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_address")]
    pub address: String,
    /// The accounts file (argon2id hashes), written by `chiso user`.
    #[serde(default = "default_users")]
    pub users: String,
    /// Cookies always marked Secure: the service is reached over HTTPS.
    #[serde(default)]
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A session ends this many hours after sign-in …
    #[serde(default = "default_session_hours")]
    pub session_hours: u64,
    /// … or after this many minutes without a request.
    #[serde(default = "default_idle_minutes")]
    pub idle_minutes: u64,
}

fn default_users() -> String {
    "data/users.toml".to_string()
}

fn default_session_hours() -> u64 {
    12
}

fn default_idle_minutes() -> u64 {
    30
}

fn default_address() -> String {
    "127.0.0.1:8080".to_string()
}

/// A source and how to reach it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// One-stop system extracts as files: the catalogue CSV, dossier CSV exports and API
    /// JSON pages (glob patterns).
    OneStopFiles {
        /// Kho dữ liệu group id the tables are filed under.
        #[serde(default = "default_one_stop_group")]
        group: String,
        catalogue: String,
        dossiers: Vec<String>,
        /// Cron expression (seconds first), local time.
        #[serde(default)]
        schedule: Option<String>,
        /// Hours after which the source's data is late.
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// The one-stop system's paged JSON API for dossiers (the catalogue still as a file).
    OneStopHttp {
        #[serde(default = "default_one_stop_group")]
        group: String,
        catalogue: String,
        url: String,
        /// Environment variable holding the bearer token.
        #[serde(default = "default_token_env")]
        token_env: String,
        #[serde(default = "default_page_size")]
        page_size: u32,
        #[serde(default = "default_timeout")]
        timeout_seconds: u64,
        #[serde(default = "default_retries")]
        max_retries: u32,
        #[serde(default = "default_backoff_ms")]
        backoff_ms: u64,
        /// Query parameter asking for what changed since a time.
        #[serde(default = "default_portal_since_param")]
        since_param: String,
        /// chrono format of that time, local to the ward.
        #[serde(default = "default_portal_since_format")]
        since_format: String,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// VNeID statistics per khu phố from Công an phường, as CSV or XLSX files.
    VneidFiles {
        #[serde(default = "default_one_stop_group")]
        group: String,
        files: Vec<String>,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// The market management software's tables exported as CSV, one file per table named
    /// after it (`traders.csv`, `stalls.csv`, …).
    MarketFiles {
        #[serde(default = "default_market_group")]
        group: String,
        files: Vec<String>,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// The market management software's database (PostgreSQL or MySQL/MariaDB), read only,
    /// taking rows changed since the last run.
    MarketSql {
        #[serde(default = "default_market_group")]
        group: String,
        /// `postgres://…` or `mysql://…`; a password is better kept in `url_env`.
        #[serde(default)]
        url: Option<String>,
        /// Environment variable holding the URL; it wins over `url`.
        #[serde(default = "default_market_url_env")]
        url_env: String,
        /// Per lake table, a read-only query replacing the plain table (a view, a schema
        /// prefix, columns renamed to the declared ones): `[sources.market.queries]
        /// market_stalls = "SELECT … FROM …"`. Its `updated_at` column is the watermark.
        #[serde(default)]
        queries: BTreeMap<String, String>,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// Petitions (phản ánh, kiến nghị) as the apps' JSON pages saved to files (glob patterns).
    PetitionsFiles {
        #[serde(default = "default_petitions_group")]
        group: String,
        files: Vec<String>,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// Petitions from the app's paged JSON API.
    PetitionsHttp {
        #[serde(default = "default_petitions_group")]
        group: String,
        url: String,
        /// Environment variable holding the bearer token.
        #[serde(default = "default_petitions_token_env")]
        token_env: String,
        #[serde(default = "default_page_size")]
        page_size: u32,
        #[serde(default = "default_timeout")]
        timeout_seconds: u64,
        #[serde(default = "default_retries")]
        max_retries: u32,
        #[serde(default = "default_backoff_ms")]
        backoff_ms: u64,
        #[serde(default = "default_portal_since_param")]
        since_param: String,
        /// The apps write times in ISO 8601 with their offset, and are asked in the same form.
        #[serde(default = "default_iso_since_format")]
        since_format: String,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
    /// Officers' uploads as CSV or XLSX files: a list of glob patterns per upload. Each
    /// upload's table is filed under its own Kho dữ liệu group.
    UploadsFiles {
        /// "Gia đình số" evaluations per household.
        #[serde(default)]
        households: Vec<String>,
        /// "Tổ dân phố số" evaluations per khu phố.
        #[serde(default)]
        neighbourhoods: Vec<String>,
        /// Training records of officials.
        #[serde(default)]
        training: Vec<String>,
        /// The business digital-platform survey.
        #[serde(default)]
        businesses: Vec<String>,
        /// Milestone statuses of I.8, III.1, III.2.
        #[serde(default)]
        milestones: Vec<String>,
        /// Status reports of the 6 rõ tasks.
        #[serde(default)]
        tasks: Vec<String>,
        /// Digital-payment tallies per khu phố (II.3).
        #[serde(default)]
        payments: Vec<String>,
        /// Group id per upload (`training = "giao_duc"`) where it differs from the upload's
        /// own (`ingest::uploads::Upload::default_group`).
        #[serde(default)]
        groups: BTreeMap<String, String>,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "default_max_age")]
        max_age_hours: u64,
    },
}

impl SourceConfig {
    /// The Kho dữ liệu group id its tables are filed under; `None` for a source whose tables
    /// each have their own (uploads).
    pub fn group(&self) -> Option<&str> {
        match self {
            SourceConfig::OneStopFiles { group, .. }
            | SourceConfig::OneStopHttp { group, .. }
            | SourceConfig::VneidFiles { group, .. }
            | SourceConfig::MarketFiles { group, .. }
            | SourceConfig::MarketSql { group, .. }
            | SourceConfig::PetitionsFiles { group, .. }
            | SourceConfig::PetitionsHttp { group, .. } => Some(group),
            SourceConfig::UploadsFiles { .. } => None,
        }
    }

    /// For uploads: each upload with its file patterns and the group its table is filed
    /// under (checked at load); empty for other sources.
    pub fn uploads(&self) -> Vec<(ingest::uploads::Upload, &[String], ingest::KhoGroup)> {
        use ingest::uploads::Upload;
        let SourceConfig::UploadsFiles {
            households,
            neighbourhoods,
            training,
            businesses,
            milestones,
            tasks,
            payments,
            groups,
            ..
        } = self
        else {
            return Vec::new();
        };
        [
            (Upload::Households, households),
            (Upload::Neighbourhoods, neighbourhoods),
            (Upload::Training, training),
            (Upload::Businesses, businesses),
            (Upload::Milestones, milestones),
            (Upload::Tasks, tasks),
            (Upload::Payments, payments),
        ]
        .into_iter()
        .map(|(u, patterns)| {
            let group = groups
                .get(u.id())
                .and_then(|g| ingest::KhoGroup::from_id(g))
                .unwrap_or(u.default_group());
            (u, patterns.as_slice(), group)
        })
        .collect()
    }

    /// Its cron schedule, if it runs on one.
    pub fn schedule(&self) -> Option<&str> {
        match self {
            SourceConfig::OneStopFiles { schedule, .. }
            | SourceConfig::OneStopHttp { schedule, .. }
            | SourceConfig::VneidFiles { schedule, .. }
            | SourceConfig::MarketFiles { schedule, .. }
            | SourceConfig::MarketSql { schedule, .. }
            | SourceConfig::PetitionsFiles { schedule, .. }
            | SourceConfig::PetitionsHttp { schedule, .. }
            | SourceConfig::UploadsFiles { schedule, .. } => schedule.as_deref(),
        }
    }

    /// Hours after which the source's data is late.
    pub fn max_age_hours(&self) -> u64 {
        match self {
            SourceConfig::OneStopFiles { max_age_hours, .. }
            | SourceConfig::OneStopHttp { max_age_hours, .. }
            | SourceConfig::VneidFiles { max_age_hours, .. }
            | SourceConfig::MarketFiles { max_age_hours, .. }
            | SourceConfig::MarketSql { max_age_hours, .. }
            | SourceConfig::PetitionsFiles { max_age_hours, .. }
            | SourceConfig::PetitionsHttp { max_age_hours, .. }
            | SourceConfig::UploadsFiles { max_age_hours, .. } => *max_age_hours,
        }
    }

    /// How to reach an HTTP source, with its token read from its environment variable now
    /// (a token renewed between runs is picked up); `None` for other sources.
    pub fn http(&self) -> Option<ingest::http::HttpSource> {
        match self {
            SourceConfig::OneStopHttp {
                url,
                token_env,
                page_size,
                timeout_seconds,
                max_retries,
                backoff_ms,
                since_param,
                since_format,
                ..
            }
            | SourceConfig::PetitionsHttp {
                url,
                token_env,
                page_size,
                timeout_seconds,
                max_retries,
                backoff_ms,
                since_param,
                since_format,
                ..
            } => Some(ingest::http::HttpSource {
                url: url.clone(),
                token: std::env::var(token_env)
                    .ok()
                    .filter(|t| !t.trim().is_empty()),
                page_size: *page_size,
                timeout: std::time::Duration::from_secs(*timeout_seconds),
                max_retries: *max_retries,
                backoff: std::time::Duration::from_millis(*backoff_ms),
                since_param: since_param.clone(),
                since_format: since_format.clone(),
            }),
            _ => None,
        }
    }

    /// The group, checked at load.
    pub fn kho_group(&self) -> ingest::KhoGroup {
        self.group()
            .and_then(ingest::KhoGroup::from_id)
            .unwrap_or(ingest::KhoGroup::DanCu)
    }
}

fn default_token_env() -> String {
    "CHISO_ONE_STOP_TOKEN".to_string()
}

fn default_petitions_token_env() -> String {
    "CHISO_PETITIONS_TOKEN".to_string()
}

fn default_portal_since_param() -> String {
    ingest::http::PORTAL_SINCE_PARAM.to_string()
}

fn default_portal_since_format() -> String {
    ingest::http::PORTAL_SINCE_FORMAT.to_string()
}

fn default_iso_since_format() -> String {
    "%Y-%m-%dT%H:%M:%S%:z".to_string()
}

fn default_page_size() -> u32 {
    500
}

fn default_timeout() -> u64 {
    30
}

fn default_retries() -> u32 {
    4
}

fn default_backoff_ms() -> u64 {
    500
}

fn default_max_age() -> u64 {
    warehouse::freshness::DEFAULT_MAX_AGE_HOURS
}

fn default_market_group() -> String {
    "kinh_doanh".to_string()
}

fn default_market_url_env() -> String {
    "CHISO_MARKET_DB_URL".to_string()
}

fn default_one_stop_group() -> String {
    "dan_cu".to_string()
}

/// Most petitions are about the street: rubbish, lighting, roads, encroachment, noise.
fn default_petitions_group() -> String {
    ingest::KhoGroup::DoThiMoiTruong.id().to_string()
}

/// An uploads source names at least one file pattern, and its group overrides name known
/// uploads and groups.
fn check_uploads(
    name: &str,
    source: &SourceConfig,
    by_upload: &BTreeMap<String, String>,
    groups: impl Fn() -> String,
) -> Result<()> {
    use ingest::uploads::Upload;
    for (upload, group) in by_upload {
        if Upload::from_id(upload).is_none() {
            bail!(
                "sources.{name}.groups: “{upload}” is not an upload; use one of {}",
                Upload::ALL.map(|u| u.id()).join(", ")
            );
        }
        if ingest::KhoGroup::from_id(group).is_none() {
            bail!(
                "sources.{name}.groups.{upload} “{group}” is not a Kho dữ liệu group; use one of {}",
                groups()
            );
        }
    }
    if source.uploads().iter().all(|(_, p, _)| p.is_empty()) {
        bail!(
            "sources.{name} lists no file pattern; give at least one of {}",
            Upload::ALL.map(|u| u.id()).join(", ")
        );
    }
    Ok(())
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} (use --config FILE)", path.display()))?;
        let mut cfg: Config =
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
        cfg.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        cfg.check()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(cfg)
    }

    fn check(&self) -> Result<()> {
        if self.ward.timezone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "ward.timezone “{}” is not an IANA time zone",
                self.ward.timezone
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for u in &self.ward.units {
            if !seen.insert(&u.code) {
                bail!("ward.units: code {} appears twice", u.code);
            }
        }
        let groups = || ingest::KhoGroup::ALL.map(|g| g.id()).join(", ");
        for (name, s) in &self.sources {
            if let Some(group) = s.group()
                && ingest::KhoGroup::from_id(group).is_none()
            {
                bail!(
                    "sources.{name}.group “{group}” is not a Kho dữ liệu group; use one of {}",
                    groups()
                );
            }
            if let SourceConfig::OneStopHttp { since_format, .. }
            | SourceConfig::PetitionsHttp { since_format, .. } = s
            {
                ingest::http::check_since_format(since_format)
                    .map_err(|e| anyhow::anyhow!("sources.{name}.since_format: {e}"))?;
            }
            if let SourceConfig::UploadsFiles {
                groups: by_upload, ..
            } = s
            {
                check_uploads(name, s, by_upload, groups)?;
            }
        }
        for (name, s) in &self.sources {
            if let SourceConfig::MarketSql { queries, .. } = s {
                let tables = ingest::market::datasets().map(|(_, d)| d.table);
                if let Some(t) = queries.keys().find(|t| !tables.contains(&t.as_str())) {
                    bail!(
                        "sources.{name}.queries: “{t}” is not a market table; use one of {}",
                        tables.join(", ")
                    );
                }
            }
        }
        self.server
            .address
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("server.address “{}”", self.server.address))?;
        Ok(())
    }

    /// A path from the file, made absolute against the file's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The pseudonymisation key: `CHISO_PSEUDONYM_KEY`, else `pseudonym_key_file`.
    pub fn pseudonymiser(&self) -> ingest::Result<ingest::Pseudonymiser> {
        let file = self.pseudonym_key_file.as_deref().map(|p| self.path(p));
        ingest::Pseudonymiser::from_env_or_file(file.as_deref())
    }

    /// The tasks of the ward's plans, for the sample's status reports; none when the plans
    /// cannot be read (`chiso tasks` names the error).
    fn plan_tasks(&self) -> Vec<sample::TaskSpec> {
        match metrics::load_plans(&self.path(&self.ward.plans)) {
            Ok(plans) => plans
                .iter()
                .flat_map(|p| &p.tasks)
                .map(|t| sample::TaskSpec {
                    id: t.id.clone(),
                    start: t.bat_dau,
                    due: t.han,
                })
                .collect(),
            Err(e) => {
                tracing::warn!("the sample writes no task reports: {e}");
                Vec::new()
            }
        }
    }

    /// The synthetic sample of this deployment's ward, up to `until` (year, month).
    pub fn sample_spec(&self, seed: u64, scale: f64, until: (i32, u32)) -> sample::SampleSpec {
        let ward = &self.ward;
        sample::SampleSpec {
            seed,
            scale,
            until_year: until.0,
            until_month: until.1,
            ward: sample::WardSpec {
                code: ward.code.clone(),
                name: ward.name.clone(),
                units: ward
                    .units
                    .iter()
                    .map(|u| sample::UnitSpec {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        population: u.population,
                        pilot: u.pilot,
                    })
                    .collect(),
                markets: ward
                    .markets
                    .iter()
                    .map(|m| sample::MarketSpec {
                        code: m.code.clone(),
                        name: m.name.clone(),
                    })
                    .collect(),
                tasks: self.plan_tasks(),
            },
        }
    }

    /// Allowed age in hours of each source's data.
    pub fn max_ages(&self) -> BTreeMap<String, u64> {
        self.sources
            .iter()
            .map(|(n, s)| (n.clone(), s.max_age_hours()))
            .collect()
    }

    /// The ward's time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.ward
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
    }

    /// Files matching a configured glob pattern, sorted, with their display names (the
    /// pattern's own relative form).
    pub fn glob(&self, pattern: &str) -> Result<Vec<ingest::extract::SourceFile>> {
        let full = self.path(pattern);
        let full = full.to_string_lossy();
        let mut out = Vec::new();
        for entry in glob::glob(&full).with_context(|| format!("pattern {pattern}"))? {
            let path = entry.with_context(|| format!("pattern {pattern}"))?;
            let display = path
                .strip_prefix(&self.base_dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(ingest::extract::SourceFile::new(path, display));
        }
        out.sort_by(|a, b| a.display.cmp(&b.display));
        Ok(out)
    }
}
