//! The time zone after open: a shopper who travels.

mod common;

use common::{engine, t};
use kairos_core::{Engine, EngineConfig, KairosError, StepSample};

/// 07:30 UTC on 25 November: still the 24th in Los Angeles, the 25th in Paris.
const MORNING_IN_PARIS: &str = "2026-11-25T07:30:00Z";

#[test]
fn after_set_time_zone_days_are_cut_in_the_new_zone() {
    let (e, _d) = engine();
    assert_eq!(e.today(t(MORNING_IN_PARIS)).unwrap().day, "2026-11-24");
    e.set_time_zone("Europe/Paris").unwrap();
    assert_eq!(e.today(t(MORNING_IN_PARIS)).unwrap().day, "2026-11-25");
    // Steps recorded from now on count on Paris's day.
    e.record_steps(StepSample::Interval { start: t("2026-11-25T07:00:00Z"), end: t(MORNING_IN_PARIS), steps: 900 })
        .unwrap();
    assert_eq!(e.today(t(MORNING_IN_PARIS)).unwrap().steps, 900);
}

#[test]
fn an_unknown_zone_is_refused_by_name_and_the_zone_in_force_stays() {
    let (e, _d) = engine();
    let err = e.set_time_zone("Mars/Olympus_Mons").unwrap_err();
    match err {
        KairosError::InvalidInput { reason } => assert!(reason.contains("Mars/Olympus_Mons"), "{reason}"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(e.today(t(MORNING_IN_PARIS)).unwrap().day, "2026-11-24");
}

#[test]
fn a_profile_moved_to_a_new_zone_opens_in_it_with_the_same_days() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
    e.set_time_zone("Europe/Paris").unwrap();
    drop(e);
    let again = Engine::open(EngineConfig::new(dir.path(), "Europe/Paris")).unwrap();
    assert_eq!(again.today(t(MORNING_IN_PARIS)).unwrap().day, "2026-11-25");
}
