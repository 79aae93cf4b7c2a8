//! Geofences: hysteresis, dwell, wake regions, and the sensing plan.

use crate::domain::time::MINUTE_MS;

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
