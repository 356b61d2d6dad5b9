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
    /// Sources by name, each in one shape: a system, how its extracts arrive, and what all
    /// sources share ([`ingest::Source`]).
    #[serde(default)]
    pub sources: BTreeMap<String, ingest::Source>,
    /// The reports: letterheads, recipients, signatures, schedules and the outbox.
    #[serde(default)]
    pub reports: Option<dashboards::documents::report::ReportsConfig>,
    /// The wards whose lakes a city or province reads side by side.
    #[serde(default)]
    pub province: Option<ProvinceConfig>,
    /// Where the figures' queries run, when not in this process.
    #[serde(default)]
    pub cluster: Option<ClusterConfig>,
    /// The engine `[cluster]` names (or `--cluster` overrides), made once: every lake the
    /// deployment opens shares it, and with it one connection or one in-process cluster.
    #[serde(skip)]
    pub engine: warehouse::Engine,
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
    /// A directory, or `s3://bucket/prefix` for S3-compatible object storage.
    #[serde(default = "default_lake")]
    pub location: String,
    /// Storage options for object storage, by object_store's names (`endpoint`, `region`,
    /// `allow_http` …). Credentials belong in the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`), which also fills in any option left out here.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

fn default_lake() -> String {
    "data/lake".to_string()
}

/// A Ballista cluster the figures are computed on (a build with the `cluster` feature).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// `df://host:port` of the scheduler, or `standalone` for a scheduler and an executor
    /// inside the process.
    pub url: String,
}

/// A province (or city): its wards' lakes, read side by side. Each ward keeps its own lake
/// (local, or a prefix on the same object store as `[lake]`, whose options apply).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceConfig {
    pub name: String,
    pub wards: Vec<ProvinceWard>,
    /// The province's own reports (`[province.reports]`): its letterhead, recipients and
    /// signatures, laid out as a ward's are.
    #[serde(default)]
    pub reports: Option<dashboards::documents::report::ReportsConfig>,
}

/// One ward of a province.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceWard {
    pub code: String,
    pub name: String,
    /// The ward's lake: a directory or an `s3://` prefix.
    pub lake: String,
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
    /// How often the service looks for runs logged by another process (a `chiso ingest` by
    /// hand or by cron), in seconds.
    #[serde(default = "default_follow_seconds")]
    pub follow_seconds: u64,
}

fn default_follow_seconds() -> u64 {
    20
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

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} (use --config FILE)", path.display()))?;
        let mut cfg: Config =
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
        // absolute, so that paths handed on (to a province's wards, say) hold from anywhere
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        cfg.base_dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        cfg.check()
            .with_context(|| format!("in {}", path.display()))?;
        if let Some(c) = &cfg.cluster {
            cfg.use_cluster(&c.url.clone())
                .with_context(|| format!("in {}", path.display()))?;
        }
        Ok(cfg)
    }

    /// Computes the figures on the cluster at `url` (`df://host:port` or `standalone`).
    pub fn use_cluster(&mut self, url: &str) -> Result<()> {
        self.engine = warehouse::Engine::cluster(url)?;
        self.cluster = Some(ClusterConfig {
            url: url.to_string(),
        });
        Ok(())
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
        for (name, source) in &self.sources {
            source
                .check()
                .map_err(|e| anyhow::anyhow!("sources.{name}: {e}"))?;
        }
        if let Some(p) = &self.province {
            let mut seen = std::collections::BTreeSet::new();
            for w in &p.wards {
                if !seen.insert(&w.code) {
                    bail!("province.wards: code {} appears twice", w.code);
                }
            }
            if p.wards.is_empty() {
                bail!("province.wards: no ward listed");
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
            .map(|(n, s)| (n.clone(), s.max_age_hours))
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
