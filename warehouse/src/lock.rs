//! One run per source at a time: a second `chiso ingest` of the same source while one is
//! running would read the same files and race it to the same commits.

use std::fs::{File, TryLockError};

use crate::{Lake, Result, WarehouseError};

/// Held while a source is being ingested; released when dropped (or when the process dies,
/// since the operating system drops the lock with the file descriptor).
#[derive(Debug)]
pub struct SourceLock {
    _file: File,
}

impl Lake {
    /// Takes the source's lock, or fails at once with [`WarehouseError::Busy`] when another
    /// process holds it.
    pub fn lock_source(&self, source: &str) -> Result<SourceLock> {
        let dir = self
            .root()
            .to_file_path()
            .map_err(|_| WarehouseError::Location {
                location: self.root().to_string(),
                message: "not a local directory".into(),
            })?
            .join("_locks");
        let io = |source| WarehouseError::Io {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let path = dir.join(format!("{source}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(SourceLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(WarehouseError::Busy {
                source_name: source.to_string(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_of_the_same_source_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap(), dir.path()).unwrap();
        let held = lake.lock_source("one_stop").unwrap();
        let err = lake.lock_source("one_stop").unwrap_err();
        assert!(err.to_string().contains("one_stop"), "{err}");
        // another source is not blocked
        let _other = lake.lock_source("vneid").unwrap();
        drop(held);
        lake.lock_source("one_stop").unwrap();
    }
}
