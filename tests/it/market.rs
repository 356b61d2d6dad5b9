//! The market source: the sample's market database loaded into the real PostgreSQL and
//! MariaDB and read through the SQL connector, and the same tables from the CSV export.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use arrow::array::{Array, AsArray};
use ingest::Pseudonymiser;
use warehouse::{CommitReport, Lake};

use crate::helpers::sample_deployment;

const TABLES: [&str; 5] = [
    "market_traders",
    "market_stalls",
    "market_contracts",
    "market_fee_collections",
    "market_payment_acceptance",
];

fn key() -> Pseudonymiser {
    Pseudonymiser::new(b"market-test-key-0123456789".to_vec()).unwrap()
}

fn run(c: &mut Command) -> String {
    let out = c.output().expect("client runs");
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// psql on database `db`, stopping at the first error.
fn psql_on(db: &str) -> Command {
    let mut c = Command::new("psql");
    c.args([
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        db,
        "-w",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
    ]);
    c
}

fn psql(db: &str, sql: &str) -> String {
    run(psql_on(db).args(["-tAc", sql]))
}

fn mariadb(db: &str, sql: &str) -> String {
    let mut c = Command::new("mariadb");
    c.args([
        "-h",
        "127.0.0.1",
        "-uroot",
        "--batch",
        "--skip-column-names",
    ]);
    if !db.is_empty() {
        c.arg(db);
    }
    run(c.args(["-e", sql]))
}

/// A scratch database on both servers holding the sample's market dump; dropped on drop.
struct Databases {
    name: String,
}

impl Databases {
    fn load(dump: &Path) -> Databases {
        let name = format!("chiso_market_{}", std::process::id());
        psql("test", &format!("DROP DATABASE IF EXISTS {name}"));
        psql("test", &format!("CREATE DATABASE {name} ENCODING 'UTF8'"));
        run(psql_on(&name).args(["-f", dump.to_str().unwrap()]));
        mariadb("", &format!("DROP DATABASE IF EXISTS {name}"));
        mariadb("", &format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"));
        mariadb(&name, &format!("source {}", dump.display()));
        Databases { name }
    }

    fn postgres_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    fn mariadb_url(&self) -> String {
        format!("mysql://root@127.0.0.1:3306/{}", self.name)
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let name = &self.name;
        let _ = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "test",
                "-w",
                "-c",
            ])
            .arg(format!("DROP DATABASE IF EXISTS {name}"))
            .output();
        let _ = Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-uroot", "-e"])
            .arg(format!("DROP DATABASE IF EXISTS {name}"))
            .output();
    }
}

/// The deployment reading the market from `url` into its own lake `lake`.
fn sql_deployment(cfg: &chiso::Config, url: &str, lake: &str) -> chiso::Config {
    let mut cfg = cfg.clone();
    cfg.lake.location = lake.to_string();
    let source = format!(
        "system = \"market\"\ngroup = \"kinh_doanh\"\n\
         sql = {{ url = \"{url}\", url_env = \"CHISO_TEST_MARKET_URL_UNSET\" }}\n"
    );
    cfg.sources = BTreeMap::from([("market".to_string(), toml::from_str(&source).unwrap())]);
    cfg
}

async fn ingest_market(cfg: &chiso::Config) -> CommitReport {
    let lake = chiso::pipeline::open_lake(cfg).unwrap();
    chiso::pipeline::ingest(cfg, &lake, Some("market"), &key())
        .await
        .expect("market ingest")
        .remove(0)
}

/// Every content column of every row of `table`, as text, ordered by id.
async fn rows(lake: &Lake, table: &str) -> Vec<String> {
    let ctx = lake.session().await.unwrap();
    let df = ctx
        .sql(&format!("SELECT * FROM {table} ORDER BY id"))
        .await
        .unwrap();
    let mut out = Vec::new();
    for b in df.collect().await.unwrap() {
        let cols: Vec<_> = b
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.name().starts_with('_'))
            .map(|(i, _)| {
                arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8).unwrap()
            })
            .collect();
        for r in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| {
                        let c = c.as_string::<i32>();
                        if c.is_null(r) {
                            "∅".to_string()
                        } else {
                            c.value(r).to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
            );
        }
    }
    out
}

fn changed(r: &CommitReport, table: &str) -> Option<u64> {
    r.tables
        .iter()
        .find(|t| t.table == table && t.version.is_some())
        .map(|t| t.rows_changed)
}

/// The same market read three ways (the CSV export, PostgreSQL, MariaDB) gives the same
/// tables, row for row; then the database connector takes only what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_from_postgres_mariadb_and_csv_agree_and_only_changes_are_read() {
    let (dir, cfg) = sample_deployment(0.2, (2025, 9));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sample/manifest.json")).unwrap(),
    )
    .unwrap();
    let expected = |k: &str| manifest["counts"][k].as_u64().unwrap();
    let total: u64 = [
        "traders",
        "stalls",
        "contracts",
        "fee_collections",
        "payment_acceptance",
    ]
    .iter()
    .map(|k| expected(k))
    .sum();

    let from_csv = ingest_market(&cfg).await;
    assert_eq!(from_csv.counts.read, total);
    assert_eq!(from_csv.counts.quarantined, 0, "{from_csv:?}");
    let csv_lake = chiso::pipeline::open_lake(&cfg).unwrap();

    let db = Databases::load(&dir.path().join("sample/market/market_dump.sql"));
    let pg = sql_deployment(&cfg, &db.postgres_url(), "lake_pg");
    let my = sql_deployment(&cfg, &db.mariadb_url(), "lake_mariadb");
    let from_pg = ingest_market(&pg).await;
    let from_my = ingest_market(&my).await;
    assert_eq!(from_pg.counts.read, total);
    assert_eq!(from_my.counts.read, total);
    assert_eq!(from_pg.counts.quarantined, 0, "{from_pg:?}");
    assert_eq!(from_my.counts.quarantined, 0, "{from_my:?}");

    let pg_lake = chiso::pipeline::open_lake(&pg).unwrap();
    let my_lake = chiso::pipeline::open_lake(&my).unwrap();
    for (table, k) in TABLES.iter().zip([
        "traders",
        "stalls",
        "contracts",
        "fee_collections",
        "payment_acceptance",
    ]) {
        let csv = rows(&csv_lake, table).await;
        assert_eq!(csv.len() as u64, expected(k), "{table}");
        assert_eq!(
            rows(&pg_lake, table).await,
            csv,
            "{table}: PostgreSQL vs CSV"
        );
        assert_eq!(rows(&my_lake, table).await, csv, "{table}: MariaDB vs CSV");
    }

    // Trader names and phones are tokens in every lake, never the clear values.
    let traders =
        std::fs::read_to_string(dir.path().join("sample/market/csv/traders.csv")).unwrap();
    let first = traders.lines().nth(1).unwrap().to_string();
    let fields: Vec<&str> = first.split(',').collect();
    let (name, phone) = (fields[2], fields[3]);
    assert!(name.contains(' ') && phone.len() >= 9, "{first}");
    for c in [&cfg, &pg, &my] {
        let lake = chiso::pipeline::open_lake(c).unwrap();
        crate::helpers::assert_not_in_clear(&c.path(&c.lake.location), &lake, &[name, phone]).await;
    }

    // One fee paid later, one new receipt with a malformed billing month, both stamped
    // after everything else: the next run reads the rows changed since the watermark (the
    // newest updated_at of each table, less an hour of overlap), not the whole database.
    let db_name = db.name.clone();
    // (stamped now: a time more than a day ahead would be refused as not yet happened)
    let local = |minutes_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago))
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let (paid, updated) = (local(10), local(5));
    let changes = format!(
        "UPDATE fee_collections SET amount_paid = 77777, method = 'qr', \
         paid_at = '{paid}', updated_at = '{updated}' WHERE id = 1; \
         INSERT INTO fee_collections (id, receipt_no, stall_id, billing_month, amount_due, \
         amount_paid, paid_at, method, e_invoice, updated_at) VALUES (999999, 'BL-X', 1, \
         '2029/13', 100000, 0, NULL, NULL, FALSE, '{updated}');"
    );
    psql(&db_name, &changes);
    mariadb(&db_name, &changes);
    for cfg in [&pg, &my] {
        let second = ingest_market(cfg).await;
        assert!(
            second.counts.read < total / 2,
            "a second run reads only recent rows: {}",
            second.counts.read
        );
        // id 1 replaced; the bad receipt quarantined; the other tables unchanged
        assert_eq!(changed(&second, "market_fee_collections"), Some(1));
        for t in TABLES.iter().filter(|t| **t != "market_fee_collections") {
            assert_eq!(changed(&second, t), None, "{t}");
        }
        assert_eq!(second.counts.quarantined, 1);
        let lake = chiso::pipeline::open_lake(cfg).unwrap();
        assert_eq!(
            crate::helpers::count(
                &lake,
                "SELECT CAST(amount_paid AS BIGINT) FROM market_fee_collections WHERE id = 1"
            )
            .await,
            77777
        );
        assert_eq!(
            crate::helpers::count(
                &lake,
                "SELECT count(*) FROM quarantine WHERE field = 'billing_month' AND \
                 row = 999999 AND file LIKE '%#fee_collections' \
                 AND value = '2029/13' AND reason = 'tháng tính phí phải có dạng yyyy-MM'"
            )
            .await,
            1
        );
        // nothing changed since: nothing is written
        let third = ingest_market(cfg).await;
        assert!(third.unchanged(), "{third:?}");
    }
}
