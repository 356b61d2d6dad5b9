//! The binary end to end: `chiso demo` on the embedded ward answers on `/` in a real browser,
//! and `chiso indicators` prints the same figures as the API.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A copy of the repository's pipelines.toml in a temporary directory, serving on a free port.
fn demo_config(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let catalogue = root.join("data/catalogue/indicators.toml");
    let text = std::fs::read_to_string(root.join("pipelines.toml"))
        .unwrap()
        .replace(
            "catalogue = \"data/catalogue/indicators.toml\"",
            &format!("catalogue = \"{}\"", catalogue.display()),
        )
        .replace(
            "plans = \"data/plans\"",
            &format!("plans = \"{}\"", root.join("data/plans").display()),
        )
        .replace(
            "address = \"127.0.0.1:8080\"",
            &format!("address = \"{addr}\""),
        );
    assert!(text.contains(&addr), "pipelines.toml changed shape");
    let path = dir.join("pipelines.toml");
    std::fs::write(&path, text).unwrap();
    (path, addr)
}

/// Runs a command to completion; its stdout when it succeeded, its stderr in the panic if not.
fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("command starts");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(url: &str, child: &mut Child) -> String {
    let start = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(url).await
            && r.status() == 200
        {
            return r.text().await.unwrap();
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("chiso demo exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "demo did not answer on {url}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn demo_answers_on_the_front_page_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (config, addr) = demo_config(dir.path());
    let child = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", config.to_str().unwrap(), "demo"])
        .env_remove("CHISO_PSEUDONYM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let base = format!("http://{addr}");
    let html = wait_for(&format!("{base}/"), &mut child.0).await;
    assert!(html.contains("Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)"));

    // the page in a real browser: the DOM after Chromium has loaded it
    let profile = dir.path().join("chromium-profile");
    let dom = run_ok(Command::new("chromium").args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        &format!("--user-data-dir={}", profile.display()),
        "--virtual-time-budget=5000",
        "--dump-dom",
        &format!("{base}/"),
    ]));
    let dom = String::from_utf8(dom).unwrap();
    assert!(dom.contains("id=\"phu-luc-1\""), "{dom}");
    assert_eq!(dom.matches("<tr id=\"row-").count(), 17);
    assert!(dom.contains("Kỳ họp HĐND không giấy"));
    // the sample has dossiers every month, so I.3 has a value, not "no data"
    let i3 = dom.split("id=\"row-I.3\"").nth(1).unwrap();
    let i3 = &i3[..i3.find("</tr>").unwrap()];
    assert!(i3.contains(" %</td>"), "{i3}");

    // the CLI prints the same figures as the API
    let period = "2026-06";
    let out = run_ok(Command::new(env!("CARGO_BIN_EXE_chiso")).args([
        "--config",
        config.to_str().unwrap(),
        "indicators",
        "--period",
        period,
        "--format",
        "json",
    ]));
    let cli: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let api: serde_json::Value = reqwest::get(format!("{base}/api/indicators?period={period}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pick = |rows: &serde_json::Value| {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].clone(),
                    r["numerator"].clone(),
                    r["denominator"].clone(),
                    r["value_text"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    // the whole document is the same; figures are compared field by field above it
    assert_eq!(pick(&cli["indicators"]), pick(&api["indicators"]));
    assert_eq!(pick(&cli["operations"]), pick(&api["operations"]));
    let i3 = cli["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "I.3")
        .unwrap();
    assert!(i3["denominator"].as_u64().unwrap() > 1000, "{i3}");
}

#[test]
fn one_arrow_and_one_parquet_in_the_build() {
    let tree = run_ok(
        Command::new(env!("CARGO"))
            .args([
                "tree",
                "--workspace",
                "-d",
                "-e",
                "normal",
                "--locked",
                "--offline",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    let tree = String::from_utf8(tree).unwrap();
    for krate in [
        "arrow ",
        "arrow-array ",
        "parquet ",
        "object_store ",
        "datafusion ",
    ] {
        let dups = tree.lines().filter(|l| l.starts_with(krate)).count();
        assert_eq!(dups, 0, "{krate}appears in more than one version:\n{tree}");
    }
}

#[test]
fn ingest_refuses_to_run_without_a_pseudonymisation_key() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = demo_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", config.to_str().unwrap(), "ingest"])
        .env_remove("CHISO_PSEUDONYM_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CHISO_PSEUDONYM_KEY"), "{err}");
    // nothing was written
    assert!(!dir.path().join("data/lake/one_stop_dossiers").exists());
}

/// `chiso ingest` says on the terminal what it is doing while it works, and what it did.
#[test]
fn ingest_shows_progress_and_the_result() {
    let fixture = crate::helpers::Fixture::new();
    let config = fixture.dir.path().join("pipelines.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", config.to_str().unwrap(), "ingest"])
        .env("CHISO_PSEUDONYM_KEY", "progress-test-key-0123456789")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // 4 catalogue rows and 13 dossier rows (see helpers.rs)
    assert!(err.contains("one_stop: bắt đầu đọc nguồn"), "{err}");
    assert!(
        err.contains("one_stop: đã đọc 17 dòng; đang ghi 4 bảng vào kho dữ liệu"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("17 rows read"), "{stdout}");
}
