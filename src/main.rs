//! `chiso`: see `chiso --help`.

use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Default log filter: warnings and the progress of long work, without the Delta kernel's
/// reports of tables that do not exist yet (chiso creates them) or merge metrics it derives.
const QUIET: &str = "warn,progress=info,audit=info,buoyant_kernel=off,deltalake_core::operations::merge=error,usvg::text=error";

fn main() -> std::process::ExitCode {
    // before the runtime's threads: they would each make an arena of their own
    chiso::memory::few_arenas();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(QUIET));
    // CHISO_LOG_FORMAT=json: one JSON object per line, for a log collector
    if std::env::var("CHISO_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else if std::io::stderr().is_terminal() {
        // on a terminal, the progress of long reads is drawn as bars, the rest as lines
        let lines = filter.add_directive(
            format!("{}=off", tables::progress::TARGET)
                .parse()
                .expect("a filter directive"),
        );
        let progress =
            tracing_subscriber::filter::filter_fn(|m| m.target() == tables::progress::TARGET);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(lines),
            )
            .with(chiso::progress_bars::Bars::new().with_filter(progress))
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    match chiso::cli::run(chiso::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
