//! Location fixes: what a fix may be, how fixes are held and retained; track files of the QA replay.

use crate::domain::time::DAY_MS;

// ---- Location fixes -------------------------------------------------------

/// Fixes older than the newest accepted fix by at most this much are still
/// accepted (stored, and used to refine an ongoing stay) but never cause a
/// transition. Older ones are rejected with `FixRejection::OutOfOrder`.
pub const REORDER_WINDOW_MS: i64 = 60_000;

/// The jump rule (`domain/location/filter.rs`, `docs/geofencing.md`): a
/// fix farther from the last accepted fix than the phone can plausibly have
/// travelled in the time between them is held until the next fix confirms
/// or refutes it, at any cadence. The reach is the two accuracy radii, plus
/// [`MIN_JUMP_DISTANCE_M`], plus the distance covered from the speed the
/// phone was last moving at, accelerating at up to
/// [`JUMP_MAX_ACCELERATION_MPS2`] to at most [`JUMP_MAX_GROUND_SPEED_MPS`]
/// (never slowing down). Faster travel than that bound (a flight, a
/// high-speed train seen after a silence) is accepted one fix late, when
/// the next fix agrees with the held one and not with the old position.
///
/// 2.5 m/s² is a brisk car start (0 to 100 km/h in 11 s): a shopper
/// standing still cannot be 3 km away a minute later.
pub const JUMP_MAX_ACCELERATION_MPS2: f64 = 2.5;

/// The top ground speed of the jump rule's reach: 45 m/s is 162 km/h, a
/// fast motorway drive. A phone already seen moving faster keeps its speed
/// in the reach (a train at 300 km/h is followed fix after fix).
pub const JUMP_MAX_GROUND_SPEED_MPS: f64 = 45.0;

/// The reach of the jump rule always includes this distance beyond the
/// accuracies: a hop of a few hundred metres at high implied speed is GPS
/// noise (multipath, a cold start), which the stay and fence rules absorb,
/// not a teleport. With the acceleration bound it also means that no drive
/// below about 35 m/s (126 km/h) is ever held, whatever the cadence.
pub const MIN_JUMP_DISTANCE_M: f64 = 250.0;

/// Time differences below this are treated as this, so that two fixes a few
/// milliseconds apart do not imply an absurd speed.
pub const MIN_SPEED_INTERVAL_MS: i64 = 1_000;

/// How many recent fixes are remembered to drop exact duplicates.
pub const DUPLICATE_MEMORY: usize = 32;

/// Earliest instant accepted as input (2000-01-01T00:00:00Z).
pub const MIN_INPUT_TIME_MS: i64 = 946_684_800_000;
/// Latest instant accepted as input (2100-01-01T00:00:00Z).
pub const MAX_INPUT_TIME_MS: i64 = 4_102_444_800_000;

/// `tick(now)` with `now` more than this before the engine clock is a
/// corrected device clock (ADR 0009). NTP corrections are seconds and time
/// zones do not move UTC instants, but a device clock also wanders back by
/// hours or days (set by hand, a bad cell time), and such wandering must
/// change nothing (`tests/tests/clock.rs`): a week is beyond any wandering
/// seen, and a clock weeks to decades ahead is wrong, not late. A clock
/// wrong by less than a week still holds fixes back until real time
/// catches up (a known limit, `docs/RELIABILITY.md`). Only `tick` (the
/// device's present) triggers it: fixes and steps legitimately arrive late.
pub const CLOCK_CORRECTION_MS: i64 = 7 * DAY_MS;

/// Accuracy radius above which a fix is refused outright (50 km): such a
/// fix says nothing about where the phone is.
pub const MAX_ACCURACY_M: f64 = 50_000.0;

/// Default retention of raw fixes, purged by `tick`.
pub const DEFAULT_RAW_FIX_RETENTION_MS: i64 = 7 * DAY_MS;

// ---- Track files (the simulator's and the demos' QA replay) -------------------

/// Most points (fixes and refused points together) one track file may
/// hold: two million, a 1 Hz recording of 23 days, about 200 MB of GPX.
/// It bounds the memory a file can make the reader hold (a fix and its
/// origin are under 100 bytes); a longer recording is split into files.
pub const MAX_TRACK_POINTS: usize = 2_000_000;
