//! The lake on S3-compatible object storage, against a real S3 server started here
//! (`moto_server`): a ward's lake, its history read as of an earlier point, file drops under an
//! `s3://` prefix, and the lease that keeps two runs of a source apart.

use std::process::Command;

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

use crate::helpers::Fixture;
use crate::s3_server::S3Server;

#[tokio::test]
async fn a_ward_on_s3_gives_the_same_figures_and_the_same_history() {
    let s3 = S3Server::start();
    s3.bucket("ward").await;
    let mut fx = Fixture::whole_ward();
    fx.cfg = s3.deploy_to(&fx.cfg, "ward");
    // as on a local disk: June as first reported, then again after a later run
    let lake_dir = fx.lake_dir();
    crate::programme::reported_again_later(fx).await;
    assert!(!lake_dir.exists(), "nothing on the local disk");
}

#[tokio::test]
async fn the_lake_on_s3_lists_its_tables_and_keeps_data_in_the_bucket() {
    let s3 = S3Server::start();
    s3.bucket("lists").await;
    let mut fx = Fixture::new();
    fx.cfg = s3.deploy_to(&fx.cfg, "lists");
    let lake = fx.lake();
    assert!(lake.table_names().await.unwrap().is_empty());
    assert_eq!(fx.ingest().await.counts.accepted, 16);
    let names = lake.table_names().await.unwrap();
    for t in ["ingest_files", "ingest_runs", "one_stop_dossiers"] {
        assert!(names.iter().any(|n| n == t), "{t} in {names:?}");
    }
    assert!(!fx.lake_dir().exists(), "nothing on the local disk");
    // the Parquet files are objects of the bucket
    let files = lake
        .files_as_of(metrics::AsOf::Latest)
        .await
        .unwrap()
        .remove("one_stop_dossiers")
        .unwrap();
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("s3://lists/lake/one_stop_dossiers/")),
        "{files:?}"
    );
    // a second run of the same extracts adds nothing
    let again = fx.ingest().await;
    assert!(again.batch_id.is_empty(), "{again:?}");
    // a wrongly spelled option is named, not ignored
    let mut typo = fx.cfg.clone();
    typo.lake
        .options
        .insert("endpont".into(), s3.endpoint.clone());
    let err = chiso::pipeline::open_lake(&typo).unwrap_err();
    assert!(format!("{err:#}").contains("endpont"), "{err:#}");
}

/// A lease held by a run on another machine keeps this machine's run out, and says whose it
/// is; once it has run out, the next run takes it over.
#[tokio::test]
async fn a_run_elsewhere_holds_the_source_until_its_lease_runs_out() {
    let s3 = S3Server::start();
    s3.bucket("leases").await;
    let mut fx = Fixture::new();
    fx.cfg = s3.deploy_to(&fx.cfg, "leases");
    let lake = fx.lake();
    let lease = Path::from("_locks/one_stop.lease");
    let holder = |until: chrono::DateTime<chrono::Utc>| {
        PutPayload::from(
            serde_json::to_vec(&warehouse::lock::Holder {
                host: "may-chu-khac".into(),
                boot: "b".into(),
                pid: 4242,
                started: 1,
                until,
            })
            .unwrap(),
        )
    };
    let soon = chrono::Utc::now() + chrono::Duration::minutes(5);
    lake.store().put(&lease, holder(soon)).await.unwrap();
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let err = chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop"), &key)
        .await
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains("another ingest of source “one_stop” is running")
            && err.contains("may-chu-khac")
            && err.contains("4242"),
        "{err}"
    );
    assert!(
        !lake
            .table_names()
            .await
            .unwrap()
            .iter()
            .any(|t| t == "one_stop_dossiers")
    );
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    lake.store().put(&lease, holder(past)).await.unwrap();
    assert_eq!(fx.ingest().await.counts.accepted, 16);
    // the run gave its lease up at its end
    assert!(lake.store().head(&lease).await.is_err());
}

/// Extracts dropped under an `s3://` prefix, the store's address from the environment.
#[tokio::test]
async fn files_dropped_under_an_s3_prefix_are_ingested() {
    let s3 = S3Server::start();
    s3.bucket("drops").await;
    let fx = Fixture::new();
    let root = fx.dir.path();
    // the fixture's extracts, moved to the bucket
    let drop = warehouse::Lake::open_with(
        "s3://drops/mot-cua/",
        root,
        s3.options().into_iter().collect(),
    )
    .unwrap();
    for name in ["danh_muc_tthc.csv", "ho_so_export.csv"] {
        let bytes = std::fs::read(root.join("extracts").join(name)).unwrap();
        drop.store()
            .put(&Path::from_iter(["2026", name]), PutPayload::from(bytes))
            .await
            .unwrap();
        std::fs::remove_file(root.join("extracts").join(name)).unwrap();
    }
    let toml = std::fs::read_to_string(root.join("pipelines.toml"))
        .unwrap()
        .replace(
            r#"files = { catalogue = ["extracts/danh_muc_tthc.csv"], dossiers = ["extracts/*.csv", "extracts/api/*.json"] }"#,
            r#"files = { catalogue = ["s3://drops/mot-cua/**/danh_muc_tthc.csv"], dossiers = ["s3://drops/mot-cua/**/ho_so_*.csv"] }"#,
        );
    std::fs::write(root.join("pipelines.toml"), toml).unwrap();
    let run = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_chiso"));
        c.args([
            "--config",
            root.join("pipelines.toml").to_str().unwrap(),
            "ingest",
            "--source",
            "one_stop",
        ])
        .env("CHISO_PSEUDONYM_KEY", "fixture-key-0123456789");
        s3.env(&mut c);
        let out = c.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    run();
    let lake = fx.lake();
    // HS01 … HS11
    assert_eq!(
        crate::helpers::count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    let files = "SELECT count(*) FROM ingest_files WHERE path LIKE 's3://drops/mot-cua/2026/%'";
    assert_eq!(crate::helpers::count(&lake, files).await, 2);
    // known objects are passed over
    run();
    assert_eq!(
        crate::helpers::count(&lake, "SELECT count(*) FROM ingest_runs").await,
        2
    );
    assert_eq!(
        crate::helpers::count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
}
