//! Progress of long reads on a terminal: a bar per file being read, drawn from the `progress`
//! events ingest reports ([`tables::progress::report_file`]); other progress messages are
//! printed above the bars. Not on a terminal, the same events are plain log lines.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The bars of the files being read.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars {
            multi: MultiProgress::new(),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, file: &str) -> ProgressBar {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        bars.entry(file.to_string())
            .or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(file.to_string());
                bar
            })
            .clone()
    }

    fn finish(&self, file: &str) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = bars.remove(file) {
            bar.finish_and_clear();
        }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

/// The fields of one progress event.
#[derive(Default)]
struct Progress {
    message: String,
    file: Option<String>,
    rows: Option<u64>,
    done: bool,
}

impl Visit for Progress {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "file" {
            self.file = Some(value.to_string());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows" {
            self.rows = Some(value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "done" {
            self.done = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Bars {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != tables::progress::TARGET {
            return;
        }
        let mut p = Progress::default();
        event.record(&mut p);
        match (&p.file, p.rows) {
            (Some(file), Some(rows)) if !p.done => {
                self.bar(file)
                    .set_message(format!("{} dòng", tables::number::integer(rows)));
                self.bar(file).tick();
            }
            (Some(file), _) => {
                self.finish(file);
                let _ = self.multi.println(&p.message);
            }
            (None, _) => {
                let _ = self.multi.println(&p.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn a_file_read_has_a_bar_until_it_is_done() {
        let bars = std::sync::Arc::new(Bars::new());
        // drawn nowhere: the test watches the bars, not the terminal
        bars.multi
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
        let subscriber = tracing_subscriber::registry().with(SharedBars(bars.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tables::progress::report_file("a.csv", 100_000, false, "a.csv: đã đọc 100.000 dòng");
            tables::progress::report_file("b.csv", 100_000, false, "b.csv: đã đọc 100.000 dòng");
            let open = bars.bars.lock().unwrap().len();
            assert_eq!(open, 2);
            assert_eq!(bars.bars.lock().unwrap()["a.csv"].message(), "100.000 dòng");
            tables::progress::report_file("a.csv", 150_000, true, "a.csv: xong");
            tables::progress::report("nguồn: đang ghi");
        });
        let left: Vec<String> = bars.bars.lock().unwrap().keys().cloned().collect();
        assert_eq!(left, ["b.csv"]);
    }

    /// The layer behind an `Arc`, so the test can look at it after the events.
    struct SharedBars(std::sync::Arc<Bars>);

    impl<S: Subscriber> Layer<S> for SharedBars {
        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            self.0.on_event(event, ctx)
        }
    }
}
