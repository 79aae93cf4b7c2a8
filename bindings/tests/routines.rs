//! Routines and the week through the FFI engine, from Rust, with the signed
//! example catalog's grocery store: six Thursday visits make a weekly
//! routine, which falls overdue, reminds on a drive past the store, and
//! resumes with a visit. The same flows run from Kotlin and Swift.

use base64::Engine as _;
use kairos_ffi::{
    CatalogKey, Engine, EngineConfig, KairosError, KairosEvent, LocationFix, RoutinePrivacy, RoutineStatus,
    RoutineSubject, StepSample, TimeOfDay, Weekday,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn at(rfc3339: &str) -> SystemTime {
    kairos_ffi::time::from_core(kairos_core::Timestamp::parse_rfc3339(rfc3339).unwrap())
}

fn config(dir: &tempfile::TempDir) -> EngineConfig {
    let text = std::fs::read_to_string(repo_file("tests/catalogs/test-key.pub")).unwrap();
    let public_key = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap();
    EngineConfig {
        data_dir: dir.path().to_str().unwrap().into(),
        time_zone: "America/Los_Angeles".into(),
        sealing_key: vec![7; 32],
        step_goal: 7500,
        raw_fix_retention_days: 7,
        stay_radius_m: 100.0,
        min_dwell_minutes: 5,
        gap_threshold_minutes: 15,
        sedentary_minutes: 60,
        waking_hours_start: 8,
        waking_hours_end: 21,
        catalog_keys: vec![CatalogKey { key_id: "test-key".into(), public_key }],
        install_id: Some("ffi-tests".into()),
        quiet_hours_start: 21,
        quiet_hours_end: 8,
        offers_per_day: 4,
        min_minutes_between_offers: 30,
        offers_per_merchant_per_day: 2,
        dismissal_cooldown_days: 7,
        notifications_per_day: 6,
        min_minutes_between_notifications: 10,
        relevance_floor: 0.08,
        activity_epsilon: None,
        visits_epsilon: None,
        offers_epsilon: None,
        tile_radius_m: 2_000.0,
    }
}

/// The example catalog's grocery store (a 120 m circle).
const GROCERY: (f64, f64) = (37.332, -121.938);
const GROCERY_PLACE: &str = "fresh-market-stevens-creek";

/// The catalog loaded and six Thursday visits at the grocery, about 18:00,
/// the last on 19 November 2026.
fn engine_with_history(dir: &tempfile::TempDir) -> Arc<Engine> {
    let engine = Engine::open(config(dir)).unwrap();
    let envelope = std::fs::read(repo_file("tests/catalogs/example.signed.json")).unwrap();
    engine.load_catalog(envelope, at("2026-11-20T12:00:00-08:00")).unwrap();
    for a in [
        "2026-10-15T18:00:00-07:00",
        "2026-10-22T18:10:00-07:00",
        "2026-10-29T17:50:00-07:00",
        "2026-11-05T18:05:00-08:00",
        "2026-11-12T17:55:00-08:00",
        "2026-11-19T18:00:00-08:00",
    ] {
        let arrived = at(a);
        let events =
            engine.record_visit(GROCERY.0, GROCERY.1, arrived, arrived + Duration::from_secs(40 * 60)).unwrap();
        assert!(matches!(events.first(), Some(KairosEvent::VisitStarted { .. })), "{events:?}");
        assert!(events.iter().any(|e| matches!(e, KairosEvent::VisitEnded { minutes: 40, .. })), "{events:?}");
    }
    engine
}

/// A drive due east at 13 m/s along a road 310 m south of the store's
/// centre (190 m from its fence), from 3 km west of it to 3 km east.
fn drive(start: SystemTime) -> Vec<LocationFix> {
    let lat = GROCERY.0 - 310.0 / 111_320.0;
    let per_degree_lon = 111_320.0 * lat.to_radians().cos();
    (0..=92)
        .map(|i| {
            let x = -3000.0 + 13.0 * 5.0 * f64::from(i);
            LocationFix {
                at: start + Duration::from_secs(5 * i as u64),
                lat,
                lon: GROCERY.1 + x / per_degree_lon,
                accuracy_m: 8.0,
                speed_mps: Some(13.0),
            }
        })
        .collect()
}

#[test]
fn a_weekly_grocery_routine_falls_overdue_reminds_on_the_way_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with_history(&dir);
    let routines = engine.routines(at("2026-11-20T12:00:00-08:00")).unwrap();
    let grocery = routines.iter().find(|r| r.id == "category:grocery").expect("a category routine");
    assert_eq!(grocery.subject, RoutineSubject::Category { category: "grocery".into() });
    assert_eq!(
        (grocery.usual_weekday, grocery.usual_time),
        (Some(Weekday::Thursday), TimeOfDay { hour: 18, minute: 0 })
    );
    assert_eq!(grocery.description, "weekly, Thursdays around 18:00");
    assert_eq!(
        (grocery.status, grocery.privacy, grocery.visits),
        (RoutineStatus::OnTrack, RoutinePrivacy::Summarisable, 6)
    );
    assert_eq!(grocery.next_expected_at, at("2026-11-26T18:00:00-08:00"));
    let place = routines.iter().find(|r| r.merchant_id.as_deref() == Some("fresh-market")).expect("a place routine");
    assert_eq!(place.privacy, RoutinePrivacy::DeviceOnly);

    let events = engine.tick(at("2026-11-28T08:00:00-08:00")).unwrap();
    let overdue: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            KairosEvent::RoutineOverdue { at, routine_id, days_overdue, cycles_missed, .. } => {
                Some((routine_id.clone(), *at, *days_overdue, *cycles_missed))
            }
            _ => None,
        })
        .collect();
    let due = at("2026-11-28T03:36:00-08:00");
    assert_eq!(overdue, vec![("category:grocery".into(), due, 2, 1), (place.id.clone(), due, 2, 1)]);

    let events = engine.record_locations(drive(at("2026-11-28T11:15:00-08:00"))).unwrap().events;
    let reminders: Vec<_> = events.iter().filter(|e| matches!(e, KairosEvent::OnTheWayReminder { .. })).collect();
    assert_eq!(reminders.len(), 1, "{events:?}");
    let KairosEvent::OnTheWayReminder { place_id, merchant_id, routine_ids, distance_m, days_overdue, .. } =
        reminders[0]
    else {
        unreachable!()
    };
    assert_eq!((place_id.as_str(), merchant_id.as_str(), *days_overdue), (GROCERY_PLACE, "fresh-market", 2));
    assert!(routine_ids.contains(&"category:grocery".to_string()), "{routine_ids:?}");
    assert!(*distance_m <= 400.0, "{distance_m}");

    let arrived = at("2026-11-28T12:00:00-08:00");
    let events = engine.record_visit(GROCERY.0, GROCERY.1, arrived, arrived + Duration::from_secs(30 * 60)).unwrap();
    assert!(
        events.iter().any(|e| matches!(e, KairosEvent::RoutineResumed { routine_id, cycles_missed: 1, .. } if routine_id == "category:grocery")),
        "{events:?}"
    );
    let now = at("2026-11-28T13:00:00-08:00");
    let grocery = engine.routines(now).unwrap().into_iter().find(|r| r.id == "category:grocery").unwrap();
    assert_eq!((grocery.status, grocery.visits), (RoutineStatus::OnTrack, 7));
}

#[test]
fn impossible_visits_are_refused_and_a_repeated_one_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with_history(&dir);
    let a = at("2026-11-21T10:00:00-08:00");
    for (lat, from, to) in [
        (GROCERY.0, a, a - Duration::from_secs(60)),
        (GROCERY.0, a, a + Duration::from_secs(60)),
        (91.0, a, a + Duration::from_secs(3600)),
    ] {
        let r = engine.record_visit(lat, GROCERY.1, from, to);
        assert!(
            matches!(r, Err(KairosError::InvalidInput { ref reason }) if reason.contains("invalid visit")),
            "{r:?}"
        );
    }
    let again = at("2026-11-19T18:00:00-08:00");
    let events = engine.record_visit(GROCERY.0, GROCERY.1, again, again + Duration::from_secs(40 * 60)).unwrap();
    assert_eq!(events, vec![], "the same visit again");
}

#[test]
fn the_week_has_seven_days_a_total_and_the_days_the_goal_was_met() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir)).unwrap();
    let hour = |s: &str, steps| StepSample::Interval { start: at(s), end: at(s) + Duration::from_secs(3600), steps };
    engine
        .record_step_samples(vec![hour("2026-11-22T09:00:00-08:00", 1000), hour("2026-11-24T09:00:00-08:00", 8000)])
        .unwrap();
    let week = engine.week(at("2026-11-24T12:00:00-08:00")).unwrap();
    let days: Vec<_> = week.days.iter().map(|d| (d.day.to_string(), d.steps, d.goal_met)).collect();
    assert_eq!(days[0], ("2026-11-18".to_string(), 0, false));
    assert_eq!(days[4], ("2026-11-22".to_string(), 1000, false));
    assert_eq!(days[6], ("2026-11-24".to_string(), 8000, true));
    assert_eq!((days.len(), week.total, week.goal, week.days_goal_met), (7, 9000, 7500, 1));
}

#[test]
fn erasing_a_profile_with_routines_leaves_none() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with_history(&dir);
    let now = at("2026-11-21T10:00:00-08:00");
    assert!(!engine.routines(now).unwrap().is_empty());
    engine.erase_all(now).unwrap();
    assert_eq!(engine.routines(now).unwrap(), vec![]);
    assert_eq!(engine.places().unwrap(), vec![]);
}
