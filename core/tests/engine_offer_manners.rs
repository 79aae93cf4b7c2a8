//! Every suppression reason, each caused on purpose through the engine.

mod offer_common;

use kairos_core::offers::OfferPolicy;
use kairos_core::{Engine, EngineConfig};
use offer_common::*;
use serde_json::{json, Value};

fn engine_and_catalog(merchants: Vec<Value>, policy: Option<OfferPolicy>) -> (Engine, tempfile::TempDir) {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let mut cfg = EngineConfig::new(dir.path(), TZ);
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    cfg.install_id = Some("install-test".into());
    if let Some(p) = policy {
        cfg.offer_policy = p;
    }
    let e = Engine::open(cfg).unwrap();
    e.load_catalog(&signed(&catalog(1, merchants), &k), t("2026-11-20T09:00:00-08:00")).unwrap();
    (e, dir)
}

/// Walks past the shop at `x` (from 200 m before to 200 m after).
fn pass(e: &Engine, start: &str, x: f64) -> Vec<(String, String, String)> {
    let events = e.record_locations(&walk(t(start), x - 200.0, x + 200.0, 1.3)).unwrap().events;
    offer_events(&events).into_iter().filter(|(kind, _, _)| kind != "offer_expired").collect()
}

fn suppressed(reason: &str, offer: &str) -> Vec<(String, String, String)> {
    vec![("offer_suppressed".into(), offer.into(), reason.into())]
}

fn triggered(offer: &str) -> Vec<(String, String, String)> {
    vec![("offer_triggered".into(), offer.into(), String::new())]
}

#[test]
fn global_min_gap_suppresses_the_second_shop_a_minute_later() {
    let (e, _d) = engine_and_catalog(
        vec![
            merchant("boutique", 0.0, vec![offer("o1", json!({}))]),
            merchant("food", 100.0, vec![offer("o2", json!({}))]),
        ],
        None,
    );
    let ev =
        offer_events(&e.record_locations(&walk(t("2026-11-24T10:32:00-08:00"), -200.0, 300.0, 1.3)).unwrap().events);
    assert_eq!(ev[0], triggered("o1")[0]);
    assert_eq!(ev[1], suppressed("global_min_gap", "o2")[0]);
    // The timeline can say why, in words.
    let all = e.record_locations(&walk(t("2026-11-24T10:40:00-08:00"), 300.0, 50.0, 1.3)).unwrap().events;
    let line = all.iter().find_map(|x| match &x.kind {
        kairos_core::EventKind::OfferSuppressed { reason, .. } => Some(reason.to_string()),
        _ => None,
    });
    assert!(line.unwrap().contains("at most one offer per 30 minutes"));
}

#[test]
fn outside_opening_hours_and_schedule() {
    let (e, _d) =
        engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", json!({"schedule": {"days": ["tue"]}}))])], None);
    assert_eq!(pass(&e, "2026-11-24T09:30:00-08:00", 0.0), suppressed("outside_schedule", "o1"), "closed before 10:00");
    assert_eq!(pass(&e, "2026-11-24T12:00:00-08:00", 0.0), triggered("o1"));
    assert_eq!(pass(&e, "2026-11-25T12:00:00-08:00", 0.0), suppressed("outside_schedule", "o1"), "Wednesday");
}

#[test]
fn targeting_never_visited_stops_after_a_visit() {
    let target = json!({"targeting": {"all": [
        {"visits": {"merchant": "self", "within_days": 365, "max": 0}},
        {"attribute": {"name": "friends_visited", "op": ">=", "value": 3}}]}});
    let (e, _d) = engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", target)])], None);
    // A 10-minute visit inside the shop, at night so no offer can fire.
    let mut track = walk(t("2026-11-23T21:30:00-08:00"), -200.0, 0.0, 1.3);
    track.extend(stand(t("2026-11-23T21:33:00-08:00"), 0.0, 10));
    track.extend(walk(t("2026-11-23T21:43:15-08:00"), 0.0, 400.0, 1.3));
    e.record_locations(&track).unwrap();
    assert_eq!(pass(&e, "2026-11-24T12:00:00-08:00", 0.0), suppressed("not_targeted", "o1"));
}

#[test]
fn attribute_targeting_fails_closed() {
    let target = json!({"targeting": {"attribute": {"name": "friends_visited", "op": ">=", "value": 5}}});
    let (e, _d) = engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", target)])], None);
    assert_eq!(pass(&e, "2026-11-24T12:00:00-08:00", 0.0), suppressed("not_targeted", "o1"));
}

#[test]
fn quiet_hours() {
    let hours = json!({"schedule": {"during_opening_hours": false}});
    let (e, _d) = engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", hours)])], None);
    assert_eq!(pass(&e, "2026-11-24T21:30:00-08:00", 0.0), suppressed("quiet_hours", "o1"));
    assert_eq!(pass(&e, "2026-11-25T07:30:00-08:00", 0.0), suppressed("quiet_hours", "o1"));
}

#[test]
fn driving_past_unless_the_offer_allows_it() {
    let (e, _d) = engine_and_catalog(
        vec![
            merchant("b", 0.0, vec![offer("o1", json!({}))]),
            merchant("drive", 3000.0, vec![offer("o2", json!({"allow_while_driving": true}))]),
        ],
        None,
    );
    let track = walk(t("2026-11-24T12:00:00-08:00"), -500.0, 3500.0, 15.0);
    let ev = offer_events(&e.record_locations(&track).unwrap().events);
    assert_eq!(ev, vec![suppressed("while_driving", "o1")[0].clone(), triggered("o2")[0].clone()]);
}

#[test]
fn dismissal_cooldown_then_fires_again() {
    let (e, _d) = engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", json!({}))])], None);
    let ev = e.record_locations(&walk(t("2026-11-24T12:00:00-08:00"), -200.0, 200.0, 1.3)).unwrap().events;
    e.dismissed(triggered_id(&ev), t("2026-11-24T12:10:00-08:00")).unwrap();
    assert_eq!(pass(&e, "2026-11-28T12:00:00-08:00", 0.0), suppressed("dismissed_recently", "o1"));
    assert_eq!(pass(&e, "2026-12-02T12:00:00-08:00", 0.0), triggered("o1"));
}

#[test]
fn offer_caps_total_daily_and_gap() {
    let caps = json!({"caps": {"total": 2, "per_day": 1, "min_gap_minutes": 2880}});
    let policy = OfferPolicy { global_min_gap_ms: 0, ..OfferPolicy::default() };
    let (e, _d) = engine_and_catalog(vec![merchant("b", 0.0, vec![offer("o1", caps)])], Some(policy));
    assert_eq!(pass(&e, "2026-11-24T12:00:00-08:00", 0.0), triggered("o1"));
    assert_eq!(pass(&e, "2026-11-24T15:00:00-08:00", 0.0), suppressed("offer_daily_cap", "o1"));
    assert_eq!(pass(&e, "2026-11-25T12:00:00-08:00", 0.0), suppressed("offer_min_gap", "o1"));
    assert_eq!(pass(&e, "2026-11-27T12:00:00-08:00", 0.0), triggered("o1"));
    assert_eq!(pass(&e, "2026-11-30T12:00:00-08:00", 0.0), suppressed("offer_total_cap", "o1"));
}

#[test]
fn merchant_and_global_daily_caps() {
    let policy = OfferPolicy { global_min_gap_ms: 0, merchant_per_day: 1, global_per_day: 2, ..OfferPolicy::default() };
    let (e, _d) = engine_and_catalog(
        vec![
            merchant("a", 0.0, vec![offer("a1", json!({})), offer("a2", json!({"places": []}))]),
            merchant("b", 1000.0, vec![offer("b1", json!({}))]),
            merchant("c", 2000.0, vec![offer("c1", json!({}))]),
        ],
        Some(policy),
    );
    // a1 or a2, as the next best action draws (both alike to her).
    let first = pass(&e, "2026-11-24T12:00:00-08:00", 0.0);
    assert_eq!(first[0].0, "offer_triggered", "{first:?}");
    assert_eq!(
        pass(&e, "2026-11-24T13:00:00-08:00", 0.0),
        vec![suppressed("merchant_daily_cap", "a1")[0].clone(), suppressed("merchant_daily_cap", "a2")[0].clone()]
    );
    assert_eq!(pass(&e, "2026-11-24T14:00:00-08:00", 1000.0), triggered("b1"));
    assert_eq!(pass(&e, "2026-11-24T15:00:00-08:00", 2000.0), suppressed("global_daily_cap", "c1"));
    assert_eq!(pass(&e, "2026-11-25T12:00:00-08:00", 2000.0), triggered("c1"), "a new local day");
}

#[test]
fn an_expired_catalog_fires_nothing() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let mut doc = catalog(1, vec![merchant("b", 0.0, vec![offer("o1", json!({}))])]);
    doc["expires_at"] = json!("2026-11-24T11:00:00-08:00");
    e.load_catalog(&signed(&doc, &k), t("2026-11-24T09:00:00-08:00")).unwrap();
    assert_eq!(pass(&e, "2026-11-24T12:00:00-08:00", 0.0), suppressed("catalog_expired", "o1"));
}

#[test]
fn an_offer_stamped_by_a_device_clock_since_corrected_holds_no_gap_until_its_future_instant() {
    let (e, _d) = engine_and_catalog(
        vec![
            merchant("boutique", 0.0, vec![offer("o1", json!({}))]),
            merchant("food", 3_000.0, vec![offer("o2", json!({}))]),
        ],
        None,
    );
    // The device clock runs almost a month ahead while the shopper passes
    // the boutique: its offer fires, stamped 20 December.
    assert_eq!(pass(&e, "2026-12-20T10:32:00-08:00", 0.0), triggered("o1"));
    // Then the clock is corrected (ADR 0009).
    let events = e.tick(t("2026-11-24T10:00:00-08:00")).unwrap();
    assert!(events.iter().any(|ev| matches!(ev.kind, kairos_core::EventKind::ClockCorrected { .. })), "{events:?}");
    // An hour later the shopper passes the food court: the global minimum
    // gap and the notification budget's gap run from the correction, not
    // until 20 December.
    assert_eq!(pass(&e, "2026-11-24T11:00:00-08:00", 3_000.0), triggered("o2"));
}
