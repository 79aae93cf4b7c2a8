//! Routines through the engine: the canonical day's grocery routine, the
//! overdue instant from `tick`, resuming, targeting, `record_visit`, and a
//! restart.

mod offer_common;
mod routine_day;

use kairos_core::catalog::{DayOfWeek, LocalTime};
use kairos_core::{EventKind, KairosError, PlaceKind, RoutinePrivacy, RoutineStatus, RoutineSubject};
use offer_common::{at_xy, key, offer, offer_events, t};
use routine_day::*;
use serde_json::json;

/// Saturday 28 November 2026, the canonical day: the weekly grocery routine
/// (six Thursdays at about 18:00, the last nine days before) was expected on
/// Thursday 26 at 18:00, is overdue from Saturday 03:36 (expected + 1.4
/// days), and is 2 days overdue on the 11:15 drive home, which passes 190 m
/// from the store's fence: one reminder, near the store, and none elsewhere.
#[test]
fn canonical_day_grocery_is_two_days_overdue_and_reminds_once_near_the_store() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, HOME, vec![]);

    let morning = e.tick(t("2026-11-28T08:00:00-08:00")).unwrap();
    let mut due = overdue(&morning);
    due.sort();
    let place_id = e
        .routines(t("2026-11-28T08:00:00-08:00"))
        .unwrap()
        .iter()
        .find_map(|r| match r.subject {
            RoutineSubject::Place { place_id } if r.merchant_id.as_deref() == Some("fresh-market") => Some(place_id),
            _ => None,
        })
        .expect("a routine at the store's place");
    let at = t("2026-11-28T03:36:00-08:00");
    assert_eq!(due, vec![("category:grocery".to_string(), at, 2), (format!("place:{place_id}"), at, 2)]);

    let now = t("2026-11-28T11:15:00-08:00");
    let routines = e.routines(now).unwrap();
    let grocery = routines.iter().find(|r| r.id == "category:grocery").unwrap();
    assert!((grocery.period_days - 7.0).abs() < 0.05, "{}", grocery.period_days);
    assert_eq!(grocery.usual_weekday, Some(DayOfWeek::Thu));
    assert_eq!(grocery.usual_time, LocalTime::from_hm(18, 0).unwrap());
    assert_eq!(grocery.describe(), "weekly, Thursdays around 18:00");
    assert_eq!(grocery.last_visit_at, t("2026-11-19T18:00:00-08:00"));
    assert_eq!(grocery.next_expected_at, t("2026-11-26T18:00:00-08:00"));
    assert_eq!(grocery.overdue_at, at);
    assert_eq!((grocery.status, grocery.days_overdue, grocery.cycles_missed), (RoutineStatus::Overdue, 2, 1));
    assert_eq!(grocery.privacy, RoutinePrivacy::Summarisable);
    assert_eq!(grocery.visits, 6);
    let place = routines.iter().find(|r| r.id == format!("place:{place_id}")).unwrap();
    assert_eq!((place.privacy, place.days_overdue), (RoutinePrivacy::DeviceOnly, 2));
    let home = routines.iter().find(|r| r.place_kind == Some(PlaceKind::Home)).expect("home is a daily routine");
    assert!((home.period_days - 1.0).abs() < 0.05 && home.privacy == RoutinePrivacy::DeviceOnly);
    assert!(!due.iter().any(|(id, _, _)| *id == home.id), "home never raises events");

    // The drive home along the road (y = 0) at 13 m/s passes 190 m from the
    // store's fence.
    let drive = trip(now, (0.0, 0.0), HOME, 13.0);
    let events = e.record_locations(&drive).unwrap().events;
    let fired = reminders(&events);
    assert_eq!(fired.len(), 1, "{fired:?}");
    let EventKind::OnTheWayReminder { routine_ids, place_id: catalog_place, merchant_id, distance_m, days_overdue } =
        &fired[0].kind
    else {
        unreachable!()
    };
    assert_eq!(routine_ids, &vec!["category:grocery".to_string(), format!("place:{place_id}")]);
    assert_eq!(
        (catalog_place.as_str(), merchant_id.as_str(), *days_overdue),
        ("fresh-market-place", "fresh-market", 2)
    );
    let x = 13.0 * fired[0].at.since(now) as f64 / 1000.0;
    assert!(*distance_m <= 400.0 && (to_fence(x, 0.0) - distance_m).abs() < 2.0, "{x} {distance_m}");
    assert!((2_600.0..3_000.0).contains(&x), "fired at x = {x}, on the approach to the store");
    println!("canonical day: reminder at {} (x = {x:.0} m, {distance_m:.0} m from the fence)", fired[0].at);
}

#[test]
fn overdue_fires_at_the_exact_instant_once_per_cycle_and_a_visit_resumes() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, HOME, vec![]);
    let due = t("2026-11-28T03:36:00-08:00");
    assert!(overdue(&e.tick(due.plus_millis(-1)).unwrap()).is_empty());
    let ev = overdue(&e.tick(due).unwrap());
    assert_eq!(ev.len(), 2, "category and place: {ev:?}");
    assert!(ev.iter().all(|(_, at, days)| *at == due && *days == 2));
    assert!(overdue(&e.tick(t("2026-11-30T12:00:00-08:00")).unwrap()).is_empty(), "once per cycle");
    // A week later the next cycle is missed too (any input moves the clock).
    let next = t("2026-12-05T03:36:00-08:00");
    let ev = e.record_steps(kairos_core::StepSample::Counter { at: next, count_since_boot: 10 }).unwrap();
    let ev: Vec<_> = ev
        .iter()
        .filter_map(|x| match x.kind {
            EventKind::RoutineOverdue { cycles_missed, days_overdue, .. } => Some((x.at, cycles_missed, days_overdue)),
            _ => None,
        })
        .collect();
    assert_eq!(ev, vec![(next, 2, 9), (next, 2, 9)]);
    // Shopping on Monday 7 December resumes it; next Thursday is expected.
    let (lat, lon) = at_xy(GROCERY.0, GROCERY.1);
    let arrived = t("2026-12-07T10:00:00-08:00");
    let ev = e.record_visit(lat, lon, arrived, arrived.plus_millis(30 * 60_000)).unwrap();
    let resumed: Vec<_> = ev
        .iter()
        .filter_map(|x| match &x.kind {
            EventKind::RoutineResumed { routine_id, cycles_missed, next_expected_at } => {
                Some((routine_id.as_str(), *cycles_missed, *next_expected_at))
            }
            _ => None,
        })
        .collect();
    assert_eq!(resumed.len(), 2, "{ev:?}");
    assert!(resumed.iter().all(|r| r.1 == 2 && r.2 == t("2026-12-10T18:00:00-08:00")), "{resumed:?}");
    let r = e.routines(t("2026-12-07T12:00:00-08:00")).unwrap();
    let g = r.iter().find(|r| r.id == "category:grocery").unwrap();
    assert_eq!((g.status, g.days_overdue, g.visits), (RoutineStatus::OnTrack, -3, 7));
}

#[test]
fn targeting_sees_days_overdue_for_category_and_merchant() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let targeting = json!({"all": [
        {"routine_overdue": {"category": "grocery", "min_days": 2}},
        {"routine_overdue": {"merchant": "self", "min_days": 2}}
    ]});
    let e = engine_with_history(dir.path(), &k, HOME, vec![offer("basket", json!({"targeting": targeting}))]);
    // Walk into the store from 200 m west: Friday (due, not overdue), then
    // Saturday (2 days overdue).
    let walk_in = |start: &str| {
        let fixes = trip(t(start), (GROCERY.0 - 200.0, GROCERY.1), GROCERY, 1.3);
        offer_events(&e.record_locations(&fixes).unwrap().events)
    };
    assert_eq!(
        walk_in("2026-11-27T12:00:00-08:00"),
        vec![("offer_suppressed".into(), "basket".into(), "not_targeted".into())]
    );
    assert_eq!(walk_in("2026-11-28T12:00:00-08:00"), vec![("offer_triggered".into(), "basket".into(), String::new())]);
}

#[test]
fn record_visit_is_validated_and_a_repeat_is_ignored() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = offer_common::engine_with(dir.path(), &k);
    let (lat, lon) = at_xy(0.0, 0.0);
    let a = t("2026-11-20T10:00:00-08:00");
    let b = a.plus_millis(30 * 60_000);
    let invalid = |r: Result<Vec<kairos_core::Event>, KairosError>, what: &str| {
        let err = r.unwrap_err();
        assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
        assert!(err.to_string().contains(what), "{err} should say {what}");
    };
    invalid(e.record_visit(lat, lon, b, a), "not after arrival");
    invalid(e.record_visit(lat, lon, a, a.plus_millis(60_000)), "5-minute dwell");
    invalid(e.record_visit(95.0, lon, a, b), "latitude");
    invalid(e.record_visit(lat, lon, a, a.plus_millis(40 * 86_400_000)), "31 days");
    let ev = e.record_visit(lat, lon, a, b).unwrap();
    let kinds: Vec<_> =
        ev.iter().map(|x| serde_json::to_value(x).unwrap()["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["visit_started", "visit_ended"]);
    assert_eq!((ev[0].at, ev[1].at), (a, b));
    assert_eq!(e.clock(), Some(b), "the clock moves to the departure");
    // The same visit delivered again (a few minutes off) changes nothing.
    assert!(e.record_visit(lat, lon, a.plus_millis(120_000), b.plus_millis(-60_000)).unwrap().is_empty());
    assert_eq!(e.visits(a, b).unwrap().len(), 1);
    // Another overlapping visit elsewhere is refused.
    let (lat2, lon2) = at_xy(2000.0, 0.0);
    invalid(e.record_visit(lat2, lon2, a.plus_millis(600_000), b.plus_millis(600_000)), "overlaps visit");
    // One right after it is fine, and lands at a new place.
    e.record_visit(lat2, lon2, b, b.plus_millis(600_000)).unwrap();
    assert_eq!(e.places().unwrap().len(), 2);
}

#[test]
fn routines_and_their_clock_survive_a_restart() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let before = {
        let e = engine_with_history(dir.path(), &k, HOME, vec![]);
        e.routines(t("2026-11-27T12:00:00-08:00")).unwrap()
    };
    let e = offer_common::engine_with(dir.path(), &k);
    assert_eq!(e.routines(t("2026-11-27T12:00:00-08:00")).unwrap(), before);
    assert_eq!(overdue(&e.tick(t("2026-11-28T08:00:00-08:00")).unwrap()).len(), 2);
    let drive = trip(t("2026-11-28T11:15:00-08:00"), (0.0, 0.0), HOME, 13.0);
    assert_eq!(reminders(&e.record_locations(&drive).unwrap().events).len(), 1, "the watch list was restored");
}

#[test]
fn after_a_move_to_new_york_overdue_follows_the_new_zone() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    drop(engine_with_history(dir.path(), &k, HOME, vec![]));
    let mut cfg = kairos_core::EngineConfig::new(dir.path(), "America/New_York");
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    let e = kairos_core::Engine::open(cfg).unwrap();
    // Thursday 18:00 + 1.4 days is Saturday 03:36 on the New York wall clock.
    let due = t("2026-11-28T03:36:00-05:00");
    assert!(overdue(&e.tick(due.plus_millis(-1)).unwrap()).is_empty());
    let ev = overdue(&e.tick(due).unwrap());
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(ev.iter().all(|(_, at, days)| *at == due && *days == 2));
    let r = e.routines(due).unwrap();
    let g = r.iter().find(|r| r.id == "category:grocery").unwrap();
    assert_eq!(g.next_expected_at, t("2026-11-26T18:00:00-05:00"));
}
