//! Logs: the engine's `tracing` events, handed to a sink the app installs.
//!
//! The core and this layer log with `tracing` (a caught panic, a listener
//! that threw, a sync problem). Nothing reaches the platform's log until the
//! app calls `setLogger(level, sink)` (Kotlin: the top-level function;
//! Swift: the global function). The packages ship a default sink each:
//! Kotlin's `KairosLog.logcat()` writes to Logcat through `android.util.Log`
//! when it is there (to standard error on a JVM), Swift's `OSLogSink` to
//! `os_log` (to standard error where there is no `os`).
//!
//! A process has one logger: this module installs a small `tracing`
//! subscriber once, on the first `setLogger`, and later calls swap its sink
//! and level. Records reach the sink on the thread that logged them, one
//! at a time per thread; a sink that throws or panics loses that record and
//! nothing else, and a record logged while the sink runs (on the same
//! thread) is dropped instead of recursing.

use std::cell::Cell;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Once, RwLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// How much to log, from the most severe. A level lets through its own
/// records and the more severe ones; `Off` none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Failures the engine survived: a caught panic, a listener that threw.
    Error,
    /// Something the app should look at: a refused input, a sync problem.
    Warn,
    /// What the engine did, at a few lines per call at most.
    Info,
    /// Details for debugging.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LogRecord {
    /// Its severity (never `Off`).
    pub level: LogLevel,
    /// Where it comes from: the Rust module path (`kairos_ffi::listener`,
    /// `kairos_core::engine::sync`...), usable as a log tag.
    pub target: String,
    /// The message, followed by its fields as `name=value`.
    pub message: String,
}

/// Implemented by the app (or the packages' default sinks) to write the
/// engine's log lines to the platform's log.
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    /// Writes one record. Called on the thread that logged it; keep it
    /// short. Whatever it throws is dropped with the record.
    fn log(&self, record: LogRecord);
}

/// Installs `sink` to receive the engine's log records at `level` and more
/// severe, replacing any sink installed before; `sink` `nil`/`null` (or
/// `level` `Off`) stops logging. The setting is for the whole process
/// (every engine).
#[uniffi::export(default(sink = None))]
pub fn set_logger(level: LogLevel, sink: Option<Arc<dyn LogSink>>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if another subscriber is the global one already (an
        // app linking its own Rust with tracing): records then go there.
        let _ = tracing::subscriber::set_global_default(Bridge);
    });
    let level = if sink.is_some() { level } else { LogLevel::Off };
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
    MAX_LEVEL.store(level as u8, Ordering::Release);
    // Callsites cache whether they are enabled: ask them again.
    tracing::callsite::rebuild_interest_cache();
}

/// The sink in force.
static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
/// The level in force, as `LogLevel as u8`.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Off as u8);

thread_local! {
    /// Set while this thread's sink runs: records it causes are dropped.
    static IN_SINK: Cell<bool> = const { Cell::new(false) };
}

/// The `tracing` subscriber that forwards events to the sink. Spans are
/// not kept (the engine's records carry their context in their fields).
struct Bridge;

impl Bridge {
    fn level() -> u8 {
        MAX_LEVEL.load(Ordering::Acquire)
    }
}

impl Subscriber for Bridge {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The level changes at run time: decide at each record.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && (LogLevel::of(metadata.level()) as u8) <= Self::level()
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if IN_SINK.with(Cell::get) {
            return;
        }
        let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else { return };
        let mut text = Text::default();
        event.record(&mut text);
        let record = LogRecord {
            level: LogLevel::of(event.metadata().level()),
            target: event.metadata().target().to_string(),
            message: text.0,
        };
        IN_SINK.with(|s| s.set(true));
        // A sink that panics (or throws, which arrives as a panic) loses
        // this record only.
        let _ = catch_unwind(AssertUnwindSafe(|| sink.log(record)));
        IN_SINK.with(|s| s.set(false));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The message first, then `name=value` for every other field.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let fields = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}{fields}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Capture(Mutex<Vec<LogRecord>>);
    impl LogSink for Capture {
        fn log(&self, record: LogRecord) {
            self.0.lock().unwrap().push(record);
        }
    }

    /// The one logger is process-wide: the tests that install it run as one.
    #[test]
    fn records_reach_the_sink_at_its_level_until_it_is_removed() {
        let sink = Arc::new(Capture::default());
        set_logger(LogLevel::Warn, Some(sink.clone()));
        tracing::warn!(listener = 3, error = "boom", "event listener failed");
        tracing::info!("too chatty for warn");
        {
            let got = sink.0.lock().unwrap();
            let line = got.iter().find(|r| r.message.starts_with("event listener failed")).expect("the warning");
            assert_eq!(line.level, LogLevel::Warn);
            assert_eq!(line.target, module_path!());
            assert!(line.message.contains("listener=3") && line.message.contains("error=boom"), "{}", line.message);
            assert!(!got.iter().any(|r| r.message.contains("too chatty")));
        }
        set_logger(LogLevel::Trace, None);
        tracing::error!("after removal");
        assert!(!sink.0.lock().unwrap().iter().any(|r| r.message.contains("after removal")));

        // A panicking sink loses its record, and the caller goes on.
        struct Panics;
        impl LogSink for Panics {
            fn log(&self, _: LogRecord) {
                panic!("sink broke")
            }
        }
        set_logger(LogLevel::Error, Some(Arc::new(Panics)));
        tracing::error!("into a broken sink");
        set_logger(LogLevel::Off, None);
    }
}
