//! The lake and the figures build without the connectors: `warehouse` and `metrics` reach the
//! shared shapes through `tables`, never `ingest` with its database, HTTP and spreadsheet
//! clients. The lake's storage stack (deltalake, DataFusion, object_store) brings an HTTP client
//! of its own for object stores; that one is left out of the check.

use std::process::Command;

fn tree(package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
        ])
        .arg(package)
        .args([
            "--prune",
            "deltalake",
            "--prune",
            "datafusion",
            "--prune",
            "object_store",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_lake_and_the_figures_do_not_build_the_connectors() {
    for package in ["warehouse", "metrics"] {
        let tree = tree(package);
        assert!(tree.lines().any(|l| l.starts_with("tables ")), "{tree}");
        for connector in ["ingest", "sqlx", "reqwest", "calamine"] {
            assert!(
                !tree
                    .lines()
                    .any(|l| l.starts_with(&format!("{connector} "))),
                "{package} depends on {connector}:\n{tree}"
            );
        }
    }
}

/// Ballista, its scheduler and executor come into the build only with the `cluster` feature.
#[test]
fn ballista_is_built_only_for_the_cluster() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let crates = |features: &[&str]| {
        let out = Command::new(&cargo)
            .args(["tree", "--locked", "--workspace", "-e", "normal"])
            .args(["--prefix", "none", "--format", "{p}"])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .lines()
            .filter(|l| l.starts_with("ballista"))
            .map(|l| l.split(' ').next().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(crates(&[]).is_empty(), "{:?}", crates(&[]));
    assert_eq!(
        crates(&["--features", "chiso/cluster"]),
        [
            "ballista",
            "ballista-core",
            "ballista-executor",
            "ballista-scheduler"
        ]
        .map(String::from)
        .into()
    );
}
