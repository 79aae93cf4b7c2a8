//! The FFI engine from Rust: conversions end to end, listener delivery, and
//! errors. The same flows run from Kotlin and Swift in `bindings/kotlin`
//! and `bindings/swift`.

use kairos_ffi::{
    Engine, EngineConfig, EventListener, FixRejection, KairosError, KairosEvent, ListenerError, LocationFix, StepSample,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 2026-11-24T09:00:00-08:00.
fn nine_am() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_539_600)
}

fn config(dir: &tempfile::TempDir) -> EngineConfig {
    EngineConfig {
        data_dir: dir.path().to_str().unwrap().into(),
        time_zone: "America/Los_Angeles".into(),
        sealing_key: vec![7; 32],
        step_goal: 1000,
        raw_fix_retention_days: 7,
        stay_radius_m: 100.0,
        min_dwell_minutes: 5,
        gap_threshold_minutes: 15,
        sedentary_minutes: 60,
        waking_hours_start: 8,
        waking_hours_end: 21,
        catalog_keys: Vec::new(),
        install_id: None,
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

fn fix(at: SystemTime, lat: f64) -> LocationFix {
    LocationFix { at, lat, lon: -118.25, accuracy_m: 10.0, speed_mps: None }
}

#[derive(Default)]
struct Collect(Mutex<Vec<KairosEvent>>);
impl EventListener for Collect {
    fn on_events(&self, events: Vec<KairosEvent>) -> Result<(), ListenerError> {
        self.0.lock().unwrap().extend(events);
        Ok(())
    }
}

#[test]
fn a_stay_becomes_a_visit_and_listeners_see_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir)).unwrap();
    let seen = Arc::new(Collect::default());
    let _sub = engine.subscribe(seen.clone());
    // 20 minutes still, one fix every 30 s.
    let fixes: Vec<_> = (0..=40).map(|i| fix(nine_am() + Duration::from_secs(i * 30), 34.05)).collect();
    let report = engine.record_locations(fixes).unwrap();
    assert_eq!(report.accepted, 41);
    assert!(
        matches!(report.events.as_slice(), [KairosEvent::VisitStarted { arrived_at, .. }] if *arrived_at == nine_am()),
        "{:?}",
        report.events
    );
    assert_eq!(*seen.0.lock().unwrap(), report.events);
    let visits = engine.visits(nine_am(), nine_am() + Duration::from_secs(3600)).unwrap();
    assert_eq!((visits.len(), visits[0].departed_at), (1, None));
}

#[test]
fn steps_reach_the_goal_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir)).unwrap();
    let sample = |m: u64, steps| StepSample::Interval {
        start: nine_am() + Duration::from_secs(m * 60),
        end: nine_am() + Duration::from_secs((m + 10) * 60),
        steps,
    };
    assert!(engine.record_steps(sample(0, 600)).unwrap().is_empty());
    let events = engine.record_steps(sample(10, 600)).unwrap();
    assert!(matches!(events.as_slice(), [KairosEvent::StepGoalReached { steps: 1200, goal: 1000, .. }]), "{events:?}");
    let today = engine.today(nine_am()).unwrap();
    assert_eq!(
        (today.day.to_string().as_str(), today.steps, today.remaining, today.goal_reached),
        ("2026-11-24", 1200, 0, true)
    );
}

#[test]
fn invalid_inputs_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir)).unwrap();
    match engine.record_location(fix(nine_am(), 91.0)) {
        Err(KairosError::InvalidFix { rejection: FixRejection::LatitudeOutOfRange { lat }, reason }) => {
            assert_eq!(lat, 91.0);
            assert!(reason.contains("latitude 91"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let negative = StepSample::Counter { at: nine_am(), count_since_boot: -3 };
    assert!(
        matches!(engine.record_steps(negative), Err(KairosError::InvalidInput { reason }) if reason.contains("negative"))
    );
    let mut bad = config(&dir);
    bad.time_zone = "Mars/Olympus".into();
    assert!(matches!(Engine::open(bad), Err(KairosError::InvalidInput { reason }) if reason.contains("Mars/Olympus")));
}
