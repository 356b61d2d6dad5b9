//! Where a snapshot's queries run: in this process over the Delta tables, or on a Ballista
//! cluster over the Parquet files of the very same pinned snapshot.
//!
//! delta-rs cannot send its own scan to another process, so a cluster is given each table as
//! the list of Parquet files its pinned version holds ([`crate::Lake::session_as_of`]); the
//! scheduler and the executors read exactly the files a local session reads.

use std::sync::Arc;

use datafusion::catalog::{
    CatalogProvider, CatalogProviderList, MemoryCatalogProvider, MemoryCatalogProviderList,
    MemorySchemaProvider,
};
use datafusion::execution::SessionState;
use datafusion::prelude::SessionContext;

use crate::{Result, WarehouseError};

/// How a lake's snapshots are queried.
#[derive(Clone, Default)]
pub struct Engine {
    kind: Kind,
}

#[derive(Clone, Default)]
enum Kind {
    /// This process, through the Delta tables' own scans.
    #[default]
    Local,
    /// This process, reading the snapshot's Parquet files as a cluster does.
    Files,
    /// A Ballista cluster, connected on first use and then shared by every snapshot.
    Cluster(Arc<Cluster>),
}

struct Cluster {
    url: String,
    state: tokio::sync::OnceCell<SessionState>,
}

/// The URL that starts a scheduler and an executor inside this process.
pub const STANDALONE: &str = "standalone";

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

impl Engine {
    /// Queries run in this process over the Delta tables.
    pub fn local() -> Engine {
        Engine::default()
    }

    /// Queries run in this process over the snapshot's Parquet files: the tables exactly as a
    /// cluster is given them, for checking that path where no cluster runs.
    pub fn files() -> Engine {
        Engine { kind: Kind::Files }
    }

    /// Queries run on the Ballista cluster whose scheduler is at `df://host:port`, or on one
    /// started inside this process (`standalone`). Nothing is contacted until the first
    /// snapshot is opened.
    pub fn cluster(url: &str) -> Result<Engine> {
        let url = url.trim();
        let bad = |message: &str| WarehouseError::Cluster {
            url: url.to_string(),
            message: message.to_string(),
        };
        if url != STANDALONE {
            let parsed =
                url::Url::parse(url).map_err(|_| bad("expected df://host:port or “standalone”"))?;
            if parsed.scheme() != "df" || parsed.host_str().is_none_or(str::is_empty) {
                return Err(bad("expected df://host:port or “standalone”"));
            }
        }
        if !cfg!(feature = "cluster") {
            return Err(bad(
                "this build has no cluster support; build chiso with --features cluster",
            ));
        }
        Ok(Engine {
            kind: Kind::Cluster(Arc::new(Cluster {
                url: url.to_string(),
                state: tokio::sync::OnceCell::new(),
            })),
        })
    }

    /// `local`, `files`, or the cluster's URL.
    pub fn describe(&self) -> &str {
        match &self.kind {
            Kind::Local => "local",
            Kind::Files => "files",
            Kind::Cluster(c) => &c.url,
        }
    }

    /// True when tables are given as their snapshot's Parquet files rather than Delta scans.
    pub(crate) fn reads_files(&self) -> bool {
        !matches!(self.kind, Kind::Local)
    }

    /// A new session with no tables in it.
    pub(crate) async fn session(&self) -> Result<SessionContext> {
        match &self.kind {
            Kind::Local | Kind::Files => Ok(SessionContext::new()),
            Kind::Cluster(c) => {
                let base = c.state.get_or_try_init(|| connect(&c.url)).await?;
                Ok(empty_catalogue(base))
            }
        }
    }
}

/// A session sharing the cluster's planner, configuration and object stores, with a catalogue
/// of its own: tables registered for one snapshot are not seen by another.
fn empty_catalogue(base: &SessionState) -> SessionContext {
    let mut state = base.clone();
    let options = &state.config().options().catalog;
    let (catalog_name, schema_name) = (
        options.default_catalog.clone(),
        options.default_schema.clone(),
    );
    let catalog = MemoryCatalogProvider::new();
    // registering a schema in a fresh memory catalogue cannot fail
    let _ = catalog.register_schema(&schema_name, Arc::new(MemorySchemaProvider::new()));
    let catalogs = MemoryCatalogProviderList::new();
    catalogs.register_catalog(catalog_name, Arc::new(catalog));
    state.register_catalog_list(Arc::new(catalogs));
    SessionContext::new_with_state(state)
}

#[cfg(feature = "cluster")]
async fn connect(url: &str) -> Result<SessionState> {
    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    use datafusion::execution::SessionStateBuilder;
    use datafusion::prelude::SessionConfig;

    let err = |e: datafusion::error::DataFusionError| WarehouseError::Cluster {
        url: url.to_string(),
        message: e.to_string(),
    };
    // Ballista 55's adaptive planner never finished a query with a window function (the
    // as-of measures' latest row per key) on a standalone cluster; the static planner does
    let config = SessionConfig::new_with_ballista().with_ballista_adaptive_query_planner(false);
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    let ctx = if url == STANDALONE {
        SessionContext::standalone_with_state(state).await
    } else {
        SessionContext::remote_with_state(url, state).await
    }
    .map_err(err)?;
    // a scheduler that cannot be reached is said now, not at the first figure
    ctx.sql("SELECT 1")
        .await
        .map_err(err)?
        .collect()
        .await
        .map_err(err)?;
    Ok(ctx.state())
}

#[cfg(not(feature = "cluster"))]
async fn connect(url: &str) -> Result<SessionState> {
    Err(WarehouseError::Cluster {
        url: url.to_string(),
        message: "this build has no cluster support".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls() {
        for bad in ["", "http://h:50050", "df://", "h:50050", "standalon"] {
            assert!(
                matches!(Engine::cluster(bad), Err(WarehouseError::Cluster { .. })),
                "{bad}"
            );
        }
        for good in ["df://127.0.0.1:50050", "standalone", " df://scheduler "] {
            let e = Engine::cluster(good);
            if cfg!(feature = "cluster") {
                assert_eq!(e.unwrap().describe(), good.trim());
            } else {
                let err = e.unwrap_err().to_string();
                assert!(err.contains("--features cluster"), "{err}");
            }
        }
        assert_eq!(Engine::default().describe(), "local");
        assert!(!Engine::local().reads_files() && Engine::files().reads_files());
    }

    #[tokio::test]
    async fn sessions_do_not_share_tables() {
        let base = SessionContext::new().state();
        let a = empty_catalogue(&base);
        let b = empty_catalogue(&base);
        a.sql("CREATE VIEW v AS SELECT 1 AS x").await.unwrap();
        assert!(a.table_exist("v").unwrap());
        assert!(!b.table_exist("v").unwrap());
        assert_eq!(a.state().session_id(), b.state().session_id());
    }

    #[tokio::test]
    async fn an_empty_table_is_read_as_no_rows_with_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let lake = crate::Lake::open(dir.path().to_str().unwrap(), dir.path())
            .unwrap()
            .with_engine(Engine::files());
        // a book-keeping table is read at its latest version, logged by a run or not
        let spec = tables::TableSpec {
            name: "ingest_empty".to_string(),
            ..tables::quarantine::spec()
        };
        lake.create_table(&spec).await.unwrap();
        let snapshot = lake.figures_as_of(crate::AsOf::Latest).await.unwrap();
        let df = snapshot.ctx.table(spec.name.as_str()).await.unwrap();
        assert_eq!(
            df.schema().as_arrow().fields().len(),
            spec.schema.fields().len()
        );
        assert_eq!(df.count().await.unwrap(), 0);
        // the book-keeping reads of the same lake stay in this process, on the Delta scans
        let local = lake.session_as_of(crate::AsOf::Latest).await.unwrap();
        assert_eq!(
            local
                .ctx
                .table(spec.name.as_str())
                .await
                .unwrap()
                .count()
                .await
                .unwrap(),
            0
        );
    }
}
