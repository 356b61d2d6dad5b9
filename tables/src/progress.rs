//! Progress of long reads. Reported as `tracing` events with the target `progress`, which
//! `chiso` shows on the terminal by default (and the service writes to its log), so that
//! a person ingesting a million-row export sees it moving.

/// Target of progress events.
pub const TARGET: &str = "progress";

/// Rows between two reports while a file is read.
pub const EVERY: u64 = 100_000;

/// Counts the rows of one file and says when to report.
#[derive(Debug)]
pub struct Meter {
    path: String,
    bytes: u64,
    every: u64,
    rows: u64,
    started: std::time::Instant,
}

impl Meter {
    pub fn new(path: &str, bytes: u64, every: u64) -> Self {
        Self {
            path: path.to_string(),
            bytes,
            every: every.max(1),
            rows: 0,
            started: std::time::Instant::now(),
        }
    }

    /// One more row; a message every `every` rows.
    pub fn tick(&mut self) -> Option<String> {
        self.add(1)
    }

    /// `n` more rows; a message when they pass a multiple of `every`.
    pub fn add(&mut self, n: u64) -> Option<String> {
        let before = self.rows / self.every;
        self.rows += n;
        (self.rows / self.every > before).then(|| {
            format!(
                "{}: đã đọc {} dòng ({} giây)",
                self.path,
                crate::number::integer(self.rows),
                crate::number::decimal(self.started.elapsed().as_secs_f64())
            )
        })
    }

    /// Rows counted.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The closing message, for a file long enough to have reported on the way.
    pub fn done(&self) -> Option<String> {
        (self.rows >= self.every).then(|| {
            format!(
                "{}: xong, {} dòng, {} MB trong {} giây",
                self.path,
                crate::number::integer(self.rows),
                crate::number::decimal(self.bytes as f64 / 1e6),
                crate::number::decimal(self.started.elapsed().as_secs_f64())
            )
        })
    }
}

/// Reports how far the read of one file is (`done` at its end). On a terminal `chiso` draws it
/// as that file's bar; elsewhere it is the plain line `message`.
pub fn report_file(file: &str, rows: u64, done: bool, message: &str) {
    tracing::info!(target: TARGET, file, rows, done, "{message}");
}

/// Reports a message as progress.
pub fn report(message: &str) {
    tracing::info!(target: TARGET, "{message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_n_rows_and_at_the_end_of_long_files() {
        let mut m = Meter::new("x.csv", 2_500_000, 2);
        assert_eq!(m.tick(), None);
        let second = m.tick().expect("a report at the second row");
        assert!(second.starts_with("x.csv: đã đọc 2 dòng"), "{second}");
        assert_eq!(m.tick(), None);
        assert!(m.done().expect("long file").contains("3 dòng, 2,5 MB"));
        // rows counted a chunk at a time: a message when a chunk passes a multiple
        let mut m = Meter::new("z.csv", 10, 10);
        assert_eq!(m.add(4), None);
        assert!(m.add(7).expect("past 10").contains("đã đọc 11 dòng"));
        assert_eq!(m.add(8), None);
        assert_eq!(Meter::new("y.csv", 10, 5).done(), None);
    }
}
