//! Unit tests of `FenceIndex`: holes, the antimeridian, `nearest`, the
//! index against a linear scan, errors and memory.

use super::*;
use crate::domain::geo::LocalFrame;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LAT0: f64 = 34.05;
const LON0: f64 = -118.25;

/// `(lat, lon)` at `east`/`north` metres from `(lat0, lon0)`.
fn at(lat0: f64, lon0: f64, east: f64, north: f64) -> (f64, f64) {
    LocalFrame::new(lat0, lon0).to_lat_lon(east, north)
}

/// A rectangle of `w` x `h` metres centred `east`/`north` metres from
/// `(lat0, lon0)`, as `[lat, lon]` pairs.
fn rect(lat0: f64, lon0: f64, east: f64, north: f64, w: f64, h: f64) -> Vec<[f64; 2]> {
    [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        .iter()
        .map(|&(sx, sy)| {
            let (lat, lon) = at(lat0, lon0, east + sx * w / 2.0, north + sy * h / 2.0);
            [lat, lon]
        })
        .collect()
}

fn random_catalog(rng: &mut ChaCha8Rng, n: u32, span_m: f64) -> Vec<(FenceId, FenceShape)> {
    (0..n)
        .map(|id| {
            let (e, no) = (rng.random_range(-span_m..span_m), rng.random_range(-span_m..span_m));
            let shape = if rng.random_bool(0.7) {
                let (lat, lon) = at(LAT0, LON0, e, no);
                FenceShape::Circle { lat, lon, radius_m: rng.random_range(20.0..300.0) }
            } else {
                let (w, h) = (rng.random_range(40.0..400.0), rng.random_range(40.0..400.0));
                let holes = if rng.random_bool(0.3) { vec![rect(LAT0, LON0, e, no, w / 3.0, h / 3.0)] } else { vec![] };
                FenceShape::Polygon { exterior: rect(LAT0, LON0, e, no, w, h), holes }
            };
            (id * 3 + 1, shape)
        })
        .collect()
}

#[test]
fn inside_a_hole_is_outside() {
    let shape = FenceShape::Polygon {
        exterior: rect(LAT0, LON0, 0.0, 0.0, 300.0, 300.0),
        holes: vec![rect(LAT0, LON0, 0.0, 0.0, 100.0, 100.0)],
    };
    let index = FenceIndex::build(vec![(9, shape)]).unwrap();
    let d = |e: f64, n: f64| {
        let (lat, lon) = at(LAT0, LON0, e, n);
        index.hit(9, lat, lon).unwrap().distance_m
    };
    // Centre of the hole: 50 m from the hole's edge, outside the fence.
    assert!((d(0.0, 0.0) - 50.0).abs() < 0.5, "{}", d(0.0, 0.0));
    // In the band between hole and exterior: inside, 25 m from either edge.
    assert!((d(75.0, 0.0) + 25.0).abs() < 0.5, "{}", d(75.0, 0.0));
    // Outside the exterior.
    assert!((d(200.0, 0.0) - 50.0).abs() < 0.5, "{}", d(200.0, 0.0));
    let mut out = Vec::new();
    let (lat, lon) = at(LAT0, LON0, 0.0, 0.0);
    index.lookup(lat, lon, 0.0, &mut out);
    assert!(out.is_empty(), "{out:?}");
    index.lookup(lat, lon, 60.0, &mut out);
    assert_eq!(out.len(), 1);
    // Characteristic radius: 2 x (300² - 100²) / (4 x 300 + 4 x 100) = 100 m.
    assert!((out[0].radius_m - 100.0).abs() < 1.0, "{}", out[0].radius_m);
}

#[test]
fn polygon_across_the_antimeridian() {
    // About 220 m x 220 m at the equator, from 179.999 E to 179.999 W.
    let shape = FenceShape::Polygon {
        exterior: vec![[-0.001, 179.999], [-0.001, -179.999], [0.001, -179.999], [0.001, 179.999], [-0.001, 179.999]],
        holes: vec![],
    };
    let index = FenceIndex::build(vec![(1, shape)]).unwrap();
    let mut out = Vec::new();
    for lon in [179.9995, 180.0, -180.0, -179.9995] {
        index.lookup(0.0, lon, 0.0, &mut out);
        assert_eq!(out.len(), 1, "lon {lon}: {out:?}");
        assert!(out[0].distance_m < -50.0, "lon {lon}: {out:?}");
    }
    // Not the complement round the world.
    for lon in [0.0, 90.0, 179.99, -179.99] {
        index.lookup(0.0, lon, 0.0, &mut out);
        assert!(out.is_empty(), "lon {lon}: {out:?}");
    }
    // 50 m beyond the eastern (-179.999) side.
    let d = index.hit(1, 0.0, -179.999 + 50.0 / 111_195.0).unwrap().distance_m;
    assert!((d - 50.0).abs() < 0.5, "{d}");
    // The same polygon listed from the western side first is the same fence.
    let flipped = FenceShape::Polygon {
        exterior: vec![[-0.001, -179.999], [0.001, -179.999], [0.001, 179.999], [-0.001, 179.999]],
        holes: vec![],
    };
    let index2 = FenceIndex::build(vec![(1, flipped)]).unwrap();
    assert!(
        (index2.hit(1, 0.0, 180.0).unwrap().distance_m - index.hit(1, 0.0, 180.0).unwrap().distance_m).abs() < 1e-6
    );
}

#[test]
fn walking_across_the_antimeridian_enters_and_exits_once() {
    let shape = FenceShape::Polygon {
        exterior: vec![[-0.001, 179.999], [-0.001, -179.999], [0.001, -179.999], [0.001, 179.999]],
        holes: vec![],
    };
    let index = FenceIndex::build(vec![(1, shape)]).unwrap();
    let mut tracker = FenceTracker::new();
    let mut events = Vec::new();
    // West to east along the equator, 1.5 m/s, from 179.997 E to 179.997 W.
    for s in 0..500 {
        let mut lon = 179.997 + 1.5 * s as f64 / 111_195.0;
        if lon > 180.0 {
            lon -= 360.0;
        }
        let fix = crate::LocationFix::new(crate::Timestamp(1_767_225_600_000 + 1_000 * s), 0.0, lon, 5.0);
        tracker.update(&index, &fix, |_| None, &mut events);
    }
    let kinds: Vec<_> = events.iter().map(|e| (e.fence(), e.rank())).collect();
    assert_eq!(kinds, vec![(1, 1), (1, 0)], "{events:?}");
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<FenceIndex>();
    is_send_sync::<FenceTracker>();
}

#[test]
fn circle_across_the_antimeridian() {
    let index = FenceIndex::build(vec![(5, FenceShape::Circle { lat: 10.0, lon: 179.9995, radius_m: 200.0 })]).unwrap();
    let mut out = Vec::new();
    // 0.001 degrees of longitude at 10 N is about 109.5 m.
    index.lookup(10.0, -179.9995, 0.0, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!((out[0].distance_m - (109.5 - 200.0)).abs() < 1.0, "{out:?}");
    index.lookup(10.0, -179.997, 0.0, &mut out);
    assert!(out.is_empty());
    index.lookup(10.0, -179.997, 200.0, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(index.nearest(10.0, -179.9, 1)[0].0, 5);
}

#[test]
fn lookup_matches_a_linear_scan() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let catalog = random_catalog(&mut rng, 2_000, 5_000.0);
    let index = FenceIndex::build(catalog).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut total = 0;
    for _ in 0..500 {
        let (lat, lon) = at(LAT0, LON0, rng.random_range(-5_500.0..5_500.0), rng.random_range(-5_500.0..5_500.0));
        let margin = [0.0, 10.0, 150.0, 2_000.0][rng.random_range(0..4)];
        index.lookup(lat, lon, margin, &mut a);
        index.lookup_scan(lat, lon, margin, &mut b);
        a.sort_by_key(|h| h.fence);
        assert_eq!(a, b, "at ({lat}, {lon}) margin {margin}");
        assert!(a.iter().all(|h| h.distance_m <= margin));
        total += a.len();
    }
    assert!(total > 500, "the test should find fences: {total}");
}

#[test]
fn nearest_is_ordered_and_matches_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let catalog = random_catalog(&mut rng, 3_000, 20_000.0);
    let index = FenceIndex::build(catalog).unwrap();
    let mut all = Vec::new();
    for _ in 0..30 {
        let (lat, lon) = at(LAT0, LON0, rng.random_range(-25_000.0..25_000.0), rng.random_range(-25_000.0..25_000.0));
        index.lookup_scan(lat, lon, f64::INFINITY, &mut all);
        // lookup_scan clamps its margin: compute every distance directly.
        let mut brute: Vec<(FenceId, f64)> =
            index.ids().map(|id| (id, index.hit(id, lat, lon).unwrap().distance_m)).collect();
        brute.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
        for n in [1, 20, 100] {
            let got = index.nearest(lat, lon, n);
            assert_eq!(got.len(), n);
            assert!(got.windows(2).all(|w| w[0].1 <= w[1].1), "not ordered: {got:?}");
            assert_eq!(got, brute[..n].to_vec(), "n = {n} at ({lat}, {lon})");
        }
    }
    assert!(index.nearest(LAT0, LON0, 0).is_empty());
    assert_eq!(index.nearest(LAT0, LON0, 10_000).len(), 3_000);
}

#[test]
fn nearest_puts_containing_fences_first() {
    let (lat, lon) = at(LAT0, LON0, 500.0, 0.0);
    let index = FenceIndex::build(vec![
        (1, FenceShape::Circle { lat: LAT0, lon: LON0, radius_m: 2_000.0 }),
        (2, FenceShape::Circle { lat, lon, radius_m: 50.0 }),
        (3, FenceShape::Circle { lat: LAT0, lon: LON0, radius_m: 100.0 }),
    ])
    .unwrap();
    let got = index.nearest(lat, lon, 3);
    let ids: Vec<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(ids, vec![1, 2, 3], "{got:?}");
    assert!(got[0].1 < -1_000.0 && got[1].1 < -49.0 && got[2].1 > 390.0);
}

#[test]
fn build_refuses_duplicates_and_names_the_fence() {
    let c = FenceShape::Circle { lat: 1.0, lon: 1.0, radius_m: 50.0 };
    let err = FenceIndex::build(vec![(4, c.clone()), (2, c.clone()), (4, c.clone())]).unwrap_err();
    assert_eq!(err, FenceError::DuplicateId { fence: 4 });
    assert!(err.to_string().contains("fence 4"));
    let bad = FenceShape::Circle { lat: 1.0, lon: 1.0, radius_m: 0.0 };
    let err = FenceIndex::build(vec![(1, c), (8, bad)]).unwrap_err();
    assert!(
        matches!(&err, FenceError::Shape { fence: 8, error } if matches!(error.problem, ShapeProblem::InvalidRadius { .. })),
        "{err}"
    );
    assert!(err.to_string().starts_with("fence 8: radius: circle radius 0 m is outside"), "{err}");
    let empty = FenceIndex::build(Vec::<(FenceId, FenceShape)>::new()).unwrap();
    assert!(empty.is_empty());
    let mut out = vec![FenceHit { fence: 1, distance_m: 0.0, radius_m: 1.0 }];
    empty.lookup(0.0, 0.0, 100.0, &mut out);
    assert!(out.is_empty());
    assert!(empty.nearest(0.0, 0.0, 5).is_empty());
}

#[test]
fn odd_inputs_find_nothing_and_do_not_panic() {
    let index = FenceIndex::build(vec![(1, FenceShape::Circle { lat: 0.0, lon: 0.0, radius_m: 50.0 })]).unwrap();
    let mut out = Vec::new();
    index.lookup(f64::NAN, 0.0, 10.0, &mut out);
    assert!(out.is_empty());
    index.lookup(0.0, 0.0, f64::NAN, &mut out);
    assert!(out.is_empty());
    index.lookup(0.0, 0.0, -10.0, &mut out);
    assert_eq!(out.len(), 1, "10 m deep inside a 50 m circle");
    index.lookup(0.0, 0.0, -60.0, &mut out);
    assert!(out.is_empty());
    index.lookup(0.0, 0.0, f64::INFINITY, &mut out);
    assert_eq!(out.len(), 1);
    assert!(index.hit(2, 0.0, 0.0).is_none());
    assert!(index.contains(1) && !index.contains(2));
}

#[test]
fn memory_per_fence_is_small() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let catalog: Vec<(FenceId, FenceShape)> = (0..20_000)
        .map(|id| {
            let (lat, lon) =
                at(LAT0, LON0, rng.random_range(-15_000.0..15_000.0), rng.random_range(-15_000.0..15_000.0));
            (id, FenceShape::Circle { lat, lon, radius_m: rng.random_range(50.0..300.0) })
        })
        .collect();
    let index = FenceIndex::build(catalog).unwrap();
    let per_fence = index.heap_bytes() as f64 / index.len() as f64;
    // 100,000 fences must stay well under 64 MB: 640 bytes each at most.
    assert!(per_fence < 200.0, "{per_fence} bytes per fence");
    assert!(per_fence > 48.0, "the estimate must count the tree and the table: {per_fence}");
}

#[test]
fn an_index_renumbered_answers_as_one_built_with_the_ids() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let catalog = random_catalog(&mut rng, 1_000, 4_000.0);
    // Ids in no particular order, as stable fence ids come from the database.
    let mut ids: Vec<FenceId> = catalog.iter().map(|(id, _)| *id).collect();
    ids.reverse();
    ids.swap(3, 700);
    let direct = FenceIndex::build(ids.iter().copied().zip(catalog.iter().map(|(_, s)| s))).unwrap();
    let mut renumbered = FenceIndex::build((0..).zip(catalog.iter().map(|(_, s)| s))).unwrap();
    renumbered.renumber(&ids).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..300 {
        let (lat, lon) = at(LAT0, LON0, rng.random_range(-4_500.0..4_500.0), rng.random_range(-4_500.0..4_500.0));
        direct.lookup(lat, lon, 150.0, &mut a);
        renumbered.lookup(lat, lon, 150.0, &mut b);
        a.sort_by_key(|h| h.fence);
        b.sort_by_key(|h| h.fence);
        assert_eq!(a, b, "at ({lat}, {lon})");
        assert_eq!(direct.nearest(lat, lon, 5), renumbered.nearest(lat, lon, 5));
    }
    for &id in &ids[..50] {
        assert!(renumbered.contains(id));
        assert_eq!(renumbered.hit(id, LAT0, LON0), direct.hit(id, LAT0, LON0));
    }
    let mut twice = FenceIndex::build((0..).zip(catalog.iter().take(3).map(|(_, s)| s))).unwrap();
    assert!(matches!(twice.renumber(&[5, 9, 5]), Err(FenceError::DuplicateId { fence: 5 })));
}
