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

/// Every package of the workspace's build, with the features it is compiled with.
fn built(
    features: &[&str],
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(&cargo)
        .args(["tree", "--locked", "--workspace", "-e", "normal,build"])
        .args(["--prefix", "none", "--format", "{p}|{f}"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut packages = std::collections::BTreeMap::<_, std::collections::BTreeSet<_>>::new();
    for line in String::from_utf8(out.stdout).expect("UTF-8").lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        // "name v1.2.3 (path)": name and version
        let package: Vec<&str> = package.split(' ').take(2).collect();
        packages.entry(package.join(" ")).or_default().extend(
            features
                .split(',')
                .map(|f| f.trim_end_matches(" (*)"))
                .filter(|f| !f.is_empty())
                .map(str::to_string),
        );
    }
    packages
}

/// Ballista, its scheduler and executor come into the build only with the `cluster` feature.
#[test]
fn ballista_is_built_only_for_the_cluster() {
    let ballista = |features: &[&str]| {
        built(features)
            .into_keys()
            .filter(|p| p.starts_with("ballista"))
            .map(|p| p.split(' ').next().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(ballista(&[]).is_empty(), "{:?}", ballista(&[]));
    assert_eq!(
        ballista(&["--features", "chiso/cluster"]),
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

/// The cluster build compiles every dependency the default build has with the same features,
/// so that building both (as CI does) compiles the DataFusion and Delta stack once: the root
/// crate turns on what Ballista would. Only the web layer (axum, tower), compiled in seconds,
/// and the workspace's own crates differ.
#[test]
fn the_cluster_build_shares_the_default_build_s_dependencies() {
    let default = built(&[]);
    let cluster = built(&["--features", "chiso/cluster"]);
    let differ: Vec<String> = default
        .iter()
        .filter(|(p, _)| {
            !["chiso ", "warehouse ", "axum", "tower "]
                .iter()
                .any(|skip| p.starts_with(skip))
        })
        .filter_map(|(p, features)| {
            let other = cluster.get(p)?;
            (other != features).then(|| {
                format!(
                    "{p}: the cluster build adds {:?}",
                    other.difference(features).collect::<Vec<_>>()
                )
            })
        })
        .collect();
    assert!(differ.is_empty(), "{differ:#?}");
}
