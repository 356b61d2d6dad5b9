//! One run per source at a time: a second `chiso ingest` of the same source while one is
//! running would read the same files and race it to the same commits.
//!
//! On a local disk the lock is an OS file lock, which the kernel drops with the process. On
//! object storage nothing dies with a process, so the lock is a lease: an object under
//! `_locks/` written only if absent (a conditional put), renewed while the run lasts, and
//! taken over when it has expired or when its holder was a process on this machine that no
//! longer exists (a run killed here does not block the next for the lease's length).

use std::fs::{File, TryLockError};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::{Lake, Result, WarehouseError};

/// How long a lease lasts unless renewed; it is renewed at a third of that.
pub(crate) const LEASE: Duration = Duration::from_secs(60);

/// Held while a source is being ingested; released by [`SourceLock::release`], or when
/// dropped.
#[derive(Debug)]
pub struct SourceLock {
    held: Held,
}

#[derive(Debug)]
enum Held {
    /// Never read: the OS lock lasts as long as the descriptor is open.
    File(#[allow(dead_code)] File),
    Lease(Lease),
    Released,
}

/// What a lease object says: who holds it and until when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Holder {
    pub host: String,
    /// The machine's boot: a process id means nothing across reboots.
    pub boot: String,
    pub pid: u32,
    /// The process's start time in clock ticks since boot: a process id may be reused.
    pub started: u64,
    pub until: DateTime<Utc>,
}

impl Holder {
    fn me(ttl: Duration) -> Holder {
        let pid = std::process::id();
        Holder {
            host: proc_text("/proc/sys/kernel/hostname").unwrap_or_default(),
            boot: proc_text("/proc/sys/kernel/random/boot_id").unwrap_or_default(),
            pid,
            started: process_start(pid).unwrap_or_default(),
            until: Utc::now() + ttl,
        }
    }

    /// True when the lease can be taken: it has run out, or its holder was a process on this
    /// machine, since this boot, that is gone.
    fn is_stale(&self, now: DateTime<Utc>) -> bool {
        if self.until < now {
            return true;
        }
        let here = Holder::me(Duration::ZERO);
        !here.boot.is_empty()
            && self.host == here.host
            && self.boot == here.boot
            && process_start(self.pid) != Some(self.started)
    }
}

fn proc_text(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Field 22 of `/proc/PID/stat`; `None` when the process does not exist.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name (field 2) may hold spaces and parentheses: count after its last ')'
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// A lease held on object storage, renewed in the background.
#[derive(Debug)]
struct Lease {
    store: Arc<dyn ObjectStore>,
    path: Path,
    /// The version last written, shared with the renewing task.
    version: Arc<tokio::sync::Mutex<UpdateVersion>>,
    renew: tokio::task::JoinHandle<()>,
}

impl Lake {
    /// Takes the source's lock, or fails at once with [`WarehouseError::Busy`] when another
    /// run holds it.
    pub async fn lock_source(&self, source: &str) -> Result<SourceLock> {
        let held = if self.is_local() {
            Held::File(self.file_lock(source)?)
        } else {
            Held::Lease(lease(self.store().clone(), source, self.lease).await?)
        };
        Ok(SourceLock { held })
    }

    fn file_lock(&self, source: &str) -> Result<File> {
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
            Ok(()) => Ok(file),
            Err(TryLockError::WouldBlock) => Err(WarehouseError::Busy {
                source_name: source.to_string(),
                holder: None,
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// Takes the lease on `source` under the store's `_locks/`, lasting `ttl` between renewals.
async fn lease(store: Arc<dyn ObjectStore>, source: &str, ttl: Duration) -> Result<Lease> {
    let path = Path::from_iter(["_locks", &format!("{source}.lease")]);
    let busy = |holder| WarehouseError::Busy {
        source_name: source.to_string(),
        holder,
    };
    // absent: create it; present and stale: replace exactly the version read; a lease
    // deleted between the two looks is tried again
    for _ in 0..3 {
        let mode = match store.get(&path).await {
            Err(object_store::Error::NotFound { .. }) => PutMode::Create,
            Err(e) => return Err(store_error(e)),
            Ok(got) => {
                let version = UpdateVersion {
                    e_tag: got.meta.e_tag.clone(),
                    version: got.meta.version.clone(),
                };
                let bytes = got.bytes().await.map_err(store_error)?;
                match serde_json::from_slice::<Holder>(&bytes) {
                    Ok(h) if !h.is_stale(Utc::now()) => return Err(busy(Some(h))),
                    // stale, or unreadable (a torn or foreign object): replaced
                    _ => PutMode::Update(version),
                }
            }
        };
        match put_holder(store.as_ref(), &path, ttl, mode).await {
            Ok(version) => {
                let version = Arc::new(tokio::sync::Mutex::new(version));
                let renew = tokio::spawn(renew(store.clone(), path.clone(), ttl, version.clone()));
                return Ok(Lease {
                    store,
                    path,
                    version,
                    renew,
                });
            }
            // another run took it first
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => {
                let holder = read_holder(store.as_ref(), &path).await;
                return Err(busy(holder));
            }
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(store_error(e)),
        }
    }
    Err(busy(None))
}

async fn put_holder(
    store: &dyn ObjectStore,
    path: &Path,
    ttl: Duration,
    mode: PutMode,
) -> object_store::Result<UpdateVersion> {
    let body = serde_json::to_vec(&Holder::me(ttl)).expect("a holder serialises");
    let put = store
        .put_opts(
            path,
            PutPayload::from(body),
            PutOptions {
                mode,
                ..Default::default()
            },
        )
        .await?;
    Ok(UpdateVersion {
        e_tag: put.e_tag,
        version: put.version,
    })
}

async fn read_holder(store: &dyn ObjectStore, path: &Path) -> Option<Holder> {
    let bytes = store.get(path).await.ok()?.bytes().await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Keeps the lease alive until aborted; a renewal refused because another run replaced the
/// lease (this one had run out) is logged, and renewing stops.
async fn renew(
    store: Arc<dyn ObjectStore>,
    path: Path,
    ttl: Duration,
    version: Arc<tokio::sync::Mutex<UpdateVersion>>,
) {
    loop {
        tokio::time::sleep(ttl / 3).await;
        let mut current = version.lock().await;
        match put_holder(store.as_ref(), &path, ttl, PutMode::Update(current.clone())).await {
            Ok(v) => *current = v,
            Err(object_store::Error::Precondition { .. }) => {
                tracing::error!("the lease {path} was taken over by another run");
                return;
            }
            // a passing store error: the lease has two more tries before it runs out
            Err(e) => tracing::warn!("renewing the lease {path}: {e}"),
        }
    }
}

fn store_error(e: object_store::Error) -> WarehouseError {
    deltalake::DeltaTableError::from(e).into()
}

impl SourceLock {
    /// Gives the lock up now. A lease is deleted only while it is still this run's.
    pub async fn release(mut self) -> Result<()> {
        match std::mem::replace(&mut self.held, Held::Released) {
            Held::Lease(lease) => lease.release().await,
            Held::File(_) | Held::Released => Ok(()),
        }
    }
}

impl Lease {
    async fn release(self) -> Result<()> {
        self.renew.abort();
        let ours = self.version.lock().await.clone();
        match self.store.head(&self.path).await {
            Ok(meta) if meta.e_tag == ours.e_tag && meta.version == ours.version => {
                match self.store.delete(&self.path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(store_error(e)),
                }
            }
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }
}

impl Drop for SourceLock {
    fn drop(&mut self) {
        if let Held::Lease(lease) = std::mem::replace(&mut self.held, Held::Released) {
            lease.renew.abort();
            // dropped without release (an error path): give it up in the background; if the
            // process ends first, the lease runs out or is seen to be a dead process's
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = lease.release().await {
                        tracing::warn!("releasing a lease: {e}");
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_run_of_the_same_source_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap(), dir.path()).unwrap();
        let held = lake.lock_source("one_stop").await.unwrap();
        let err = lake.lock_source("one_stop").await.unwrap_err();
        assert!(err.to_string().contains("one_stop"), "{err}");
        // another source is not blocked
        let _other = lake.lock_source("vneid").await.unwrap();
        drop(held);
        lake.lock_source("one_stop").await.unwrap();
    }

    async fn holder_of(store: &dyn ObjectStore) -> Holder {
        read_holder(store, &Path::from("_locks/one_stop.lease"))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_lease_on_object_storage_is_held_renewed_and_given_up() {
        let store: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let ttl = Duration::from_millis(600);
        let held = lease(store.clone(), "one_stop", ttl).await.unwrap();
        let first = holder_of(store.as_ref()).await;
        assert_eq!(first.pid, std::process::id());
        match lease(store.clone(), "one_stop", ttl).await.unwrap_err() {
            WarehouseError::Busy {
                source_name,
                holder,
            } => {
                assert_eq!(source_name, "one_stop");
                assert_eq!(holder.unwrap().pid, std::process::id());
            }
            e => panic!("{e}"),
        }
        let _other = lease(store.clone(), "vneid", ttl).await.unwrap();
        // past the first lease's end it is still held: renewed meanwhile
        tokio::time::sleep(ttl * 2).await;
        let renewed = holder_of(store.as_ref()).await;
        assert!(
            renewed.until > first.until + ttl,
            "{renewed:?} vs {first:?}"
        );
        assert!(lease(store.clone(), "one_stop", ttl).await.is_err());
        SourceLock {
            held: Held::Lease(held),
        }
        .release()
        .await
        .unwrap();
        assert!(
            store
                .head(&Path::from("_locks/one_stop.lease"))
                .await
                .is_err()
        );
        lease(store.clone(), "one_stop", ttl).await.unwrap();
    }

    #[tokio::test]
    async fn a_stale_lease_is_taken_over_a_live_one_elsewhere_is_not() {
        let store: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let path = Path::from("_locks/one_stop.lease");
        let write = |h: &Holder| PutPayload::from(serde_json::to_vec(h).unwrap());
        let me = Holder::me(LEASE);
        let elsewhere = Holder {
            host: format!("{}-other", me.host),
            ..me.clone()
        };
        store.put(&path, write(&elsewhere)).await.unwrap();
        assert!(lease(store.clone(), "one_stop", LEASE).await.is_err());
        // the same holder, run out: taken over
        let run_out = Holder {
            until: Utc::now() - chrono::Duration::seconds(1),
            ..elsewhere
        };
        store.put(&path, write(&run_out)).await.unwrap();
        let taken = lease(store.clone(), "one_stop", LEASE).await.unwrap();
        assert_eq!(holder_of(store.as_ref()).await.host, me.host);
        taken.renew.abort();
        // a run of this machine killed before its end: taken over at once
        let killed = Holder {
            started: me.started + 1,
            ..me
        };
        store.put(&path, write(&killed)).await.unwrap();
        lease(store.clone(), "one_stop", LEASE).await.unwrap();
        // an object that is no lease at all (torn, foreign) does not block forever
        store
            .put(&path, PutPayload::from_static(b"{"))
            .await
            .unwrap();
        lease(store.clone(), "one_stop", LEASE).await.unwrap();
    }

    #[test]
    fn a_lease_is_stale_when_run_out_or_its_process_is_gone() {
        let me = Holder::me(LEASE);
        let now = Utc::now();
        assert!(!me.is_stale(now), "this process holds it");
        assert!(me.is_stale(now + LEASE * 2), "run out");
        // a process of this machine that is no more (or a reused pid: another start time)
        let gone = Holder {
            started: me.started + 1,
            ..me.clone()
        };
        assert!(gone.is_stale(now));
        // another machine's holder is believed until its lease runs out
        let elsewhere = Holder {
            host: format!("{}-other", me.host),
            ..gone
        };
        assert!(!elsewhere.is_stale(now));
    }
}
