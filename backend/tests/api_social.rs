//! The social endpoints (purpose `social`): invitations, friend links and
//! friends' visit counts, on every storage, with hostile input.

mod common;

use axum::http::Method;
use chrono::NaiveDate;
use common::{assert_error, backends, Api};
use kairos_backend::client::Reply;
use kairos_backend::clock::Clock;
use kairos_backend::limits::{RateLimit, ServerLimits};
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::Storage;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const TODAY: &str = "2026-11-28";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A server whose social endpoints judge by `today`.
async fn start_on(storage: &Arc<dyn Storage>, today: &str) -> RunningServer {
    ServerBuilder::new(storage.clone()).clock(Clock::on_day(day(today))).bind("127.0.0.1:0").await.unwrap()
}

async fn post(api: &Api, path: &str, body: Value) -> Reply {
    api.send(Method::POST, path, &[("content-type", "application/json")], body.to_string().into_bytes()).await
}

/// A new invite code of `api` (holding `social` since October).
async fn invite(api: &Api) -> String {
    let reply = post(api, "/v1/social/invites", json!({"consented_on": "2026-10-01"})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()["code"].as_str().unwrap().to_owned()
}

async fn accept(api: &Api, code: &str) -> Reply {
    post(api, "/v1/social/invites/accept", json!({"consented_on": "2026-10-02", "code": code})).await
}

async fn counts(api: &Api) -> Value {
    let reply = post(api, "/v1/social/counts", json!({"consented_on": "2026-10-02"})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()["merchants"].clone()
}

/// `api` visited `merchant` on `day` (a `visits` summary).
async fn visit(api: &Api, merchant: &str, day: &str) {
    let batch = json!({"batch": [{"purpose": "visits", "day": day, "data": {"merchants": [
        {"merchant_id": merchant, "visits": 1, "minutes": 30}]}}]});
    assert_eq!(api.upload(&format!("{merchant}-{day}"), &batch).await.status, 200);
}

/// `a` invites, `b` accepts.
async fn link(a: &Api, b: &Api) {
    let code = invite(a).await;
    assert_eq!(accept(b, &code).await.json(), json!({"linked": true}));
}

#[tokio::test]
async fn friends_see_how_many_of_them_visited_a_merchant_from_two_on_never_who() {
    for b in backends().await {
        let server = start_on(&b.storage, TODAY).await;
        let shopper = Api::register(server.addr()).await;
        let mut friends = Vec::new();
        for _ in 0..3 {
            let f = Api::register(server.addr()).await;
            link(&f, &shopper).await;
            friends.push(f);
        }
        let stranger = Api::register(server.addr()).await;
        visit(&stranger, "maison-lumiere", "2026-11-27").await;
        visit(&stranger, "maison-lumiere", "2026-11-26").await;

        visit(&friends[0], "maison-lumiere", "2026-11-20").await;
        visit(&friends[0], "maison-lumiere", "2026-11-21").await;
        assert_eq!(counts(&shopper).await, json!([]), "{}: one friend (twice) is below the threshold", b.name);

        visit(&friends[1], "maison-lumiere", "2026-11-01").await;
        // 40 days ago: outside the 30-day window.
        visit(&friends[2], "maison-lumiere", "2026-10-19").await;
        visit(&friends[2], "fresh-market", "2026-11-27").await;
        let reply = post(&shopper, "/v1/social/counts", json!({"consented_on": "2026-10-02"})).await;
        assert_eq!(
            reply.json(),
            json!({"window_days": 30, "min_friends": 2, "merchants": [{"merchant_id": "maison-lumiere", "friends": 2}]}),
            "{}",
            b.name
        );
        let text = String::from_utf8_lossy(&reply.body).to_string();
        for f in &friends {
            assert!(!text.contains(&f.install_id), "{}: the answer names no friend", b.name);
        }
        visit(&friends[2], "maison-lumiere", "2026-11-25").await;
        assert_eq!(counts(&shopper).await, json!([{"merchant_id": "maison-lumiere", "friends": 3}]), "{}", b.name);

        // Links are symmetric: a friend sees the shopper's friends only
        // through her own links (the shopper visited nothing).
        assert_eq!(counts(&friends[0]).await, json!([]), "{}", b.name);
        let held = b.storage.held_by(friends[0].install_id.clone()).await.unwrap();
        assert_eq!(held.friends, vec![shopper.install_id.clone()], "{}", b.name);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn hostile_invitations_are_refused_and_change_nothing() {
    for b in backends().await {
        let server = start_on(&b.storage, TODAY).await;
        let (a, c, d) = (
            Api::register(server.addr()).await,
            Api::register(server.addr()).await,
            Api::register(server.addr()).await,
        );
        let code = invite(&a).await;
        assert_eq!(code.len(), 12);
        assert_error(&accept(&a, &code).await, 400, "own_invite");
        assert_error(&accept(&c, "0000-0000-0000").await, 404, "unknown_invite");
        for bad in ["", "short", "ILOU-ILOU-ILOU", "0000-0000-0000-0", "../../etc/passwd"] {
            assert_error(&accept(&c, bad).await, 400, "invalid_invite_code");
        }
        // Not holding `social`: the consent day is missing.
        let without = post(&c, "/v1/social/invites/accept", json!({"code": code})).await;
        assert_error(&without, 403, "social_not_granted");
        assert_error(&post(&c, "/v1/social/invites", json!({})).await, 403, "social_not_granted");
        assert_error(&post(&c, "/v1/social/counts", json!({})).await, 403, "social_not_granted");
        assert_error(&post(&c, "/v1/social/counts", json!({"consented_on": "2099-01-01"})).await, 400, "invalid_day");
        assert_error(
            &post(&c, "/v1/social/counts", json!({"consented_on": "2026-10-01", "friend": a.install_id})).await,
            400,
            "unknown_field",
        );
        assert!(b.storage.held_by(c.install_id.clone()).await.unwrap().friends.is_empty(), "{}", b.name);

        // Single use: the second acceptance is refused, by anyone.
        assert_eq!(accept(&c, &code.to_lowercase()).await.json(), json!({"linked": true}));
        assert_error(&accept(&c, &code).await, 409, "invite_used");
        assert_error(&accept(&d, &code).await, 409, "invite_used");
        assert!(b.storage.held_by(d.install_id.clone()).await.unwrap().friends.is_empty(), "{}", b.name);

        // Expired: accepted eight days later, on a server whose day has moved on.
        let old = invite(&a).await;
        let later = start_on(&b.storage, "2026-12-06").await;
        let d_later = Api { addr: later.addr(), ..d.clone() };
        assert_error(&accept(&d_later, &old).await, 410, "invite_expired");
        // Still valid on its seventh day.
        let on_last_day = start_on(&b.storage, "2026-12-05").await;
        assert_eq!(accept(&Api { addr: on_last_day.addr(), ..d.clone() }, &old).await.json(), json!({"linked": true}));
        for s in [server, later, on_last_day] {
            s.shutdown().await.unwrap();
        }
    }
}

#[tokio::test]
async fn withdrawing_social_unlinks_both_ways_forgets_invites_and_the_counts_fall() {
    for b in backends().await {
        let server = start_on(&b.storage, TODAY).await;
        let shopper = Api::register(server.addr()).await;
        let (f1, f2) = (Api::register(server.addr()).await, Api::register(server.addr()).await);
        link(&f1, &shopper).await;
        link(&shopper, &f2).await;
        let pending = invite(&f1).await;
        visit(&f1, "maison-lumiere", "2026-11-27").await;
        visit(&f2, "maison-lumiere", "2026-11-27").await;
        assert_eq!(counts(&shopper).await, json!([{"merchant_id": "maison-lumiere", "friends": 2}]));

        let reply = f1.delete(&json!({"purpose": "social"})).await;
        assert_eq!(reply.json()["deleted"]["social"], json!({"links": 1, "invites": 2}), "{}", b.name);
        let held = b.storage.held_by(f1.install_id.clone()).await.unwrap();
        assert_eq!((held.social_consented_on, held.friends.len(), held.invites), (None, 0, 0), "{}", b.name);
        assert_eq!(held.visits.len(), 1, "{}: its visits stay (purpose visits)", b.name);
        let shopper_held = b.storage.held_by(shopper.install_id.clone()).await.unwrap();
        assert_eq!(shopper_held.friends, vec![f2.install_id.clone()], "{}", b.name);
        assert_eq!(counts(&shopper).await, json!([]), "{}: one friend left", b.name);
        assert_error(&accept(&f2, &pending).await, 404, "unknown_invite");

        // Everything: the install's social rows go with it.
        assert_eq!(f2.delete(&json!({})).await.json()["deleted"]["social"], json!({"links": 1, "invites": 0}));
        assert!(b.storage.held_by(shopper.install_id.clone()).await.unwrap().friends.is_empty(), "{}", b.name);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn social_requests_are_rate_limited_per_install_and_social_has_no_summary() {
    for b in backends().await {
        let limits = ServerLimits {
            requests_per_install: RateLimit { burst: 3, refill: Duration::from_secs(3600) },
            ..ServerLimits::default()
        };
        let server = ServerBuilder::new(b.storage.clone()).limits(limits).bind("127.0.0.1:0").await.unwrap();
        let api = Api::register(server.addr()).await;
        let summary = json!({"batch": [{"purpose": "social", "day": "2026-11-27", "data": {}}]});
        assert_error(&api.upload("s", &summary).await, 400, "invalid_purpose");
        for _ in 0..2 {
            assert_eq!(post(&api, "/v1/social/invites", json!({"consented_on": "2026-10-01"})).await.status, 200);
        }
        let limited = post(&api, "/v1/social/invites", json!({"consented_on": "2026-10-01"})).await;
        assert_error(&limited, 429, "rate_limited");
        assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().invites, 2, "{}", b.name);
        server.shutdown().await.unwrap();
    }
}
