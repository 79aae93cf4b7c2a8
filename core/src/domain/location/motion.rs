//! How fast the shopper moves: the platform's speed when a fix carries
//! one, otherwise the distance between consecutive fixes over their time.
//! The engine keeps the latest estimate `(at, m/s)` and trusts it for
//! [`policy::SPEED_ESTIMATE_MAX_AGE_MS`].

use super::LocationFix;
use crate::domain::geo::distance_m;
use crate::domain::time::Timestamp;
use crate::policy;

/// The speed at `fix`, in m/s: the platform's when given, otherwise from
/// `prev` when it is at most [`policy::SPEED_ESTIMATE_MAX_AGE_MS`] older.
/// Movement inside the smaller of the two error circles counts as none.
pub fn estimate_speed(prev: Option<&LocationFix>, fix: &LocationFix) -> Option<f64> {
    match (fix.speed_mps, prev) {
        (Some(s), _) => Some(s),
        (None, Some(prev))
            if fix.at.since(prev.at) > 0 && fix.at.since(prev.at) <= policy::SPEED_ESTIMATE_MAX_AGE_MS =>
        {
            let d = distance_m(prev.lat, prev.lon, fix.lat, fix.lon);
            let d = (d - prev.accuracy_m.min(fix.accuracy_m)).max(0.0);
            Some(d / (fix.at.since(prev.at) as f64 / 1000.0))
        }
        _ => None,
    }
}

/// The estimate `motion` taken at `now`, if it is fresh enough.
pub fn speed_at(motion: Option<(Timestamp, f64)>, now: Timestamp) -> Option<f64> {
    motion.filter(|(t, _)| now.since(*t) <= policy::SPEED_ESTIMATE_MAX_AGE_MS).map(|(_, s)| s)
}

/// Whether the estimate `motion` shows driving at `now`.
pub fn driving(motion: Option<(Timestamp, f64)>, now: Timestamp) -> bool {
    speed_at(motion, now).is_some_and(|s| s > policy::DRIVING_SPEED_MPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: i64, lat: f64) -> LocationFix {
        LocationFix::new(Timestamp(1_790_000_000_000 + s * 1000), lat, -118.0, 10.0)
    }

    #[test]
    fn the_platform_speed_wins_over_the_distance() {
        let prev = fix(0, 34.0);
        let f = LocationFix { speed_mps: Some(3.0), ..fix(10, 34.01) };
        assert_eq!(estimate_speed(Some(&prev), &f), Some(3.0));
    }

    #[test]
    fn no_estimate_from_a_fix_more_than_two_minutes_older() {
        assert!(estimate_speed(Some(&fix(0, 34.0)), &fix(121, 34.001)).is_none());
        assert!(estimate_speed(Some(&fix(0, 34.0)), &fix(120, 34.001)).is_some());
    }

    #[test]
    fn an_estimate_goes_stale_after_two_minutes() {
        let m = Some((Timestamp(1_000), 9.0));
        assert_eq!(speed_at(m, Timestamp(1_000 + 120_000)), Some(9.0));
        assert!(driving(m, Timestamp(1_000 + 120_000)));
        assert_eq!(speed_at(m, Timestamp(1_000 + 120_001)), None);
    }
}
