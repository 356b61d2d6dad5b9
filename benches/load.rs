//! Benchmark (not a test): the service under load on the sample ward. The service runs in this
//! process over a lake made by `chiso sample` and `chiso ingest`; `wrk` (Debian's package)
//! sends 50 connections for a while at `/api/indicators`, the overview page `/` and one PNG
//! chart, each warmed up first, signed in as a ward account. It prints p50 and p99 latency and
//! requests per second as wrk measures them. Before any of that, it times the first request
//! for each of several periods and khu phố after the start: what a person waits for a figure
//! nobody asked for yet.
//!
//! ```text
//! cargo bench --bench load -- [--scale 1] [--until 2026-10] [--seconds 20] [--connections 50]
//! ```

use std::process::Command;

mod common;

/// What wrk printed that we report.
struct Measured {
    p50: String,
    p99: String,
    rate: String,
    errors: String,
}

fn parse_wrk(out: &str) -> Measured {
    let field = |prefix: &str| {
        out.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or("?")
            .to_string()
    };
    let errors = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
        .collect::<Vec<_>>()
        .join("; ");
    Measured {
        p50: field("50%"),
        p99: field("99%"),
        rate: field("Requests/sec:"),
        errors: if errors.is_empty() {
            "none".to_string()
        } else {
            errors
        },
    }
}

fn main() -> anyhow::Result<()> {
    if common::ingest_if_asked()? {
        return Ok(());
    }
    // the service runs in this process: with the allocator as the `chiso` binary sets it
    chiso::memory::few_arenas();
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not installed: apt-get install wrk"
    );
    let scale: f64 = common::arg("--scale").map_or(Ok(1.0), |s| s.parse())?;
    let until: metrics::Period = common::arg("--until")
        .unwrap_or_else(|| "2026-10".to_string())
        .parse()?;
    let seconds: u32 = common::arg("--seconds").map_or(Ok(20), |s| s.parse())?;
    let connections: u32 = common::arg("--connections").map_or(Ok(50), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let path = common::sample_lake(dir.path(), scale, until)?;
    let cfg = chiso::Config::load(&path)?;
    let password = "mat-khau-do-tai-0123";
    dashboards::auth::UserFile::new(chiso::site::auth_settings(&cfg).users).add(
        "do-tai",
        dashboards::auth::Role::Ubnd,
        None,
        password,
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let base = runtime.block_on(async {
        let mut state = chiso::site::state(&cfg).await?;
        // the period asked for by default: the sample's last month
        let mut site = (*state.site).clone();
        site.default_period = until;
        state.site = std::sync::Arc::new(site);
        let listener = dashboards::bind("127.0.0.1:0".parse()?).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { dashboards::serve(listener, state).await });
        anyhow::Ok(format!("http://{addr}"))
    })?;
    let cookie = runtime.block_on(sign_in(&base, "do-tai", password))?;
    // the first request for a period (and a khu phố) nobody asked for since the start
    let mut firsts = Vec::new();
    let units: Vec<String> = cfg.ward.units.iter().map(|u| u.code.clone()).collect();
    let mut month = until;
    for i in 0..6 {
        let unit = units
            .get(i * 2)
            .map(|u| format!("&unit={u}"))
            .unwrap_or_default();
        let url = format!("{base}/api/indicators?period={month}{unit}");
        let started = std::time::Instant::now();
        runtime.block_on(async {
            let r = reqwest::Client::new()
                .get(&url)
                .header("cookie", &cookie)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "{url}: {}", r.status());
            r.bytes().await?;
            anyhow::Ok(())
        })?;
        firsts.push((
            started.elapsed().as_secs_f64() * 1000.0,
            format!("{month}{unit}"),
        ));
        month =
            metrics::Period::month_of(month.first_day().pred_opt().unwrap_or(month.first_day()));
    }
    let worst = firsts.iter().map(|f| f.0).fold(0.0, f64::max);
    println!(
        "first request for a period after the start: {} (slowest {worst:.0} ms; goal < 300 ms)",
        firsts
            .iter()
            .map(|(ms, what)| format!("{what} {ms:.0} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "service on {base}; wrk, {connections} connections, {seconds} s each, after a warm-up"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10}  errors",
        "route", "p50", "p99", "req/s"
    );
    for route in [
        format!("/api/indicators?period={until}"),
        format!("/?period={until}"),
        "/charts/I.3.png".to_string(),
    ] {
        let url = format!("{base}{route}");
        runtime.block_on(async {
            let client = reqwest::Client::new();
            for _ in 0..3 {
                let r = client.get(&url).header("cookie", &cookie).send().await?;
                anyhow::ensure!(r.status().is_success(), "{route}: {}", r.status());
                r.bytes().await?;
            }
            anyhow::Ok(())
        })?;
        let out = Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-H",
                &format!("Cookie: {cookie}"),
                &url,
            ])
            .output()?;
        anyhow::ensure!(out.status.success(), "wrk failed on {route}");
        let m = parse_wrk(&String::from_utf8_lossy(&out.stdout));
        println!(
            "{:<34} {:>10} {:>10} {:>10}  {}",
            route, m.p50, m.p99, m.rate, m.errors
        );
    }
    Ok(())
}

/// Signs in through the form; the session's `Cookie` header value.
async fn sign_in(base: &str, name: &str, password: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = client.get(format!("{base}/dang-nhap")).send().await?;
    let form_cookie = form
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_string();
    let page = form.text().await?;
    let marker = "name=\"_csrf\" value=\"";
    let at = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no form token"))?
        + marker.len();
    let token = page[at..].split('"').next().unwrap_or("");
    let body = format!("_csrf={token}&ten={name}&mat_khau={password}");
    let signed = client
        .post(format!("{base}/dang-nhap"))
        .header("cookie", form_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(signed.status() == 303, "sign-in: {}", signed.status());
    Ok(signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_string())
}
