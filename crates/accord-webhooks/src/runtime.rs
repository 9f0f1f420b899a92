//! The deliveries' own tokio runtime, at a lower CPU priority than the
//! write path (ADR 0018).
//!
//! Every thread of it, workers and blocking pool, raises its nice value as
//! it starts (`setpriority(PRIO_PROCESS, gettid)`, which Linux applies to the
//! one thread), so when the cores are saturated the writer and the HTTP
//! handlers win and deliveries catch up afterwards. A nice value, not
//! `SCHED_IDLE`: a niced thread keeps a share of a busy core (at nice 10,
//! about a tenth of a nice-0 thread's), so deliveries slow down, never stop.

use tokio::runtime::Runtime;

/// The highest nice value Linux allows.
pub const MAX_NICE: i32 = 19;

/// A multi-threaded runtime whose threads run `nice` steps below the
/// calling thread's priority (capped at [`MAX_NICE`]); 0 leaves them as is.
pub(crate) fn build(nice: i32) -> std::io::Result<Runtime> {
    // An absolute target, computed once: a blocking thread started by a
    // worker inherits the worker's nice value, so a relative step would add up.
    let target = target_nice(nice);
    tokio::runtime::Builder::new_multi_thread()
        .thread_name("webhook-delivery")
        .enable_all()
        .on_thread_start(move || {
            if let Some(target) = target {
                set_thread_nice(target);
            }
        })
        .build()
}

/// The nice value `nice` steps below the calling thread's, if any.
#[cfg(target_os = "linux")]
fn target_nice(nice: i32) -> Option<i32> {
    if nice <= 0 {
        return None;
    }
    let current = rustix::process::getpriority_process(Some(rustix::thread::gettid()));
    let current = current.unwrap_or(0);
    Some(current.saturating_add(nice).min(MAX_NICE))
}

#[cfg(not(target_os = "linux"))]
fn target_nice(_nice: i32) -> Option<i32> {
    None
}

/// Sets the calling thread's nice value; a failure only costs the priority.
#[cfg(target_os = "linux")]
fn set_thread_nice(target: i32) {
    let thread = rustix::thread::gettid();
    if let Err(error) = rustix::process::setpriority_process(Some(thread), target) {
        tracing::warn!(%error, target, "could not lower a webhook thread's CPU priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn set_thread_nice(_target: i32) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn thread_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
    }

    #[test]
    fn workers_and_blocking_threads_run_at_the_lowered_priority() {
        let base = thread_nice();
        let runtime = build(10).unwrap();
        let worker = runtime.block_on(async { tokio::spawn(async { thread_nice() }).await });
        let blocking = runtime.block_on(runtime.spawn_blocking(thread_nice));
        let nested = runtime.block_on(async {
            tokio::spawn(async { tokio::task::spawn_blocking(thread_nice).await })
                .await
                .unwrap()
        });
        let expected = (base + 10).min(MAX_NICE);
        assert_eq!(worker.unwrap(), expected);
        assert_eq!(blocking.unwrap(), expected);
        assert_eq!(nested.unwrap(), expected, "not lowered twice");
        assert_eq!(thread_nice(), base, "the caller keeps its priority");
    }

    #[test]
    fn zero_leaves_the_priority_alone() {
        let base = thread_nice();
        let runtime = build(0).unwrap();
        let worker = runtime.block_on(async { tokio::spawn(async { thread_nice() }).await });
        assert_eq!(worker.unwrap(), base);
    }
}
