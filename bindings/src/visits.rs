//! Visits and the places they cluster into. Both are private: they never
//! leave the device.

use crate::time::from_core;
use std::time::SystemTime;

/// What the engine believes a place is to the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PlaceKind {
    /// Where most nights are spent.
    Home,
    /// Where most weekday working hours are spent, other than home.
    Work,
    /// Any other place.
    Other,
}

impl From<kairos_core::PlaceKind> for PlaceKind {
    fn from(k: kairos_core::PlaceKind) -> Self {
        match k {
            kairos_core::PlaceKind::Home => PlaceKind::Home,
            kairos_core::PlaceKind::Work => PlaceKind::Work,
            kairos_core::PlaceKind::Other => PlaceKind::Other,
        }
    }
}

/// A place learned from visits.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Place {
    /// Stable id (never reused).
    pub id: i64,
    /// Centre latitude (mean of its visits' centres).
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Home, work or other.
    pub kind: PlaceKind,
    /// Whether the place is private; every learned place is.
    pub private: bool,
    /// Completed visits.
    pub visit_count: i32,
    /// Total minutes of completed visits.
    pub total_minutes: i64,
    /// First arrival.
    pub first_seen: SystemTime,
    /// Last departure (or arrival, while the first visit is under way).
    pub last_seen: SystemTime,
}

impl From<kairos_core::Place> for Place {
    fn from(p: kairos_core::Place) -> Self {
        Place {
            id: p.id,
            lat: p.lat,
            lon: p.lon,
            kind: p.kind.into(),
            private: p.private,
            visit_count: i32::try_from(p.visit_count).unwrap_or(i32::MAX),
            total_minutes: p.total_minutes,
            first_seen: from_core(p.first_seen),
            last_seen: from_core(p.last_seen),
        }
    }
}

/// A stay of at least the dwell threshold at one place.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Visit {
    /// Stable id.
    pub id: i64,
    /// The place visited (see `Engine.places`).
    pub place_id: i64,
    /// First fix of the stay.
    pub arrived_at: SystemTime,
    /// Last fix inside the stay; `nil`/`null` while the visit is under way.
    pub departed_at: Option<SystemTime>,
    /// Centre latitude of the stay.
    pub lat: f64,
    /// Centre longitude of the stay.
    pub lon: f64,
}

impl From<kairos_core::Visit> for Visit {
    fn from(v: kairos_core::Visit) -> Self {
        Visit {
            id: v.id,
            place_id: v.place_id,
            arrived_at: from_core(v.arrived_at),
            departed_at: v.departed_at.map(from_core),
            lat: v.lat,
            lon: v.lon,
        }
    }
}
