//! The lake read by others: another Delta reader sees the same rows, and no personal value
//! is anywhere under the lake in clear.

use std::process::Command;

use crate::helpers::{Fixture, PERSONAL, assert_not_in_clear};

/// Python with the `deltalake` package, installed into the build directory when missing.
fn python_with_deltalake() -> (String, Option<String>) {
    let ok = |pythonpath: Option<&str>| {
        let mut c = Command::new("python3");
        c.args(["-c", "import deltalake"]);
        if let Some(p) = pythonpath {
            c.env("PYTHONPATH", p);
        }
        c.output().map(|o| o.status.success()).unwrap_or(false)
    };
    if ok(None) {
        return ("python3".into(), None);
    }
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pydeps");
    let target = target.to_string_lossy().to_string();
    if !ok(Some(&target)) {
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                &target,
                "deltalake==1.1.4",
                "pyarrow",
            ])
            .status()
            .expect("python3 with pip is needed to check the lake with another reader");
        assert!(status.success(), "pip install deltalake failed");
    }
    ("python3".into(), Some(target))
}

#[tokio::test]
async fn another_delta_reader_sees_the_same_tables() {
    let fx = Fixture::new();
    fx.ingest().await;
    fx.add_api_page();
    fx.ingest().await;
    let (py, path) = python_with_deltalake();
    let script = r#"
import sys, json
from deltalake import DeltaTable
root = sys.argv[1]
out = {}
for name in ["one_stop_dossiers", "one_stop_dossier_history", "one_stop_procedures", "quarantine"]:
    t = DeltaTable(f"{root}/{name}")
    tbl = t.to_pyarrow_table()
    out[name] = {"rows": tbl.num_rows, "version": t.version()}
d = DeltaTable(f"{root}/one_stop_dossiers").to_pyarrow_table().to_pylist()
hs03 = [r for r in d if r["ma_ho_so"] == "HS03"][0]
out["hs03_status"] = hs03["trang_thai_ho_so"]
out["group"] = DeltaTable(f"{root}/one_stop_dossiers").metadata().configuration.get("chiso.group")
print(json.dumps(out))
"#;
    let mut cmd = Command::new(py);
    cmd.args(["-c", script, &fx.lake_dir().to_string_lossy()]);
    if let Some(p) = path {
        cmd.env("PYTHONPATH", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["one_stop_dossiers"]["rows"], 11);
    assert_eq!(v["one_stop_dossier_history"]["rows"], 12);
    assert_eq!(v["one_stop_procedures"]["rows"], 4);
    assert_eq!(v["quarantine"]["rows"], 1);
    assert_eq!(v["hs03_status"], 10);
    assert_eq!(v["group"], "dan_cu");
}

#[tokio::test]
async fn no_personal_value_lands_in_the_lake_in_clear() {
    let fx = Fixture::new();
    fx.ingest().await;
    assert_not_in_clear(&fx.lake_dir(), &fx.lake(), &PERSONAL).await;
}
