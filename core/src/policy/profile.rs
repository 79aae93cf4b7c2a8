//! The private profile: visits, steps and routines.

use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};

// ---- Visits -----------------------------------------------------------------

/// Default radius of a stay: fixes within it of the stay's centre belong to
/// it (trackintel's default, 100 m).
pub const DEFAULT_STAY_RADIUS_M: f64 = 100.0;
/// Default dwell before a stay becomes a visit (trackintel's 5 minutes).
pub const DEFAULT_MIN_DWELL_MS: i64 = 5 * MINUTE_MS;
/// Default gap threshold (trackintel's 15 minutes): a silence longer than
/// this is never counted as dwell.
pub const DEFAULT_GAP_THRESHOLD_MS: i64 = 15 * MINUTE_MS;
/// Consecutive usable fixes outside a stay that confirm a departure; a
/// single stray fix never ends a visit.
pub const DEPARTURE_CONFIRM_FIXES: u32 = 2;
/// Dwell is measured between the first and the last fix of a stay that lie
/// within this share of the stay radius of the stay's centre (its core), as
/// judged when the dwell is checked. Walking into and out of a 100 m radius
/// takes up to 2.5 minutes at 1.3 m/s, enough to make a 3-minute wait at a
/// crossing look like a 5-minute visit; the core halves that lead-in and
/// lead-out, as trackintel's first-point anchor does.
pub const STAY_CORE_SHARE: f64 = 0.5;
/// Most fixes a stay not yet confirmed remembers for the dwell check; when
/// full, the older half is forgotten (only a phone pacing around a stay's
/// edge for a long time can fill it).
pub const STAY_CORE_MEMORY: usize = 4_096;
/// A visit whose centre lies within this distance of a known place's centre
/// is a visit to that place; otherwise a new place is learned.
pub const PLACE_MERGE_RADIUS_M: f64 = 100.0;
/// Local hours counted as night for home inference: [22:00, 06:00).
pub const NIGHT_HOURS: (u32, u32) = (22, 6);
/// Local hours counted as working time on weekdays: [09:00, 17:00).
pub const WORK_HOURS: (u32, u32) = (9, 17);
/// Night minutes a place needs before it can be called home.
pub const HOME_MIN_NIGHT_MINUTES: i64 = 4 * 60;
/// Weekday working minutes a place needs before it can be called work.
pub const WORK_MIN_MINUTES: i64 = 10 * 60;

// ---- Steps ------------------------------------------------------------------

/// Default daily step goal.
pub const DEFAULT_STEP_GOAL: u32 = 7_500;
/// Highest plausible cadence. A counter delta above this rate over its
/// interval is clamped to it (documented correction), so a glitching sensor
/// cannot invent a marathon.
pub const MAX_STEPS_PER_MINUTE: u64 = 250;
/// A minute with at least this many steps counts as active (ends a
/// sedentary stretch).
pub const ACTIVE_MINUTE_STEPS: u64 = 20;
/// Default sedentary period before an inactivity nudge.
pub const DEFAULT_SEDENTARY_MS: i64 = 60 * MINUTE_MS;
/// Default waking hours (local) within which nudges may fire: [08:00, 21:00).
pub const DEFAULT_WAKING_HOURS: (u32, u32) = (8, 21);
/// No inactivity nudge while the last fix shows a speed above this
/// (the shopper is in a vehicle).
pub const DRIVING_SPEED_MPS: f64 = 7.0;
/// Speed is measured over at least this long when the platform gives none:
/// fix noise (10 m typical) is then small beside the distance covered (40 m
/// walking, 500 m driving), whatever the cadence, and a shopper rarely
/// changes from walking to driving within 30 seconds.
pub const SPEED_WINDOW_MS: i64 = 30_000;
/// A speed estimate older than this is no longer the shopper's speed, and
/// a window longer than this gives none: in two minutes a walker
/// may have stopped or boarded a bus.
pub const SPEED_ESTIMATE_MAX_AGE_MS: i64 = 2 * MINUTE_MS;
/// Per-minute step buckets older than this are dropped by `tick`; daily
/// totals are kept.
pub const STEP_MINUTE_RETENTION_MS: i64 = 35 * DAY_MS;

// ---- Routines -----------------------------------------------------------------
//
// `docs/routines.md` explains every rule below with its reasoning. Periods and
// tolerances are in days of local wall-clock time (so a weekly routine stays
// at 18:00 across DST changes and time-zone moves).

/// Visits to the same subject arriving less than this after the previous
/// occasion's arrival belong to that occasion (stepping out to the car and
/// back, two grocery stores in one afternoon), not to a new cycle.
pub const ROUTINE_SAME_OCCASION_MS: i64 = 3 * HOUR_MS;
/// Occasions kept per routine: the window the period is fitted on. Each new
/// visit refits this window only, never the whole history.
pub const ROUTINE_WINDOW: usize = 16;
/// Fewest occasions on the cycle before a routine is claimed.
pub const ROUTINE_MIN_VISITS: usize = 3;
/// Shortest period searched, in days (a daily routine fitted with jitter may
/// come out a little under one day).
pub const ROUTINE_MIN_PERIOD_DAYS: f64 = 0.75;
/// Longest period searched, in days (monthly, with room for jitter).
pub const ROUTINE_MAX_PERIOD_DAYS: f64 = 35.0;
/// An occasion is on the cycle when it lies within this share of the
/// period of a cycle's expected time...
pub const ROUTINE_FIT_TOLERANCE_SHARE: f64 = 0.2;
/// ...but never further than this many days (a day early or late, plus the
/// spread of the time of day).
pub const ROUTINE_FIT_TOLERANCE_MAX_DAYS: f64 = 1.5;
/// Least share of the window's occasions that must be on the cycle (the
/// rest are extra visits).
pub const ROUTINE_MIN_ON_CYCLE_SHARE: f64 = 0.75;
/// Least share of the cycles spanned that must have a visit (the rest are
/// missed cycles).
pub const ROUTINE_MIN_COVERAGE: f64 = 0.7;
/// Largest chance that visits made at random (at the shopper's own rate)
/// would line up on the cycle as well as these do; above it, no routine.
pub const ROUTINE_MAX_CHANCE: f64 = 0.01;
/// The chance test never credits a timing tighter than this (half an hour
/// either side).
pub const ROUTINE_MIN_SPREAD_DAYS: f64 = 0.5 / 24.0;
/// A period within this many days of a whole number of days has its
/// expected visit moved to the usual time of day.
pub const ROUTINE_SNAP_WHOLE_DAYS: f64 = 0.2;
/// Overdue tolerance: at least one day...
pub const ROUTINE_OVERDUE_TOLERANCE_MIN_DAYS: f64 = 1.0;
/// ...or this share of the period, whichever is larger.
pub const ROUTINE_OVERDUE_TOLERANCE_SHARE: f64 = 0.2;
/// After this many consecutive missed cycles a routine lapses: no more
/// overdue events or reminders until the shopper visits again. Overdue
/// events fire for the missed cycles before it.
pub const ROUTINE_LAPSE_MISSED_CYCLES: u32 = 3;

/// The on-the-way reminder fires only for a catalog place within this
/// distance (metres, to the fence boundary) of the shopper: a short detour
/// on foot, a block or two by car.
pub const REMINDER_RADIUS_M: f64 = 400.0;
/// ...that the shopper is getting closer to: at least this many metres
/// closer than at the baseline fix...
pub const REMINDER_MIN_CLOSING_M: f64 = 15.0;
/// ...the newest earlier fix at least this old...
pub const REMINDER_BASELINE_MIN_MS: i64 = 15_000;
/// ...and at most this old (no baseline: no reminder yet).
pub const REMINDER_BASELINE_MAX_MS: i64 = 2 * MINUTE_MS;
/// The shopper must be moving at least this fast (walking pace or more).
pub const REMINDER_MIN_SPEED_MPS: f64 = 0.8;
/// Fixes less precise than this neither remind nor serve as a baseline.
pub const REMINDER_MAX_ACCURACY_M: f64 = 100.0;
/// Never within this distance of home's centre.
pub const REMINDER_HOME_EXCLUSION_M: f64 = 200.0;

/// `record_visit`: a visit overlapping a stored one at the same place with
/// arrival and departure each within this of it is the same visit
/// delivered again (ignored).
pub const RECORD_VISIT_DUPLICATE_SLACK_MS: i64 = 5 * MINUTE_MS;
/// `record_visit`: longest visit accepted.
pub const RECORD_VISIT_MAX_MS: i64 = 31 * DAY_MS;

// ---- Found by fuzzing (docs/FUZZING.md) ------------------------------------------

/// Longest span one step sample may spread its steps over: an interval
/// sample longer than this is refused, and a counter reading more than this
/// after the previous one only sets a new baseline (when within so long a
/// gap the steps were taken cannot be told). Equal to the retention of
/// per-minute buckets, beyond which minutes are dropped anyway; it bounds
/// the work of one sample to 50,400 minute buckets (an interval across the
/// accepted 2000..2100 range was 52 million, and hung the engine).
pub const MAX_STEP_SPAN_MS: i64 = STEP_MINUTE_RETENTION_MS;
