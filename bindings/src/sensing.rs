//! The engine's sensing plan (`Engine.sensingPlan()`, the
//! `SensingPlanChanged` event): what the app should ask of the platform's
//! location services next. The rules are in `docs/geofencing.md`, "The
//! sensing plan"; the app maps the plan onto Android's `LocationRequest`
//! and geofences, or iOS's `CLLocationManager` (`desiredAccuracy`,
//! `distanceFilter`, region and significant-change monitoring).

use crate::offers::WakeRegion;
use kairos_core::sensing::{Accuracy, SensingReason as CoreReason};

/// How precise a fix the plan asks for, dearest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SensingAccuracy {
    /// Satellite positioning, metres: Android `Priority.PRIORITY_HIGH_ACCURACY`,
    /// iOS `kCLLocationAccuracyBest`.
    High,
    /// Wi-Fi and cell positioning, tens of metres: Android
    /// `PRIORITY_BALANCED_POWER_ACCURACY`, iOS `kCLLocationAccuracyHundredMeters`.
    Balanced,
    /// Cell positioning, hundreds of metres: Android `PRIORITY_LOW_POWER`,
    /// iOS `kCLLocationAccuracyKilometer`.
    Low,
    /// No fix of its own, only wake-ups: Android `PRIORITY_PASSIVE`, iOS
    /// significant-change monitoring only.
    Passive,
}

impl From<Accuracy> for SensingAccuracy {
    fn from(a: Accuracy) -> Self {
        match a {
            Accuracy::High => SensingAccuracy::High,
            Accuracy::Balanced => SensingAccuracy::Balanced,
            Accuracy::Low => SensingAccuracy::Low,
            Accuracy::Passive => SensingAccuracy::Passive,
        }
    }
}

/// Which rule of the plan applied (`docs/geofencing.md`, "The sensing plan").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SensingReason {
    /// A visit is under way and the shopper is still.
    Staying,
    /// A visit is under way and the shopper is leaving it.
    Departing,
    /// Inside a fence: an exit or a dwell is under way.
    InFence,
    /// A relevant boundary (fence, or the reach of an on-the-way reminder)
    /// is within the horizon at the current speed.
    NearBoundary,
    /// No visit under way and the shopper has stopped: a stay may be forming.
    Settling,
    /// Moving, or nothing known of the speed, with nothing near.
    Roaming,
    /// Quiet hours: no offer or reminder can fire, only visits are recorded.
    QuietHours,
}

impl From<CoreReason> for SensingReason {
    fn from(r: CoreReason) -> Self {
        match r {
            CoreReason::Staying => SensingReason::Staying,
            CoreReason::Departing => SensingReason::Departing,
            CoreReason::InFence => SensingReason::InFence,
            CoreReason::NearBoundary => SensingReason::NearBoundary,
            CoreReason::Settling => SensingReason::Settling,
            CoreReason::Roaming => SensingReason::Roaming,
            CoreReason::QuietHours => SensingReason::QuietHours,
        }
    }
}

/// What the engine asks of the platform's location services until its next
/// call. Ask for fixes of `accuracy` every `intervalMs` (Android
/// `LocationRequest.Builder(priority, intervalMs)`, iOS `desiredAccuracy`),
/// skipping those closer than `minDisplacementM` to the previous one
/// (`setMinUpdateDistanceMeters`, `distanceFilter`), register
/// `wakeRegions` (replacing the registered set), and when `wakeOnMotion`
/// ask to be woken when the shopper starts moving.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SensingPlan {
    /// The class of fix to ask for.
    pub accuracy: SensingAccuracy,
    /// Time between fixes, milliseconds (always positive).
    pub interval_ms: i64,
    /// Fixes closer than this to the previous one need not be delivered,
    /// metres (0: deliver every fix).
    pub min_displacement_m: f64,
    /// Whether to ask the platform to wake the app when the shopper starts
    /// moving (Android activity transitions, iOS significant-change or visit
    /// monitoring).
    pub wake_on_motion: bool,
    /// The catalog places to register as OS regions, nearest first (at most
    /// 20, iOS's limit); empty before the first fix or without a catalog.
    pub wake_regions: Vec<WakeRegion>,
    /// The rule that applied.
    pub reason: SensingReason,
}

impl From<kairos_core::sensing::SensingPlan> for SensingPlan {
    fn from(p: kairos_core::sensing::SensingPlan) -> Self {
        SensingPlan {
            accuracy: p.accuracy.into(),
            interval_ms: p.interval_ms,
            min_displacement_m: p.min_displacement_m,
            wake_on_motion: p.wake_on_motion,
            wake_regions: p.wake_regions.into_iter().map(Into::into).collect(),
            reason: p.reason.into(),
        }
    }
}
