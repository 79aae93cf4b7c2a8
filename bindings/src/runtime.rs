//! The one place that decides where async methods run.
//!
//! uniffi polls a Rust future from the foreign side (Kotlin coroutines,
//! Swift tasks); the future must not block that thread. Work is handed to a
//! small pool of Kairos threads (`futures-executor`'s `ThreadPool`, two
//! threads named `kairos-worker-N`, started on first use), and the exported
//! async method awaits a one-shot channel that the work completes. A
//! channel's receiver can be awaited from any executor, so exported async
//! methods need no `async_runtime` attribute, and no Rust async runtime
//! (reactor, timers) is linked: the library does no I/O of its own beyond
//! SQLite files, and `sync`'s requests are futures of the app's HTTP stack
//! (`HttpTransport`), completed by the foreign side.
//!
//! * [`run_blocking`] runs a blocking closure (SQLite; engine calls
//!   serialise on the engine's lock anyway) on a pool thread.
//! * [`spawn`] runs a future (`sync`) on the pool: waiting for an answer
//!   costs no thread, and the short SQLite steps between requests run on a
//!   pool thread, not on the app's.
//!
//! A panic in the work becomes [`KairosError::Internal`]. Dropping the
//! returned future (a cancelled coroutine or task) does not stop the work:
//! it runs to its end, so nothing is left half-done.

use crate::error::{panic_message, KairosError};
use futures_channel::oneshot;
use futures_executor::ThreadPool;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::LazyLock;

/// Threads of the pool.
const THREADS: usize = 2;

static POOL: LazyLock<ThreadPool> = LazyLock::new(|| {
    ThreadPool::builder()
        .pool_size(THREADS)
        .name_prefix("kairos-worker-")
        .create()
        .expect("the kairos worker threads must start (threads are available)")
});

/// Runs the blocking `f` on a Kairos thread and waits for it without
/// blocking the caller's thread. A panic in `f` becomes
/// [`KairosError::Internal`].
pub async fn run_blocking<T, F>(f: F) -> Result<T, KairosError>
where
    F: FnOnce() -> Result<T, KairosError> + Send + 'static,
    T: Send + 'static,
{
    spawn(async move { f() }).await
}

/// Runs the future `f` on the Kairos threads and waits for it from whatever
/// executor polls the returned future (Kotlin coroutines, Swift tasks). A
/// panic in `f` becomes [`KairosError::Internal`]. Dropping the returned
/// future does not stop `f`: it runs to its end, so the work it does is
/// never left half-done.
pub async fn spawn<T, F>(f: F) -> Result<T, KairosError>
where
    F: std::future::Future<Output = Result<T, KairosError>> + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = oneshot::channel();
    POOL.spawn_ok(async move {
        // The receiver may be gone (the caller was cancelled): the work
        // still ran to its end, and its result has nobody to go to.
        let _ = done.send(AssertUnwindSafe(f).catch_unwind().await);
    });
    match result.await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(KairosError::Internal {
            reason: format!("internal error: kairos worker failed: {}", panic_message(panic.as_ref())),
        }),
        Err(oneshot::Canceled) => {
            Err(KairosError::Internal { reason: "internal error: kairos worker stopped before finishing".into() })
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Polls a future to completion on the current thread (no runtime).
    pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures_executor::block_on(f)
    }

    #[test]
    fn runs_off_the_callers_thread_without_its_runtime() {
        let caller = std::thread::current().id();
        let other = block_on(run_blocking(move || Ok(std::thread::current().id() != caller)));
        assert_eq!(other, Ok(true));
        let name = block_on(run_blocking(|| Ok(std::thread::current().name().map(str::to_owned))));
        assert!(name.unwrap().is_some_and(|n| n.starts_with("kairos-worker-")));
    }

    #[test]
    fn a_panic_in_blocking_work_is_an_internal_error() {
        let r: Result<(), _> = block_on(run_blocking(|| panic!("worker boom")));
        assert!(matches!(r, Err(KairosError::Internal { ref reason }) if reason.contains("worker boom")), "{r:?}");
        // The pool survives it.
        assert_eq!(block_on(run_blocking(|| Ok(7))), Ok(7));
    }

    #[test]
    fn spawned_futures_run_to_their_end_and_their_panics_are_errors() {
        let (tx, rx) = oneshot::channel::<u32>();
        let waiting = spawn(async move { Ok(rx.await.unwrap_or(0) + 1) });
        tx.send(41).unwrap();
        assert_eq!(block_on(waiting), Ok(42));
        let r: Result<(), _> = block_on(spawn(async { panic!("task boom") }));
        assert!(matches!(r, Err(KairosError::Internal { ref reason }) if reason.contains("task boom")), "{r:?}");
    }

    #[test]
    fn a_dropped_caller_does_not_stop_the_work() {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(spawn(async move {
            tx.send("finished").unwrap();
            Ok(())
        }));
        // Never polled, so never started: spawning happens on the first poll.
        assert!(rx.recv_timeout(std::time::Duration::from_millis(50)).is_err());
        let (tx, rx) = std::sync::mpsc::channel();
        let (started_tx, started) = oneshot::channel::<()>();
        let mut call = Box::pin(spawn(async move {
            let _ = started_tx.send(());
            tx.send("finished").unwrap();
            Ok(())
        }));
        // Poll once (spawns), then drop the caller.
        let _ = std::future::Future::poll(call.as_mut(), &mut std::task::Context::from_waker(std::task::Waker::noop()));
        drop(call);
        block_on(started).unwrap();
        assert_eq!(rx.recv().unwrap(), "finished");
    }
}
