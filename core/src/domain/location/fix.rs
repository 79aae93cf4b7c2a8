//! A location fix, as the platform reports it, and its validation.

use crate::domain::time::Timestamp;
use crate::policy;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One position report from the platform (CoreLocation's `CLLocation`,
/// Android's `Location`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocationFix {
    /// When the fix was taken (not when it was delivered).
    pub at: Timestamp,
    /// WGS84 latitude in degrees, within [-90, 90].
    pub lat: f64,
    /// WGS84 longitude in degrees, within [-180, 180].
    pub lon: f64,
    /// Horizontal accuracy radius in metres (68% confidence); must be > 0.
    pub accuracy_m: f64,
    /// Ground speed in metres per second, when the platform knows it.
    pub speed_mps: Option<f64>,
}

/// Why a fix was refused. Every rejected fix carries one of these.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FixRejection {
    /// Latitude or longitude is NaN or infinite.
    NonFiniteCoordinate,
    /// Latitude outside [-90, 90].
    LatitudeOutOfRange {
        /// The value given.
        lat: f64,
    },
    /// Longitude outside [-180, 180].
    LongitudeOutOfRange {
        /// The value given.
        lon: f64,
    },
    /// Accuracy is not a positive finite number, or is beyond 50 km.
    InvalidAccuracy {
        /// The value given.
        accuracy_m: f64,
    },
    /// Speed is negative or not finite.
    InvalidSpeed {
        /// The value given.
        speed_mps: f64,
    },
    /// The timestamp is before 2000 or after 2100.
    TimestampOutOfRange {
        /// The value given, in ms since the epoch.
        at_ms: i64,
    },
    /// The fix is older than the newest accepted fix by more than the
    /// reorder window (60 s).
    OutOfOrder {
        /// How far behind the newest accepted fix it is, in ms.
        behind_ms: i64,
    },
    /// The fix implied an impossible speed from its neighbours and the next
    /// fix did not confirm it.
    ImplausibleJump {
        /// The implied speed, in m/s.
        implied_speed_mps: f64,
    },
}

impl fmt::Display for FixRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixRejection::NonFiniteCoordinate => write!(f, "latitude or longitude is not a finite number"),
            FixRejection::LatitudeOutOfRange { lat } => write!(f, "latitude {lat} is outside [-90, 90]"),
            FixRejection::LongitudeOutOfRange { lon } => write!(f, "longitude {lon} is outside [-180, 180]"),
            FixRejection::InvalidAccuracy { accuracy_m } => {
                write!(f, "accuracy {accuracy_m} m is not a positive number up to 50 km")
            }
            FixRejection::InvalidSpeed { speed_mps } => write!(f, "speed {speed_mps} m/s is negative or not finite"),
            FixRejection::TimestampOutOfRange { at_ms } => {
                write!(f, "timestamp {at_ms} ms is outside the years 2000 to 2100")
            }
            FixRejection::OutOfOrder { behind_ms } => write!(
                f,
                "fix is {behind_ms} ms older than the newest accepted fix (reorder window is {} ms)",
                policy::REORDER_WINDOW_MS
            ),
            FixRejection::ImplausibleJump { implied_speed_mps } => write!(
                f,
                "fix implies {implied_speed_mps:.0} m/s from the previous fix and the next fix did not confirm it"
            ),
        }
    }
}

impl LocationFix {
    /// A fix without speed.
    pub fn new(at: Timestamp, lat: f64, lon: f64, accuracy_m: f64) -> Self {
        LocationFix { at, lat, lon, accuracy_m, speed_mps: None }
    }

    /// Checks the fix on its own (no history): finite, in range, accuracy
    /// positive, time within 2000..2100.
    pub fn validate(&self) -> Result<(), FixRejection> {
        if !self.lat.is_finite() || !self.lon.is_finite() {
            return Err(FixRejection::NonFiniteCoordinate);
        }
        if !(-90.0..=90.0).contains(&self.lat) {
            return Err(FixRejection::LatitudeOutOfRange { lat: self.lat });
        }
        if !(-180.0..=180.0).contains(&self.lon) {
            return Err(FixRejection::LongitudeOutOfRange { lon: self.lon });
        }
        if !(self.accuracy_m.is_finite() && self.accuracy_m > 0.0 && self.accuracy_m <= policy::MAX_ACCURACY_M) {
            return Err(FixRejection::InvalidAccuracy { accuracy_m: self.accuracy_m });
        }
        if let Some(s) = self.speed_mps {
            if !(s.is_finite() && s >= 0.0) {
                return Err(FixRejection::InvalidSpeed { speed_mps: s });
            }
        }
        if !(policy::MIN_INPUT_TIME_MS..=policy::MAX_INPUT_TIME_MS).contains(&self.at.0) {
            return Err(FixRejection::TimestampOutOfRange { at_ms: self.at.0 });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(lat: f64, lon: f64, acc: f64) -> LocationFix {
        LocationFix::new(Timestamp(1_700_000_000_000), lat, lon, acc)
    }

    #[test]
    fn each_bad_field_has_its_reason() {
        assert_eq!(fix(f64::NAN, 0.0, 5.0).validate(), Err(FixRejection::NonFiniteCoordinate));
        assert_eq!(fix(0.0, f64::INFINITY, 5.0).validate(), Err(FixRejection::NonFiniteCoordinate));
        assert_eq!(fix(91.0, 0.0, 5.0).validate(), Err(FixRejection::LatitudeOutOfRange { lat: 91.0 }));
        assert_eq!(fix(0.0, -180.5, 5.0).validate(), Err(FixRejection::LongitudeOutOfRange { lon: -180.5 }));
        assert!(matches!(fix(0.0, 0.0, 0.0).validate(), Err(FixRejection::InvalidAccuracy { .. })));
        assert!(matches!(fix(0.0, 0.0, f64::NAN).validate(), Err(FixRejection::InvalidAccuracy { .. })));
        let mut f = fix(0.0, 0.0, 5.0);
        f.speed_mps = Some(-1.0);
        assert!(matches!(f.validate(), Err(FixRejection::InvalidSpeed { .. })));
        let f = LocationFix::new(Timestamp(0), 0.0, 0.0, 5.0);
        assert!(matches!(f.validate(), Err(FixRejection::TimestampOutOfRange { .. })));
        assert_eq!(fix(90.0, 180.0, 1.0).validate(), Ok(()));
    }
}
