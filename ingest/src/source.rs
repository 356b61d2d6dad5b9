//! A source as `pipelines.toml` declares it, one shape for every source: the common part
//! (group, schedule, allowed age, limits), the system whose extracts it reads, and how they
//! arrive (files or an object-store prefix, an HTTP API's pages, a database).
//!
//! ```toml
//! [sources.market]
//! system = "market"
//! files = ["exports/market/*.csv"]      # or: sql = { url_env = "CHISO_MARKET_DB_URL" }
//! schedule = "0 0 7 * * *"
//! [sources.market.limits]
//! field_bytes = 65536
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::declared::Dataset;
use crate::{KhoGroup, Limits};

/// One source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The system whose extracts it reads (`one_stop`, `vneid`, `market`, `petitions`,
    /// `uploads`).
    #[serde(deserialize_with = "system_by_id")]
    pub system: &'static System,
    /// Kho dữ liệu group every table of the source is filed under, instead of each table's
    /// own.
    #[serde(default)]
    pub group: Option<KhoGroup>,
    /// Group of one table (`groups = { training = "giao_duc" }`); wins over `group`.
    #[serde(default)]
    pub groups: BTreeMap<String, KhoGroup>,
    /// Cron expression (seconds first), local time.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Hours after which the source's data is late.
    #[serde(default = "default_max_age")]
    pub max_age_hours: u64,
    #[serde(default)]
    pub limits: Limits,
    /// Files: glob patterns or object-store prefixes.
    #[serde(default)]
    pub files: Option<Files>,
    /// A paged JSON API.
    #[serde(default)]
    pub http: Option<Http>,
    /// A database, read only.
    #[serde(default)]
    pub sql: Option<Sql>,
}

fn default_max_age() -> u64 {
    tables::DEFAULT_MAX_AGE_HOURS
}

fn system_by_id<'de, D: Deserializer<'de>>(d: D) -> Result<&'static System, D::Error> {
    let id = String::deserialize(d)?;
    System::by_id(&id).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "“{id}” is not a source system; use one of {}",
            SYSTEMS.map(|s| s.id).join(", ")
        ))
    })
}

/// Where a source's files are.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Files {
    /// Patterns for the system's only table, or for tables told apart by the file's name
    /// (`stalls.csv`).
    All(Vec<String>),
    /// Patterns per table (`files = { catalogue = [...], dossiers = [...] }`).
    ByTable(BTreeMap<String, Vec<String>>),
}

/// A paged JSON API: `{"page", "pageSize", "totalPages", "totalRecords", "data"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    pub url: String,
    /// Environment variable holding the bearer token (the system's own by default).
    #[serde(default)]
    pub token_env: Option<String>,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Further attempts after the first, for server errors, timeouts and unreadable pages.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// First wait between attempts, doubled each time.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// Query parameter asking for what changed since a time.
    #[serde(default)]
    pub since_param: Option<String>,
    /// chrono format of that time, local to the ward (the system's own by default).
    #[serde(default)]
    pub since_format: Option<String>,
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

/// A database (PostgreSQL or MySQL/MariaDB), read only, taking the rows changed since the
/// last run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sql {
    /// `postgres://…` or `mysql://…`; a password is better kept in `url_env`.
    #[serde(default)]
    pub url: Option<String>,
    /// Environment variable holding the URL; it wins over `url`.
    #[serde(default)]
    pub url_env: Option<String>,
    /// Per table, a read-only query replacing the plain table (a view, a schema prefix,
    /// columns renamed to the declared ones): `queries = { stalls = "SELECT … FROM …" }`.
    #[serde(default)]
    pub queries: BTreeMap<String, String>,
    /// Source column whose greatest value in the lake is where the next run starts.
    #[serde(default = "default_watermark")]
    pub watermark: String,
}

fn default_watermark() -> String {
    "updated_at".to_string()
}

/// A source system: its tables and how its extracts are read.
#[derive(Debug)]
pub struct System {
    /// As written in pipelines.toml.
    pub id: &'static str,
    pub tables: &'static [Table],
    pub reader: Reader,
    /// A list of file patterns fills the table each file is named after (`stalls.csv`).
    pub by_file_name: bool,
    /// The table an API's pages fill, if the system has such an API.
    pub pages: Option<Pages>,
    /// Values already in the lake that records are checked against, as (table, column).
    pub lookups: &'static [(&'static str, &'static str)],
    /// Environment variable of a database URL, when the deployment names none.
    pub url_env: &'static str,
}

/// One table of a system.
#[derive(Debug)]
pub struct Table {
    /// As written in pipelines.toml (`files.dossiers`, `groups.training`), and the table's
    /// name in the system's own database.
    pub id: &'static str,
    /// Kho dữ liệu group it is filed under unless the deployment says otherwise.
    pub group: KhoGroup,
    /// Its declaration, for a system read by the declared reader.
    pub dataset: Option<fn() -> Dataset>,
}

/// How a system's records are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Tables declared as data ([`crate::declared`]), from files, pages or database rows.
    Declared,
    /// The one-stop system: catalogue, and dossier states kept as history and latest state.
    OneStop,
}

/// An API's pages and where the next fetch starts.
#[derive(Debug)]
pub struct Pages {
    /// The table they fill.
    pub table: &'static str,
    /// Lake table and column whose greatest value is asked for as "changed since".
    pub watermark: (&'static str, &'static str),
    pub token_env: &'static str,
    pub since_param: &'static str,
    pub since_format: &'static str,
}

/// Every system chiso reads.
pub const SYSTEMS: [&System; 5] = [
    &crate::one_stop::SYSTEM,
    &crate::vneid::SYSTEM,
    &crate::market::SYSTEM,
    &crate::petitions::SYSTEM,
    &crate::uploads::SYSTEM,
];

impl System {
    /// The system with this id.
    pub fn by_id(id: &str) -> Option<&'static System> {
        SYSTEMS.into_iter().find(|s| s.id == id)
    }

    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&'static Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    fn table_ids(&self) -> String {
        self.tables
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Source {
    /// The group `table` is filed under.
    pub fn group_of(&self, table: &Table) -> KhoGroup {
        self.groups
            .get(table.id)
            .copied()
            .or(self.group)
            .unwrap_or(table.group)
    }

    /// Checks what types alone cannot: tables named exist, each table arrives one way,
    /// something arrives at all. The message names the key.
    pub fn check(&self) -> Result<(), String> {
        let system = self.system;
        let known = |key: &str, id: &str| match system.table(id) {
            Some(_) => Ok(()),
            None => Err(format!(
                "{key}: “{id}” is not a table of {}; use one of {}",
                system.id,
                system.table_ids()
            )),
        };
        for id in self.groups.keys() {
            known("groups", id)?;
        }
        let mut arrives: BTreeMap<&str, &str> = BTreeMap::new();
        let mut by = |table: &'static str, how: &'static str| match arrives.insert(table, how) {
            Some(other) => Err(format!(
                "table {table} is given both by `{other}` and by `{how}`; keep one"
            )),
            None => Ok(()),
        };
        match &self.files {
            Some(Files::ByTable(map)) => {
                for (id, patterns) in map {
                    known("files", id)?;
                    if patterns.is_empty() {
                        return Err(format!("files.{id} lists no pattern"));
                    }
                    by(system.table(id).map(|t| t.id).unwrap_or_default(), "files")?;
                }
            }
            Some(Files::All(patterns)) => {
                if patterns.is_empty() {
                    return Err("files lists no pattern".to_string());
                }
                if system.tables.len() > 1 && !system.by_file_name {
                    return Err(format!(
                        "files: {} has several tables; give the patterns of each, \
                         files = {{ {} }}",
                        system.id,
                        system
                            .tables
                            .iter()
                            .map(|t| format!("{} = [\"…\"]", t.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                for t in system.tables {
                    by(t.id, "files")?;
                }
            }
            None => {}
        }
        if let Some(http) = &self.http {
            let Some(pages) = &system.pages else {
                return Err(format!("http: {} has no API to fetch from", system.id));
            };
            by(pages.table, "http")?;
            let format = http.since_format.as_deref().unwrap_or(pages.since_format);
            crate::http::check_since_format(format)
                .map_err(|e| format!("http.since_format: {e}"))?;
        }
        if let Some(sql) = &self.sql {
            if system.reader != Reader::Declared {
                return Err(format!(
                    "sql: {} is not read from a database; use files{}",
                    system.id,
                    if system.pages.is_some() {
                        " or http"
                    } else {
                        ""
                    }
                ));
            }
            for id in sql.queries.keys() {
                known("sql.queries", id)?;
            }
            for t in system.tables {
                by(t.id, "sql")?;
            }
        }
        if arrives.is_empty() {
            return Err(format!(
                "nothing to read: give `files`{}{}",
                if system.pages.is_some() {
                    ", `http`"
                } else {
                    ""
                },
                if system.reader == Reader::Declared {
                    " or `sql`"
                } else {
                    ""
                }
            ));
        }
        Ok(())
    }

    /// How to reach its API, with the token read from its environment variable now (a token
    /// renewed between runs is picked up); `None` without an API.
    pub fn http_source(&self) -> Option<crate::http::HttpSource> {
        let (http, pages) = (self.http.as_ref()?, self.system.pages.as_ref()?);
        let token_env = http.token_env.as_deref().unwrap_or(pages.token_env);
        Some(crate::http::HttpSource {
            url: http.url.clone(),
            token: std::env::var(token_env)
                .ok()
                .filter(|t| !t.trim().is_empty()),
            page_size: http.page_size,
            timeout: std::time::Duration::from_secs(http.timeout_seconds),
            max_retries: http.max_retries,
            backoff: std::time::Duration::from_millis(http.backoff_ms),
            since_param: http
                .since_param
                .clone()
                .unwrap_or_else(|| pages.since_param.to_string()),
            since_format: http
                .since_format
                .clone()
                .unwrap_or_else(|| pages.since_format.to_string()),
        })
    }

    /// Its file patterns in the order their tables come, each with the table it fills
    /// (`None`: the table is told by the file's name, or is the only one).
    pub fn patterns(&self) -> Vec<(Option<&'static str>, &str)> {
        match &self.files {
            None => Vec::new(),
            Some(Files::All(p)) => p.iter().map(|p| (None, p.as_str())).collect(),
            Some(Files::ByTable(map)) => self
                .system
                .tables
                .iter()
                .flat_map(|t| {
                    map.get(t.id)
                        .into_iter()
                        .flatten()
                        .map(move |p| (Some(t.id), p.as_str()))
                })
                .collect(),
        }
    }

    /// The table a file found by a pattern of `table` fills: that table, the system's only
    /// one, or the one the file is named after; `None` when it names none.
    pub fn table_for(
        &self,
        table: Option<&'static str>,
        file: &std::path::Path,
    ) -> Option<&'static str> {
        if let Some(t) = table {
            return Some(t);
        }
        if let [only] = self.system.tables {
            return Some(only.id);
        }
        let stem = file.file_stem()?.to_str()?;
        self.system.table(stem).map(|t| t.id)
    }

    /// The database URL: its environment variable, else `url`.
    pub fn database_url(&self) -> Result<String, String> {
        let sql = self.sql.as_ref().ok_or("no `sql` section")?;
        let env = sql.url_env.as_deref().unwrap_or(self.system.url_env);
        std::env::var(env)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| sql.url.clone())
            .ok_or_else(|| format!("no database address; set {env} or `sql.url` in pipelines.toml"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(toml: &str) -> Result<Source, String> {
        let s: Source = toml::from_str(toml).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    #[test]
    fn one_shape_reads_every_system_and_refuses_what_does_not_fit() {
        let ok =
            source("system = \"market\"\nfiles = [\"m/*.csv\"]\n[limits]\nrows = 10\n").unwrap();
        assert_eq!(ok.limits.rows, 10);
        assert_eq!(ok.limits.field_bytes, Limits::default().field_bytes);
        let training = crate::uploads::SYSTEM.table("training").unwrap();
        let uploads = source(
            "system = \"uploads\"\nfiles = { training = [\"t.csv\"] }\ngroups = { training = \"giao_duc\" }\n",
        )
        .unwrap();
        assert_eq!(uploads.group_of(training), KhoGroup::GiaoDuc);

        for (toml, named) in [
            ("system = \"chợ\"\nfiles = [\"x\"]\n", "not a source system"),
            (
                "system = \"market\"\nfile = [\"x\"]\n",
                "unknown field `file`",
            ),
            (
                "system = \"one_stop\"\nfiles = [\"x\"]\n",
                "catalogue = [\"…\"]",
            ),
            (
                "system = \"one_stop\"\nfiles = { dosiers = [\"x\"] }\n",
                "“dosiers” is not a table",
            ),
            (
                "system = \"vneid\"\nhttp = { url = \"http://x\" }\n",
                "no API",
            ),
            (
                "system = \"one_stop\"\nsql = { url = \"postgres://x\" }\n",
                "not read from a database",
            ),
            ("system = \"market\"\n", "nothing to read"),
            (
                "system = \"market\"\nfiles = [\"x\"]\n[limits]\nrow = 1\n",
                "unknown field `row`",
            ),
            (
                "system = \"market\"\ngroup = \"chợ\"\nfiles = [\"x\"]\n",
                "unknown variant `chợ`",
            ),
            (
                "system = \"one_stop\"\nfiles = { dossiers = [\"x\"] }\nhttp = { url = \"http://x\" }\n",
                "both by `files` and by `http`",
            ),
        ] {
            let err = source(toml).unwrap_err();
            assert!(err.contains(named), "{toml}: {err}");
        }
    }
}
