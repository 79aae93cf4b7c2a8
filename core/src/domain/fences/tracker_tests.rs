//! Unit tests of `FenceTracker`: entry gating by accuracy, exit hysteresis
//! and confirmation, dwell, late fixes, catalog changes and restarts.

use super::*;
use crate::domain::geo::LocalFrame;
use crate::domain::location::LocationFix;
use crate::domain::time::{Timestamp, MINUTE_MS};

const LAT0: f64 = 34.05;
const LON0: f64 = -118.25;
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// A fix `secs` after T0 at `east` metres east of the fence centre.
fn fix(secs: f64, east: f64, acc: f64) -> LocationFix {
    let (lat, lon) = LocalFrame::new(LAT0, LON0).to_lat_lon(east, 0.0);
    LocationFix::new(t(secs), lat, lon, acc)
}

fn t(secs: f64) -> Timestamp {
    Timestamp(T0 + (secs * 1000.0) as i64)
}

fn entered(fence: FenceId, at: f64) -> FenceEvent {
    FenceEvent::Entered { fence, at: t(at) }
}

fn exited(fence: FenceId, at: f64, entered_at: f64) -> FenceEvent {
    FenceEvent::Exited { fence, at: t(at), entered_at: t(entered_at) }
}

fn dwelled(fence: FenceId, at: f64, since: f64) -> FenceEvent {
    FenceEvent::Dwelled { fence, at: t(at), since: t(since) }
}

/// One circle of radius 100 m (id 1) at the origin.
fn one_circle() -> FenceIndex {
    FenceIndex::build(vec![(1, FenceShape::Circle { lat: LAT0, lon: LON0, radius_m: 100.0 })]).unwrap()
}

fn no_dwell(_: FenceId) -> Option<i64> {
    None
}

/// Feeds fixes, returns every event.
fn run(tracker: &mut FenceTracker, index: &FenceIndex, fixes: &[LocationFix], dwell: Option<i64>) -> Vec<FenceEvent> {
    let mut out = Vec::new();
    for f in fixes {
        tracker.update(index, f, |_| dwell, &mut out);
    }
    out
}

#[test]
fn walking_through_enters_once_and_exits_once_dated_first_outside() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    // From 300 m west to 300 m east at 1.5 m/s, one fix a second.
    let fixes: Vec<_> = (0..=400).map(|s| fix(s as f64, -300.0 + 1.5 * s as f64, 8.0)).collect();
    let ev = run(&mut tr, &index, &fixes, None);
    // Entered at the first fix 5 m deep: x >= -95, s = 137 (x = -94.5).
    // First outside: x > 100, s = 267 (x = 100.5). Outside evidence needs
    // 40 m: x >= 140, s = 294 (pending); confirmed 10 s later, s = 304.
    assert_eq!(ev, vec![entered(1, 137.0), exited(1, 267.0, 137.0),]);
    let mut tr2 = FenceTracker::new();
    let cut = fixes.iter().position(|f| f.at == t(303.0)).unwrap();
    run(&mut tr2, &index, &fixes[..=cut], None);
    assert!(tr2.is_inside(1), "not yet confirmed at 303 s");
    assert_eq!(run(&mut tr2, &index, &fixes[cut + 1..cut + 2], None).len(), 1, "confirmed at 304 s");
}

#[test]
fn a_fix_less_accurate_than_the_fence_cannot_enter() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    let ev = run(&mut tr, &index, &[fix(0.0, 0.0, 150.0), fix(10.0, 0.0, 101.0)], None);
    assert!(ev.is_empty(), "{ev:?}");
    assert_eq!(tr.inside().count(), 0);
    let ev = run(&mut tr, &index, &[fix(20.0, 0.0, 100.0)], None);
    assert_eq!(ev, vec![entered(1, 20.0)]);
    // Just inside the edge (2 m deep) is not deep enough.
    let mut tr = FenceTracker::new();
    assert!(run(&mut tr, &index, &[fix(0.0, 98.0, 5.0)], None).is_empty());
    assert_eq!(run(&mut tr, &index, &[fix(1.0, 94.0, 5.0)], None).len(), 1);
}

#[test]
fn single_outside_fixes_are_cancelled_by_inside_fixes() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    let mut fixes = vec![fix(0.0, 0.0, 5.0)];
    // Every 15 s a glitch 80 m outside, followed by fixes back inside.
    for k in 0..40 {
        let base = 1.0 + 15.0 * k as f64;
        fixes.push(fix(base, 180.0, 5.0));
        for s in 1..15 {
            fixes.push(fix(base + s as f64, 20.0, 5.0));
        }
    }
    let ev = run(&mut tr, &index, &fixes, None);
    assert_eq!(ev, vec![entered(1, 0.0)]);
    // Two outside fixes less than 10 s apart, then inside: no exit either.
    let ev = run(&mut tr, &index, &[fix(700.0, 200.0, 5.0), fix(709.0, 200.0, 5.0), fix(710.0, 0.0, 5.0)], None);
    assert!(ev.is_empty(), "{ev:?}");
    // Outside evidence 10 s apart confirms, dated at the first.
    let ev = run(&mut tr, &index, &[fix(800.0, 200.0, 5.0), fix(810.0, 210.0, 5.0)], None);
    assert_eq!(ev, vec![exited(1, 800.0, 0.0)]);
}

#[test]
fn the_exit_margin_grows_with_the_fix_accuracy() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(0.0, 0.0, 5.0)], None);
    // 50 m outside with 40 m accuracy: the margin is 60 m; never an exit,
    // however long it lasts.
    let fixes: Vec<_> = (1..=600).map(|s| fix(s as f64, 150.0, 40.0)).collect();
    assert!(run(&mut tr, &index, &fixes, None).is_empty());
    // A fix with a 5 km accuracy 3 km away is no evidence either.
    assert!(run(&mut tr, &index, &[fix(601.0, 3_100.0, 5_000.0)], None).is_empty());
    assert!(tr.is_inside(1));
    // Good fixes at the same place are: pending, then confirmed. The exit
    // is dated at the first fix of the outside run (1 s).
    let ev = run(&mut tr, &index, &[fix(610.0, 150.0, 8.0), fix(620.0, 150.0, 8.0)], None);
    assert_eq!(ev, vec![exited(1, 1.0, 0.0)]);
}

#[test]
fn after_a_long_silence_one_far_fix_exits_at_once() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(0.0, 0.0, 10.0)], None);
    let ev = run(&mut tr, &index, &[fix(1800.0, 5_000.0, 30.0)], None);
    assert_eq!(ev, vec![exited(1, 1800.0, 0.0)]);
    // Without the silence, the same far fix only makes the exit pending.
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(0.0, 0.0, 10.0), fix(1.0, 0.0, 10.0)], None);
    assert!(run(&mut tr, &index, &[fix(2.0, 5_000.0, 30.0)], None).is_empty());
    let ev = run(&mut tr, &index, &[fix(12.0, 5_000.0, 30.0)], None);
    assert_eq!(ev, vec![exited(1, 2.0, 0.0)]);
    // After a silence, a fix outside but not decisively so (100 m < 3 x 40 m)
    // still needs confirmation.
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(0.0, 0.0, 10.0)], None);
    assert!(run(&mut tr, &index, &[fix(600.0, 200.0, 10.0)], None).is_empty());
    assert_eq!(run(&mut tr, &index, &[fix(610.0, 200.0, 10.0)], None).len(), 1);
}

#[test]
fn dwell_fires_once_and_never_while_an_exit_is_pending() {
    let index = one_circle();
    let five = Some(5 * MINUTE_MS);
    let mut tr = FenceTracker::new();
    let fixes: Vec<_> = (0..=40).map(|k| fix(30.0 * k as f64, 10.0, 10.0)).collect();
    let ev = run(&mut tr, &index, &fixes, five);
    assert_eq!(ev, vec![entered(1, 0.0), dwelled(1, 300.0, 0.0),]);
    // A pending exit holds the dwell back until a fix inside cancels it.
    let mut tr = FenceTracker::new();
    let fixes = [fix(0.0, 0.0, 10.0), fix(290.0, 160.0, 10.0), fix(305.0, 130.0, 30.0), fix(320.0, 0.0, 10.0)];
    let ev = run(&mut tr, &index, &fixes, five);
    assert_eq!(ev, vec![entered(1, 0.0), dwelled(1, 320.0, 0.0),]);
    // And a latest fix outside the fence (even without evidence) holds it back.
    let mut tr = FenceTracker::new();
    let mut out = Vec::new();
    tr.update(&index, &fix(0.0, 0.0, 10.0), |_| five, &mut out);
    tr.update(&index, &fix(299.0, 120.0, 10.0), |_| five, &mut out);
    tr.advance(t(400.0), |_| five, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
}

#[test]
fn dwell_by_time_alone_and_cancelled_by_leaving() {
    let index = one_circle();
    let five = |_: FenceId| Some(5 * MINUTE_MS);
    let mut tr = FenceTracker::new();
    let mut out = Vec::new();
    tr.update(&index, &fix(0.0, 0.0, 10.0), five, &mut out);
    tr.advance(t(299.0), five, &mut out);
    assert_eq!(out.len(), 1);
    tr.advance(t(300.0), five, &mut out);
    tr.advance(t(900.0), five, &mut out);
    assert_eq!(out[1..], [dwelled(1, 300.0, 0.0)]);
    // Leave after 3 minutes: no dwell, however long after.
    let mut tr = FenceTracker::new();
    let mut out = Vec::new();
    for f in [fix(0.0, 0.0, 10.0), fix(180.0, 0.0, 10.0), fix(190.0, 200.0, 10.0), fix(200.0, 250.0, 10.0)] {
        tr.update(&index, &f, five, &mut out);
    }
    tr.advance(t(3_600.0), five, &mut out);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(matches!(out[1], FenceEvent::Exited { .. }));
    // A new stay has its own dwell.
    tr.update(&index, &fix(4_000.0, 0.0, 10.0), five, &mut out);
    tr.advance(t(4_300.0), five, &mut out);
    assert_eq!(out[3], dwelled(1, 4_300.0, 4_000.0));
    // A dwell of zero fires with the entry; no dwell configured never fires.
    let mut out = Vec::new();
    FenceTracker::new().update(&index, &fix(0.0, 0.0, 10.0), |_| Some(0), &mut out);
    assert_eq!(out.len(), 2);
    let mut tr = FenceTracker::new();
    let mut out = Vec::new();
    tr.update(&index, &fix(0.0, 0.0, 10.0), no_dwell, &mut out);
    tr.advance(t(86_400.0), no_dwell, &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn late_and_invalid_fixes_are_ignored() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(100.0, 500.0, 10.0)], None);
    assert!(run(&mut tr, &index, &[fix(50.0, 0.0, 10.0)], None).is_empty(), "late");
    assert!(run(&mut tr, &index, &[fix(101.0, 0.0, f64::NAN)], None).is_empty(), "invalid");
    assert_eq!(tr.last_fix_at(), Some(t(100.0)));
    assert_eq!(run(&mut tr, &index, &[fix(100.0, 0.0, 10.0)], None).len(), 1, "same time is not late");
    let mut out = Vec::new();
    tr.advance(t(10.0), |_| Some(0), &mut out);
    assert!(out.is_empty(), "advance into the past");
}

#[test]
fn restart_mid_stay_duplicates_nothing() {
    let index = one_circle();
    let dwell = Some(5 * MINUTE_MS);
    // In for 10 minutes, out, back in: enter, dwell, exit, enter, dwell, exit.
    let mut fixes = Vec::new();
    for s in (0..1_800).step_by(5) {
        let east = match s {
            0..600 => 0.0,
            600..900 => 400.0,
            900..1_500 => -20.0,
            _ => 800.0,
        };
        fixes.push(fix(s as f64, east, 10.0));
    }
    let mut whole = FenceTracker::new();
    let expected = run(&mut whole, &index, &fixes, dwell);
    assert_eq!(expected.len(), 6, "{expected:?}");
    for cut in [60, 100, 125, 190, 250] {
        let mut first = FenceTracker::new();
        let mut got = run(&mut first, &index, &fixes[..cut], dwell);
        let saved = serde_json::to_string(&first).unwrap();
        let mut second: FenceTracker = serde_json::from_str(&saved).unwrap();
        got.extend(run(&mut second, &index, &fixes[cut..], dwell));
        assert_eq!(got, expected, "restart after fix {cut}: {saved}");
    }
}

#[test]
fn a_fence_removed_from_the_catalog_is_exited() {
    let index = one_circle();
    let mut tr = FenceTracker::new();
    run(&mut tr, &index, &[fix(0.0, 0.0, 10.0)], None);
    let other = FenceIndex::build(vec![(2, FenceShape::Circle { lat: LAT0, lon: LON0, radius_m: 50.0 })]).unwrap();
    let ev = run(&mut tr, &other, &[fix(5.0, 0.0, 10.0)], None);
    assert_eq!(ev, vec![exited(1, 5.0, 0.0), entered(2, 5.0),]);
}

#[test]
fn several_fences_report_in_id_order_and_update_with_hits_agrees() {
    let shapes: Vec<(FenceId, FenceShape)> = [9, 3, 6]
        .iter()
        .map(|&id| (id, FenceShape::Circle { lat: LAT0, lon: LON0, radius_m: 50.0 * id as f64 }))
        .collect();
    let index = FenceIndex::build(shapes).unwrap();
    let fixes: Vec<_> = (0..300).map(|s| fix(s as f64, -600.0 + 4.0 * s as f64, 10.0)).collect();
    let mut a = FenceTracker::new();
    let ev = run(&mut a, &index, &fixes, None);
    let order: Vec<_> = ev.iter().map(|e| (e.fence(), e.rank())).collect();
    assert_eq!(order, vec![(9, 1), (6, 1), (3, 1), (3, 0), (6, 0), (9, 0)]);
    let mut b = FenceTracker::new();
    let (mut hits, mut ev2) = (Vec::new(), Vec::new());
    for f in &fixes {
        index.lookup_scan(f.lat, f.lon, 500.0, &mut hits);
        b.update_with_hits(&index, f, &hits, |_| None, &mut ev2);
    }
    assert_eq!(ev, ev2);
}

#[test]
fn a_polygon_hole_is_not_entered() {
    let frame = LocalFrame::new(LAT0, LON0);
    let ring = |h: f64| -> Vec<[f64; 2]> {
        [(-h, -h), (h, -h), (h, h), (-h, h)]
            .iter()
            .map(|&(e, n)| {
                let (lat, lon) = frame.to_lat_lon(e, n);
                [lat, lon]
            })
            .collect()
    };
    let index =
        FenceIndex::build(vec![(4, FenceShape::Polygon { exterior: ring(200.0), holes: vec![ring(80.0)] })]).unwrap();
    let mut tr = FenceTracker::new();
    // Stand in the hole, then walk east into the band and on out.
    let mut fixes: Vec<_> = (0..60).map(|s| fix(s as f64, 0.0, 5.0)).collect();
    fixes.extend((0..200).map(|s| fix(60.0 + s as f64, 1.5 * s as f64, 5.0)));
    let ev = run(&mut tr, &index, &fixes, None);
    // Enters at x >= 85 (s = 57 -> 85.5 m), first outside at x > 200 (134 -> 201 m).
    assert_eq!(ev, vec![entered(4, 117.0), exited(4, 194.0, 117.0),]);
}
