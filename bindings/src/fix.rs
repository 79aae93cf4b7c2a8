//! Location fixes going in, and what the engine made of a batch.

use crate::event::KairosEvent;
use crate::refusal::FixRejection;
use crate::time::{from_core, to_core};
use std::time::SystemTime;

/// One position report from the platform: CoreLocation's `CLLocation` or
/// Android's `Location` (see docs/bindings.md for the field mapping).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct LocationFix {
    /// When the fix was taken (not when it was delivered): `CLLocation.timestamp`,
    /// `Location.getTime()`.
    pub at: SystemTime,
    /// WGS84 latitude in degrees, within [-90, 90].
    pub lat: f64,
    /// WGS84 longitude in degrees, within [-180, 180].
    pub lon: f64,
    /// Horizontal accuracy radius in metres, greater than 0 and at most
    /// 50 km: `CLLocation.horizontalAccuracy`, `Location.getAccuracy()`.
    pub accuracy_m: f64,
    /// Ground speed in metres per second, when the platform knows it
    /// (`nil`/`null` otherwise; CoreLocation's negative "unknown" must be
    /// passed as `nil`).
    #[uniffi(default = None)]
    pub speed_mps: Option<f64>,
}

impl From<LocationFix> for kairos_core::LocationFix {
    fn from(f: LocationFix) -> Self {
        kairos_core::LocationFix {
            at: to_core(f.at),
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            speed_mps: f.speed_mps,
        }
    }
}

impl From<kairos_core::LocationFix> for LocationFix {
    fn from(f: kairos_core::LocationFix) -> Self {
        LocationFix { at: from_core(f.at), lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m, speed_mps: f.speed_mps }
    }
}

/// A fix of a batch that was refused, and why.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RejectedFix {
    /// The refused fix's time.
    pub at: SystemTime,
    /// Why it was refused.
    pub rejection: FixRejection,
}

/// What `recordLocations` made of a batch. Every fix is accounted for:
/// accepted, a duplicate, rejected, or held.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IngestReport {
    /// The events the batch caused, in time order (also delivered to
    /// listeners).
    pub events: Vec<KairosEvent>,
    /// Fixes accepted (including late ones, and held fixes released).
    pub accepted: i32,
    /// Exact duplicates dropped.
    pub duplicates: i32,
    /// Fixes refused, with the time of each and why.
    pub rejected: Vec<RejectedFix>,
    /// Fixes held back as a suspected jump, awaiting the next fix.
    pub held: i32,
}

impl From<kairos_core::IngestReport> for IngestReport {
    fn from(r: kairos_core::IngestReport) -> Self {
        let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        IngestReport {
            events: r.events.into_iter().map(KairosEvent::from).collect(),
            accepted: count(r.accepted),
            duplicates: count(r.duplicates),
            rejected: r
                .rejected
                .into_iter()
                .map(|(at, why)| RejectedFix { at: from_core(at), rejection: why.into() })
                .collect(),
            held: count(r.held),
        }
    }
}
