//! Property tests of the geofence index and tracker, through the public API:
//! random tracks through random circles and polygons (with holes, and
//! across the antimeridian), GPS jitter along a boundary, and dwell.

use kairos_core::fences::{FenceEvent, FenceId, FenceIndex, FenceShape, FenceTracker};
use kairos_core::geo::LocalFrame;
use kairos_core::{policy, LocationFix, Timestamp};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::f64::consts::TAU;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// Places the fences are generated around: a city, the antimeridian on the
/// equator, the southern hemisphere, and far north.
const BASES: [(f64, f64); 4] = [
    (34.05, -118.25),
    (0.0, 179.999),
    (-33.87, 151.21),
    (60.0, 10.0),
];

#[derive(Debug, Clone)]
enum FenceSpec {
    Circle {
        e: f64,
        n: f64,
        r: f64,
    },
    /// A polygon star-shaped around (e, n): vertex i at angle (i + u) x 2π/k
    /// with u < 0.4, so no angular gap between vertices reaches 180 degrees.
    Polygon {
        e: f64,
        n: f64,
        vertices: Vec<(f64, f64)>,
        hole: bool,
    },
}

impl FenceSpec {
    fn ring(e: f64, n: f64, vertices: &[(f64, f64)], scale: f64) -> Vec<(f64, f64)> {
        let k = vertices.len() as f64;
        vertices
            .iter()
            .enumerate()
            .map(|(i, &(u, r))| {
                let a = (i as f64 + u) * TAU / k;
                (e + scale * r * a.cos(), n + scale * r * a.sin())
            })
            .collect()
    }

    /// The shape, in metres around `frame`'s origin.
    fn shape(&self, frame: &LocalFrame) -> FenceShape {
        let to_deg = |pts: Vec<(f64, f64)>| -> Vec<[f64; 2]> {
            pts.into_iter()
                .map(|(x, y)| {
                    let (lat, lon) = frame.to_lat_lon(x, y);
                    [lat, lon]
                })
                .collect()
        };
        match self {
            FenceSpec::Circle { e, n, r } => {
                let (lat, lon) = frame.to_lat_lon(*e, *n);
                FenceShape::Circle {
                    lat,
                    lon,
                    radius_m: *r,
                }
            }
            FenceSpec::Polygon {
                e,
                n,
                vertices,
                hole,
            } => FenceShape::Polygon {
                exterior: to_deg(Self::ring(*e, *n, vertices, 1.0)),
                holes: if *hole {
                    vec![to_deg(Self::ring(*e, *n, vertices, 0.3))]
                } else {
                    vec![]
                },
            },
        }
    }

    /// The boundary point at arc length `s` (metres, wrapping round) and
    /// a point well inside.
    fn boundary_at(&self, s: f64) -> (f64, f64) {
        match self {
            FenceSpec::Circle { e, n, r } => {
                let a = s / r;
                (e + r * a.cos(), n + r * a.sin())
            }
            FenceSpec::Polygon { e, n, vertices, .. } => {
                let ring = Self::ring(*e, *n, vertices, 1.0);
                let edges: Vec<_> = (0..ring.len())
                    .map(|i| (ring[i], ring[(i + 1) % ring.len()]))
                    .collect();
                let total: f64 = edges
                    .iter()
                    .map(|(a, b)| (b.0 - a.0).hypot(b.1 - a.1))
                    .sum();
                let mut s = s.rem_euclid(total);
                for (a, b) in &edges {
                    let len = (b.0 - a.0).hypot(b.1 - a.1);
                    if s <= len {
                        let f = s / len;
                        return (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
                    }
                    s -= len;
                }
                ring[0]
            }
        }
    }

    /// The centre the fence is star-shaped around.
    fn centre(&self) -> (f64, f64) {
        match self {
            FenceSpec::Circle { e, n, .. } | FenceSpec::Polygon { e, n, .. } => (*e, *n),
        }
    }

    /// A point inside the fence (in the band, for a polygon with a hole),
    /// and a unit direction from it that leads out.
    fn interior(&self) -> ((f64, f64), (f64, f64)) {
        match self {
            FenceSpec::Circle { e, n, .. } => ((*e, *n), (1.0, 0.0)),
            FenceSpec::Polygon { e, n, vertices, .. } => {
                let (u, r) = vertices[0];
                let a = u * TAU / vertices.len() as f64;
                (
                    (e + 0.65 * r * a.cos(), n + 0.65 * r * a.sin()),
                    (a.cos(), a.sin()),
                )
            }
        }
    }
}

fn fence_spec(span: f64) -> impl Strategy<Value = FenceSpec> {
    prop_oneof![
        (-span..span, -span..span, 30.0..300.0f64).prop_map(|(e, n, r)| FenceSpec::Circle {
            e,
            n,
            r
        }),
        (
            -span..span,
            -span..span,
            prop::collection::vec((0.0..0.4f64, 40.0..300.0f64), 3..9),
            any::<bool>()
        )
            .prop_map(|(e, n, vertices, hole)| FenceSpec::Polygon {
                e,
                n,
                vertices,
                hole
            }),
    ]
}

fn build(base: usize, specs: &[FenceSpec]) -> (LocalFrame, FenceIndex) {
    let frame = LocalFrame::new(BASES[base].0, BASES[base].1);
    let fences: Vec<(FenceId, FenceShape)> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (10 + i as FenceId, s.shape(&frame)))
        .collect();
    (
        frame,
        FenceIndex::build(fences).expect("generated fences are valid"),
    )
}

fn fix_at(frame: &LocalFrame, ms: i64, (x, y): (f64, f64), acc: f64) -> LocationFix {
    let (lat, lon) = frame.to_lat_lon(x, y);
    LocationFix::new(Timestamp(T0 + ms), lat, lon, acc)
}

/// A uniform offset within a disc of radius `r`.
fn jitter(rng: &mut ChaCha8Rng, r: f64) -> (f64, f64) {
    let (a, d) = (
        rng.random_range(0.0..TAU),
        r * rng.random_range(0.0..1.0f64).sqrt(),
    );
    (d * a.cos(), d * a.sin())
}

/// Checks that, per fence, events go Entered, [Dwelled], Exited, Entered,
/// ... with consistent times, and (if `closed`) end with Exited.
fn check_alternation(events: &[FenceEvent], closed: bool) -> Result<(), TestCaseError> {
    let mut per: BTreeMap<FenceId, Vec<FenceEvent>> = BTreeMap::new();
    for e in events {
        per.entry(e.fence()).or_default().push(*e);
    }
    for (fence, evs) in per {
        let mut entered: Option<Timestamp> = None;
        let mut dwelled = false;
        for e in &evs {
            match *e {
                FenceEvent::Entered { at, .. } => {
                    prop_assert!(entered.is_none(), "fence {fence}: entered twice: {evs:?}");
                    entered = Some(at);
                    dwelled = false;
                }
                FenceEvent::Dwelled { at, since, .. } => {
                    prop_assert_eq!(
                        entered,
                        Some(since),
                        "fence {}: dwell outside a stay: {:?}",
                        fence,
                        evs
                    );
                    prop_assert!(!dwelled && at >= since, "fence {fence}: {evs:?}");
                    dwelled = true;
                }
                FenceEvent::Exited { at, entered_at, .. } => {
                    prop_assert_eq!(
                        entered,
                        Some(entered_at),
                        "fence {}: exit without entry: {:?}",
                        fence,
                        evs
                    );
                    prop_assert!(at >= entered_at, "fence {fence}: {evs:?}");
                    entered = None;
                }
            }
        }
        if closed {
            prop_assert!(entered.is_none(), "fence {fence} never exited: {evs:?}");
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Leg {
    to: (f64, f64),
    speed: f64,
    interval_s: f64,
    accuracy: f64,
    jitter: f64,
    silence_s: f64,
    late_fix: bool,
    seed: u64,
}

fn leg() -> impl Strategy<Value = Leg> {
    (
        (-1_200.0..1_200.0f64, -1_200.0..1_200.0f64),
        0.5..25.0f64,
        1.0..30.0f64,
        prop_oneof![4 => 3.0..60.0f64, 1 => 100.0..3_000.0f64],
        0.0..40.0f64,
        prop_oneof![3 => Just(0.0), 1 => 60.0..3_600.0f64],
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(to, speed, interval_s, accuracy, jitter, silence_s, late_fix, seed)| Leg {
                to,
                speed,
                interval_s,
                accuracy,
                jitter,
                silence_s,
                late_fix,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any track: enters and exits alternate per fence, each entry is made
    /// by a fix inside and precise enough, each exit by a fix outside by its
    /// margin, and after a walk far away every fence has been exited.
    #[test]
    fn enters_and_exits_alternate_and_balance(
        base in 0..BASES.len(),
        specs in prop::collection::vec(fence_spec(800.0), 1..30),
        legs in prop::collection::vec(leg(), 1..12),
        dwell_min in prop::option::of(0i64..20),
    ) {
        let (frame, index) = build(base, &specs);
        let dwell = |_: FenceId| dwell_min.map(|m| m * 60_000);
        let mut tracker = FenceTracker::new();
        let (mut events, mut ms, mut pos) = (Vec::new(), 0i64, legs[0].to);
        let apply = |tracker: &mut FenceTracker, f: &LocationFix, events: &mut Vec<FenceEvent>| -> Result<(), TestCaseError> {
            let before = events.len();
            tracker.update(&index, f, dwell, events);
            for e in &events[before..] {
                let hit = index.hit(e.fence(), f.lat, f.lon).unwrap();
                match *e {
                    FenceEvent::Entered { at, .. } => {
                        prop_assert!(at == f.at && hit.distance_m < 0.0 && f.accuracy_m <= hit.radius_m, "{e:?} {hit:?} {f:?}");
                    }
                    FenceEvent::Exited { at, .. } => {
                        prop_assert!(at <= f.at, "{:?}", e);
                        prop_assert!(hit.distance_m >= policy::FENCE_EXIT_MARGIN_FLOOR_M.max(policy::FENCE_EXIT_ACCURACY_FACTOR * f.accuracy_m), "{e:?} {hit:?} {f:?}");
                    }
                    FenceEvent::Dwelled { .. } => {}
                }
            }
            Ok(())
        };
        for leg in &legs {
            let mut rng = ChaCha8Rng::seed_from_u64(leg.seed);
            if leg.silence_s > 0.0 {
                ms += (leg.silence_s * 1000.0) as i64;
                tracker.advance(Timestamp(T0 + ms), dwell, &mut events);
            }
            let dist = (leg.to.0 - pos.0).hypot(leg.to.1 - pos.1);
            let steps = ((dist / leg.speed / leg.interval_s).ceil() as usize).clamp(1, 200);
            let step_ms = ((dist / leg.speed * 1000.0) as i64 / steps as i64).max(1_000);
            let from = pos;
            for k in 1..=steps {
                let f = k as f64 / steps as f64;
                pos = (from.0 + f * (leg.to.0 - from.0), from.1 + f * (leg.to.1 - from.1));
                ms += step_ms;
                let j = jitter(&mut rng, leg.jitter);
                let acc = leg.accuracy * rng.random_range(0.5..1.5);
                let fix = fix_at(&frame, ms, (pos.0 + j.0, pos.1 + j.1), acc);
                apply(&mut tracker, &fix, &mut events)?;
                if rng.random_bool(0.2) {
                    tracker.advance(Timestamp(T0 + ms + step_ms / 2), dwell, &mut events);
                }
                if leg.late_fix && k == steps / 2 {
                    // A fix from the past, anywhere: the tracker ignores it.
                    let n = events.len();
                    let late = fix_at(&frame, ms - 30_000, (0.0, 0.0), 5.0);
                    tracker.update(&index, &late, dwell, &mut events);
                    prop_assert_eq!(events.len(), n, "a late fix caused events");
                }
            }
        }
        // The final walk: 8 km east at 20 m/s, then stand there.
        let from = pos;
        for k in 1..=300 {
            ms += 2_000;
            let x = (from.0 + 40.0 * k as f64).min(8_000.0);
            apply(&mut tracker, &fix_at(&frame, ms, (x, from.1.clamp(-10.0, 10.0)), 10.0), &mut events)?;
        }
        prop_assert_eq!(tracker.inside().count(), 0);
        check_alternation(&events, true)?;
        let enters = events.iter().filter(|e| matches!(e, FenceEvent::Entered { .. })).count();
        let exits = events.iter().filter(|e| matches!(e, FenceEvent::Exited { .. })).count();
        prop_assert_eq!(enters, exits);
    }

    /// Walking along a fence's boundary for 10 minutes with every fix up to
    /// 30 m off (accuracy 3-30 m): at most one entry and no exit; walking
    /// away afterwards gives exactly one exit per entry.
    #[test]
    fn jitter_along_a_boundary_gives_one_enter_and_one_exit(
        base in 0..BASES.len(),
        spec in fence_spec(1.0),
        speed in 0.8..2.0f64,
        interval_s in 1u32..6,
        seed in any::<u64>(),
    ) {
        let (frame, index) = build(base, std::slice::from_ref(&spec));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut tracker = FenceTracker::new();
        let mut events = Vec::new();
        let mut ms = 0i64;
        let mut last = (0.0, 0.0);
        while ms <= 600_000 {
            let b = spec.boundary_at(speed * ms as f64 / 1000.0);
            let j = jitter(&mut rng, 30.0);
            let fix = fix_at(&frame, ms, (b.0 + j.0, b.1 + j.1), rng.random_range(3.0..30.0));
            tracker.update(&index, &fix, |_| Some(5 * 60_000), &mut events);
            ms += 1_000 * interval_s as i64;
            last = b;
        }
        let entries = events.iter().filter(|e| matches!(e, FenceEvent::Entered { .. })).count();
        prop_assert!(entries <= 1, "{events:?}");
        prop_assert!(!events.iter().any(|e| matches!(e, FenceEvent::Exited { .. })), "{events:?}");
        // Walk 1 km straight away from the fence's centre.
        let (cx, cy) = spec.centre();
        let (dx, dy) = (last.0 - cx, last.1 - cy);
        let norm = dx.hypot(dy).max(1e-9);
        for k in 1..=700 {
            ms += 1_000;
            let d = 1.5 * k as f64;
            let fix = fix_at(&frame, ms, (last.0 + d * dx / norm, last.1 + d * dy / norm), 10.0);
            tracker.update(&index, &fix, |_| Some(5 * 60_000), &mut events);
        }
        check_alternation(&events, true)?;
        let exits = events.iter().filter(|e| matches!(e, FenceEvent::Exited { .. })).count();
        prop_assert_eq!(exits, entries);
    }

    /// A track that stays inside and leaves before the dwell time never
    /// dwells, however long it is then watched; one that stays longer
    /// dwells exactly once.
    #[test]
    fn dwell_only_for_stays_longer_than_the_dwell_time(
        base in 0..BASES.len(),
        spec in fence_spec(1.0),
        dwell_min in 1i64..30,
        stay_frac in 0.0..1.0f64,
        speed in 1.0..15.0f64,
        jitter_m in 0.0..30.0f64,
        interval_s in 1u32..20,
        seed in any::<u64>(),
    ) {
        let (frame, index) = build(base, std::slice::from_ref(&spec));
        let id: FenceId = 10;
        let dwell_ms = dwell_min * 60_000;
        let (start, dir) = spec.interior();
        // How long from starting to walk out until every fix, jitter
        // included, is outside: the first point `jitter_m + 1` outside.
        let outside_after_m = (0..20_000)
            .map(|k| k as f64 * 0.5)
            .find(|&d| {
                let (lat, lon) = frame.to_lat_lon(start.0 + d * dir.0, start.1 + d * dir.1);
                index.hit(id, lat, lon).unwrap().distance_m > jitter_m + 1.0
                    && (1..=60).all(|i| {
                        let d2 = d + i as f64 * 10.0;
                        let (lat, lon) = frame.to_lat_lon(start.0 + d2 * dir.0, start.1 + d2 * dir.1);
                        index.hit(id, lat, lon).unwrap().distance_m > jitter_m + 1.0
                    })
            })
            .unwrap();
        let out_ms = (outside_after_m / speed * 1000.0) as i64 + 1_000 * interval_s as i64;
        prop_assume!(out_ms + 1_000 < dwell_ms);
        for long_stay in [false, true] {
            let stay_ms = if long_stay {
                dwell_ms + 60_000
            } else {
                ((dwell_ms - out_ms - 1_000) as f64 * stay_frac) as i64
            };
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut tracker = FenceTracker::new();
            let mut events = Vec::new();
            let mut ms = 0i64;
            let step = 1_000 * interval_s as i64;
            let jit = if long_stay { 0.0 } else { jitter_m };
            // Precise fixes while standing: the long stay must enter.
            let first = fix_at(&frame, 0, start, 5.0);
            tracker.update(&index, &first, |_| Some(dwell_ms), &mut events);
            prop_assume!(!events.is_empty());
            while ms < stay_ms {
                ms = (ms + step).min(stay_ms.max(1));
                let j = jitter(&mut rng, jit);
                let fix = fix_at(&frame, ms, (start.0 + j.0, start.1 + j.1), 5.0);
                tracker.update(&index, &fix, |_| Some(dwell_ms), &mut events);
                tracker.advance(Timestamp(T0 + ms + step / 2), |_| Some(dwell_ms), &mut events);
            }
            let walk_from = ms;
            while ms < walk_from + 3_600_000 {
                ms += step;
                let d = (speed * (ms - walk_from) as f64 / 1000.0).min(3_000.0);
                let j = jitter(&mut rng, jit);
                let p = (start.0 + d * dir.0 + j.0, start.1 + d * dir.1 + j.1);
                tracker.update(&index, &fix_at(&frame, ms, p, 5.0), |_| Some(dwell_ms), &mut events);
                tracker.advance(Timestamp(T0 + ms + step / 2), |_| Some(dwell_ms), &mut events);
            }
            check_alternation(&events, true)?;
            let dwells: Vec<_> = events.iter().filter(|e| matches!(e, FenceEvent::Dwelled { .. })).collect();
            if long_stay {
                prop_assert_eq!(dwells.len(), 1, "{:?}", events);
                if let FenceEvent::Dwelled { at, since, .. } = *dwells[0] {
                    prop_assert!(at.since(since) >= dwell_ms);
                }
            } else {
                prop_assert!(dwells.is_empty(), "left after {} ms, dwell {} ms: {:?}", stay_ms + out_ms, dwell_ms, events);
            }
        }
    }

    /// The index finds exactly what a linear scan finds, everywhere,
    /// antimeridian included.
    #[test]
    fn lookup_equals_linear_scan(
        base in 0..BASES.len(),
        specs in prop::collection::vec(fence_spec(2_000.0), 1..60),
        points in prop::collection::vec((-2_500.0..2_500.0f64, -2_500.0..2_500.0f64, 0.0..500.0f64), 1..40),
    ) {
        let (frame, index) = build(base, &specs);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (x, y, margin) in points {
            let (lat, lon) = frame.to_lat_lon(x, y);
            index.lookup(lat, lon, margin, &mut a);
            index.lookup_scan(lat, lon, margin, &mut b);
            a.sort_by_key(|h| h.fence);
            prop_assert_eq!(&a, &b);
        }
    }
}
