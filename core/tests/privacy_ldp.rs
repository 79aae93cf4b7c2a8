//! Local differential privacy through the engine: off by default (summaries
//! unchanged, no budget), on with a seed (noised, epsilon recorded in each
//! summary and in the budget, once per purpose-day, surviving reopen, in the
//! export, gone after erase), invalid epsilons refused at open.

mod offer_common;

use kairos_core::privacy::{LocalPrivacy, Purpose};
use kairos_core::{Engine, EngineConfig, KairosError, StepSample};
use offer_common::*;
use serde_json::{json, Value};
use std::path::Path;

fn engine_in(dir: &Path, k: &Key, ldp: LocalPrivacy, seed: Option<u64>) -> Engine {
    let mut cfg = EngineConfig::new(dir, TZ);
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    cfg.install_id = Some("install-ldp".into());
    cfg.local_privacy = ldp;
    cfg.noise_seed = seed;
    // The busy week shows the same offer daily and never redeems it: the
    // learned ranking would rightly stop showing it (`low_relevance`), and
    // with it the offer summaries counted here. Catalog priority keeps it.
    cfg.relevance.ranking = kairos_core::offers::Ranking::CatalogPriority;
    Engine::open(cfg).unwrap()
}

/// A day: into the boutique (an offer, a merchant visit), home; steps.
fn busy_day(e: &Engine, day: &str) {
    let mut track = walk(t(&format!("{day}T12:00:00-08:00")), -300.0, 0.0, 1.3);
    track.extend(stand(t(&format!("{day}T12:04:00-08:00")), 0.0, 10));
    track.extend(walk(t(&format!("{day}T12:14:15-08:00")), 0.0, 2_000.0, 1.3));
    track.extend(stand(t(&format!("{day}T12:40:00-08:00")), 2_000.0, 30));
    e.record_locations(&track).unwrap();
    let (start, end) = (t(&format!("{day}T08:00:00-08:00")), t(&format!("{day}T09:00:00-08:00")));
    e.record_steps(StepSample::Interval { start, end, steps: 6_543 }).unwrap();
    for i in e.offers(t(&format!("{day}T13:30:00-08:00"))).unwrap() {
        e.presented(i.id, t(&format!("{day}T13:30:00-08:00"))).unwrap();
    }
    e.tick(t(&format!("{day}T23:00:00-08:00"))).unwrap();
}

/// A week of busy days with every purpose granted; returns the payloads by
/// (purpose, day).
fn busy_week(e: &Engine, k: &Key) -> Vec<(Purpose, String, Value)> {
    let o = offer("boutique-20", json!({"caps": {"per_day": 1}}));
    e.load_catalog(&signed(&catalog(1, vec![merchant("boutique", 0.0, vec![o])]), k), t("2026-11-20T09:00:00-08:00"))
        .unwrap();
    e.tick(t("2026-11-22T09:00:00-08:00")).unwrap();
    for p in Purpose::ALL {
        e.set_consent(p, true, "2026-11", t("2026-11-22T09:00:00-08:00")).unwrap();
    }
    for d in 23..=29 {
        busy_day(e, &format!("2026-11-{d}"));
    }
    e.tick(t("2026-11-30T02:00:00-08:00")).unwrap();
    e.outbox()
        .unwrap()
        .into_iter()
        .map(|o| (o.purpose.unwrap(), o.day.unwrap(), serde_json::from_str(&o.payload).unwrap()))
        .collect()
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

const ON: LocalPrivacy =
    LocalPrivacy { activity_epsilon: Some(1.0), visits_epsilon: Some(2.0), offers_epsilon: Some(0.5) };

#[test]
fn off_by_default_the_summaries_are_exactly_as_before() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_in(dir.path(), &k, LocalPrivacy::default(), None);
    let week = busy_week(&e, &k);
    assert_eq!(week.len(), 21);
    for (p, d, v) in &week {
        let expected = match p {
            Purpose::Activity => json!({"steps": 6_500, "goal_met": false}),
            Purpose::Visits => json!({"merchants": [{"merchant_id": "boutique", "visits": 1, "minutes": 15}]}),
            Purpose::Offers => json!({"offers": [{"offer_id": "boutique-20", "triggered": 1, "presented": 1,
                                                  "redeemed": 0, "dismissed": 0, "held_out": 0}]}),
            Purpose::Social => unreachable!("social has no summary"),
        };
        assert_eq!(v, &expected, "{p:?} {d}");
    }
    assert!(e.privacy_budget(day("2026-01-01"), day("2026-12-31")).unwrap().is_empty());
}

#[test]
fn on_with_a_seed_noises_records_the_budget_once_and_erase_forgets_it() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let week = {
        let e = engine_in(dir.path(), &k, ON, Some(2026));
        busy_week(&e, &k)
    };
    // Same inputs, same seed: the same noise (replays stay deterministic).
    let (dir2, k2) = (tempfile::tempdir().unwrap(), key());
    assert_eq!(week, busy_week(&engine_in(dir2.path(), &k2, ON, Some(2026)), &k2));

    assert_eq!(week.len(), 21, "one summary per purpose-day, noise or not");
    let mut exact_steps = 0;
    for (p, d, v) in &week {
        assert_eq!(v["noise"], json!({"mechanism": "geometric", "epsilon": ON.epsilon(*p).unwrap()}), "{p:?} {d}");
        let counts: Vec<i64> = match p {
            Purpose::Activity => vec![v["steps"].as_i64().unwrap()],
            Purpose::Visits => {
                vec![v["merchants"][0]["visits"].as_i64().unwrap(), v["merchants"][0]["minutes"].as_i64().unwrap()]
            }
            Purpose::Offers => ["triggered", "presented", "redeemed", "dismissed", "held_out"]
                .iter()
                .map(|f| v["offers"][0][f].as_i64().unwrap())
                .collect(),
            Purpose::Social => unreachable!("social has no summary"),
        };
        assert!(counts.iter().all(|c| *c >= 0), "{p:?} {d}: {v}");
        if *p == Purpose::Activity {
            assert_eq!(counts[0] % 100, 0);
            exact_steps += i32::from(counts[0] == 6_500);
        }
        if *p == Purpose::Visits {
            assert_eq!(counts[1] % 15, 0);
            assert_eq!(v["merchants"][0]["merchant_id"], "boutique");
        }
    }
    assert!(exact_steps < 7, "steps are noised: not every day shows the true 6,500");

    // The budget: one entry per purpose-day, kept across reopen.
    let e = engine_in(dir.path(), &k, ON, Some(2026));
    let budget = e.privacy_budget(day("2026-11-23"), day("2026-11-29")).unwrap();
    assert_eq!(budget.len(), 21);
    for p in Purpose::SUMMARISED {
        let of: Vec<_> = budget.iter().filter(|b| b.purpose == p).collect();
        assert_eq!(of.len(), 7, "{p:?}");
        assert!(of.iter().all(|b| b.epsilon == ON.epsilon(p).unwrap() && b.mechanism == "geometric"));
    }
    assert_eq!(e.privacy_budget(day("2026-11-24"), day("2026-11-24")).unwrap().len(), 3, "inclusive range");
    // Ticking on does not spend it again for days already summarised.
    e.tick(t("2026-11-30T20:00:00-08:00")).unwrap();
    assert_eq!(e.privacy_budget(day("2026-01-01"), day("2026-12-31")).unwrap().len(), 21);

    let doc: Value = serde_json::from_str(&e.export_profile().unwrap()).unwrap();
    let exported = doc["privacy_budget"].as_array().unwrap();
    assert_eq!(exported.len(), 21);
    assert_eq!(exported[0]["day"], "2026-11-23");
    assert_eq!(exported[0]["mechanism"], "geometric");

    e.erase_all(t("2026-11-30T21:00:00-08:00")).unwrap();
    assert!(e.privacy_budget(day("2026-01-01"), day("2026-12-31")).unwrap().is_empty());
}

#[test]
fn a_purpose_without_epsilon_is_not_noised() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let only_offers = LocalPrivacy { offers_epsilon: Some(1.0), ..Default::default() };
    let e = engine_in(dir.path(), &k, only_offers, Some(1));
    for (p, _, v) in busy_week(&e, &k) {
        assert_eq!(v.get("noise").is_some(), p == Purpose::Offers, "{p:?}: {v}");
    }
    let budget = e.privacy_budget(day("2026-01-01"), day("2026-12-31")).unwrap();
    assert!(budget.len() == 7 && budget.iter().all(|b| b.purpose == Purpose::Offers));
}

#[test]
fn invalid_epsilons_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 10.01] {
        let mut cfg = EngineConfig::new(dir.path(), TZ);
        cfg.local_privacy.activity_epsilon = Some(bad);
        match Engine::open(cfg) {
            Err(KairosError::InvalidInput { reason }) => {
                assert!(reason.contains("epsilon of activity"), "{bad}: {reason}")
            }
            other => panic!("{bad}: {:?}", other.map(|_| ())),
        }
    }
}
