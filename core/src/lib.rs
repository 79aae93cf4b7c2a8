//! # kairos-core
//!
//! The Kairos on-device engine: a private local profile (steps, visits,
//! places) kept in SQLite, built from the location fixes and step samples
//! the platform delivers. No FFI types and no platform code live here; the
//! `kairos-ffi` crate wraps [`Engine`] for Kotlin and Swift.
//!
//! | module | concern |
//! | --- | --- |
//! | [`engine`] | the facade: open, record, tick, query |
//! | [`catalog`] | the signed offer catalog: format, verification, schedules, targeting |
//! | [`location`] | fixes, validation, the ordering/duplicate/jump filter |
//! | [`fences`] | geofences: the R-tree index over every fence, enter/dwell/exit tracking |
//! | [`visits`] | streaming stay detection, places, home and work |
//! | [`steps`] | counter and interval samples, daily totals, inactivity |
//! | [`store`] | the SQLite profile store and its migrations |
//! | [`track`] | synthetic tracks with ground truth, CSV tracks |
//! | [`replay`] | the replay driver shared by the simulator and the apps |
//! | [`routines`] | regular visits: period, next expected visit, overdue, on-the-way reminders |
//! | [`policy`] | every limit and default, in one place |
//! | [`error`] | the internal error and the public `KairosError` |

pub mod catalog;
pub mod config;
pub mod engine;
pub mod error;
pub mod event;
pub mod fences;
pub mod geo;
pub mod location;
pub mod offers;
pub mod policy;
pub mod privacy;
pub mod replay;
pub mod routines;
pub mod steps;
pub mod store;
pub mod sync;
pub mod time;
pub mod track;
pub mod visits;

pub use config::EngineConfig;
pub use engine::{ApiResult, Engine, IngestReport};
pub use error::KairosError;
pub use event::{Event, EventKind};
pub use location::{FixRejection, LocationFix};
pub use routines::{Routine, RoutinePrivacy, RoutineStatus, RoutineSubject};
pub use steps::{DaySummary, StepSample, WeekSummary};
pub use time::Timestamp;
pub use visits::{Place, PlaceKind, Visit};
