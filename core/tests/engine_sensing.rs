//! The engine's sensing plan: what it asks of the platform as the shopper
//! walks towards a shop, through it, and settles; and the events that
//! report each change once the app follows the plan.

mod offer_common;

use kairos_core::sensing::{Accuracy, SensingReason};
use kairos_core::{Engine, Event, EventKind};
use offer_common::*;
use serde_json::json;

/// An engine with one shop at the origin (a 40 m circle, an enter offer).
fn engine_with_shop(dir: &std::path::Path) -> Engine {
    let k = key();
    let e = engine_with(dir, &k);
    let doc = catalog(1, vec![merchant("boutique", 0.0, vec![offer("o20", json!({}))])]);
    e.load_catalog(&signed(&doc, &k), t("2026-11-24T09:00:00-08:00")).unwrap();
    e
}

fn plan_changes(events: &[Event]) -> Vec<(Accuracy, SensingReason)> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::SensingPlanChanged { accuracy, reason, .. } => Some((accuracy, reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_plan_follows_the_shopper_from_far_to_near_to_inside_a_fence_to_settled() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with_shop(dir.path());
    let far = walk(t("2026-11-24T10:30:00-08:00"), -1_000.0, -900.0, 1.3);
    e.record_locations(&far).unwrap();
    let p = e.sensing_plan(far.last().unwrap().at).unwrap();
    assert_eq!((p.accuracy, p.reason), (Accuracy::Balanced, SensingReason::Roaming), "{p:?}");
    assert_eq!(p.wake_regions.len(), 1, "the shop's region to register");
    assert_eq!(p.wake_regions[0].place_id, "boutique-place");

    let near = walk(t("2026-11-24T10:32:00-08:00"), -120.0, -60.0, 1.3);
    e.record_locations(&near).unwrap();
    let p = e.sensing_plan(near.last().unwrap().at).unwrap();
    assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::NearBoundary), "{p:?}");
    assert!(p.interval_ms < 30_000 && p.min_displacement_m == 0.0, "{p:?}");

    let inside = walk(t("2026-11-24T10:34:00-08:00"), -30.0, 0.0, 1.3);
    e.record_locations(&inside).unwrap();
    let p = e.sensing_plan(inside.last().unwrap().at).unwrap();
    assert_eq!((p.accuracy, p.reason), (Accuracy::High, SensingReason::InFence), "{p:?}");

    let settled = stand(t("2026-11-24T10:35:00-08:00"), 0.0, 10);
    e.record_locations(&settled).unwrap();
    let p = e.sensing_plan(settled.last().unwrap().at).unwrap();
    assert_eq!((p.accuracy, p.reason), (Accuracy::Balanced, SensingReason::Staying), "{p:?}");
    assert_eq!(p.interval_ms, kairos_core::policy::SENSING_STAYING_INTERVAL_MS);
    assert!(p.wake_on_motion);
}

#[test]
fn plan_changes_are_reported_only_once_the_app_follows_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with_shop(dir.path());
    let approach = walk(t("2026-11-24T10:30:00-08:00"), -600.0, -200.0, 1.3);
    let events = e.record_locations(&approach).unwrap().events;
    assert!(plan_changes(&events).is_empty(), "an app that never asked hears nothing: {events:?}");

    e.sensing_plan(approach.last().unwrap().at).unwrap();
    let mut changes = Vec::new();
    // Fix by fix, as a phone following the plan would deliver them.
    for f in walk(t("2026-11-24T10:36:00-08:00"), -200.0, 0.0, 1.3) {
        changes.extend(plan_changes(&e.record_location(f).unwrap()));
    }
    for f in stand(t("2026-11-24T10:39:00-08:00"), 0.0, 10) {
        changes.extend(plan_changes(&e.record_location(f).unwrap()));
    }
    let reasons: Vec<SensingReason> = changes.iter().map(|c| c.1).collect();
    let first = |r| reasons.iter().position(|x| *x == r);
    let (near, inside, staying) =
        (first(SensingReason::NearBoundary), first(SensingReason::InFence), first(SensingReason::Staying));
    assert!(near.is_some() && inside.is_some() && staying.is_some(), "{changes:?}");
    assert!(near < inside && inside < staying, "in the order the shopper lived them: {changes:?}");
    assert!(changes.len() <= 12, "a change per rule or big interval step, not one per fix: {changes:?}");
}
