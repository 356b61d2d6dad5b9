//! The binary end to end: `chiso demo` on the embedded ward, driven in Chromium through
//! WebDriver after signing in, and `chiso indicators` printing the same figures as the API.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A copy of the repository's pipelines.toml in a temporary directory, serving on any free
/// port (the service says which once it listens: no other test can take it in between).
fn demo_config(dir: &std::path::Path) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let addr = "127.0.0.1:0";
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
    assert!(text.contains(addr), "pipelines.toml changed shape");
    let path = dir.join("pipelines.toml");
    std::fs::write(&path, text).unwrap();
    path
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

/// The demo's accounts as it prints them (name, role, password), and the address it serves.
fn read_accounts(
    lines: &std::sync::mpsc::Receiver<String>,
) -> (std::collections::BTreeMap<String, String>, String) {
    let mut accounts = std::collections::BTreeMap::new();
    let start = Instant::now();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(600).saturating_sub(start.elapsed()))
            .expect("chiso demo printed its accounts and started serving");
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with("  ") && words.len() == 3 {
            accounts.insert(words[0].to_string(), words[2].to_string());
        }
        if line.starts_with("chiso: serving") {
            let url = words.last().expect("the address served");
            return (accounts, url.trim_end_matches('/').to_string());
        }
    }
}

/// `chiso demo` running in `dir`: the process, its address and the accounts it printed.
fn start_demo(
    dir: &std::path::Path,
) -> (
    Killed,
    std::path::PathBuf,
    String,
    std::collections::BTreeMap<String, String>,
) {
    let config = demo_config(dir);
    let child = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", config.to_str().unwrap(), "demo"])
        .env_remove("CHISO_PSEUDONYM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let (accounts, base) = read_accounts(&rx);
    assert_eq!(accounts.len(), 4, "one account per role: {accounts:?}");
    (child, config, base, accounts)
}

/// Schemathesis (PyPI) against the demo's /openapi.json, signed in: no answer is a server
/// error.
#[tokio::test]
async fn schemathesis_finds_no_server_error_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _config, base, accounts) = start_demo(dir.path());
    wait_for(&format!("{base}/readyz"), &mut child.0).await;
    let cookie = crate::browser::session_cookie(&base, "ubnd", &accounts["ubnd"]).await;
    let out = Command::new("schemathesis")
        .args([
            "run",
            &format!("{base}/openapi.json"),
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "10",
            "--seed",
            "1",
            "--header",
            &format!("Cookie: {cookie}"),
        ])
        .env("NO_COLOR", "1")
        // its cache of findings goes in the test's own folder, not the checkout
        .current_dir(dir.path())
        .output()
        .expect("schemathesis is installed (pip install schemathesis; .ci/run does)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{report}");
    assert!(!report.contains("Selected: 0"), "{report}");
}

/// The browser test: sign in, the overview, another period and a khu phố, an indicator page
/// with its chart, the data page, a CSV downloaded; screenshots kept; a clean console.
#[tokio::test]
async fn demo_in_a_browser_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, config, base, accounts) = start_demo(dir.path());
    // the public page needs no sign-in; the overview does
    let public = wait_for(&format!("{base}/cong-khai"), &mut child.0).await;
    assert!(public.contains("Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)"));
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let b = crate::webdriver::Browser::start(&dir.path().join("profile"), &downloads).await;

    b.goto(&format!("{base}/")).await;
    assert!(b.url().await.contains("/dang-nhap"), "sent to sign in");
    let name = b.find("input[name=ten]").await;
    b.type_text(&name, "ubnd").await;
    let pw = b.find("input[name=mat_khau]").await;
    b.type_text(&pw, &accounts["ubnd"]).await;
    b.click(&b.find("form[action='/dang-nhap'] button").await)
        .await;
    b.wait_for(
        "return !!document.getElementById('phu-luc-1')",
        "the overview",
    )
    .await;
    assert_eq!(b.count("#phu-luc-1 tr[id^=row-]").await, 22);
    let fits = b
        .script("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "the table fits 1366 px"
    );
    std::fs::write(shots.join("tong-quan.png"), b.screenshot().await).unwrap();

    // another period, then one khu phố, with the pickers
    b.click(&b.find("select[name=period] option[value='2026-Q3']").await)
        .await;
    b.click(&b.find("form.pickers button").await).await;
    b.wait_for(
        "return location.search.includes('period=2026-Q3')",
        "the quarter",
    )
    .await;
    let lead = b.text(&b.find("p.lead").await).await;
    assert!(lead.contains("quý III/2026"), "{lead}");
    b.click(&b.find("select[name=unit] option[value='KP01']").await)
        .await;
    b.click(&b.find("form.pickers button").await).await;
    b.wait_for(
        "return location.search.includes('unit=KP01')",
        "the khu phố",
    )
    .await;
    let lead = b.text(&b.find("p.lead").await).await;
    assert!(lead.starts_with("Khu phố Xuân Bình"), "{lead}");

    // an indicator page: its chart is drawn
    b.click(&b.find("#row-I\\.3 a").await).await;
    b.wait_for(
        "return [...document.images].length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        "the charts",
    )
    .await;
    let h1 = b.text(&b.find("h1").await).await;
    assert!(h1.starts_with("I.3"), "{h1}");
    std::fs::write(shots.join("chi-tieu-I.3.png"), b.screenshot().await).unwrap();

    // a CSV of the figure, downloaded
    b.click(&b.find("a[href*='/tai/I.3.csv']").await).await;
    let start = Instant::now();
    let csv = loop {
        let found = std::fs::read_dir(&downloads)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "csv"));
        if let Some(p) = found {
            break std::fs::read_to_string(p).unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no CSV downloaded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        csv.contains("I.3") && csv.contains("Khu phố Xuân Bình"),
        "{csv}"
    );

    // the data page
    b.click(&b.find("nav a[href='/du-lieu']").await).await;
    b.wait_for(
        "return !!document.getElementById('do-moi')",
        "the data page",
    )
    .await;
    assert!(b.count("#lan-nap tbody tr").await >= 5);
    std::fs::write(shots.join("du-lieu.png"), b.screenshot().await).unwrap();

    // on a phone 360 px wide, every page fits its width
    let phone = crate::webdriver::Browser::phone(&dir.path().join("phone"), 360).await;
    phone.goto(&format!("{base}/dang-nhap")).await;
    phone
        .type_text(&phone.find("input[name=ten]").await, "khu-pho")
        .await;
    phone
        .type_text(
            &phone.find("input[name=mat_khau]").await,
            &accounts["khu-pho"],
        )
        .await;
    phone
        .click(&phone.find("form[action='/dang-nhap'] button").await)
        .await;
    phone
        .wait_for(
            "return !!document.getElementById('phu-luc-1')",
            "the overview",
        )
        .await;
    for page in ["/", "/chi-tieu/I.3", "/du-lieu", "/bao-cao", "/cong-khai"] {
        phone.goto(&format!("{base}{page}")).await;
        let width = phone
            .script("return [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
            .await;
        assert_eq!(width[0], 360, "{page}");
        assert_eq!(width[0], width[1], "{page} is wider than the phone");
    }
    std::fs::write(shots.join("dien-thoai.png"), phone.screenshot().await).unwrap();
    drop(phone);

    let errors: Vec<_> = b
        .console()
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    for shot in ["tong-quan.png", "chi-tieu-I.3.png", "du-lieu.png"] {
        let png = std::fs::read(shots.join(shot)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{shot}");
    }

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
    let client = crate::browser::http_client(
        &base,
        &chiso::Config::load(&config).unwrap(),
        "kiem-tra",
        "ubnd",
        None,
    )
    .await;
    let api: serde_json::Value = client
        .get(format!("{base}/api/indicators?period={period}"))
        .send()
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
    let config = demo_config(dir.path());
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

/// SIGTERM while a download is being made: the download is finished and whole, the process
/// then stops cleanly and says so.
#[tokio::test]
async fn sigterm_finishes_the_requests_under_way() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _config, base, accounts) = start_demo(dir.path());
    wait_for(&format!("{base}/readyz"), &mut child.0).await;
    let cookie = crate::browser::session_cookie(&base, "ubnd", &accounts["ubnd"]).await;
    let url = format!("{base}/api/indicators/I.3/evidence?period=2026");
    let download = tokio::spawn(async move {
        reqwest::Client::new()
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.0.id().to_string();
    run_ok(Command::new("kill").args(["-TERM", &pid]));
    let resp = download.await.unwrap();
    assert_eq!(resp.status(), 200);
    let zip = resp.bytes().await.unwrap();
    let path = dir.path().join("annex.zip");
    std::fs::write(&path, &zip).unwrap();
    dashboards::documents::evidence::verify(&path).expect("the annex is whole");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still running after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "no longer listening"
    );
}

/// A mistyped key in the deployment file: the error names the file, the line and the key, and
/// the keys that would be right.
#[test]
fn a_config_error_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path());
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen("[server]\n", "[server]\nidle_minute = 5\n", 1),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        config.to_str().unwrap(),
        "idle_minute = 5",
        "unknown field `idle_minute`",
        "idle_minutes",
    ] {
        assert!(err.contains(part), "{part} in: {err}");
    }
    // an address that is not one is named with where it came from
    std::fs::write(&config, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["serve", "--listen", "localhost"])
        .current_dir(dir.path())
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--listen") && err.contains("“localhost”"),
        "{err}"
    );
}

/// `chiso user add|passwd|disable`: the password from standard input, hashed with argon2id;
/// a khu phố account needs a khu phố of the ward.
#[test]
fn user_commands_write_the_accounts_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path());
    let chiso = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chiso"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = chiso(
        &["user", "add", "kp03", "--role", "khu_pho", "--unit", "KP03"],
        "mat-khau-khu-pho-3\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let users = dir.path().join("data/users.toml");
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.contains("name = \"kp03\"") && text.contains("$argon2id$"));
    assert!(!text.contains("mat-khau-khu-pho-3"), "no password in clear");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&users).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
    let file = dashboards::auth::UserFile::new(&users);
    let u = file.load().unwrap().remove(0);
    assert!(dashboards::auth::users::verify_password(
        "mat-khau-khu-pho-3",
        &u.password
    ));

    let out = chiso(
        &["user", "add", "kp99", "--role", "khu_pho", "--unit", "KP99"],
        "mat-khau-khu-pho-99\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KP99"));

    let out = chiso(&["user", "passwd", "kp03"], "mat-khau-moi-cua-kp03\n");
    assert!(out.status.success());
    let u = file.load().unwrap().remove(0);
    assert!(dashboards::auth::users::verify_password(
        "mat-khau-moi-cua-kp03",
        &u.password
    ));
    let out = chiso(&["user", "disable", "kp03"], "");
    assert!(out.status.success());
    assert!(file.load().unwrap()[0].disabled);
}
