//! Where the lake is, which tables it holds, and a query session over them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datafusion::prelude::SessionContext;
use deltalake::kernel::StructType;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::logstore::ObjectStoreRef;
use deltalake::{DeltaTable, DeltaTableBuilder};
use futures::StreamExt;
use tables::TableSpec;
use url::Url;

use crate::{Result, WarehouseError};

/// Table property naming the Kho dữ liệu group of a table.
pub const GROUP_PROPERTY: &str = "chiso.group";
/// Table property listing the natural key columns.
pub const KEY_PROPERTY: &str = "chiso.key";
/// Table property naming the reporting-unit column.
pub const UNIT_PROPERTY: &str = "chiso.unit_column";

/// A lake rooted at a URL: a local directory (`file://`) by default, or a prefix of an
/// S3-compatible bucket (`s3://bucket/prefix`).
#[derive(Debug, Clone)]
pub struct Lake {
    root: Url,
    /// Storage options (endpoint, region, credentials …) given by the deployment; the
    /// environment's `AWS_*` variables fill in what they leave out.
    options: Arc<HashMap<String, String>>,
    /// The store, rooted at the lake's root: paths under it are relative to the lake.
    store: ObjectStoreRef,
    /// On object storage, the bucket's store, shared by every table opened: one client and
    /// its connections, not one per table.
    bucket_store: Option<ObjectStoreRef>,
    /// How long a run's lease on its source lasts without renewal (object storage only).
    pub(crate) lease: Duration,
    /// Where the queries of its snapshots run.
    engine: crate::Engine,
}

/// URL schemes a lake can live under.
const SCHEMES: [&str; 3] = ["file", "s3", "s3a"];

/// A table of the lake, as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableInfo {
    pub name: String,
    pub version: u64,
    /// Kho dữ liệu group id, if the table is filed under one.
    pub group: Option<String>,
    pub description: Option<String>,
    /// Column holding the khu phố code, if any.
    pub unit_column: Option<String>,
}

impl TableInfo {
    fn of(name: String, t: &DeltaTable) -> Result<TableInfo> {
        let snapshot = t.snapshot()?;
        let meta = snapshot.metadata();
        Ok(TableInfo {
            version: t.version().unwrap_or_default(),
            group: meta.configuration().get(GROUP_PROPERTY).cloned(),
            description: meta.description().map(str::to_string),
            unit_column: meta.configuration().get(UNIT_PROPERTY).cloned(),
            name,
        })
    }
}

/// The lake read at one point: a session with its tables registered, the run log's version
/// as registered (so that a run landing meanwhile cannot mislabel figures), and the tables
/// the session holds, as of that point.
pub struct Snapshot {
    pub ctx: SessionContext,
    pub version: Option<u64>,
    pub tables: Vec<TableInfo>,
}

impl Lake {
    /// Opens (creating if needed) the lake at `location`: a URL, or a directory path,
    /// relative paths taken from `base`.
    pub fn open(location: &str, base: &Path) -> Result<Lake> {
        Lake::open_with(location, base, HashMap::new())
    }

    /// Opens the lake at `location` with storage options: for `s3://`, object_store's keys
    /// (`aws_endpoint`, `aws_region`, `aws_allow_http`, `aws_access_key_id` …); the
    /// environment's `AWS_*` variables supply any the options leave out.
    pub fn open_with(
        location: &str,
        base: &Path,
        options: HashMap<String, String>,
    ) -> Result<Lake> {
        let err = |message: String| WarehouseError::Location {
            location: location.to_string(),
            message,
        };
        let root = match Url::parse(location) {
            Ok(u) if u.scheme().len() > 1 => u,
            _ => {
                let p = Path::new(location);
                let p = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                };
                std::fs::create_dir_all(&p).map_err(|e| err(e.to_string()))?;
                let p = p.canonicalize().map_err(|e| err(e.to_string()))?;
                Url::from_directory_path(&p).map_err(|_| err("not an absolute path".into()))?
            }
        };
        if !SCHEMES.contains(&root.scheme()) {
            return Err(err(format!(
                "scheme “{}” is not supported; use a local directory or s3://bucket/prefix",
                root.scheme()
            )));
        }
        let mut root = root;
        if !root.path().ends_with('/') {
            root.set_path(&format!("{}/", root.path()));
        }
        if root.scheme() != "file"
            && let Some(key) = options.keys().find(|k| {
                k.to_ascii_lowercase()
                    .parse::<object_store::aws::AmazonS3ConfigKey>()
                    .is_err()
            })
        {
            return Err(err(format!(
                "unknown storage option “{key}” (object_store's names: endpoint, region, \
                 allow_http …)"
            )));
        }
        let store = deltalake::logstore::store_for(&root, &options)
            .map_err(|e| err(format!("cannot reach the store: {e}")))?;
        let bucket_store = match root.scheme() {
            "file" => None,
            _ => Some(
                deltalake::logstore::store_for(&bucket_of(&root), &options)
                    .map_err(|e| err(format!("cannot reach the store: {e}")))?,
            ),
        };
        Ok(Lake {
            root,
            options: Arc::new(options),
            store,
            bucket_store,
            lease: crate::lock::LEASE,
            engine: crate::Engine::local(),
        })
    }

    /// The same lake, its snapshots queried on `engine` (a cluster's, say).
    pub fn with_engine(mut self, engine: crate::Engine) -> Lake {
        self.engine = engine;
        self
    }

    /// Where the queries of its snapshots run.
    pub fn engine(&self) -> &crate::Engine {
        &self.engine
    }

    /// The store, rooted at the lake's root.
    pub fn store(&self) -> &ObjectStoreRef {
        &self.store
    }

    /// True when the lake lives on the local disk.
    pub fn is_local(&self) -> bool {
        self.root.scheme() == "file"
    }

    /// A builder for the table at `url`, with the lake's storage options.
    pub(crate) fn builder(&self, url: Url) -> Result<DeltaTableBuilder> {
        let builder =
            DeltaTableBuilder::from_url(url.clone())?.with_storage_options((*self.options).clone());
        Ok(match &self.bucket_store {
            Some(store) => builder.with_storage_backend(store.clone(), url),
            None => builder,
        })
    }

    /// True when the table has a Delta log: one listing call, no commit read.
    pub(crate) async fn exists(&self, name: &str) -> Result<bool> {
        let log = object_store::path::Path::from_iter([name, "_delta_log"]);
        match self.store.list(Some(&log)).next().await {
            None => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(deltalake::DeltaTableError::from(e).into()),
        }
    }

    /// The lake's root URL.
    pub fn root(&self) -> &Url {
        &self.root
    }

    /// URL of a table.
    pub fn table_url(&self, name: &str) -> Result<Url> {
        self.root
            .join(&format!("{name}/"))
            .map_err(|e| WarehouseError::Location {
                location: self.root.to_string(),
                message: e.to_string(),
            })
    }

    /// The table in its latest version, `None` if it does not exist yet.
    pub async fn table(&self, name: &str) -> Result<Option<DeltaTable>> {
        if !self.exists(name).await? {
            return Ok(None);
        }
        self.load_listed(name).await
    }

    /// A table [`Lake::table_names`] has just listed: its log is known to exist, and is not
    /// listed a second time.
    async fn load_listed(&self, name: &str) -> Result<Option<DeltaTable>> {
        let table = self.builder(self.table_url(name)?)?.load().await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// The table in its latest version, created empty as `spec` declares it if it does not
    /// exist yet.
    pub async fn table_or_create(&self, spec: &TableSpec) -> Result<DeltaTable> {
        match self.table(&spec.name).await? {
            Some(t) => Ok(t),
            None => self.create_table(spec).await,
        }
    }

    /// A handle on a table that may not exist yet, for creating it.
    pub async fn new_table(&self, name: &str) -> Result<DeltaTable> {
        let url = self.table_url(name)?;
        if let Ok(dir) = url.to_file_path() {
            std::fs::create_dir_all(&dir).map_err(|source| WarehouseError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        Ok(DeltaTable::try_from_url_with_storage_options(url, (*self.options).clone()).await?)
    }

    /// The commit info of a table's latest commit: operation, time, and the provenance an
    /// ingest batch wrote (`chiso.source`, `chiso.batch_id`, `chiso.files`, `chiso.rows`).
    pub async fn last_commit_info(
        &self,
        name: &str,
    ) -> Result<Option<std::collections::HashMap<String, serde_json::Value>>> {
        use futures::StreamExt;
        let Some(table) = self.table(name).await? else {
            return Ok(None);
        };
        let mut history = table.history(Some(1));
        match history.next().await {
            Some(commit) => Ok(Some(commit?.info)),
            None => Ok(None),
        }
    }

    /// Creates an empty table with its schema, description, group and key as table properties.
    /// The data follows in the batch's own commit, so a table's first data commit carries the
    /// same provenance as every later one.
    pub async fn create_table(&self, spec: &TableSpec) -> Result<DeltaTable> {
        let schema: StructType = spec.schema.as_ref().try_into_kernel()?;
        let mut config: Vec<(String, Option<String>)> =
            vec![(KEY_PROPERTY.to_string(), Some(spec.key.join(",")))];
        if let Some(u) = &spec.unit_column {
            config.push((UNIT_PROPERTY.to_string(), Some(u.clone())));
        }
        if let Some(g) = spec.group {
            config.push((GROUP_PROPERTY.to_string(), Some(g.id().to_string())));
        }
        let table = self.new_table(&spec.name).await?;
        Ok(table
            .create()
            .with_table_name(spec.name.clone())
            .with_comment(spec.description.clone())
            .with_columns(schema.fields().cloned())
            .with_configuration(config)
            // our properties are not Delta's own; the kernel must keep them, not refuse them
            .with_raise_if_key_not_exists(false)
            .await?)
    }

    /// Names of the tables in the lake, sorted.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let listed = self
            .store
            .list_with_delimiter(None)
            .await
            .map_err(deltalake::DeltaTableError::from)?;
        let mut names = Vec::new();
        for dir in listed.common_prefixes {
            if let Some(name) = dir.filename()
                && self.exists(name).await?
            {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Every table with its version and group.
    pub async fn tables(&self) -> Result<Vec<TableInfo>> {
        let mut out = Vec::new();
        for name in self.table_names().await? {
            if let Some(t) = self.load_listed(&name).await? {
                out.push(TableInfo::of(name, &t)?);
            }
        }
        Ok(out)
    }

    /// A DataFusion session with every table of the lake registered under its name, as the
    /// last logged runs left it: each data table at the highest version a logged run
    /// recorded. A run stopped between its table commits and its log row is thereby invisible
    /// until a later run completes it; no reader ever sees half a batch.
    pub async fn session(&self) -> Result<SessionContext> {
        Ok(self.session_as_of(AsOf::Latest).await?.ctx)
    }

    /// The lake as it stood at `at`: the run log at that version (or holding the runs finished
    /// by that time) and each data table at the highest version those runs recorded. A report
    /// made in July is made again in December with the same numbers. The session runs in this
    /// process, whatever the lake's engine: book-keeping reads stay here.
    pub async fn session_as_of(&self, at: AsOf) -> Result<Snapshot> {
        self.snapshot_on(at, &crate::Engine::local()).await
    }

    /// The same snapshot as [`Lake::session_as_of`], in a session on the lake's engine (this
    /// process, or a cluster): what figures are computed from.
    pub async fn figures_as_of(&self, at: AsOf) -> Result<Snapshot> {
        self.snapshot_on(at, &self.engine).await
    }

    async fn snapshot_on(&self, at: AsOf, engine: &crate::Engine) -> Result<Snapshot> {
        let (runs, pinned) = self.pinned(at).await?;
        let ctx = engine.session().await?;
        if engine.reads_files() {
            self.register_store(&ctx);
        }
        let mut tables = Vec::new();
        for (name, t) in pinned {
            self.register_in(&ctx, engine, &name, &t).await?;
            tables.push(TableInfo::of(name, &t)?);
        }
        if let Some(r) = &runs {
            self.register_in(&ctx, engine, crate::runs::TABLE, r)
                .await?;
        }
        Ok(Snapshot {
            ctx,
            version: runs.and_then(|r| r.version()),
            tables,
        })
    }

    /// The Parquet files of each table as the lake stood at `at` (the run log not included):
    /// what another engine reads to see exactly the lake a session sees.
    pub async fn files_as_of(
        &self,
        at: AsOf,
    ) -> Result<std::collections::BTreeMap<String, Vec<String>>> {
        let (_, pinned) = self.pinned(at).await?;
        let mut out = std::collections::BTreeMap::new();
        for (name, t) in pinned {
            out.insert(name, t.get_file_uris()?.collect());
        }
        Ok(out)
    }

    /// Registers a table of a snapshot the way the engine reads it.
    async fn register_in(
        &self,
        ctx: &SessionContext,
        engine: &crate::Engine,
        name: &str,
        t: &DeltaTable,
    ) -> Result<()> {
        if engine.reads_files() {
            self.register_files(ctx, name, t).await
        } else {
            register(ctx, name, t).await
        }
    }

    /// Registers a table as the Parquet files of its loaded version, with the version's
    /// schema: what another process can be sent and read exactly. A file the version holds
    /// but the store lacks (removed by hand, say) is refused here: read as a listing, it would
    /// silently be nothing.
    async fn register_files(&self, ctx: &SessionContext, name: &str, t: &DeltaTable) -> Result<()> {
        use datafusion::datasource::file_format::parquet::ParquetFormat;
        use datafusion::datasource::listing::{
            ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
        };
        // a local table names its files by path, one on object storage by URL
        let uris: Vec<String> = t
            .get_file_uris()?
            .map(|u| match Url::from_file_path(&u) {
                Ok(url) if !u.contains("://") => url.to_string(),
                _ => u,
            })
            .collect();
        let prefix = object_store::path::Path::from(name);
        let mut stored = std::collections::HashSet::new();
        let mut listing = self.store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(deltalake::DeltaTableError::from)?;
            stored.insert(meta.location.to_string());
        }
        let root = self.root.as_str();
        if let Some(missing) = uris.iter().find(|u| {
            let key = u.strip_prefix(root).unwrap_or(u);
            !stored.contains(key)
        }) {
            return Err(WarehouseError::Location {
                location: self.root.to_string(),
                message: format!("table {name}: its file {missing} is not in the store"),
            });
        }
        let mut paths = uris
            .iter()
            .map(ListingTableUrl::parse)
            .collect::<datafusion::error::Result<Vec<_>>>()?;
        if paths.is_empty() {
            // a path under which nothing is stored: an empty listing, the version's schema
            paths.push(ListingTableUrl::parse(format!(
                "{}{NO_FILES}",
                self.table_url(name)?
            ))?);
        }
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(paths)
            .with_listing_options(options)
            .with_schema(t.snapshot()?.snapshot().arrow_schema());
        ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
        Ok(())
    }

    /// Makes the lake's object store known to a session that reads files by their URLs.
    fn register_store(&self, ctx: &SessionContext) {
        if let Some(store) = &self.bucket_store {
            ctx.runtime_env()
                .register_object_store(&bucket_of(&self.root), store.clone());
        }
    }

    /// The run log at `at` and every other table at the version the runs logged by then
    /// recorded (book-keeping tables at their latest).
    async fn pinned(&self, at: AsOf) -> Result<(Option<DeltaTable>, Vec<(String, DeltaTable)>)> {
        let runs = match self.table(crate::runs::TABLE).await? {
            Some(mut t) => {
                if let AsOf::Version(v) = at {
                    let current = t.version().unwrap_or_default();
                    if v > current {
                        return Err(WarehouseError::AsOf(format!(
                            "phiên bản v{v} chưa có; kho dữ liệu đang ở phiên bản v{current}"
                        )));
                    }
                    t.load_version(v).await?;
                }
                Some(t)
            }
            None if matches!(at, AsOf::Version(_)) => {
                return Err(WarehouseError::AsOf(
                    "kho dữ liệu chưa có lần nạp nào".to_string(),
                ));
            }
            None => None,
        };
        let until = match at {
            AsOf::Time(t) => Some(t),
            _ => None,
        };
        let pins = match &runs {
            Some(r) => logged_versions(r, until).await?,
            None => Default::default(),
        };
        let mut tables = Vec::new();
        for name in self.table_names().await? {
            if name == crate::runs::TABLE {
                continue;
            }
            let Some(mut t) = self.load_listed(&name).await? else {
                continue;
            };
            if !name.starts_with("ingest_") {
                // a table no logged run has written (yet, or by then) is not part of the lake
                let Some(v) = pins.get(&name).copied() else {
                    continue;
                };
                if t.version() != Some(v) {
                    t.load_version(v).await?;
                }
            }
            tables.push((name, t));
        }
        Ok((runs, tables))
    }
}

impl Lake {
    /// Each data table's version as the last logged runs left it: what [`Lake::session`]
    /// opens.
    pub async fn pins(&self) -> Result<std::collections::HashMap<String, u64>> {
        match self.table(crate::runs::TABLE).await? {
            Some(r) => logged_versions(&r, None).await,
            None => Ok(Default::default()),
        }
    }

    /// A session with exactly the tables named, each at the version given: what a derived
    /// table is computed from, so that it can say which versions it stands for. It runs inside
    /// an ingest, over whole tables: its queries hold at most [`DERIVING_MEMORY`] and spill
    /// sorts and aggregates to disk beyond that, so that the size of the lake does not
    /// decide the memory a run needs.
    pub async fn session_at(
        &self,
        versions: &std::collections::BTreeMap<String, u64>,
    ) -> Result<SessionContext> {
        let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(
                datafusion::execution::memory_pool::FairSpillPool::new(DERIVING_MEMORY),
            ))
            .build_arc()?;
        // joins stay hash joins: theirs are of a run's changed keys, small, and a sort-merge
        // join made the day-by-day recount three times slower
        let config = datafusion::prelude::SessionConfig::new();
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        for (name, v) in versions {
            let Some(mut t) = self.table(name).await? else {
                continue;
            };
            if t.version() != Some(*v) {
                t.load_version(*v).await?;
            }
            register(&ctx, name, &t).await?;
        }
        Ok(ctx)
    }
}

/// The root of the bucket a lake on object storage lives in.
fn bucket_of(root: &Url) -> Url {
    let mut bucket = root.clone();
    bucket.set_path("/");
    bucket
}

/// Where an empty table's listing looks: no file is ever written there.
const NO_FILES: &str = "_no_files/none.parquet";

/// Memory the queries of [`Lake::session_at`] may hold before they spill.
pub const DERIVING_MEMORY: usize = 256 * 1024 * 1024;

/// A point in the lake's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// As the last logged run left it.
    Latest,
    /// As it stood when the run log had this version.
    Version(u64),
    /// As the runs finished by this instant left it.
    Time(chrono::DateTime<chrono::Utc>),
}

/// For each data table, the highest version recorded by a logged, successful run (finished by
/// `until`, if given).
async fn logged_versions(
    runs: &DeltaTable,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<std::collections::HashMap<String, u64>> {
    let mut out = std::collections::HashMap::new();
    let ctx = SessionContext::new();
    register(&ctx, crate::runs::TABLE, runs).await?;
    let mut sql = "SELECT CAST(tables AS VARCHAR) FROM ingest_runs \
                   WHERE outcome IN ("
        .to_string()
        + crate::runs::LOGGED
        + ")";
    if let Some(t) = until {
        sql.push_str(&format!(
            " AND finished_at <= TIMESTAMP '{}'",
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        ));
    }
    for b in ctx.sql(&sql).await?.collect().await? {
        for json in crate::columns::utf8(b.column(0))?.into_iter().flatten() {
            let tables: Vec<crate::TableCommit> = serde_json::from_str(&json)?;
            for t in tables {
                let e = out.entry(t.table).or_insert(0);
                *e = (*e).max(t.current_version);
            }
        }
    }
    Ok(out)
}

/// Registers `table` in `ctx` under `name`.
pub async fn register(ctx: &SessionContext, name: &str, table: &DeltaTable) -> Result<()> {
    table.update_datafusion_session(&ctx.state())?;
    let provider = table.table_provider().await?;
    ctx.register_table(name, provider)?;
    Ok(())
}
