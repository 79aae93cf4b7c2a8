//! One notification budget across offers, reminders, goal messages and
//! nudges, through the engine: every held message is reported with its
//! reason; claim windows end at closing time; a redemption while the store
//! is closed is refused.

mod offer_common;

use kairos_core::offers::{BudgetLimit, BudgetPolicy, MessageKind, OfferPolicy};
use kairos_core::{Engine, EngineConfig, EventKind, KairosError, StepSample};
use offer_common::*;
use serde_json::{json, Value};

fn engine_and_catalog(merchants: Vec<Value>, budget: BudgetPolicy) -> (Engine, tempfile::TempDir) {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let mut cfg = EngineConfig::new(dir.path(), TZ);
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    cfg.install_id = Some("install-test".into());
    cfg.offer_policy = OfferPolicy { global_min_gap_ms: 0, ..OfferPolicy::default() };
    cfg.notification_budget = budget;
    let e = Engine::open(cfg).unwrap();
    e.load_catalog(&signed(&catalog(1, merchants), &k), t("2026-11-20T09:00:00-08:00")).unwrap();
    (e, dir)
}

#[test]
fn an_offer_past_the_days_budget_is_suppressed_with_notification_budget() {
    let budget = BudgetPolicy { per_day: 1, min_gap_ms: 0 };
    let shops = vec![
        merchant("boutique", 0.0, vec![offer("o1", json!({}))]),
        merchant("food", 1000.0, vec![offer("o2", json!({}))]),
    ];
    let (e, _d) = engine_and_catalog(shops, budget);
    let first = e.record_locations(&walk(t("2026-11-24T10:30:00-08:00"), -200.0, 200.0, 1.3)).unwrap().events;
    assert_eq!(offer_events(&first)[0].0, "offer_triggered");
    let second = e.record_locations(&walk(t("2026-11-24T12:00:00-08:00"), 800.0, 1200.0, 1.3)).unwrap().events;
    assert_eq!(offer_events(&second), vec![("offer_suppressed".into(), "o2".into(), "notification_budget".into())]);
    let reason = second.iter().find_map(|x| match &x.kind {
        EventKind::OfferSuppressed { reason, .. } => Some(serde_json::to_value(reason).unwrap()),
        _ => None,
    });
    let reason = reason.unwrap();
    assert_eq!((reason["limit"].as_str(), reason["allowance"].as_i64()), (Some("daily_budget"), Some(1)));
    // The next local day has a new budget.
    let next = e.record_locations(&walk(t("2026-11-25T12:00:00-08:00"), 800.0, 1200.0, 1.3)).unwrap().events;
    assert_eq!(offer_events(&next)[0].0, "offer_triggered");
}

#[test]
fn a_nudge_due_just_after_an_offer_is_held_and_explained() {
    let budget = BudgetPolicy { per_day: 6, min_gap_ms: 10 * 60_000 };
    let (e, _d) = engine_and_catalog(vec![merchant("boutique", 0.0, vec![offer("o1", json!({}))])], budget);
    // Walked until 09:30, then sat: the nudge is due at 10:30...
    let sat = StepSample::Interval {
        start: t("2026-11-24T09:00:00-08:00"),
        end: t("2026-11-24T09:30:00-08:00"),
        steps: 1430,
    };
    e.record_steps(sat).unwrap();
    // ...but an offer fired at about 10:25 (the offer outranks the nudge).
    let walked = e.record_locations(&walk(t("2026-11-24T10:22:00-08:00"), -200.0, 0.0, 1.3)).unwrap().events;
    let fired_at = walked.iter().find(|x| matches!(x.kind, EventKind::OfferTriggered { .. })).unwrap().at;
    let mut held = Vec::new();
    // Within the gap (at its end the held nudge is tried again: below).
    for minute in 0..10 {
        let now = t("2026-11-24T10:25:00-08:00").plus_millis(minute * 60_000);
        for ev in e.tick(now).unwrap() {
            assert!(!matches!(ev.kind, EventKind::InactivityNudge { .. }), "a nudge within the gap: {ev:?}");
            if let EventKind::NotificationHeld { message, limit, until, .. } = ev.kind {
                held.push((message, limit, until));
            }
        }
    }
    assert_eq!(held, vec![(MessageKind::InactivityNudge, BudgetLimit::MinGap, fired_at.plus_millis(10 * 60_000))]);
    let json = serde_json::to_value(kairos_core::Event::new(
        fired_at,
        EventKind::NotificationHeld {
            message: held[0].0,
            reason: kairos_core::HoldReason::NotificationBudget,
            limit: held[0].1,
            until: held[0].2,
            allowance: 10,
        },
    ))
    .unwrap();
    assert_eq!(json["kind"], "notification_held");
    assert_eq!(
        (json["message"].as_str(), json["reason"].as_str()),
        (Some("inactivity_nudge"), Some("notification_budget"))
    );
}

#[test]
fn a_claim_window_ends_at_closing_and_a_closed_store_refuses_the_redemption() {
    let budget = BudgetPolicy::default();
    let late = offer("late", json!({}));
    let bakery = offer("bakery", json!({"claim_window_minutes": 900, "claims_after_closing": true}));
    let (e, _d) =
        engine_and_catalog(vec![merchant("shop", 0.0, vec![late]), merchant("bread", 1000.0, vec![bakery])], budget);
    // The shops close at 21:00; the walk-in is at about 20:30 (quiet hours
    // start at 21:00).
    let ev = e.record_locations(&walk(t("2026-11-24T20:28:00-08:00"), -200.0, 0.0, 1.3)).unwrap().events;
    let expires = ev.iter().find_map(|x| match x.kind {
        EventKind::OfferTriggered { expires_at, .. } => Some(expires_at),
        _ => None,
    });
    assert_eq!(expires, Some(t("2026-11-24T21:00:00-08:00")), "{ev:?}");
    // The bakery allows claims after closing: fifteen hours, redeemable
    // only once it opens again.
    let ev = e.record_locations(&walk(t("2026-11-24T20:45:00-08:00"), 800.0, 1000.0, 1.3)).unwrap().events;
    let id = triggered_id(&ev);
    match e.redeemed(id, t("2026-11-24T22:00:00-08:00")) {
        Err(KairosError::StoreClosed { instance_id, place_id, reopens_at }) => {
            assert_eq!((instance_id, place_id.as_str()), (id, "bread-place"));
            assert_eq!(reopens_at, Some(t("2026-11-25T10:00:00-08:00")));
        }
        other => panic!("expected StoreClosed, got {other:?}"),
    }
    assert!(e.redeemed(id, t("2026-11-25T08:30:00-08:00")).is_err(), "still closed at 08:30");
    assert_eq!(e.offers(t("2026-11-25T08:30:00-08:00")).unwrap().len(), 1, "still claimable");
}

/// The nudge held by the gap after an offer fired at about 10:25 (as in
/// the test above); returns the engine, the offer's time, and whether the
/// shopper walks (`walks`) between the hold and the gap's end.
fn nudge_held_then(walks: bool) -> Vec<kairos_core::Event> {
    let budget = BudgetPolicy { per_day: 6, min_gap_ms: 10 * 60_000 };
    let (e, _d) = engine_and_catalog(vec![merchant("boutique", 0.0, vec![offer("o1", json!({}))])], budget);
    let sat = StepSample::Interval {
        start: t("2026-11-24T09:00:00-08:00"),
        end: t("2026-11-24T09:30:00-08:00"),
        steps: 1430,
    };
    e.record_steps(sat).unwrap();
    let walked = e.record_locations(&walk(t("2026-11-24T10:22:00-08:00"), -200.0, 0.0, 1.3)).unwrap().events;
    let fired_at = walked.iter().find(|x| matches!(x.kind, EventKind::OfferTriggered { .. })).unwrap().at;
    let held: Vec<_> = e
        .tick(t("2026-11-24T10:30:00-08:00"))
        .unwrap()
        .into_iter()
        .filter(|x| matches!(x.kind, EventKind::NotificationHeld { message: MessageKind::InactivityNudge, .. }))
        .collect();
    assert_eq!(held.len(), 1, "the nudge is held at 10:30");
    if walks {
        let stroll = StepSample::Interval {
            start: t("2026-11-24T10:31:00-08:00"),
            end: t("2026-11-24T10:33:00-08:00"),
            steps: 300,
        };
        e.record_steps(stroll).unwrap();
    }
    let mut after = Vec::new();
    let mut now = t("2026-11-24T10:31:00-08:00");
    while now <= fired_at.plus_millis(12 * 60_000) {
        after.extend(e.tick(now).unwrap());
        now = now.plus_millis(60_000);
    }
    after
}

#[test]
fn a_held_nudge_is_shown_when_the_gap_ends_if_she_is_still_sitting() {
    let after = nudge_held_then(false);
    let kinds: Vec<_> = after
        .iter()
        .filter_map(|x| match &x.kind {
            EventKind::NotificationRetried { message, held_at, outcome } => {
                Some(format!("retried {} held {} {}", message.as_str(), held_at, outcome.as_str()))
            }
            EventKind::InactivityNudge { sedentary_since, minutes } => {
                Some(format!("nudge since {sedentary_since} for {minutes} min"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        kinds[0].starts_with("retried inactivity_nudge held 2026-11-24T18:30:00") && kinds[0].ends_with("shown"),
        "{kinds:?}"
    );
    assert!(kinds[1].starts_with("nudge since 2026-11-24T17:30:00"), "{kinds:?}");
}

#[test]
fn a_held_nudge_is_dropped_as_no_longer_relevant_once_she_walked() {
    let after = nudge_held_then(true);
    assert!(!after.iter().any(|x| matches!(x.kind, EventKind::InactivityNudge { .. })), "{after:?}");
    let outcomes: Vec<_> = after
        .iter()
        .filter_map(|x| match x.kind {
            EventKind::NotificationRetried { message, outcome, .. } => Some((message, outcome)),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes, vec![(MessageKind::InactivityNudge, kairos_core::offers::RetryOutcome::NoLongerRelevant)]);
}
