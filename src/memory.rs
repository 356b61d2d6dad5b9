//! How the process asks the system for memory.
//!
//! glibc's allocator gives threads that contend for it arenas of their own, up to eight per
//! core, and each arena keeps what was freed in it for later. An ingest's threads (readers,
//! checking workers, the runtime's) free hundreds of megabytes in turn, so the arenas kept
//! the high-water mark of each: measured on the scale-37 sample, the whole ingest peaked at
//! 553 MiB resident with the default and at 333 MiB with two arenas, in the same time.

/// Arenas the allocator may make: two, one a core of the smallest machine chiso runs on.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;

/// Limits the allocator's arenas ([`ARENAS`]); call before any thread starts. Does nothing
/// where the allocator is not glibc's.
pub fn few_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; M_ARENA_MAX takes any positive
    // count, and arenas already made stay valid
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
