//! Over many seeds: a shopper standing 10 m inside a 60 m fence with 60 m
//! of scatter reported as 30 m never exits it while the exit margin
//! follows the observed scatter, and often does when it follows the
//! reported accuracy alone (the bug this guards against); a real walk out
//! is still detected within a bounded time.

use super::{StayDetector, StayParams};
use crate::domain::fences::{FenceEvent, FenceIndex, FenceShape, FenceTracker};
use crate::domain::geo::LocalFrame;
use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use crate::policy;
use rand::{RngExt, SeedableRng};

const T0: i64 = 1_795_000_000_000;
const RADIUS_M: f64 = 60.0;
/// Where the shopper stands: 10 m inside the fence's northern edge.
const STAND_M: f64 = RADIUS_M - 10.0;
const JITTER_M: f64 = 60.0;
const REPORTED_M: f64 = 30.0;
const WALK_MPS: f64 = 1.4;

/// Exits while standing, and how long after the true crossing the real
/// exit was reported (seconds), for one seed.
fn run(seed: u64, observed: bool) -> (usize, Option<f64>) {
    let frame = LocalFrame::new(39.68, -104.98);
    let index =
        FenceIndex::build(vec![(1, FenceShape::Circle { lat: 39.68, lon: -104.98, radius_m: RADIUS_M })]).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut detector, mut tracker) = (StayDetector::default(), FenceTracker::new());
    let params = StayParams::default();
    // 3 min walking in from 300 m north, 30 min standing, 5 min walking out.
    let (walk_in, stand, walk_out) = (180, 30 * 60, 300);
    let mut standing_exits = 0;
    let mut real_exit = None;
    let crossing_s = (walk_in + stand) as f64 + (RADIUS_M - STAND_M) / WALK_MPS;
    for s in (0..walk_in + stand + walk_out).step_by(10) {
        let north = if s < walk_in {
            300.0 - (300.0 - STAND_M) * s as f64 / walk_in as f64
        } else if s < walk_in + stand {
            STAND_M
        } else {
            STAND_M + WALK_MPS * (s - walk_in - stand) as f64
        };
        let r = JITTER_M * rng.random::<f64>().sqrt();
        let a = std::f64::consts::TAU * rng.random::<f64>();
        let (lat, lon) = frame.to_lat_lon(r * a.cos(), north + r * a.sin());
        let fix = LocationFix::new(Timestamp(T0 + s * 1000), lat, lon, REPORTED_M);
        detector.push(&fix, false, &params, &mut Vec::new());
        let inside = tracker.inside().next().is_some();
        tracker.set_observed_scatter(if observed && inside { detector.observed_scatter_m() } else { None });
        let mut out = Vec::new();
        tracker.update(&index, &fix, |_| None, &mut out);
        for e in out.iter().filter(|e| matches!(e, FenceEvent::Exited { .. })) {
            if s < walk_in + stand {
                standing_exits += 1;
            } else if real_exit.is_none() {
                real_exit = Some(s as f64 - crossing_s);
                let _ = e;
            }
        }
    }
    (standing_exits, real_exit)
}

#[test]
fn sixty_metres_of_scatter_reported_as_thirty_never_flaps_and_a_real_exit_is_prompt() {
    // The bound on a real exit: the phone must be seen beyond the boundary
    // by the margin (at most FENCE_EXIT_SCATTER_MAX_MARGIN_M), as its
    // scatter allows, on two fixes FENCE_EXIT_CONFIRM_MS apart.
    let bound_s = (policy::FENCE_EXIT_SCATTER_MAX_MARGIN_M + JITTER_M) / WALK_MPS
        + 2.0 * policy::FENCE_EXIT_CONFIRM_MS as f64 / 1000.0;
    let (mut flapping_seeds_before, mut worst) = (0, 0.0f64);
    for seed in 0..200 {
        let (exits, real) = run(seed, true);
        assert_eq!(exits, 0, "seed {seed}: a false exit while standing");
        let late = real.unwrap_or_else(|| panic!("seed {seed}: the real exit was missed"));
        assert!(late <= bound_s, "seed {seed}: the exit came {late:.0} s after the crossing (bound {bound_s:.0} s)");
        worst = worst.max(late);
        flapping_seeds_before += usize::from(run(seed, false).0 > 0);
    }
    assert!(worst > 0.0);
    // The margin from the reported accuracy alone flaps: the bug.
    assert!(flapping_seeds_before >= 20, "only {flapping_seeds_before} of 200 seeds flap without the observed scatter");
}
