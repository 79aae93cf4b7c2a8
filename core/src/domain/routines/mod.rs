//! Routines: regular visits to a learned place or to a catalog merchant
//! category, learned on the device from visit history.
//!
//! | file | concern |
//! | --- | --- |
//! | `model.rs` | `Routine`, its subject, status and privacy (the public types) |
//! | `track.rs` | one subject's window of occasions, its routine, next expected visit, overdue |
//! | `fit.rs` | finding the period in a window (robust to jitter, missed cycles, extra visits) |
//! | `wall.rs` | local wall-clock time (DST- and zone-change-proof intervals) |
//! | `reminder.rs` | what the on-the-way reminder watches between fixes |
//!
//! Every visit (detected, or given through `Engine::record_visit`) updates
//! the routine of its learned place and of each catalog category it matched,
//! when it ends. `docs/routines.md` gives the rules with their numbers and
//! reasons; the numbers live in [`crate::policy`].
//!
//! Privacy: routines over learned places (home, work, any place not in the
//! catalog, and a shop's learned place too) are [`RoutinePrivacy::DeviceOnly`];
//! only routines over catalog merchant categories are
//! [`RoutinePrivacy::Summarisable`].

mod fit;
mod model;
pub(crate) mod reminder;
mod track;
pub(crate) mod wall;

pub use model::{Routine, RoutinePrivacy, RoutineStatus, RoutineSubject};
pub use track::{overdue_tolerance_days, RoutineTrack, VisitEffect};
