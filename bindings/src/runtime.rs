//! The one place that decides where async methods run.
//!
//! uniffi polls a Rust future from the foreign side (Kotlin coroutines,
//! Swift tasks); the future must not block that thread. Blocking engine work
//! (SQLite) is handed to the blocking pool of a small tokio runtime, built
//! on first use with one worker thread (for `sync`) and a few blocking
//! threads (engine calls serialise on the engine's lock anyway). A tokio
//! `JoinHandle` can be awaited from any executor, so exported async methods
//! need no `async_runtime` attribute.
//!
//! `sync` is a future of the core whose requests are futures of the app's
//! HTTP stack (`HttpTransport`, completed by the foreign side): [`spawn`]
//! runs it as a task on the runtime's worker and the exported method awaits
//! its `JoinHandle`. Waiting for an answer costs no thread; the short
//! SQLite steps between requests run on the worker, not on the app's
//! threads. No reactor or timer is needed: the app's stack owns sockets and
//! timeouts.

use crate::error::{panic_message, KairosError};
use std::sync::LazyLock;
use tokio::runtime::{Builder, Runtime};

/// Worker threads for async I/O.
const WORKER_THREADS: usize = 1;
/// Threads for blocking engine calls.
const MAX_BLOCKING_THREADS: usize = 2;

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("kairos-worker")
        .build()
        .expect("the kairos runtime must start (threads are available)")
});

/// Runs the blocking `f` on a Kairos thread and waits for it without
/// blocking the caller's thread. A panic in `f` becomes
/// [`KairosError::Internal`].
pub async fn run_blocking<T, F>(f: F) -> Result<T, KairosError>
where
    F: FnOnce() -> Result<T, KairosError> + Send + 'static,
    T: Send + 'static,
{
    joined(RUNTIME.spawn_blocking(f).await)
}

/// Runs the future `f` as a task on the Kairos runtime (which provides the
/// tokio reactor and timers that network I/O needs) and waits for it from
/// whatever executor polls the returned future (Kotlin coroutines, Swift
/// tasks). A panic in `f` becomes [`KairosError::Internal`]. Dropping the
/// returned future (a cancelled coroutine or task) does not stop the task:
/// it runs to its end, so the work it does is never left half-done.
pub async fn spawn<T, F>(f: F) -> Result<T, KairosError>
where
    F: std::future::Future<Output = Result<T, KairosError>> + Send + 'static,
    T: Send + 'static,
{
    joined(RUNTIME.spawn(f).await)
}

fn joined<T>(r: Result<Result<T, KairosError>, tokio::task::JoinError>) -> Result<T, KairosError> {
    match r {
        Ok(result) => result,
        Err(join) => {
            let what = if join.is_panic() { panic_message(join.into_panic().as_ref()) } else { join.to_string() };
            Err(KairosError::Internal { reason: format!("internal error: kairos worker failed: {what}") })
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Polls a future to completion on the current thread (no runtime).
    pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(v) => return v,
                Poll::Pending => std::thread::park(),
            }
        }
    }

    #[test]
    fn runs_off_the_callers_thread_without_its_runtime() {
        let caller = std::thread::current().id();
        let other = block_on(run_blocking(move || Ok(std::thread::current().id() != caller)));
        assert_eq!(other, Ok(true));
    }

    #[test]
    fn a_panic_in_blocking_work_is_an_internal_error() {
        let r: Result<(), _> = block_on(run_blocking(|| panic!("worker boom")));
        assert!(matches!(r, Err(KairosError::Internal { ref reason }) if reason.contains("worker boom")), "{r:?}");
    }

    #[test]
    fn spawned_futures_have_the_runtime_and_their_panics_are_errors() {
        let on_runtime = block_on(spawn(async { Ok(tokio::runtime::Handle::try_current().is_ok()) }));
        assert_eq!(on_runtime, Ok(true));
        let r: Result<(), _> = block_on(spawn(async { panic!("task boom") }));
        assert!(matches!(r, Err(KairosError::Internal { ref reason }) if reason.contains("task boom")), "{r:?}");
    }
}
