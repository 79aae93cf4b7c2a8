//! Offers through the engine: triggers, lifecycle, claim windows across a
//! restart, catalogs refused whole, holdout, ranking, wake regions.

mod offer_common;

use kairos_core::{Engine, EngineConfig, EventKind, KairosError};
use offer_common::*;
use serde_json::json;

/// Walks from 300 m west, through the shop at the origin, to 300 m east.
fn pass_the_shop(e: &Engine, start: &str) -> Vec<kairos_core::Event> {
    e.record_locations(&walk(t(start), -300.0, 300.0, 1.3)).unwrap().events
}

#[test]
fn enter_triggers_once_and_the_lifecycle_is_checked() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let info = e
        .load_catalog(
            &signed(&catalog(1, vec![merchant("boutique", 0.0, vec![offer("o20", json!({}))])]), &k),
            t("2026-11-24T09:00:00-08:00"),
        )
        .unwrap();
    assert_eq!((info.version, info.offers, info.fences), (1, 1, 1));
    let events = pass_the_shop(&e, "2026-11-24T10:30:00-08:00");
    assert_eq!(offer_events(&events), vec![("offer_triggered".into(), "o20".into(), String::new())]);
    let kinds: Vec<_> =
        events.iter().map(|e| serde_json::to_value(e).unwrap()["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "fence_entered").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "fence_exited").count(), 1);

    let id = triggered_id(&events);
    let now = t("2026-11-24T10:40:00-08:00");
    let open = e.offers(now).unwrap();
    assert_eq!(open.len(), 1);
    // The claim window runs 3 hours from the trigger, not from the catalog.
    assert_eq!(open[0].expires_at.since(open[0].triggered_at), 3 * 3_600_000);
    e.presented(id, now).unwrap();
    e.presented(id, now).unwrap(); // harmless repeat
    let r = e.redeemed(id, t("2026-11-24T11:05:00-08:00")).unwrap();
    assert_eq!(r.state, kairos_core::offers::OfferState::Redeemed);
    let again = e.dismissed(id, t("2026-11-24T11:06:00-08:00")).unwrap_err();
    assert!(matches!(again, KairosError::InvalidOfferTransition { .. }), "{again}");
    assert!(again.to_string().contains("already redeemed"), "{again}");
    assert!(matches!(e.redeemed(999, now), Err(KairosError::UnknownOffer { instance_id: 999 })));
    assert!(e.offers(now).unwrap().is_empty());
    // Redeemed offers never fire again, even on another day.
    let events = pass_the_shop(&e, "2026-11-25T12:00:00-08:00");
    assert_eq!(offer_events(&events), vec![("offer_suppressed".into(), "o20".into(), "already_redeemed".into())]);
}

#[test]
fn claim_window_expires_at_the_right_instant_across_a_restart() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let id;
    {
        let e = engine_with(dir.path(), &k);
        let doc = catalog(1, vec![merchant("boutique", 0.0, vec![offer("o20", json!({"claim_window_minutes": 60}))])]);
        e.load_catalog(&signed(&doc, &k), t("2026-11-24T09:00:00-08:00")).unwrap();
        id = triggered_id(&pass_the_shop(&e, "2026-11-24T10:30:00-08:00"));
    }
    let e = engine_with(dir.path(), &k);
    assert_eq!(e.catalog_info().unwrap().version, 1, "the catalog is restored at open");
    let offer = &e.offers(t("2026-11-24T11:00:00-08:00")).unwrap()[0];
    let expires = offer.expires_at;
    let ev = e.tick(expires.plus_millis(-1)).unwrap();
    assert!(offer_events(&ev).is_empty());
    let ev = e.tick(expires.plus_millis(30_000)).unwrap();
    let expired: Vec<_> = ev
        .iter()
        .filter(|e| matches!(e.kind, EventKind::OfferExpired { instance_id, .. } if instance_id == id))
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].at, expires, "reported at the end of the window, not at the tick");
    assert!(matches!(e.redeemed(id, expires), Err(KairosError::InvalidOfferTransition { .. })));
}

#[test]
fn claim_window_ends_early_with_the_offer() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let o = offer("o20", json!({"schedule": {"valid_until": "2026-11-24T11:00:00-08:00"}}));
    e.load_catalog(&signed(&catalog(1, vec![merchant("b", 0.0, vec![o])]), &k), t("2026-11-24T09:00:00-08:00"))
        .unwrap();
    pass_the_shop(&e, "2026-11-24T10:30:00-08:00");
    let open = e.offers(t("2026-11-24T10:40:00-08:00")).unwrap();
    assert_eq!(open[0].expires_at, t("2026-11-24T11:00:00-08:00"));
}

#[test]
fn bad_catalogs_are_refused_whole_and_the_old_one_stays() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let now = t("2026-11-24T09:00:00-08:00");
    e.load_catalog(&signed(&catalog(2, vec![merchant("b", 0.0, vec![offer("o", json!({}))])]), &k), now).unwrap();
    let other = key();
    let mut tampered: serde_json::Value = serde_json::from_slice(&signed(&catalog(3, vec![]), &k)).unwrap();
    tampered["payload"] =
        json!(base64_of(&serde_json::to_vec(&catalog(3, vec![merchant("evil", 0.0, vec![])])).unwrap()));
    let mut expired = catalog(3, vec![]);
    expired["expires_at"] = json!("2026-11-01T00:00:00Z");
    let mut bad_tz = catalog(3, vec![merchant("b", 0.0, vec![])]);
    bad_tz["merchants"][0]["time_zone"] = json!("Mars/Base");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not json", b"{nope".to_vec()),
        ("unknown key", signed(&catalog(3, vec![]), &other).to_vec().replace_key_id()),
        ("wrong signature", signed(&catalog(3, vec![]), &other)),
        ("tampered payload", serde_json::to_vec(&tampered).unwrap()),
        ("expired", signed(&expired, &k)),
        ("older version", signed(&catalog(1, vec![]), &k)),
        ("bad time zone", signed(&bad_tz, &k)),
    ];
    for (what, bytes) in cases {
        let err = e.load_catalog(&bytes, now).unwrap_err();
        assert!(matches!(err, KairosError::InvalidCatalog { .. }), "{what}: {err}");
        let info = e.catalog_info().unwrap();
        assert_eq!((info.version, info.offers), (2, 1), "{what}: the old catalog stays");
    }
    // And it still works.
    assert_eq!(offer_events(&pass_the_shop(&e, "2026-11-24T10:30:00-08:00")).len(), 1);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

trait ReplaceKeyId {
    fn replace_key_id(self) -> Vec<u8>;
}
impl ReplaceKeyId for Vec<u8> {
    fn replace_key_id(self) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_slice(&self).unwrap();
        v["key_id"] = json!("k9");
        serde_json::to_vec(&v).unwrap()
    }
}

#[test]
fn a_held_out_install_never_sees_the_offer_but_it_is_recorded() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let o = offer("o20", json!({"holdout_percent": 100.0}));
    e.load_catalog(&signed(&catalog(1, vec![merchant("b", 0.0, vec![o])]), &k), t("2026-11-24T09:00:00-08:00"))
        .unwrap();
    let ev = pass_the_shop(&e, "2026-11-24T10:30:00-08:00");
    assert_eq!(offer_events(&ev), vec![("offer_held_out".into(), "o20".into(), String::new())]);
    assert!(e.offers(t("2026-11-24T10:40:00-08:00")).unwrap().is_empty());
    let history = e.offer_history(t("2026-11-24T00:00:00-08:00"), t("2026-11-25T00:00:00-08:00")).unwrap();
    assert_eq!(history[0].state, kairos_core::offers::OfferState::HeldOut);
}

#[test]
fn with_catalog_priority_ranking_the_higher_priority_offer_wins_and_the_other_is_outranked() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let mut cfg = kairos_core::EngineConfig::new(dir.path(), TZ);
    cfg.catalog_keys = vec![("k1".into(), k.public.clone())];
    cfg.install_id = Some("install-test".into());
    cfg.relevance.ranking = kairos_core::offers::Ranking::CatalogPriority;
    let e = kairos_core::Engine::open(cfg).unwrap();
    let m = merchant("b", 0.0, vec![offer("low", json!({"priority": 1})), offer("high", json!({"priority": 5}))]);
    e.load_catalog(&signed(&catalog(1, vec![m]), &k), t("2026-11-24T09:00:00-08:00")).unwrap();
    let ev = pass_the_shop(&e, "2026-11-24T10:30:00-08:00");
    assert_eq!(
        offer_events(&ev),
        vec![
            ("offer_triggered".into(), "high".into(), String::new()),
            ("offer_suppressed".into(), "low".into(), "outranked".into())
        ]
    );
}

#[test]
fn dwell_fires_after_n_minutes_and_not_for_a_short_stay() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let m = merchant("b", 0.0, vec![offer("d5", json!({"trigger": {"type": "dwell", "minutes": 5}}))]);
    e.load_catalog(&signed(&catalog(1, vec![m]), &k), t("2026-11-24T09:00:00-08:00")).unwrap();
    // Three minutes inside, then away: nothing.
    let mut track = walk(t("2026-11-24T10:30:00-08:00"), -200.0, 0.0, 1.3);
    track.extend(stand(t("2026-11-24T10:33:00-08:00"), 0.0, 3));
    track.extend(walk(t("2026-11-24T10:36:15-08:00"), 0.0, 300.0, 1.3));
    assert!(offer_events(&e.record_locations(&track).unwrap().events).is_empty());
    // Eight minutes inside: it fires once, after five.
    let mut track = walk(t("2026-11-24T12:00:00-08:00"), 300.0, 0.0, 1.3);
    track.extend(stand(t("2026-11-24T12:04:00-08:00"), 0.0, 8));
    let ev = e.record_locations(&track).unwrap().events;
    assert_eq!(offer_events(&ev).len(), 1);
    let fired = ev.iter().find(|x| matches!(x.kind, EventKind::OfferTriggered { .. })).unwrap();
    assert!(fired.at >= t("2026-11-24T12:08:00-08:00") && fired.at <= t("2026-11-24T12:10:00-08:00"), "{:?}", fired.at);
}

#[test]
fn wake_regions_are_the_nearest_places() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    assert!(e.wake_regions(34.05, -118.25, 5).unwrap().is_empty(), "no catalog, no regions");
    let ms = (0..30).map(|i| merchant(&format!("m{i}"), i as f64 * 500.0, vec![])).collect();
    e.load_catalog(&signed(&catalog(1, ms), &k), t("2026-11-24T09:00:00-08:00")).unwrap();
    let (lat, lon) = at_xy(4_100.0, 0.0);
    let regions = e.wake_regions(lat, lon, 3).unwrap();
    let ids: Vec<_> = regions.iter().map(|r| r.place_id.as_str()).collect();
    assert_eq!(ids, ["m8-place", "m9-place", "m7-place"]);
    assert!((regions[0].radius_m - 40.0).abs() < 1e-6);
    assert!(matches!(e.wake_regions(f64::NAN, 0.0, 3), Err(KairosError::InvalidFix { .. })));
}

#[test]
fn a_catalog_signed_by_a_key_the_engine_does_not_know_is_refused_at_open_too() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    {
        let e = engine_with(dir.path(), &k);
        e.load_catalog(&signed(&catalog(1, vec![merchant("b", 0.0, vec![])]), &k), t("2026-11-24T09:00:00-08:00"))
            .unwrap();
    }
    // The app rotated its keys away from k1: the stored catalog is not used.
    let mut cfg = EngineConfig::new(dir.path(), TZ);
    cfg.catalog_keys = vec![("k2".into(), key().public)];
    let e = Engine::open(cfg).unwrap();
    assert!(e.catalog_info().is_none());
}

/// Signs `doc` with its version written first, as the backend writes it
/// (the engine then stores the signed bytes while it reads the rest).
fn signed_version_first(doc: &serde_json::Value, k: &Key) -> Vec<u8> {
    let mut rest = doc.clone();
    let version = rest.as_object_mut().unwrap().remove("version").unwrap();
    let rest = serde_json::to_string(&rest).unwrap();
    let bytes = format!("{{\"version\":{version},{}", &rest[1..]).into_bytes();
    kairos_core::catalog::sign(&bytes, "k1", &kairos_core::catalog::keypair_from_pkcs8(&k.pkcs8).unwrap())
}

#[test]
fn a_refused_catalog_leaves_the_stored_one_in_force_across_a_restart() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let now = t("2026-11-24T09:00:00-08:00");
    {
        let e = engine_with(dir.path(), &k);
        let v2 = catalog(2, vec![merchant("b", 0.0, vec![offer("o", json!({}))])]);
        assert_eq!(e.load_catalog(&signed_version_first(&v2, &k), now).unwrap().version, 2);
        let mut bad_tz = catalog(3, vec![merchant("b", 0.0, vec![]), merchant("c", 500.0, vec![])]);
        bad_tz["merchants"][1]["time_zone"] = json!("Mars/Base");
        let cases = [
            ("older version", signed_version_first(&catalog(1, vec![]), &k)),
            ("bad time zone", signed_version_first(&bad_tz, &k)),
            ("bad time zone, version last", signed(&bad_tz, &k)),
        ];
        for (what, bytes) in cases {
            let err = e.load_catalog(&bytes, now).unwrap_err();
            assert!(matches!(err, KairosError::InvalidCatalog { .. }), "{what}: {err}");
            assert_eq!(e.catalog_info().unwrap().version, 2, "{what}");
        }
        // A later write runs the checkpoint the load left for it.
        pass_the_shop(&e, "2026-11-24T10:30:00-08:00");
    }
    let e = engine_with(dir.path(), &k);
    let info = e.catalog_info().unwrap();
    assert_eq!((info.version, info.offers, info.fences), (2, 1, 1), "the stored catalog is the one in force");
    // A newer one, version first or last, replaces it, and is restored at open.
    let v4 = catalog(4, vec![merchant("b", 0.0, vec![offer("o", json!({})), offer("p", json!({}))])]);
    e.load_catalog(&signed_version_first(&v4, &k), now).unwrap();
    drop(e);
    assert_eq!(engine_with(dir.path(), &k).catalog_info().unwrap().offers, 2);
    let v5 = catalog(5, vec![merchant("b", 0.0, vec![])]);
    engine_with(dir.path(), &k).load_catalog(&signed(&v5, &k), now).unwrap();
    assert_eq!(engine_with(dir.path(), &k).catalog_info().unwrap().version, 5);
}

#[test]
fn a_large_catalog_read_in_batches_maps_every_fence_to_its_place() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let now = t("2026-11-24T09:00:00-08:00");
    // More places than one batch of place ids; every 100th merchant has an offer.
    let catalog_of = |version, n: usize| {
        let ms = (0..n)
            .map(|i| {
                let offers = if i % 100 == 7 { vec![offer(&format!("o{i}"), json!({}))] } else { vec![] };
                merchant(&format!("m{i}"), i as f64 * 200.0, offers)
            })
            .collect();
        catalog(version, ms)
    };
    let check = |e: &Engine, places: &[usize]| {
        for &i in places {
            let (lat, lon) = at_xy(i as f64 * 200.0, 0.0);
            let nearest = e.wake_regions(lat, lon, 1).unwrap();
            assert_eq!(nearest[0].place_id, format!("m{i}-place"));
        }
    };
    {
        let e = engine_with(dir.path(), &k);
        let info = e.load_catalog(&signed_version_first(&catalog_of(1, 4_321), &k), now).unwrap();
        assert_eq!((info.fences, info.offers), (4_321, 44));
        check(&e, &[0, 1, 1_999, 2_000, 2_001, 4_320]);
        // A walk through an offer's shop far down the document fires it.
        let x = 3_507.0 * 200.0;
        let ev = e.record_locations(&walk(t("2026-11-24T10:30:00-08:00"), x - 300.0, x + 300.0, 1.3)).unwrap();
        assert_eq!(offer_events(&ev.events).len(), 1);
    }
    let e = engine_with(dir.path(), &k);
    check(&e, &[3, 2_500, 4_320]);
    // A newer catalog keeping some places and adding others.
    e.load_catalog(&signed_version_first(&catalog_of(2, 5_000), &k), now).unwrap();
    check(&e, &[0, 2_000, 4_320, 4_321, 4_999]);
}

#[test]
fn a_shop_stayed_in_before_its_fence_arrived_is_the_merchants_once_the_catalog_brings_it_even_after_a_restart() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let far = || merchant("far", 5_000.0, vec![offer("far-offer", json!({}))]);
    let shop = || merchant("bakery", 0.0, vec![offer("fresh", json!({}))]);
    {
        let e = engine_with(dir.path(), &k);
        // The catalog in force does not know the bakery yet (a tile not
        // held, or a shop listed later): ten minutes in it make a place.
        e.load_catalog(&signed(&catalog(1, vec![far()]), &k), t("2026-11-24T09:00:00-08:00")).unwrap();
        let mut fixes = walk(t("2026-11-24T10:20:00-08:00"), -300.0, 0.0, 1.3);
        fixes.extend(stand(t("2026-11-24T10:24:00-08:00"), 0.0, 10));
        fixes.extend(walk(t("2026-11-24T10:35:00-08:00"), 0.0, 600.0, 1.3));
        let events = e.record_locations(&fixes).unwrap().events;
        assert!(events.iter().any(|ev| matches!(ev.kind, EventKind::VisitEnded { .. })), "{events:?}");
        e.load_catalog(&signed(&catalog(2, vec![far(), shop()]), &k), t("2026-11-24T11:30:00-08:00")).unwrap();
        let events = pass_the_shop(&e, "2026-11-24T12:00:00-08:00");
        assert_eq!(offer_events(&events), vec![("offer_triggered".into(), "fresh".into(), String::new())]);
    }
    // Reopened, the stored catalog decides the same again.
    let e = engine_with(dir.path(), &k);
    let events = pass_the_shop(&e, "2026-11-25T12:00:00-08:00");
    let entered = events.iter().filter(|ev| matches!(ev.kind, EventKind::FenceEntered { .. })).count();
    assert_eq!(entered, 1, "{events:?}");
}
