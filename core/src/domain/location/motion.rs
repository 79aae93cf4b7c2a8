//! How fast the shopper moves: the platform's speed when a fix carries
//! one, otherwise the distance covered over a window of fixes.
//! The engine keeps the latest estimate `(at, m/s)` and trusts it for
//! [`policy::SPEED_ESTIMATE_MAX_AGE_MS`].

use super::LocationFix;
use crate::domain::geo::distance_m;
use crate::domain::time::Timestamp;
use crate::policy;

/// The speed at `fix`, in m/s, and the anchor to keep for the next fix.
///
/// The platform's speed wins when the fix carries one. Otherwise the speed
/// is measured from `anchor`, the fix that starts the current window, once
/// the window spans [`policy::SPEED_WINDOW_MS`]: the distance, less the
/// smaller of the two accuracies (movement inside the error circles is
/// noise), over the time. Over a window the accuracy is subtracted once,
/// not from every pair of fixes, so the estimate does not depend on the
/// cadence: a car at 16.7 m/s sending a fix a second with 10 m accuracy
/// reads 16.3 m/s, not 6.7. Until the window is spanned the anchor is kept
/// and the estimate in force (`current`, when fresh) stands; with none in
/// force, a provisional one is read over the span so far. An anchor older
/// than [`policy::SPEED_ESTIMATE_MAX_AGE_MS`] gives none and is replaced.
pub fn estimate_speed(
    anchor: Option<&LocationFix>,
    fix: &LocationFix,
    current: Option<(Timestamp, f64)>,
) -> (LocationFix, Option<f64>) {
    if let Some(s) = fix.speed_mps {
        return (*fix, Some(s));
    }
    let Some(a) = anchor else { return (*fix, None) };
    let dt = fix.at.since(a.at);
    if !(0..=policy::SPEED_ESTIMATE_MAX_AGE_MS).contains(&dt) {
        return (*fix, None);
    }
    let d = distance_m(a.lat, a.lon, fix.lat, fix.lon);
    let d = (d - a.accuracy_m.min(fix.accuracy_m)).max(0.0);
    let speed = (dt > 0).then(|| d / (dt as f64 / 1000.0));
    if dt < policy::SPEED_WINDOW_MS {
        return (*a, speed.filter(|_| speed_at(current, fix.at).is_none()));
    }
    (*fix, speed)
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

    /// Feeds fixes one by one; returns the last estimate.
    fn feed(fixes: &[LocationFix]) -> Option<f64> {
        let (mut anchor, mut motion) = (None, None);
        for f in fixes {
            let (a, s) = estimate_speed(anchor.as_ref(), f, motion);
            anchor = Some(a);
            motion = s.map(|s| (f.at, s)).or(motion);
        }
        motion.map(|(_, s)| s)
    }

    /// A fix every `every_s` seconds along a meridian at `mps`.
    fn moving(mps: f64, every_s: i64, for_s: i64) -> Vec<LocationFix> {
        let deg_per_m = 1.0 / 111_195.0;
        (0..=for_s / every_s).map(|i| fix(i * every_s, 34.0 + (i * every_s) as f64 * mps * deg_per_m)).collect()
    }

    #[test]
    fn the_platform_speed_wins_over_the_distance() {
        let prev = fix(0, 34.0);
        let f = LocationFix { speed_mps: Some(3.0), ..fix(10, 34.01) };
        assert_eq!(estimate_speed(Some(&prev), &f, None).1, Some(3.0));
    }

    #[test]
    fn a_car_at_one_fix_a_second_reads_its_speed_whatever_the_cadence() {
        for every_s in [1, 5, 10, 30, 60] {
            let s = feed(&moving(16.7, every_s, 120)).unwrap();
            assert!((15.5..=16.7).contains(&s), "every {every_s} s: {s:.1} m/s for a 16.7 m/s car");
        }
        let walk = feed(&moving(1.4, 1, 120)).unwrap();
        assert!((0.8..=1.4).contains(&walk), "{walk:.2} m/s for a 1.4 m/s walk at 1 Hz");
        let still = feed(&(0..120).map(|i| fix(i, 34.0 + (i % 2) as f64 * 0.0001)).collect::<Vec<_>>()).unwrap();
        assert!(still < 0.2, "{still:.2} m/s standing still with 11 m of jitter");
    }

    #[test]
    fn a_provisional_estimate_over_the_span_so_far_until_the_window_is_spanned() {
        let car = moving(16.7, 1, 10);
        let (anchor, s) = estimate_speed(Some(&car[0]), &car[5], None);
        assert_eq!(anchor, car[0], "the window's anchor is kept");
        assert!(s.is_some_and(|s| s > policy::DRIVING_SPEED_MPS), "{s:?}: driving is seen within seconds");
        let fresh = Some((car[4].at, 16.0));
        assert_eq!(estimate_speed(Some(&car[0]), &car[5], fresh).1, None, "the estimate in force stands");
    }

    #[test]
    fn no_estimate_from_a_fix_more_than_two_minutes_older() {
        assert!(estimate_speed(Some(&fix(0, 34.0)), &fix(121, 34.001), None).1.is_none());
        assert!(estimate_speed(Some(&fix(0, 34.0)), &fix(120, 34.001), None).1.is_some());
    }

    #[test]
    fn an_estimate_goes_stale_after_two_minutes() {
        let m = Some((Timestamp(1_000), 9.0));
        assert_eq!(speed_at(m, Timestamp(1_000 + 120_000)), Some(9.0));
        assert!(driving(m, Timestamp(1_000 + 120_000)));
        assert_eq!(speed_at(m, Timestamp(1_000 + 120_001)), None);
    }
}
