//! The sensing plan: what the engine needs from the platform's location
//! services next, derived from what it is watching. Pure: the engine fills
//! a [`SensingInput`] from its state after each call, and [`plan`] answers.
//!
//! The rules, first match wins (numbers in [`crate::policy`] under "Sensing
//! plan", reasons in `docs/geofencing.md`, "The sensing plan"):
//!
//! 1. **Staying**: a visit is under way, the latest fix is at a known place,
//!    no speed measured by a precise fix
//!    ([`policy::SENSING_STAYING_SPEED_MAX_ACCURACY_M`]) says the shopper
//!    moves, and no fence exit is pending. Nothing fires without a fix, but
//!    the departure is dated by the last fix at the place: one `balanced`
//!    fix every [`policy::SENSING_STAYING_INTERVAL_MS`], and a wake-up when
//!    the platform reports movement. A dwell inside a fence needs no fix:
//!    it fires on time alone.
//! 2. **Quiet hours**, no visit under way and moving: `low`.
//! 3. **In a fence** (outside quiet hours): an exit or a dwell is under way
//!    and only precise fixes can confirm or cancel an exit (a Wi-Fi fix is
//!    never inside evidence): `high`, every [`policy::FENCE_EXIT_CONFIRM_MS`]
//!    (the spacing an exit's confirmation needs), no displacement filter.
//!    A pending exit takes precedence over rule 1.
//! 4. **Near a boundary** (outside quiet hours): the nearest relevant
//!    boundary is less than [`policy::SENSING_NEAR_HORIZON_MS`] away at the
//!    current speed (at least [`policy::SENSING_ASSUMED_SPEED_MPS`]):
//!    `high`, the next fix after [`policy::SENSING_NEAR_SHARE`] of that
//!    time, within [`policy::SENSING_MIN_INTERVAL_MS`] and
//!    [`policy::SENSING_NEAR_MAX_INTERVAL_MS`]; no longer than rule 5's or
//!    6's interval when the shopper is departing or settling (and then named
//!    so).
//! 5. **Departing**: a visit is under way but the shopper moves or the
//!    latest fix is away from every known place: `high`, every
//!    [`policy::SENSING_DEPARTURE_INTERVAL_MS`].
//! 6. **Settling**: no visit under way and a fresh speed says the shopper
//!    has stopped: a stay may be forming, judged from the fixes within half
//!    the stay radius of its current centre: `high`, every
//!    [`policy::SENSING_SETTLING_INTERVAL_MS`].
//! 7. **Roaming**: moving, or no speed known, with nothing near: `balanced`
//!    (enough to date a stay's arrival), every
//!    [`policy::SENSING_ROAMING_INTERVAL_MS`], sooner if the horizon of a
//!    boundary would be reached before. In quiet hours fences and places do
//!    not count (rules 3 and 4 are skipped).
//!
//! Whatever the rule, while a stay forms (no visit under way) the next fix
//! comes no later than the instant its dwell is due
//! ([`crate::domain::visits::StayDetector::dwell_due`], at least
//! [`policy::SENSING_DWELL_DUE_FLOOR_MS`] ahead): the fix that confirms the
//! visit is taken then, not up to an interval later.

use crate::policy;
use serde::{Deserialize, Serialize};

/// How precise a fix the plan asks for, from dearest to cheapest. The
/// platform layers map it: Android's `Priority.PRIORITY_HIGH_ACCURACY`,
/// `PRIORITY_BALANCED_POWER_ACCURACY`, `PRIORITY_LOW_POWER`,
/// `PRIORITY_PASSIVE`; iOS's `kCLLocationAccuracyBest`,
/// `kCLLocationAccuracyHundredMeters`, `kCLLocationAccuracyKilometer`, and
/// significant-change monitoring only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accuracy {
    /// Satellite positioning (GNSS): metres.
    High,
    /// Wi-Fi and cell positioning: tens of metres.
    Balanced,
    /// Cell positioning: hundreds of metres.
    Low,
    /// No fix of its own: only fixes other apps obtain, and wake-ups. No
    /// rule chooses it today (a stay needs its minute fixes, see rule 1);
    /// it completes the platforms' set so that the cost model and the
    /// platform layers can name it.
    Passive,
}

impl Accuracy {
    /// Every class, dearest first.
    pub const ALL: [Accuracy; 4] = [Accuracy::High, Accuracy::Balanced, Accuracy::Low, Accuracy::Passive];

    /// The word in events and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Accuracy::High => "high",
            Accuracy::Balanced => "balanced",
            Accuracy::Low => "low",
            Accuracy::Passive => "passive",
        }
    }
}

/// Which rule of the plan applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensingReason {
    /// A visit is under way and the shopper is still.
    Staying,
    /// A visit is under way and the shopper is leaving it.
    Departing,
    /// Inside a fence: an exit or a dwell is under way.
    InFence,
    /// A relevant boundary is within the horizon.
    NearBoundary,
    /// No visit under way and the shopper has stopped: a stay may be forming.
    Settling,
    /// Moving, or nothing known of the speed, with nothing near.
    Roaming,
    /// Quiet hours: nothing can fire, only visits are recorded.
    QuietHours,
}

impl SensingReason {
    /// The word in events and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SensingReason::Staying => "staying",
            SensingReason::Departing => "departing",
            SensingReason::InFence => "in_fence",
            SensingReason::NearBoundary => "near_boundary",
            SensingReason::Settling => "settling",
            SensingReason::Roaming => "roaming",
            SensingReason::QuietHours => "quiet_hours",
        }
    }
}

/// What the plan is computed from: the engine's view of the shopper after
/// its latest call.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SensingInput {
    /// The latest fresh speed estimate, m/s (`None`: none fresh).
    pub speed_mps: Option<f64>,
    /// A visit (a confirmed stay) is under way.
    pub visit_open: bool,
    /// The latest fix lies within the merge radius of a known place.
    pub at_known_place: bool,
    /// The phone is inside at least one catalog fence.
    pub in_fence: bool,
    /// An exit is pending in a fence the phone is in
    /// ([`crate::domain::fences::FenceTracker::exit_pending`]).
    pub exit_pending: bool,
    /// Distance from the latest fix to the nearest relevant boundary,
    /// metres (0 on or inside it; `None`: nothing relevant is known).
    pub nearest_boundary_m: Option<f64>,
    /// Quiet hours: no offer and no reminder can fire now.
    pub quiet: bool,
    /// Time from now until a forming stay (no visit under way) can first
    /// be confirmed as a visit, ms
    /// (`StayDetector::dwell_due`); `None` without
    /// one. Negative once that instant has passed.
    pub dwell_due_in_ms: Option<i64>,
    /// Accuracy radius of the latest fix, metres (`None`: no fix yet).
    pub latest_accuracy_m: Option<f64>,
}

/// What the engine asks of the platform until its next call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SensingNeed {
    /// The class of fix.
    pub accuracy: Accuracy,
    /// Time between fixes, ms.
    pub interval_ms: i64,
    /// Fixes closer than this to the previous one need not be delivered,
    /// metres (0: deliver every fix).
    pub min_displacement_m: f64,
    /// Whether the app should ask the platform to wake it when the shopper
    /// starts moving (Android's activity transitions, iOS's
    /// significant-change or visit monitoring).
    pub wake_on_motion: bool,
    /// The rule that applied.
    pub reason: SensingReason,
}

/// The plan for `input` (the rules are in the module documentation), its
/// next fix brought forward to the instant a forming stay's dwell is due.
pub fn plan(input: &SensingInput) -> SensingNeed {
    let mut need = rule(input);
    // A stay is confirmed by the first fix in its core once its dwell is
    // reached: that fix is taken then, not up to an interval later (see
    // `SENSING_DWELL_DUE_FLOOR_MS`). Once that instant has passed without
    // a confirmation, the shopper was not in the core: no hurry.
    if let Some(due) = input.dwell_due_in_ms.filter(|d| *d > 0) {
        need.interval_ms = need.interval_ms.min(due.max(policy::SENSING_DWELL_DUE_FLOOR_MS));
    }
    need
}

/// The rule that applies to `input`, first match wins.
fn rule(input: &SensingInput) -> SensingNeed {
    let moving = input.speed_mps.is_some_and(|s| s >= policy::SENSING_MOVING_SPEED_MPS);
    // Only a precise fix's speed ends a stay's quiet: Wi-Fi noise alone
    // reads as a walk.
    let precise = input.latest_accuracy_m.is_some_and(|a| a <= policy::SENSING_STAYING_SPEED_MAX_ACCURACY_M);
    // A pending exit is settled only by precise fixes (inside evidence
    // cancels it, a second fix outside confirms it); Wi-Fi fixes would
    // leave it pending until a second outlier confirms a false exit.
    let exit_unsettled = input.exit_pending && input.in_fence && !input.quiet;
    if input.visit_open && !(moving && precise) && input.at_known_place && !exit_unsettled {
        return SensingNeed {
            accuracy: Accuracy::Balanced,
            interval_ms: policy::SENSING_STAYING_INTERVAL_MS,
            min_displacement_m: 0.0,
            wake_on_motion: true,
            reason: SensingReason::Staying,
        };
    }
    let settling = !input.visit_open && input.speed_mps.is_some() && !moving;
    if input.quiet && !input.visit_open && moving {
        return SensingNeed {
            accuracy: Accuracy::Low,
            interval_ms: policy::SENSING_ROAMING_INTERVAL_MS,
            min_displacement_m: policy::SENSING_ROAMING_DISPLACEMENT_M,
            wake_on_motion: false,
            reason: SensingReason::QuietHours,
        };
    }
    if input.in_fence && !input.quiet {
        return SensingNeed {
            accuracy: Accuracy::High,
            interval_ms: policy::FENCE_EXIT_CONFIRM_MS,
            min_displacement_m: 0.0,
            wake_on_motion: false,
            reason: SensingReason::InFence,
        };
    }
    let speed = input.speed_mps.unwrap_or(0.0).max(policy::SENSING_ASSUMED_SPEED_MPS);
    let to_boundary_ms = input.nearest_boundary_m.map(|d| (d.max(0.0) / speed * 1000.0) as i64);
    if let Some(t) = to_boundary_ms.filter(|t| *t <= policy::SENSING_NEAR_HORIZON_MS && !input.quiet) {
        let interval = ((t as f64 * policy::SENSING_NEAR_SHARE) as i64)
            .clamp(policy::SENSING_MIN_INTERVAL_MS, policy::SENSING_NEAR_MAX_INTERVAL_MS);
        let near = SensingNeed {
            accuracy: Accuracy::High,
            interval_ms: interval,
            min_displacement_m: 0.0,
            wake_on_motion: false,
            reason: SensingReason::NearBoundary,
        };
        // A shopper who stops near a boundary is also forming a stay, and
        // one who leaves a visit near one is also departing.
        if settling {
            let interval_ms = interval.min(policy::SENSING_SETTLING_INTERVAL_MS);
            return SensingNeed { interval_ms, reason: SensingReason::Settling, ..near };
        }
        if input.visit_open {
            let interval_ms = interval.min(policy::SENSING_DEPARTURE_INTERVAL_MS);
            return SensingNeed { interval_ms, reason: SensingReason::Departing, ..near };
        }
        return near;
    }
    // Far from everything: wake up before the horizon could be crossed.
    let before_horizon =
        to_boundary_ms.filter(|_| !input.quiet).map_or(i64::MAX, |t| t - policy::SENSING_NEAR_HORIZON_MS);
    if input.visit_open {
        return SensingNeed {
            accuracy: Accuracy::High,
            interval_ms: before_horizon.clamp(policy::SENSING_MIN_INTERVAL_MS, policy::SENSING_DEPARTURE_INTERVAL_MS),
            min_displacement_m: 0.0,
            wake_on_motion: false,
            reason: SensingReason::Departing,
        };
    }
    let interval = before_horizon.clamp(policy::SENSING_MIN_INTERVAL_MS, policy::SENSING_ROAMING_INTERVAL_MS);
    if settling {
        return SensingNeed {
            accuracy: Accuracy::High,
            interval_ms: interval.min(policy::SENSING_SETTLING_INTERVAL_MS),
            min_displacement_m: 0.0,
            wake_on_motion: false,
            reason: SensingReason::Settling,
        };
    }
    SensingNeed {
        accuracy: Accuracy::Balanced,
        interval_ms: interval,
        min_displacement_m: policy::SENSING_ROAMING_DISPLACEMENT_M,
        wake_on_motion: false,
        reason: SensingReason::Roaming,
    }
}

/// Whether `new` differs enough from the plan last reported to report it:
/// another accuracy class or rule, or an interval changed by at least
/// [`policy::SENSING_INTERVAL_CHANGE_FACTOR`] either way.
pub fn need_changed(old: &SensingNeed, new: &SensingNeed) -> bool {
    if old.accuracy != new.accuracy || old.reason != new.reason || old.wake_on_motion != new.wake_on_motion {
        return true;
    }
    let (a, b) = (old.interval_ms.max(1) as f64, new.interval_ms.max(1) as f64);
    a.max(b) / a.min(b) >= policy::SENSING_INTERVAL_CHANGE_FACTOR
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walking(nearest_m: Option<f64>) -> SensingInput {
        SensingInput { speed_mps: Some(1.3), nearest_boundary_m: nearest_m, ..SensingInput::default() }
    }

    #[test]
    fn a_still_shopper_in_a_visit_needs_a_wifi_fix_a_minute_and_a_motion_wake_up() {
        let input = SensingInput {
            visit_open: true,
            at_known_place: true,
            speed_mps: Some(0.1),
            in_fence: true,
            ..Default::default()
        };
        let p = plan(&input);
        assert_eq!((p.accuracy, p.reason), (Accuracy::Balanced, SensingReason::Staying));
        assert!(p.wake_on_motion);
        assert_eq!(p.interval_ms, policy::SENSING_STAYING_INTERVAL_MS);
    }

    #[test]
    fn a_visit_whose_shopper_moves_again_gets_fixes_to_confirm_the_departure() {
        let moving = SensingInput {
            visit_open: true,
            at_known_place: true,
            speed_mps: Some(1.3),
            latest_accuracy_m: Some(10.0),
            ..Default::default()
        };
        let p = plan(&moving);
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::Departing));
        assert_eq!(p.interval_ms, policy::SENSING_DEPARTURE_INTERVAL_MS);
        assert!(!p.wake_on_motion);
        // Imprecise fixes may show no speed: being away from the place is enough.
        let away = SensingInput { visit_open: true, speed_mps: Some(0.0), ..Default::default() };
        assert_eq!(plan(&away).reason, SensingReason::Departing);
    }

    #[test]
    fn a_wifi_fixs_speed_does_not_end_a_stays_quiet_but_a_satellite_fixs_does() {
        let wifi = SensingInput {
            visit_open: true,
            at_known_place: true,
            in_fence: true,
            speed_mps: Some(0.6),
            latest_accuracy_m: Some(50.0),
            ..Default::default()
        };
        assert_eq!(plan(&wifi).reason, SensingReason::Staying, "50 m fixes 30 s apart read 0.6 m/s from noise alone");
        let gnss = SensingInput { latest_accuracy_m: Some(10.0), ..wifi };
        assert_eq!(plan(&gnss).reason, SensingReason::InFence);
    }

    #[test]
    fn a_pending_exit_gets_precise_fixes_even_in_a_quiet_stay() {
        let staying = SensingInput { visit_open: true, at_known_place: true, in_fence: true, ..Default::default() };
        assert_eq!(plan(&staying).reason, SensingReason::Staying);
        let pending = SensingInput { exit_pending: true, ..staying };
        let p = plan(&pending);
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::InFence));
        assert_eq!(p.interval_ms, policy::FENCE_EXIT_CONFIRM_MS);
    }

    #[test]
    fn a_forming_stay_gets_its_next_fix_when_its_dwell_is_due() {
        let walking = SensingInput { speed_mps: Some(1.3), dwell_due_in_ms: Some(7_000), ..Default::default() };
        assert_eq!(plan(&walking).interval_ms, 7_000, "roaming's 30 s brought forward");
        let past = SensingInput { dwell_due_in_ms: Some(-5_000), ..walking };
        assert_eq!(plan(&past).interval_ms, policy::SENSING_ROAMING_INTERVAL_MS, "a passed due instant is no hurry");
        let now = SensingInput { dwell_due_in_ms: Some(0), ..walking };
        assert_eq!(plan(&now).interval_ms, policy::SENSING_ROAMING_INTERVAL_MS);
        let soon = SensingInput { dwell_due_in_ms: Some(200), ..walking };
        assert_eq!(plan(&soon).interval_ms, policy::SENSING_DWELL_DUE_FLOOR_MS);
    }

    #[test]
    fn inside_a_fence_precise_fixes_come_at_the_exit_confirmation_spacing() {
        let input = SensingInput { in_fence: true, ..walking(Some(0.0)) };
        let p = plan(&input);
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::InFence));
        assert_eq!(p.interval_ms, policy::FENCE_EXIT_CONFIRM_MS);
        assert_eq!(p.min_displacement_m, 0.0);
    }

    #[test]
    fn approaching_a_boundary_asks_for_precise_fixes_at_half_the_time_to_reach_it() {
        // 56 m at 1.4 m/s (the walk is slower than the assumed speed): 40 s, next fix in 20 s.
        let p = plan(&walking(Some(56.0)));
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::NearBoundary));
        assert_eq!(p.interval_ms, 20_000);
        // At the edge: the shortest interval.
        assert_eq!(plan(&walking(Some(0.0))).interval_ms, policy::SENSING_MIN_INTERVAL_MS);
    }

    #[test]
    fn driving_brings_a_boundary_within_the_horizon_from_farther_away() {
        // 1 km: 12 min on foot (roaming), 67 s at 15 m/s (near).
        let far = plan(&walking(Some(1_000.0)));
        assert_eq!(far.reason, SensingReason::Roaming);
        let driving = SensingInput { speed_mps: Some(15.0), nearest_boundary_m: Some(1_000.0), ..Default::default() };
        let p = plan(&driving);
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::NearBoundary));
        assert_eq!(p.interval_ms, policy::SENSING_NEAR_MAX_INTERVAL_MS, "half of 67 s, capped");
    }

    #[test]
    fn far_from_everything_a_moving_shopper_gets_balanced_fixes_often_enough_to_date_a_stay() {
        let p = plan(&walking(None));
        assert_eq!((p.accuracy, p.reason), (Accuracy::Balanced, SensingReason::Roaming));
        assert_eq!(p.interval_ms, policy::SENSING_ROAMING_INTERVAL_MS);
        assert!(p.min_displacement_m > 0.0);
    }

    #[test]
    fn a_shopper_who_stops_away_from_any_visit_gets_satellite_fixes_while_the_stay_forms() {
        let p = plan(&SensingInput { speed_mps: Some(0.2), ..Default::default() });
        assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::Settling));
        assert_eq!(p.interval_ms, policy::SENSING_SETTLING_INTERVAL_MS);
        let unknown = plan(&SensingInput::default());
        assert_eq!(unknown.reason, SensingReason::Roaming, "no speed known: not settling");
    }

    #[test]
    fn roaming_wakes_up_before_the_horizon_of_a_boundary_is_crossed() {
        // 140 m at 1.4 m/s: 100 s, 10 s before the 90 s horizon.
        let p = plan(&SensingInput { nearest_boundary_m: Some(140.0), ..Default::default() });
        assert_eq!((p.accuracy, p.interval_ms), (Accuracy::Balanced, 10_000));
    }

    #[test]
    fn in_quiet_hours_fences_do_not_count_and_a_moving_shopper_gets_low_fixes() {
        let input = SensingInput { quiet: true, in_fence: true, ..walking(Some(0.0)) };
        let p = plan(&input);
        assert_eq!((p.accuracy, p.reason), (Accuracy::Low, SensingReason::QuietHours));
        let stopping = SensingInput { quiet: true, speed_mps: Some(0.0), ..Default::default() };
        assert_eq!(plan(&stopping).reason, SensingReason::Settling, "a stay may be forming: visits are still recorded");
        let unknown = SensingInput { quiet: true, ..Default::default() };
        assert_eq!(plan(&unknown).accuracy, Accuracy::Balanced, "no speed known: enough to date a stay");
        let staying = SensingInput { quiet: true, visit_open: true, at_known_place: true, ..Default::default() };
        assert_eq!(plan(&staying).reason, SensingReason::Staying);
        let leaving = SensingInput { visit_open: true, in_fence: true, ..input };
        assert_eq!(plan(&leaving).reason, SensingReason::Departing, "a departure needs precise-enough fixes");
    }

    #[test]
    fn a_plan_is_reported_again_only_when_its_class_rule_or_interval_changes_enough() {
        let a = plan(&walking(Some(56.0)));
        let mut b = a;
        b.interval_ms = a.interval_ms + 5_000;
        assert!(!need_changed(&a, &b), "20 s to 25 s is not worth an event");
        b.interval_ms = a.interval_ms * 2;
        assert!(need_changed(&a, &b));
        b.interval_ms = a.interval_ms / 2;
        assert!(need_changed(&a, &b));
        let c = SensingNeed { accuracy: Accuracy::Balanced, ..a };
        assert!(need_changed(&a, &c));
        let d = SensingNeed { reason: SensingReason::InFence, ..a };
        assert!(need_changed(&a, &d));
    }
}
