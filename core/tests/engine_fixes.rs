//! Fixes through the engine: ordering, duplicates, jumps, retention,
//! visits, places, crash consistency, corruption and threads.

mod common;

use common::{engine, fix_xy, stay, t};
use kairos_core::{Engine, EngineConfig, EventKind, FixRejection, KairosError, LocationFix, PlaceKind, Timestamp};

/// A morning: 20 minutes at A, a walk of 1 km east, 30 minutes at B, a walk on.
fn morning(start: Timestamp) -> Vec<LocationFix> {
    let mut v = stay(start, 20, 10, 0.0, 0.0);
    let walk0 = start.plus_millis(20 * 60_000);
    v.extend((1..=70).map(|i| fix_xy(walk0.plus_millis(i * 10_000), i as f64 * 14.0, 0.0)));
    let b = walk0.plus_millis(71 * 10_000);
    v.extend(stay(b, 30, 10, 1000.0, 0.0));
    let walk1 = b.plus_millis(30 * 60_000);
    v.extend((1..=70).map(|i| fix_xy(walk1.plus_millis(i * 10_000), 1000.0, i as f64 * 14.0)));
    v
}

#[test]
fn a_morning_gives_two_visits_at_two_places() {
    let (e, _d) = engine();
    let start = t("2026-11-24T09:00:00-08:00");
    let report = e.record_locations(&morning(start)).unwrap();
    let kinds: Vec<_> = report.events.iter().map(|e| &e.kind).collect();
    let started = kinds.iter().filter(|k| matches!(k, EventKind::VisitStarted { .. })).count();
    let ended = kinds.iter().filter(|k| matches!(k, EventKind::VisitEnded { .. })).count();
    assert_eq!((started, ended), (2, 2), "{kinds:?}");
    let visits = e.visits(start, start.plus_millis(86_400_000)).unwrap();
    assert_eq!(visits.len(), 2);
    assert_ne!(visits[0].place_id, visits[1].place_id);
    assert!(visits.iter().all(|v| v.departed_at.is_some()));
    assert_eq!(e.places().unwrap().len(), 2);
    assert!(e.places().unwrap().iter().all(|p| p.private));
}

#[test]
fn same_visits_whatever_the_batching_and_order() {
    let start = t("2026-11-24T09:00:00-08:00");
    let track = morning(start);
    let (a, _da) = engine();
    a.record_locations(&track).unwrap();
    // One call per fix, every pair swapped (each second fix arrives 10 s
    // late), and every fifth fix delivered twice.
    let (b, _db) = engine();
    for pair in track.chunks(2) {
        for f in pair.iter().rev() {
            b.record_location(*f).unwrap();
        }
        if pair[0].at.0 % 5 == 0 {
            assert!(b.record_location(pair[0]).unwrap().is_empty());
        }
    }
    let day = start.plus_millis(86_400_000);
    let (va, vb) = (a.visits(start, day).unwrap(), b.visits(start, day).unwrap());
    assert_eq!(va.len(), 2);
    assert_eq!(va.len(), vb.len());
    for (x, y) in va.iter().zip(&vb) {
        assert!(x.arrived_at.since(y.arrived_at).abs() <= 10_000, "{x:?} {y:?}");
        assert!(x.departed_at.unwrap().since(y.departed_at.unwrap()).abs() <= 10_000, "{x:?} {y:?}");
        assert!(kairos_core::geo::distance_m(x.lat, x.lon, y.lat, y.lon) < 5.0);
    }
}

#[test]
fn duplicates_and_small_reorderings_are_accepted_old_fixes_rejected() {
    let (e, _d) = engine();
    let t0 = t("2026-11-24T09:00:00-08:00");
    let f = |s: i64| fix_xy(t0.plus_millis(s * 1000), s as f64, 0.0);
    e.record_locations(&[f(0), f(10), f(120)]).unwrap();
    let r = e.record_locations(&[f(120), f(100), f(30)]).unwrap();
    assert_eq!(r.duplicates, 1);
    assert_eq!(r.accepted, 1, "f(100) is 20 s late: inside the window");
    assert_eq!(r.rejected, vec![(f(30).at, FixRejection::OutOfOrder { behind_ms: 90_000 })]);
    let err = e.record_location(f(20)).unwrap_err();
    assert!(matches!(err, KairosError::InvalidFix { rejection: FixRejection::OutOfOrder { .. } }), "{err}");
    assert_eq!(e.raw_fixes(t0, t0.plus_millis(3_600_000)).unwrap().len(), 4);
}

#[test]
fn implausible_jump_is_rejected_unless_confirmed() {
    let (e, _d) = engine();
    let t0 = t("2026-11-24T09:00:00-08:00");
    e.record_location(fix_xy(t0, 0.0, 0.0)).unwrap();
    // 40 km in 10 s: held, then refuted by the next fix back home.
    assert!(e.record_location(fix_xy(t0.plus_millis(10_000), 40_000.0, 0.0)).unwrap().is_empty());
    let r = e.record_locations(&[fix_xy(t0.plus_millis(20_000), 5.0, 0.0)]).unwrap();
    assert!(
        matches!(r.rejected[..], [(_, FixRejection::ImplausibleJump { implied_speed_mps })] if implied_speed_mps > 1000.0)
    );
    assert_eq!(r.accepted, 1);
    let held = e.raw_fixes(t0, t0.plus_millis(60_000)).unwrap();
    assert!(held.iter().all(|f| f.lat < 34.1), "the jump was never stored");
}

#[test]
fn invalid_fixes_are_typed_and_the_engine_goes_on() {
    let (e, _d) = engine();
    let t0 = t("2026-11-24T09:00:00-08:00");
    let mut bad = fix_xy(t0, 0.0, 0.0);
    bad.lat = f64::NAN;
    assert!(matches!(
        e.record_location(bad),
        Err(KairosError::InvalidFix { rejection: FixRejection::NonFiniteCoordinate })
    ));
    bad.lat = 123.0;
    let r = e.record_locations(&[bad, fix_xy(t0, 0.0, 0.0)]).unwrap();
    assert_eq!(r.accepted, 1);
    assert!(matches!(r.rejected[..], [(_, FixRejection::LatitudeOutOfRange { .. })]));
}

#[test]
fn raw_fixes_are_purged_after_retention_but_visits_stay() {
    let (e, _d) = engine();
    let start = t("2026-11-10T09:00:00-08:00");
    e.record_locations(&morning(start)).unwrap();
    let all = |e: &Engine| e.raw_fixes(Timestamp(0), t("2030-01-01T00:00:00Z")).unwrap().len();
    assert!(all(&e) > 400);
    e.tick(t("2026-11-16T12:00:00-08:00")).unwrap();
    assert!(all(&e) > 400, "6 days old: kept");
    e.tick(t("2026-11-17T12:00:00-08:00")).unwrap();
    assert_eq!(all(&e), 0, "past 7 days: purged");
    assert_eq!(e.visits(start, start.plus_millis(86_400_000)).unwrap().len(), 2);
}

#[test]
fn a_batch_cut_off_mid_way_leaves_nothing_half_written() {
    let start = t("2026-11-24T09:00:00-08:00");
    let track = morning(start);
    let (first, rest) = track.split_at(200);
    let day = start.plus_millis(86_400_000);

    let (clean, _dc) = engine();
    clean.record_locations(first).unwrap();
    clean.record_locations(rest).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cfg = EngineConfig::new(dir.path(), common::TZ);
    {
        let e = Engine::open(cfg.clone()).unwrap();
        e.record_locations(first).unwrap();
        let before = (e.visits(start, day).unwrap(), e.raw_fixes(start, day).unwrap().len());
        e.inject_batch_fault(100);
        assert!(matches!(e.record_locations(rest), Err(KairosError::Storage { .. })));
        // Nothing of the failed batch is visible, in memory or on disk.
        assert_eq!((e.visits(start, day).unwrap(), e.raw_fixes(start, day).unwrap().len()), before);
    }
    let e = Engine::open(cfg).unwrap();
    assert_eq!(e.raw_fixes(start, day).unwrap().len(), 200, "everything committed is there");
    e.record_locations(rest).unwrap();
    assert_eq!(e.visits(start, day).unwrap(), clean.visits(start, day).unwrap(), "replaying gives the clean result");
    assert_eq!(e.raw_fixes(start, day).unwrap().len(), track.len());
}

#[test]
fn a_visit_under_way_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = EngineConfig::new(dir.path(), common::TZ);
    let start = t("2026-11-24T09:00:00-08:00");
    let track = morning(start);
    {
        let e = Engine::open(cfg.clone()).unwrap();
        e.record_locations(&track[..60]).unwrap(); // 10 min at A: visit started
    }
    let e = Engine::open(cfg).unwrap();
    let r = e.record_locations(&track[60..]).unwrap();
    let kinds: Vec<_> = r.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], EventKind::VisitEnded { .. }), "{kinds:?}");
    assert_eq!(e.visits(start, start.plus_millis(86_400_000)).unwrap().len(), 2);
}

#[test]
fn home_is_learned_from_nights_and_is_private() {
    let (e, _d) = engine();
    let mut events = Vec::new();
    for night in 0..2 {
        let eve = t("2026-11-20T20:00:00-08:00").plus_millis(night * 86_400_000);
        let mut v = stay(eve, 12 * 60, 120, 0.0, 0.0);
        let out = eve.plus_millis(12 * 3_600_000);
        v.extend((1..=10).map(|i| fix_xy(out.plus_millis(i * 30_000), i as f64 * 300.0, 0.0)));
        events.extend(e.record_locations(&v).unwrap().events);
    }
    let home = events.iter().find_map(|ev| match ev.kind {
        EventKind::PlaceClassified { place_id, place_kind: PlaceKind::Home } => Some(place_id),
        _ => None,
    });
    let home = home.expect("home learned");
    let p = e.places().unwrap().into_iter().find(|p| p.id == home).unwrap();
    assert!(p.private && p.kind == PlaceKind::Home);
}

#[test]
fn corrupt_database_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kairos.db"), b"this is not a database, it is a sentence that is long enough")
        .unwrap();
    let e = Engine::open(EngineConfig::new(dir.path(), common::TZ)).unwrap();
    let ev = e.tick(t("2026-11-24T09:00:00-08:00")).unwrap();
    assert!(
        matches!(&ev[0].kind, EventKind::DatabaseRecovered { moved_to, .. } if moved_to.ends_with("kairos.db.corrupt-1"))
    );
    assert!(dir.path().join("kairos.db.corrupt-1").exists());
    // Reported once only.
    assert!(e.tick(t("2026-11-24T09:01:00-08:00")).unwrap().is_empty());
}

#[test]
fn bad_configuration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Engine::open(EngineConfig::new(dir.path(), "Mars/Olympus_Mons")).err().unwrap();
    assert!(err.to_string().contains("unknown time zone"), "{err}");
}

#[test]
fn engine_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    let (e, _d) = engine();
    let e = std::sync::Arc::new(e);
    let t0 = t("2026-11-24T09:00:00-08:00");
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let e = e.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let m = t0.plus_millis((k * 50 + i) * 60_000);
                    e.record_steps(kairos_core::StepSample::Interval {
                        start: m,
                        end: m.plus_millis(60_000),
                        steps: 10,
                    })
                    .unwrap();
                    e.today(m).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total: u64 = (0..2).map(|d| e.today(t0.plus_millis(d * 86_400_000)).unwrap().steps).sum();
    assert_eq!(total, 4 * 50 * 10);
}
