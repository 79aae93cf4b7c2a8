//! # kairos-ffi
//!
//! The Kotlin and Swift API of Kairos: a thin layer over [`kairos_core`],
//! exported with uniffi proc-macros (no UDL). Every type here mirrors a core
//! type in the shape a Kotlin or Swift developer expects (timestamps as
//! `java.time.Instant` / `Date`, signed integers, typed errors), and converts
//! to or from it with `From` / `TryFrom`. The core knows nothing of uniffi.
//!
//! | module | what crosses the boundary |
//! | --- | --- |
//! | [`engine`] | the `Engine` object and its methods |
//! | [`engine_async`] | the `async` variants of the calls that touch SQLite (`openAsync`, `eraseAllAsync`...) |
//! | [`config`] | `EngineConfig` (with defaults on the foreign side), `CatalogKey` |
//! | [`fix`] | `LocationFix`, `IngestReport`, `RejectedFix` |
//! | [`steps`] | `StepSample`, `DaySummary`, `WeekSummary`, `DaySteps` |
//! | [`routines`] | `Routine`, `RoutineSubject`, `RoutineStatus`, `RoutinePrivacy`, `Weekday`, `TimeOfDay` |
//! | [`visits`] | `Visit`, `Place`, `PlaceKind` |
//! | [`offers`] | `CatalogInfo`, `CatalogTilesInfo`, `OfferInstance`, `OfferState`, `WakeRegion` |
//! | [`sensing`] | `SensingPlan`, `SensingAccuracy`, `SensingReason` (and `Engine.sensing_plan`) |
//! | [`privacy`] | `Consents`, `ConsentEntry`, `ConsentChange`, `OutboxItem`, `OutboxKind`, `BudgetEntry` (and `Engine.privacy_budget`) |
//! | [`social`] | friend invites (`createFriendInvite`, `acceptFriendInvite`) and the friends' visit counts (`friendCounts`), purpose `social` |
//! | [`sync`] | `SyncOptions`, `SyncReport`, `SyncRefusal` (`RefusedRequest`, `RefusalCode`, `RefusalAction`) |
//! | [`transport`] | the app's HTTP stack for sync: the foreign `HttpTransport`, `HttpRequest`, `HttpResponse`, `TransportError` |
//! | [`replay`] | `parse_track` (CSV, GPX, GeoJSON), `parse_track_csv`, `ReplaySummary` (QA replay in the apps) |
//! | [`event`] | `KairosEvent`, one variant per event kind; `OfferTrigger`, `SuppressionReason` |
//! | [`listener`] | the foreign `EventListener`, its `Subscription`, `ListenerError` |
//! | [`log`] | `setLogger`, the foreign `LogSink`, `LogRecord`, `LogLevel`: the engine's `tracing` records in the app's log |
//! | [`error`] | `KairosError` (Kotlin `KairosException`) and the panic guard |
//! | [`refusal`] | `FixRejection`, `ImportRefusal`, `InviteRefusal`: the refusals errors and reports carry (below `error`, so it imports no module that uses it) |
//! | [`purpose`] | `Purpose`, the purposes of consent (below `error`, which carries one) |
//! | [`runtime`] | where async methods run (the one place that decides) |
//! | [`time`] | `SystemTime` to and from the core's millisecond timestamps |
//! | [`local_day`] | `LocalDay`, a calendar day as year, month and day |
//!
//! ## Adding a feature of the core to the FFI
//! 1. Mirror each new core type in a small file here: a `#[derive(uniffi::Record)]`
//!    or `#[derive(uniffi::Enum)]` with a doc comment on every field, and a
//!    `From` (output) or `TryFrom` (input, refusing negative numbers) conversion.
//! 2. Add the method to the `#[uniffi::export] impl Engine` block in
//!    [`engine`]: run the core call through `Engine::core_call` (panic guard and
//!    error mapping), and pass any events through `Engine::publish` so listeners
//!    see them. A core call that returns a value rather than events (such as
//!    `load_catalog`) leaves its events pending in the core: follow it with
//!    `Engine::publish_pending`.
//! 3. For I/O that may take long, write an `async fn`: blocking work (SQLite)
//!    awaits [`runtime::run_blocking`]; a longer future of the core (such as
//!    `Engine::sync`, whose requests go through the app's [`transport`])
//!    awaits [`runtime::spawn`], which runs it on a Kairos thread.
//! 4. Cover it in `bindings/kotlin` and `bindings/swift` tests.

uniffi::setup_scaffolding!();

pub mod config;
pub mod engine;
pub mod engine_async;
pub mod error;
pub mod event;
pub mod fix;
pub mod listener;
pub mod local_day;
pub mod log;
pub mod offers;
pub mod privacy;
pub mod purpose;
pub mod redemption;
pub mod refusal;
pub mod replay;
pub mod routines;
pub mod runtime;
pub mod sensing;
pub mod social;
pub mod steps;
pub mod sync;
pub mod time;
pub mod transport;
pub mod visits;

pub use config::{CatalogKey, EngineConfig};
pub use engine::Engine;
pub use error::KairosError;
pub use event::{KairosEvent, OfferTrigger, SuppressionReason};
pub use fix::{IngestReport, LocationFix, RejectedFix};
pub use listener::{EventListener, ListenerError, Subscription};
pub use local_day::LocalDay;
pub use log::{set_logger, LogLevel, LogRecord, LogSink};
pub use offers::{CatalogInfo, OfferInstance, OfferState, WakeRegion};
pub use privacy::{BudgetEntry, ConsentChange, ConsentEntry, Consents, OutboxItem, OutboxKind};
pub use purpose::Purpose;
pub use refusal::{FixRejection, ImportRefusal, InviteRefusal};
pub use replay::{parse_track, parse_track_csv, ReplaySummary};
pub use routines::{Routine, RoutinePrivacy, RoutineStatus, RoutineSubject, TimeOfDay, Weekday};
pub use sensing::{SensingAccuracy, SensingPlan, SensingReason};
pub use social::{FriendCount, FriendCounts, FriendInvite};
pub use steps::{DaySteps, DaySummary, StepSample, WeekSummary};
pub use sync::{RefusalAction, RefusalCode, RefusedRequest, SyncOptions, SyncRefusal, SyncReport};
pub use transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError};
pub use visits::{Place, PlaceKind, Visit};
