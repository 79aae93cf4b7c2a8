//! Social proof end to end (purpose `social`): the engine against the real
//! backend on loopback, its friends driven over the API. The counts reach
//! the engine only through a sync, are kept sealed, drive the
//! `friends_visited` rule and the `{friends_visited}` text, leave with the
//! consent, and never say who.

#![forbid(unsafe_code)]

use kairos_backend::clock::Clock;
use kairos_backend::friend::Friend;
use kairos_backend::limits::ServerLimits;
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::{SqliteStorage, Storage};
use kairos_core::privacy::{InviteRefusal, Purpose};
use kairos_core::sync::SyncOptions;
use kairos_core::{EventKind, KairosError, LocationFix, Timestamp};
use kairos_e2e::catalog::{config, KEY_ID};
use kairos_e2e::t;
use serde_json::json;
use std::sync::Arc;

const DAY: &str = "2026-11-28";

struct Backend {
    server: RunningServer,
    storage: Arc<dyn Storage>,
    _dir: tempfile::TempDir,
}

async fn backend() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir.path().join("b.db")).unwrap());
    let server = ServerBuilder::new(storage.clone())
        .limits(ServerLimits::unmetered())
        .clock(Clock::on_day(DAY.parse().unwrap()))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    Backend { server, storage, _dir: dir }
}

fn options(url: &str) -> SyncOptions {
    SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(url) }
}

/// A boutique whose offer counts friends in its title, and a shop whose
/// offer is only for shoppers with at least 3 friends who went there.
fn catalog() -> Vec<u8> {
    let place = |id: &str, lat: f64| json!({"id": id, "fence": {"type": "circle", "lat": lat, "lon": -121.946, "radius_m": 60}});
    let doc = json!({
        "version": 1, "issued_at": "2026-11-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z",
        "merchants": [
            {"id": "boutique", "name": "Boutique", "category": "fashion", "time_zone": "America/Los_Angeles",
             "places": [place("boutique-1", 37.3256)],
             "offers": [{"id": "boutique-20", "title": "{friends_visited} of your friends shopped here: 20% off",
                         "fallback_text": {"title": "20% off your first visit"},
                         "trigger": {"type": "enter"}, "claim_window_minutes": 60}]},
            {"id": "shop", "name": "Shop", "category": "fashion", "time_zone": "America/Los_Angeles",
             "places": [place("shop-1", 37.3356)],
             "offers": [{"id": "shop-10", "title": "10% off", "trigger": {"type": "enter"}, "claim_window_minutes": 60,
                         "targeting": {"friends_visited": {"min": 3}}}]}
        ]
    });
    let key = kairos_core::catalog::keypair_from_pkcs8(include_bytes!("../catalogs/test-key.pk8")).unwrap();
    kairos_core::catalog::sign(doc.to_string().as_bytes(), KEY_ID, &key)
}

/// Walks from 500 m south into the place at `lat`, from `at`.
fn walk_in(e: &kairos_core::Engine, lat: f64, at: Timestamp) -> Vec<EventKind> {
    let mut kinds = Vec::new();
    for i in 0..=40 {
        let f = LocationFix {
            at: at.plus_millis(i * 15_000),
            lat: lat - 0.0045 + 0.0045 * (i.min(30) as f64 / 30.0),
            lon: -121.946,
            accuracy_m: 10.0,
            speed_mps: Some(1.3),
        };
        kinds.extend(e.record_location(f).unwrap().into_iter().map(|ev| ev.kind));
    }
    kinds
}

fn titles(kinds: &[EventKind]) -> Vec<(String, String)> {
    kinds
        .iter()
        .filter_map(|k| match k {
            EventKind::OfferTriggered { offer_id, title, .. } => Some((offer_id.clone(), title.clone())),
            _ => None,
        })
        .collect()
}

/// An engine holding visits, offers and social since `at`, with the catalog.
fn shopper(dir: &std::path::Path, id: &str, at: Timestamp) -> kairos_core::Engine {
    let e = kairos_core::Engine::open(config(dir, id)).unwrap();
    for p in [Purpose::Visits, Purpose::Offers, Purpose::Social] {
        e.set_consent(p, true, "2026-10", at).unwrap();
    }
    e.load_catalog(&catalog(), at).unwrap();
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friends_counts_arrive_at_sync_sealed_and_fill_the_offer_text_and_targeting() {
    let b = backend().await;
    let url = b.server.url();
    let dir = tempfile::tempdir().unwrap();
    let morning = t("2026-11-28T09:00:00-08:00");
    let e = shopper(dir.path(), "0123456789abcdef0123456789abcde1", morning);
    let mut friends = Vec::new();
    for visited in [vec!["boutique", "shop"], vec!["boutique", "shop"], vec!["boutique"]] {
        let f = Friend::register(b.server.addr(), "2026-10-01").await.unwrap();
        for m in visited {
            f.visit(m, "2026-11-20").await.unwrap();
        }
        e.accept_friend_invite(&options(&url), &f.invite().await.unwrap()).await.unwrap();
        friends.push(f);
    }
    assert!(e.friend_counts().unwrap().is_none(), "nothing before a sync");
    let report = e.sync(&options(&url), morning.plus_millis(60_000)).await.unwrap();
    assert_eq!(report.friend_counts, Some(2), "{report:?}");
    let counts = e.friend_counts().unwrap().unwrap();
    assert_eq!(counts.merchants.into_iter().collect::<Vec<_>>(), vec![("boutique".into(), 3), ("shop".into(), 2)]);

    // The text: three friends. The shop's rule asks 3: its count is 2.
    let boutique = walk_in(&e, 37.3256, t("2026-11-28T10:00:00-08:00"));
    assert_eq!(titles(&boutique), vec![("boutique-20".into(), "3 of your friends shopped here: 20% off".into())]);
    let shop = walk_in(&e, 37.3356, t("2026-11-28T12:00:00-08:00"));
    assert!(titles(&shop).is_empty(), "{shop:?}");

    // The export shows them; no friend is named anywhere in it.
    let export = e.export_profile().unwrap();
    let v: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(v["friend_counts"]["merchants"], json!({"boutique": 3, "shop": 2}));
    for f in &friends {
        assert!(!export.contains(&f.install_id));
    }
    // Sealed at rest: the merchant's count is not in the database files.
    drop(e);
    let needle = br#""boutique":3"#;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the counts are sealed");
    }
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawing_social_forgets_the_counts_and_its_deletion_unlinks_on_the_backend() {
    let b = backend().await;
    let url = b.server.url();
    let dir = tempfile::tempdir().unwrap();
    let morning = t("2026-11-28T09:00:00-08:00");
    let id = "0123456789abcdef0123456789abcde2";
    let e = shopper(dir.path(), id, morning);
    for _ in 0..2 {
        let f = Friend::register(b.server.addr(), "2026-10-01").await.unwrap();
        f.visit("boutique", "2026-11-27").await.unwrap();
        e.accept_friend_invite(&options(&url), &f.invite().await.unwrap()).await.unwrap();
    }
    e.sync(&options(&url), morning).await.unwrap();
    assert!(e.friend_counts().unwrap().is_some());

    let change = e.set_consent(Purpose::Social, false, "2026-10", morning.plus_millis(60_000)).unwrap();
    assert!(change.deletion_queued);
    assert!(e.friend_counts().unwrap().is_none(), "forgotten with the consent");
    let boutique = walk_in(&e, 37.3256, t("2026-11-28T10:00:00-08:00"));
    assert_eq!(titles(&boutique), vec![("boutique-20".into(), "20% off your first visit".into())]);
    let report = e.sync(&options(&url), morning.plus_millis(120_000)).await.unwrap();
    assert_eq!((report.deletions_sent, report.friend_counts), (1, None), "{report:?}");
    let held = b.storage.held_by(id.into()).await.unwrap();
    assert!(held.friends.is_empty() && held.social_consented_on.is_none(), "{held:?}");

    // Without `social`, nothing social is sent.
    let refused = e.create_friend_invite(&options(&url)).await.unwrap_err();
    assert_eq!(refused, KairosError::ConsentRequired { purpose: Purpose::Social });
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_between_two_engines_link_them_and_refusals_are_typed() {
    let b = backend().await;
    let url = b.server.url();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let at = t("2026-11-28T09:00:00-08:00");
    let a = shopper(d1.path(), "0123456789abcdef0123456789abcde3", at);
    let c = shopper(d2.path(), "0123456789abcdef0123456789abcde4", at);
    let invite = a.create_friend_invite(&options(&url)).await.unwrap();
    assert_eq!((invite.code.len(), invite.expires_on.to_string()), (12, "2026-12-05".to_string()));
    let own = a.accept_friend_invite(&options(&url), &invite.code).await.unwrap_err();
    assert_eq!(own, KairosError::FriendInviteRefused { refusal: InviteRefusal::OwnInvite });
    c.accept_friend_invite(&options(&url), &invite.code).await.unwrap();
    let again = c.accept_friend_invite(&options(&url), &invite.code).await.unwrap_err();
    assert_eq!(again, KairosError::FriendInviteRefused { refusal: InviteRefusal::Used });
    let unknown = c.accept_friend_invite(&options(&url), "ABCD-EFGH-JKMN").await.unwrap_err();
    assert_eq!(unknown, KairosError::FriendInviteRefused { refusal: InviteRefusal::Unknown });
    let held = b.storage.held_by("0123456789abcdef0123456789abcde3".into()).await.unwrap();
    assert_eq!(held.friends, vec!["0123456789abcdef0123456789abcde4".to_string()]);
    b.server.shutdown().await.unwrap();
}
