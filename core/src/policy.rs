//! Every limit and default of the engine, in one place.
//!
//! Values a host app may tune are defaults of [`crate::EngineConfig`]; the
//! rest are fixed rules of the engine, documented here so that a reviewer
//! can see every threshold at once. Each constant's doc comment gives its
//! reason; the documents it cites (`docs/geofencing.md`, `docs/catalog.md`,
//! `docs/privacy.md`, `docs/protocol.md`, `docs/RELIABILITY.md`) describe
//! the behaviour each bounds.

use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};

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

// ---- Geofences ----------------------------------------------------------------
//
// `docs/geofencing.md` explains every rule below and why each number is what
// it is. Distances are in metres, times in milliseconds.

/// Largest circle radius, in metres, accepted by the catalog's validation
/// and by `FenceIndex::build` alike (`FenceShape::check` is the one check
/// of both). 30 km: a city-wide promotion (a real merchant request) is a
/// circle of about 30 km around the city centre; anything larger covers
/// several cities, which is not a place. A circle is tested exactly on the
/// sphere, so its size costs no precision, only index reach.
pub const FENCE_MAX_CIRCLE_RADIUS_M: f64 = 30_000.0;

/// Largest polygon accepted (validation and index alike): how far its
/// farthest vertex may lie from its centre, with [`FENCE_PROJECTION_SLACK`]
/// added. A polygon is tested in a local flat projection, whose error stays
/// under 3% within this size plus [`FENCE_LOOKUP_MAX_MARGIN_M`] below
/// [`FENCE_POLYGON_MAX_ABS_LAT`], the slack the index relies on. A shop's
/// fence is far smaller; a city-wide area is a circle.
pub const FENCE_MAX_POLYGON_RADIUS_M: f64 = 20_000.0;

/// Most vertices in one polygon ring (exterior or hole), as listed: the
/// cost of testing a fix against a polygon grows with its vertices, and a
/// shop's outline needs tens.
pub const FENCE_MAX_RING_VERTICES: usize = 1_000;

/// Most holes in one polygon: each hole is one more ring every fix inside
/// the polygon is measured against; a courtyard or two is what a place has.
pub const FENCE_MAX_POLYGON_HOLES: usize = 32;

/// Smallest fence accepted: a circle's radius, or a polygon's (and each
/// hole's) characteristic radius, 2 x area / perimeter. Anything thinner is
/// a degenerate shape (a line, a sliver) that no fix could ever enter.
pub const FENCE_MIN_RADIUS_M: f64 = 1.0;

/// Polygons must lie within this latitude (degrees, north or south), in the
/// catalog's validation and in the index alike: the local projection
/// degrades towards the poles. Circles have no such limit.
pub const FENCE_POLYGON_MAX_ABS_LAT: f64 = 80.0;

/// Relative slack added to a polygon's bounding radius and to a lookup's
/// search radius, so that the flat projection's error (under 3% within
/// [`FENCE_MAX_POLYGON_RADIUS_M`] + [`FENCE_LOOKUP_MAX_MARGIN_M`] of a polygon below
/// [`FENCE_POLYGON_MAX_ABS_LAT`]) can never hide a fence from the index.
pub const FENCE_PROJECTION_SLACK: f64 = 0.05;

/// Absolute slack added with [`FENCE_PROJECTION_SLACK`], covering rounding.
pub const FENCE_PROJECTION_SLACK_M: f64 = 1.0;

/// Largest search margin `FenceIndex::lookup` honours; larger margins are
/// clamped to it. Use `FenceIndex::nearest` to look further.
pub const FENCE_LOOKUP_MAX_MARGIN_M: f64 = 10_000.0;

/// A fix can enter a fence (or cancel a pending exit) only if its accuracy
/// radius is at most this multiple of the fence's characteristic radius
/// (the radius of a circle; 2 x area / perimeter for a polygon, which is the
/// radius for a circle and the inscribed radius for a square). A fix less
/// precise than the fence is wide cannot tell inside from outside.
pub const FENCE_ENTER_MAX_ACCURACY_RATIO: f64 = 1.0;

/// A fix enters a fence only if it lies at least this far inside it...
pub const FENCE_ENTER_DEPTH_M: f64 = 5.0;

/// ...or this fraction of the fence's characteristic radius, whichever is
/// smaller, so that a tiny fence can still be entered.
pub const FENCE_ENTER_DEPTH_MAX_FRACTION: f64 = 0.1;

/// A fix counts as outside a fence it is in only if it lies beyond the
/// boundary by at least this much, however good its accuracy: GPS noise of a
/// few tens of metres along a boundary must never look like an exit.
pub const FENCE_EXIT_MARGIN_FLOOR_M: f64 = 40.0;

/// ...and by at least this multiple of its own accuracy radius (the 68%
/// radius): for a Gaussian error, a fix 1.5 x accuracy beyond the boundary
/// has the phone outside with about 99% probability.
pub const FENCE_EXIT_ACCURACY_FACTOR: f64 = 1.5;

/// Phones under-report accuracy: while the phone stands still, the exit
/// margin is also at least [`FENCE_EXIT_ACCURACY_FACTOR`] x the scatter
/// actually observed over the latest fixes while a stay is in progress
/// (`domain/visits/scatter.rs`), up to this bound. The bound caps how late
/// a real exit can be: 120 m beyond the boundary is under 90 s of walking;
/// and the observed scatter stops counting as soon as a fix falls outside
/// the stay's radius.
pub const FENCE_EXIT_SCATTER_MAX_MARGIN_M: f64 = 120.0;

/// The observed scatter is the quantile at this share of the residual
/// steps between recent fixes (over √2): 68%, the confidence of a reported
/// accuracy radius, so that the two compare like for like.
pub const SCATTER_QUANTILE: f64 = 0.68;

/// The observed scatter is read over this many recent fixes (30 minutes at
/// a fix a minute; 5 minutes at one every 10 s): enough for a stable
/// quantile, short enough to follow a change of building.
pub const SCATTER_WINDOW_FIXES: usize = 30;

/// No scatter is read from fewer fixes than this: a quantile of a handful
/// of points says little.
pub const SCATTER_MIN_FIXES: usize = 6;

/// An exit seen by one fix is pending; it is confirmed by a later fix that
/// is also outside by its margin and taken at least this long after the
/// first. Any usable fix inside the fence in between cancels it.
pub const FENCE_EXIT_CONFIRM_MS: i64 = 10_000;

/// A dwell is confirmed by a fix inside after the dwell time, or by time
/// alone only up to this long after the last fix: as for exits
/// ([`FENCE_EXIT_SILENCE_MS`]), after a minute without a fix the phone's
/// position is no longer vouched for, and the shopper may have left. Across
/// a longer silence the dwell waits for the next fix inside (and never
/// comes if the next fix is outside).
pub const DWELL_SILENCE_GRACE_MS: i64 = MINUTE_MS;

/// After a silence of at least this long (no fix at all), a single fix that
/// is decisively outside exits at once: no second fix is needed.
pub const FENCE_EXIT_SILENCE_MS: i64 = 60_000;

/// "Decisively outside": beyond the boundary by at least this multiple of
/// the fix's exit margin (so at least 120 m for a good fix).
pub const FENCE_EXIT_DECISIVE_FACTOR: f64 = 3.0;

/// How many regions iOS lets an app monitor; the app registers this many
/// nearest fences (`FenceIndex::nearest`) with CoreLocation to be woken.
pub const FENCE_WAKE_REGIONS_IOS: usize = 20;

/// How many geofences Android lets an app register; the app registers this
/// many nearest fences with the fused provider to be woken.
pub const FENCE_WAKE_REGIONS_ANDROID: usize = 100;

// ---- Store -----------------------------------------------------------------

/// SQLite busy timeout.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;
/// Most fixes accepted in one `record_locations` call; larger batches are
/// refused with `Error::BatchTooLarge` (split them).
pub const MAX_BATCH_FIXES: usize = 100_000;

// ---- Offers -----------------------------------------------------------------

/// Default quiet hours (device local time), `[21:00, 08:00)`.
pub const DEFAULT_QUIET_HOURS: (u32, u32) = (21, 8);
/// Default cap on offers shown per local day, all merchants together.
pub const DEFAULT_GLOBAL_OFFERS_PER_DAY: u32 = 4;
/// Default minimum gap between any two offers shown (30 minutes).
pub const DEFAULT_GLOBAL_MIN_GAP_MS: i64 = 30 * MINUTE_MS;
/// Default notification budget: most messages (offers, routine reminders,
/// step-goal messages, inactivity nudges together) shown per local day.
/// Six leaves room for the canonical day's four (an overdue routine, a
/// nudge, an offer, an on-the-way reminder) and a couple more; beyond
/// about half a dozen a day, shoppers start muting shopping apps.
pub const DEFAULT_NOTIFICATIONS_PER_DAY: u32 = 6;
/// Default minimum gap between two messages, the second of the same or
/// lower rank (`domain::offers::budget`): ten minutes, so a nudge, a goal
/// message and a reminder never arrive as a burst.
pub const DEFAULT_NOTIFICATION_MIN_GAP_MS: i64 = 10 * MINUTE_MS;
/// Messages of the day's budget that the kinds ranked below offers (step
/// goal, inactivity nudge; and the overdue routine) leave to offers and
/// on-the-way reminders: a nudge should not take the day's last chance to
/// remind an errand on the way.
pub const BUDGET_RESERVED_FOR_OFFERS: u32 = 1;
/// Next best action (`domain::offers::relevance`): the prior chance that a
/// shopper redeems an offer whose catalog entry gives no
/// `expected_redemption_rate`. One in five matches the redemption rates of
/// well-targeted location offers the industry reports (10–30%).
pub const DEFAULT_EXPECTED_REDEMPTION_RATE: f64 = 0.2;
/// Weight of the catalog's prior, in outcomes: four, so a shopper's own
/// record outweighs the catalog's guess after a handful of offers (about a
/// week of use) but one dismissal does not silence a category.
pub const RELEVANCE_PRIOR_STRENGTH: f64 = 4.0;
/// A notification that expired without being opened counts as half a
/// failure: she may not have seen it, which says less than a dismissal.
pub const NOT_OPENED_FAILURE_WEIGHT: f64 = 0.5;
/// What a dismissal weighs in the next best action's posterior, in
/// failures, once the shopper has redeemed any offer: three. Her yes
/// elsewhere rules out "no to every notification", so swiping an offer
/// away is an explicit no to its merchant and category, which says more
/// than an offer left to expire (one failure). Three makes one such no
/// put a fresh category with a catalog prior of up to 12% under the 8%
/// floor (`0.12·4 / (4 + 3) = 6.9%`; at one failure it took three
/// dismissals, and learning what she does not want was most of the
/// dismissals the next best action still caused on a simulated population:
/// `docs/offers.md`, "The next best action on a population"). Before any
/// redemption a dismissal weighs one failure.
pub const ENGAGED_DISMISSAL_FAILURE_WEIGHT: f64 = 3.0;
/// Default relevance floor: below an 8% learned chance (under half the
/// default prior) an offer is suppressed as `low_relevance`. With the
/// default prior, a merchant dismissed three times in a row, or a category
/// dismissed seven times, falls under it; one redemption lifts it again.
pub const DEFAULT_RELEVANCE_FLOOR: f64 = 0.08;
/// Largest `value` an offer may carry (what the merchant gives or pays, in
/// the catalog's own unit): a billion bounds every real price and keeps
/// scores finite.
pub const MAX_OFFER_VALUE: f64 = 1e9;
/// Default cap on offers shown per merchant per local day.
pub const DEFAULT_MERCHANT_OFFERS_PER_DAY: u32 = 2;
/// Default silence of an offer after the shopper dismisses it (7 days).
pub const DEFAULT_DISMISSAL_COOLDOWN_MS: i64 = 7 * DAY_MS;
// ---- Catalog ----------------------------------------------------------------

/// Largest signed envelope accepted, in bytes (the document, base64-encoded,
/// plus a little room for the other fields).
pub const MAX_CATALOG_ENVELOPE_BYTES: usize = MAX_CATALOG_DOCUMENT_BYTES / 3 * 4 + 4_096;
/// Largest catalog document accepted, in bytes (64 MiB: a metropolitan
/// catalog of 100,000 places and offers is about 30 MB of JSON).
pub const MAX_CATALOG_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// A catalog whose `issued_at` is later than now by more than this is
/// refused as not yet valid; less is accepted as clock skew.
pub const MAX_CATALOG_ISSUE_SKEW_MS: i64 = DAY_MS;
/// Most merchants in one catalog.
pub const MAX_CATALOG_MERCHANTS: usize = 20_000;
/// Most places in one catalog, all merchants together.
pub const MAX_CATALOG_PLACES: usize = 100_000;
/// Most offers in one catalog, all merchants together.
pub const MAX_CATALOG_OFFERS: usize = 100_000;
/// Most places of one merchant.
pub const MAX_PLACES_PER_MERCHANT: usize = 5_000;
/// Most offers of one merchant.
pub const MAX_OFFERS_PER_MERCHANT: usize = 500;
// A place's fence is checked against the limits under "Geofences"
// (`FENCE_*`), by the check the fence index makes: one limit, one place.
/// Largest `nearby` trigger radius, in metres: "on the way" means close.
pub const MAX_NEARBY_RADIUS_M: f64 = 5_000.0;
/// Longest dwell trigger, in minutes (one day).
pub const MAX_DWELL_MINUTES: u32 = 24 * 60;
/// Longest claim window, in minutes (30 days).
pub const MAX_CLAIM_WINDOW_MINUTES: u32 = 30 * 24 * 60;
/// Most opening-hours rules of one place.
pub const MAX_OPENING_HOURS_RULES: usize = 64;
/// Most hour windows in one offer schedule.
pub const MAX_SCHEDULE_WINDOWS: usize = 32;
/// Most attributes of one merchant or offer.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest id (merchant, place, offer) or attribute name, in bytes.
pub const MAX_CATALOG_ID_BYTES: usize = 128;
/// Longest name, category, title or string attribute value, in bytes.
pub const MAX_CATALOG_SHORT_TEXT_BYTES: usize = 256;
/// Longest offer body, in bytes.
pub const MAX_OFFER_BODY_BYTES: usize = 4_096;
/// Deepest nesting of targeting rules (`all`/`any`/`not`).
pub const MAX_RULE_DEPTH: usize = 16;
/// Most predicates and combinators in one offer's targeting rule.
pub const MAX_RULE_NODES: usize = 256;
/// Longest look-back of a `visits` rule, in days (about ten years).
pub const MAX_RULE_WITHIN_DAYS: u32 = 3_660;
/// A `nearby` offer needs the shopper moving at least this fast (m/s).
pub const NEARBY_MIN_SPEED_MPS: f64 = 0.8;
/// A `nearby` approach is over once the phone is this far beyond the
/// offer's radius; the next approach may fire again (caps permitting).
pub const NEARBY_RELEASE_M: f64 = 50.0;
/// A private place (home, work, any learned place that is not a catalog
/// merchant's) keeps stays whose centre lies within this distance of its
/// own centre, even inside a catalog fence: they are never a merchant's.
/// A stay's centre is the mean of minutes of fixes, and the centres of one
/// home's nights scatter by 10 to 30 m (indoor multipath, a different room);
/// 50 m holds that scatter with a margin, and is half the place merge
/// radius, so a shop whose aisles lie beyond it can still be told apart
/// from the flat above it. A fence that comes within this distance of a
/// private place's centre is entered only during a visit to its merchant.
pub const PRIVATE_PLACE_RADIUS_M: f64 = 50.0;

// A `nearby` offer the catalog accepts must be one the engine can see: its
// radius (and the release beyond it) within the margin a fence lookup
// honours, which clamps larger margins.
const _: () = assert!(MAX_NEARBY_RADIUS_M + NEARBY_RELEASE_M <= FENCE_LOOKUP_MAX_MARGIN_M);
/// A visit whose centre is within this distance of a catalog place's fence
/// counts as a visit to that merchant.
pub const MERCHANT_VISIT_MARGIN_M: f64 = 25.0;

// ---- Catalog tiles (ADR 0012, docs/catalog.md "Tiles") ----------------------

/// Side of a catalog tile, in millionths of a degree (0.02°: about 2.2 km
/// north–south, 1.7 km east–west at 40°). Chosen from the density of a
/// national catalog (issue #17's bench at 1M places): a 0.05° city-centre
/// cell held ~9,500 places (~3 MB of entries), more than a phone's whole
/// catalog budget in one tile; at 0.02° the densest cell holds ~1,500
/// (1/6.25 of the area), so a dense city's region is cut finely enough to
/// stop at the memory budget near the shopper. Finer cells cost privacy and
/// bytes: a request names cells of this size (the centre of the block of
/// cells around home locates it to within about one cell,
/// docs/privacy.md "Catalog tiles"), and each changed tile carries its own
/// signature (~100 bytes) in a daily delta; 0.01° would locate to ~1 km and
/// double the signatures for little memory gain. Fixed, so that tile ids
/// mean the same on every phone and backend; a header of another grid is
/// refused.
pub const TILE_CELL_MICRODEG: u32 = 20_000;
/// Default radius around home, work, routine places and the current
/// position within which the phone holds the catalog's tiles, in metres:
/// the reach of a `nearby` offer ([`MAX_NEARBY_RADIUS_M`]) is 5 km, but
/// most are a few hundred metres; 2 km covers the walk or short drive
/// around each anchor.
pub const TILE_NEED_RADIUS_M: f64 = 2_000.0;
/// The catalog-memory budget of the phone's region, counted in bytes of the
/// tiles held (each tile costs its size; the bytes themselves stay in the
/// store, not in memory). The catalog the engine evaluates, built from the
/// tiles, takes about 0.9 times their bytes in heap (measured by
/// `bench-tiles`, 2.97 MB for 3.29 MB of tiles: docs/PERFORMANCE.md
/// "Catalog tiles"), so this keeps the catalog's memory near 4 MB, half
/// the 8 MB target of issue #17 (the margin is for tiles richer in offers,
/// rules and texts than the benchmark's). The region's tiles are kept
/// nearest first until it is full (a dense city shrinks the radius; see
/// `domain::catalog::tiles::region`); a needed tile beyond it is not asked
/// for, the current position's tile is always kept. At a few hundred bytes
/// a merchant this is well under [`MAX_CATALOG_MERCHANTS`] merchants of
/// real tiles; the build still stops adding tiles (in rank order) before
/// the merged catalog would exceed a catalog's limits.
pub const TILE_MEMORY_BUDGET_BYTES: usize = 4 * 1024 * 1024;
/// Most tiles asked for in one delta request (the reference backend
/// refuses more than `limits::MAX_TILES_PER_REQUEST`, 256); more are asked
/// in several requests of the same sync.
pub const TILE_REQUEST_BATCH: usize = 128;
/// Largest tile pack (a delta answer), compressed or inflated, in bytes.
pub const MAX_TILE_PACK_BYTES: usize = 64 * 1024 * 1024;
/// Largest answer to `GET /v1/catalog/header`, in bytes: the signed
/// header is about 400 bytes whatever the catalog's size (it lists no
/// tiles); anything much larger is not a header.
pub const MAX_TILE_HEADER_BYTES: usize = 16 * 1024;
/// Most tiles the phone remembers needing (fixes in tiles it does not hold,
/// asked for at the next sync).
pub const MAX_TILES_WANTED: usize = 256;
/// What a tile not held is guessed to cost against
/// [`TILE_MEMORY_BUDGET_BYTES`] before any tile is held (later, the mean of
/// the tiles held): a suburban cell of a national catalog. A guess too low
/// asks for a few tiles too many once (the load then evicts the farthest);
/// too high asks for too few until the first tiles arrive.
pub const TILE_COST_GUESS_BYTES: u64 = 64 * 1024;

// ---- Privacy ----------------------------------------------------------------

/// Most summaries waiting in the outbox; beyond it the oldest are dropped
/// (and counted).
pub const MAX_OUTBOX_ITEMS: usize = 1_000;
/// Summaries older than this are dropped from the outbox (and counted).
pub const MAX_OUTBOX_AGE_MS: i64 = 30 * DAY_MS;
/// Most local days closed (summarised) at once, after a long silence or a
/// clock jump; earlier days are skipped.
pub const MAX_DAYS_CLOSED_AT_ONCE: i64 = 31;

// ---- Sync -------------------------------------------------------------------

/// Largest compressed request body of one summary batch.
pub const SYNC_MAX_BATCH_BYTES: usize = 64 * 1024;
/// Most summaries in one batch (the reference backend's limit).
pub const SYNC_MAX_BATCH_ITEMS: usize = 100;
/// Timeout of one sync request.
pub const SYNC_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Backoff after a failed sync: a uniformly random delay in
/// `[floor, max(floor + 1, min(cap, base × 2^failures)))` ("full jitter" with a
/// floor, so an unlucky draw never retries a failing server at once).
pub const SYNC_BACKOFF_BASE_MS: i64 = 30_000;
/// Shortest backoff after a failed sync (5 seconds).
pub const SYNC_BACKOFF_FLOOR_MS: i64 = 5_000;
/// Upper bound of the backoff delay (6 hours).
pub const SYNC_BACKOFF_CAP_MS: i64 = 6 * 60 * MINUTE_MS;
/// The catalog is fetched when the last fetch is older than this...
pub const CATALOG_REFRESH_MS: i64 = DAY_MS;
/// ...or when the catalog in force expires within this.
pub const CATALOG_EXPIRY_MARGIN_MS: i64 = 2 * DAY_MS;

// ---- Local differential privacy (docs/privacy.md, ADR 0004) ------------------

/// Largest epsilon a purpose may be configured with. Above it the noise is
/// too small to mean anything; the configuration is refused.
pub const LDP_MAX_EPSILON: f64 = 10.0;
/// Steps of one day are clamped to this before noise: it is the sensitivity
/// of the `activity` steps (one shopper-day contributes at most this).
pub const LDP_STEPS_CLAMP: i64 = 50_000;
/// Visits to one merchant in one day are clamped to this before noise (the
/// sensitivity of each `visits` count).
pub const LDP_VISITS_CLAMP: i64 = 10;
/// Minutes at one merchant in one day are clamped to this before noise (the
/// sensitivity of each `minutes` value: a whole day).
pub const LDP_MINUTES_CLAMP: i64 = 24 * 60;
/// Each count of one offer in one day (triggered, presented, redeemed,
/// dismissed, held out) is clamped to this before noise (its sensitivity).
pub const LDP_OFFER_COUNT_CLAMP: i64 = 5;

// ---- Found by fuzzing (docs/FUZZING.md) ------------------------------------------

/// Longest span one step sample may spread its steps over: an interval
/// sample longer than this is refused, and a counter reading more than this
/// after the previous one only sets a new baseline (when within so long a
/// gap the steps were taken cannot be told). Equal to the retention of
/// per-minute buckets, beyond which minutes are dropped anyway; it bounds
/// the work of one sample to 50,400 minute buckets (an interval across the
/// accepted 2000..2100 range was 52 million, and hung the engine).
pub const MAX_STEP_SPAN_MS: i64 = STEP_MINUTE_RETENTION_MS;

// ---- Resource bounds (docs/RELIABILITY.md) -----------------------------------
//
// Not limits the engine enforces, but the bounds its retention and outbox rules
// promise, checked by the simulated year (`tests/tests/year.rs`): one fix a
// minute, steps, a catalog refresh a day and hourly ticks for 365 days, never
// synced.

/// Largest profile database (with its WAL) after a simulated year.
pub const YEAR_MAX_DATABASE_BYTES: u64 = 32 * 1024 * 1024;
/// Most raw fixes held at once at one fix a minute: the retention plus the
/// hour between purges, with a day of slack.
pub const YEAR_MAX_RAW_FIXES: u64 = (DEFAULT_RAW_FIX_RETENTION_MS + DAY_MS) as u64 / MINUTE_MS as u64;
/// Most summaries waiting in the outbox of a device that never syncs: three
/// purposes for each day within the outbox's age limit.
pub const YEAR_MAX_OUTBOX_ITEMS: usize = 3 * (MAX_OUTBOX_AGE_MS / DAY_MS + 1) as usize;
/// Highest peak resident memory of the process running the simulated year
/// (engine, test harness and SQLite's page cache together).
pub const YEAR_MAX_PEAK_RSS_BYTES: u64 = 256 * 1024 * 1024;

// ---- Track files (the simulator's and the demos' QA replay) -------------------

/// Most points (fixes and refused points together) one track file may
/// hold: two million, a 1 Hz recording of 23 days, about 200 MB of GPX.
/// It bounds the memory a file can make the reader hold (a fix and its
/// origin are under 100 bytes); a longer recording is split into files.
pub const MAX_TRACK_POINTS: usize = 2_000_000;

// ---- Sensing plan (docs/geofencing.md, "The sensing plan") -----------------
//
// What the engine asks the platform for next (`Engine::sensing_plan`). The
// fence-side numbers follow from the fence rules above; the rest from the
// stay detector's.

/// Time to the nearest relevant boundary (fence edge, or the edge of the
/// on-the-way reminder's reach around a place that serves an overdue
/// routine) under which the plan asks for precise fixes: at walking pace
/// 90 s is about 125 m, at driving pace about 1.3 km, so an entry is never
/// first seen by an imprecise fix.
pub const SENSING_NEAR_HORIZON_MS: i64 = 90_000;
/// Near a boundary, the next fix comes after this share of the time to it:
/// half, so that at least two fixes fall before the crossing even if the
/// speed estimate is off by a factor of two.
pub const SENSING_NEAR_SHARE: f64 = 0.5;
/// Longest interval near a boundary. Among the fences of a mall a shopper
/// walks loops; the stay detector breaks a stay on
/// `DEPARTURE_CONFIRM_FIXES` consecutive fixes outside its radius and dates
/// a visit's arrival by the stay's first fix, so at 30 s a 100 m loop
/// looked like one stay and the canonical day's boutique visit was dated
/// from 10:35 instead of 10:40. 20 s (twice the dense replays' cadence)
/// breaks such loops as the dense replay does. (15 s held the canonical
/// day too, but `home-above-shop` then lost its enter offer: the fence
/// entry came 27 s after the dense replay's; not traced further.)
pub const SENSING_NEAR_MAX_INTERVAL_MS: i64 = 20_000;
/// Shortest interval the plan ever asks for: 5 s keeps a crossing dated
/// within 5 s (the dense replays sample every 10 s) without running GNSS
/// continuously.
pub const SENSING_MIN_INTERVAL_MS: i64 = 5_000;
/// Longest interval while moving or while a stay forms (Roaming): a stay's
/// arrival is dated by its first fix and confirmed by the first fix after
/// the minimum dwell, so 30 s keeps both within half of the 60 s the
/// adaptive replay is judged by.
pub const SENSING_ROAMING_INTERVAL_MS: i64 = 30_000;
/// While a stay forms (no visit under way, a fresh speed says the shopper
/// has stopped, rule "settling"), a satellite fix this often. The stay
/// detector judges the dwell from the first fix within the core (half the
/// stay radius) of the stay's *current* centre, and that centre is pulled
/// towards the walk in by the fixes taken while arriving until enough
/// fixes at the stop outweigh them: at 30 s the centre converged minutes
/// after the dense replay's (10 s track) and a visit start on the
/// generated week came 93 s late. 10 s is the cadence of the dense
/// replays, so the centre converges as fast; a stay forms for about 5
/// minutes, 30 GNSS fixes.
pub const SENSING_SETTLING_INTERVAL_MS: i64 = 10_000;
/// Speed assumed when none is known or the shopper seems still while not in
/// a stay: a brisk walk, so a boundary is never thought farther in time than
/// a pedestrian would take to reach it.
pub const SENSING_ASSUMED_SPEED_MPS: f64 = 1.4;
/// Above this speed (from the latest fresh estimate) the shopper is moving
/// and a visit under way is about to end: precise-enough fixes are needed
/// to confirm the departure. Below Radar's "stopped" (70 m in 140 s, 0.5 m/s).
pub const SENSING_MOVING_SPEED_MPS: f64 = 0.5;
/// A speed ends a visit's `staying` plan only when the latest fix is
/// precise to this radius (a satellite fix). Two Wi-Fi fixes (50 m
/// accuracy, about 20 m error per axis) 30 s apart read 0.5 m/s from noise
/// alone, so a still shopper would flap between `staying` and precise
/// plans (on `fence-boundary-jitter` those precise fixes, taken on the
/// fence's edge, confirmed an exit that never happened). A real departure
/// is seen by the platform's motion wake-up (a satellite fix) or by a fix
/// away from the place.
pub const SENSING_STAYING_SPEED_MAX_ACCURACY_M: f64 = 20.0;
/// While a visit's departure is under way, a fix this often: the stay
/// detector confirms a departure with `DEPARTURE_CONFIRM_FIXES` fixes
/// outside the stay, so 10 s apart dates it as a 10 s track would.
pub const SENSING_DEPARTURE_INTERVAL_MS: i64 = 10_000;
/// While staying, one balanced fix this often. A departure is dated by the
/// last fix at the place (`VisitEnded.departed_at`, the night minutes that
/// make a place home), so a stay without fixes would end when it began
/// whenever the first fix after a platform movement report is already away
/// (a drive leaves 300 m behind in 30 s); when the platform goes silent
/// (a phone in a drawer, a basement) the departure is dated by the last
/// fix before the silence, up to one interval early. 30 s keeps that
/// within half the 60 s the adaptive replay is judged by (at 60 s the
/// `missed-exit` scenario's departure came 65 s early), for a Wi-Fi fix
/// every 30 s: 7% of continuous GNSS's energy.
pub const SENSING_STAYING_INTERVAL_MS: i64 = 30_000;
/// A forming stay becomes a visit at the first fix in its core once
/// `DEFAULT_MIN_DWELL_MS` has passed since its first core fix
/// (`StayDetector::dwell_due`). The plan takes that fix then, rather than
/// up to an interval later: otherwise the confirmation is late by up to
/// the arrival's sampling gap plus the interval (62 to 82 s on the
/// generated week at 30 s, beyond the 60 s an event is matched within).
/// The next fix comes at that instant but never sooner than this (1 s, the
/// 1 Hz of continuous sensing).
pub const SENSING_DWELL_DUE_FLOOR_MS: i64 = 1_000;
/// Minimum displacement between delivered fixes while roaming (Android's
/// `setMinUpdateDistanceMeters`, iOS's `distanceFilter`): a quarter of a
/// 30 s walk at the assumed speed, below which a Wi-Fi fix says nothing
/// its own noise does not. Zero wherever every fix counts (near
/// boundaries, in fences, in stays and departures).
pub const SENSING_ROAMING_DISPLACEMENT_M: f64 = 10.0;
/// A new plan is reported (`SensingPlanChanged`) when its interval differs
/// from the reported one by at least this factor (or its accuracy, reason
/// or wake regions differ): smaller changes would be an event per fix near
/// a fence for no gain.
pub const SENSING_INTERVAL_CHANGE_FACTOR: f64 = 1.5;

// ---- Sync answers (issue #19) --------------------------------------------------

/// Largest answer body the sync client reads to any request but the catalog
/// fetch (which is capped by [`MAX_CATALOG_ENVELOPE_BYTES`]). The backend's
/// answers are a registration (about 150 bytes), a batch or deletion
/// receipt and error bodies, all under 1 KB; 64 KiB leaves room for
/// growth while keeping a hostile or broken server (or proxy) from making
/// the phone hold more than that.
pub const SYNC_MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// How long the native (`reqwest`) transport keeps an idle connection for
/// reuse: below the backend's 10 s head timeout (which also ends an idle
/// keep-alive connection), so the client never sends a request on a
/// connection the server is closing at that moment.
pub const SYNC_IDLE_CONNECTION_MS: u64 = 5_000;
/// Most registrations one sync makes: the first, and one more with a fresh
/// install id after a 409 `install_id_taken` or a 401. A server answering
/// that way again is broken; the sync stops and backs off.
pub const SYNC_MAX_REGISTRATIONS: u32 = 2;

/// Longest redemption token, in bytes (its compact form; the QR payload
/// adds its 9-byte prefix). A version-20 QR code at error correction M
/// holds 666 bytes in byte mode, which a till's scanner still reads from a
/// phone screen at arm's length; 600 leaves room for the prefix. Catalog
/// ids are short, so a real token is about 300 bytes.
pub const REDEMPTION_TOKEN_MAX_BYTES: usize = 600;

// ---- Social proof (purpose `social`) ---------------------------------------

/// Fewest distinct friends whose visits make a "friends visited" count
/// (`friends_visited` targeting, the `{friends_visited}` placeholder). The
/// backend releases no lower count (`kairos_backend::limits` uses this
/// value): "1 friend visited" names him whenever the shopper knows which
/// one of her friends shops there. The engine holds to it too: a lower
/// count from a server is treated as unknown (the offer's fallback text),
/// never shown.
pub const SOCIAL_MIN_FRIENDS: u32 = 2;
