//! Listeners: foreign objects that receive every event the engine returns.
//!
//! Delivery happens after the engine call has finished and released the
//! engine's lock (events are collected, then handed out), on the thread
//! that made the call (a Kairos worker thread for async methods). A listener
//! may therefore call back into the engine. Events of one call arrive in
//! one `onEvents` call, in time order; calls made concurrently from several
//! threads may deliver their batches in either order.

use crate::error::panic_message;
use crate::event::KairosEvent;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Implemented by the app to receive events (Kotlin: an interface; Swift: a
/// protocol). Register it with `Engine.subscribe`.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    /// Called with the events of one engine call, in time order, never with
    /// an empty list. Keep it short (hand off to your UI thread or a
    /// queue). An exception (Swift: an error) thrown here, of any type, is
    /// logged and dropped: it reaches neither the engine call that caused
    /// the events nor other listeners. Implementations need not throw.
    fn on_events(&self, events: Vec<KairosEvent>) -> Result<(), ListenerError>;
}

/// A listener failed. The engine logs it and goes on; apps need not throw
/// it, any exception or error from `onEvents` becomes one.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    /// Why, in words.
    #[error("{reason}")]
    Failed {
        /// What the listener threw.
        reason: String,
    },
}

/// Whatever a listener throws becomes a [`ListenerError`] (not a panic).
impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Failed { reason: e.reason }
    }
}

/// A live registration of an [`EventListener`]. Cancelled by `cancel()`,
/// by Kotlin's `close()` (it is `AutoCloseable`, so `use { }` works), or
/// when the object is freed (Swift: on release; Kotlin: when the garbage
/// collector gets to it, which may be late, so cancel explicitly).
#[derive(uniffi::Object)]
pub struct Subscription {
    id: u64,
    hub: Weak<Listeners>,
}

#[uniffi::export]
impl Subscription {
    /// Stops delivery to this listener. No delivery starts after `cancel`
    /// returns (one already running on another thread may still finish).
    /// Idempotent.
    pub fn cancel(&self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.remove(self.id);
        }
    }

    /// Whether the listener still receives events: not cancelled, and the
    /// engine is still open.
    pub fn is_active(&self) -> bool {
        self.hub.upgrade().is_some_and(|hub| hub.contains(self.id))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The listeners of one engine.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: AtomicU64,
    live: Mutex<Vec<(u64, Arc<dyn EventListener>)>>,
}

impl Listeners {
    fn live(&self) -> MutexGuard<'_, Vec<(u64, Arc<dyn EventListener>)>> {
        // Listeners run outside this lock, so it cannot be poisoned by one;
        // recover anyway rather than panic.
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `listener`; it stays registered while the subscription lives.
    pub(crate) fn add(self: &Arc<Self>, listener: Arc<dyn EventListener>) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.live().push((id, listener));
        Subscription { id, hub: Arc::downgrade(self) }
    }

    fn remove(&self, id: u64) {
        self.live().retain(|(i, _)| *i != id);
    }

    fn contains(&self, id: u64) -> bool {
        self.live().iter().any(|(i, _)| *i == id)
    }

    /// Hands `events` to every live listener, outside any lock. A listener
    /// that fails (a foreign exception arrives as a [`ListenerError`]; a
    /// Rust implementation may panic) is logged and skipped.
    pub(crate) fn deliver(&self, events: &[KairosEvent]) {
        if events.is_empty() {
            return;
        }
        let snapshot: Vec<(u64, Arc<dyn EventListener>)> = self.live().clone();
        for (id, listener) in snapshot {
            if !self.contains(id) {
                continue; // cancelled while earlier listeners ran
            }
            match catch_unwind(AssertUnwindSafe(|| listener.on_events(events.to_vec()))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(listener = id, error = %e, "event listener failed"),
                Err(payload) => {
                    tracing::warn!(listener = id, error = %panic_message(payload.as_ref()), "event listener panicked")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[derive(Default)]
    struct Collect(Mutex<Vec<KairosEvent>>);
    impl EventListener for Collect {
        fn on_events(&self, events: Vec<KairosEvent>) -> Result<(), ListenerError> {
            self.0.lock().unwrap().extend(events);
            Ok(())
        }
    }

    /// Throws, as a Kotlin or Swift listener may.
    struct Fail;
    impl EventListener for Fail {
        fn on_events(&self, _: Vec<KairosEvent>) -> Result<(), ListenerError> {
            Err(ListenerError::Failed { reason: "listener threw".into() })
        }
    }

    /// Panics, as a Rust implementation may.
    struct Panic;
    impl EventListener for Panic {
        fn on_events(&self, _: Vec<KairosEvent>) -> Result<(), ListenerError> {
            panic!("listener panicked")
        }
    }

    fn event() -> KairosEvent {
        KairosEvent::StepGoalReached {
            at: UNIX_EPOCH,
            day: crate::local_day::LocalDay { year: 1970, month: 1, day: 1 },
            steps: 1,
            goal: 1,
        }
    }

    #[test]
    fn cancel_and_drop_stop_delivery() {
        let hub = Arc::new(Listeners::default());
        let (a, b) = (Arc::new(Collect::default()), Arc::new(Collect::default()));
        let sa = hub.add(a.clone());
        let sb = hub.add(b.clone());
        hub.deliver(&[event()]);
        sa.cancel();
        assert!(!sa.is_active() && sb.is_active());
        hub.deliver(&[event()]);
        drop(sb);
        hub.deliver(&[event()]);
        assert_eq!((a.0.lock().unwrap().len(), b.0.lock().unwrap().len()), (1, 2));
        sa.cancel(); // idempotent
    }

    #[test]
    fn a_failing_listener_neither_propagates_nor_starves_others() {
        let hub = Arc::new(Listeners::default());
        let ok = Arc::new(Collect::default());
        let _f = hub.add(Arc::new(Fail));
        let _p = hub.add(Arc::new(Panic));
        let _o = hub.add(ok.clone());
        hub.deliver(&[event(), event()]);
        assert_eq!(ok.0.lock().unwrap().len(), 2);
    }

    #[test]
    fn empty_batches_are_not_delivered_and_a_dropped_hub_ends_subscriptions() {
        let hub = Arc::new(Listeners::default());
        let c = Arc::new(Collect::default());
        let s = hub.add(c.clone());
        hub.deliver(&[]);
        assert!(c.0.lock().unwrap().is_empty());
        drop(hub);
        assert!(!s.is_active());
        s.cancel();
    }
}
