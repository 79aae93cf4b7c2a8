//! `docs/openapi.yaml` against the running server, on loopback: every
//! operation the spec lists is a route of the server and the other way
//! round; every (path, method, status) the spec lists is produced by some
//! request here, and every answer's status, body (validated with its JSON
//! Schema) and required headers are as the spec says. The request bodies
//! the server accepts are valid by the spec's request schemas, and some it
//! refuses are invalid by them too. The spec's limits are the server's.

mod common;

use axum::http::Method;
use chrono::NaiveDate;
use common::{canonical_batch, new_install_id, start, Api};
use kairos_backend::api::ROUTES;
use kairos_backend::attestation::SharedSecretVerifier;
use kairos_backend::client::{send_once, Reply};
use kairos_backend::faults::{FaultConfig, FaultKind};
use kairos_backend::limits;
use kairos_backend::limits::ReportEligibility;
use kairos_backend::server::ServerBuilder;
use kairos_backend::storage::{
    CatalogIds, CatalogRecord, Deleted, FriendCount, HeldData, Ingest, IngestOutcome, InviteAcceptance, InviteCreated,
    InviteHash, KeyOutcome, LiftCell, RedemptionKey, RedemptionRecord, Registration, ReportCell, SocialMember, Storage,
    StorageError, StorageFuture, TileAnswer, TileIndex, TilesWrite, TokenHash,
};
use kairos_backend::summaries::Purpose;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

fn spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).expect("docs/openapi.yaml is YAML")
}

/// Follows `$ref` (to `#/components/...`) until a plain object.
fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#').expect("local references only");
        value = spec.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {reference}"));
    }
    value
}

/// A draft 2020-12 validator for `schema`, its references resolved in the
/// spec's components.
fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({ "allOf": [schema] });
    root["components"] = spec["components"].clone();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

fn errors_of(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// One request and its answer.
struct Exchange {
    method: Method,
    path: &'static str,
    request: Option<Value>,
    reply: Reply,
}

/// A storage that always fails, for the 503s.
struct Down;

fn down<T>() -> StorageFuture<'static, T> {
    Box::pin(async { Err(StorageError::Pool("the test database is down".into())) })
}

impl Storage for Down {
    fn kind(&self) -> &'static str {
        "sqlite"
    }
    fn health(&self) -> StorageFuture<'_, ()> {
        down()
    }
    fn register_install(
        &self,
        _: String,
        _: TokenHash,
        _: Option<TokenHash>,
        _: NaiveDate,
    ) -> StorageFuture<'_, Registration> {
        down()
    }
    fn authenticate(&self, _: TokenHash) -> StorageFuture<'_, Option<String>> {
        down()
    }
    fn set_redemption_key(&self, _: String, _: RedemptionKey, _: NaiveDate) -> StorageFuture<'_, KeyOutcome> {
        down()
    }
    fn redemption_key_owner(&self, _: String) -> StorageFuture<'_, Option<String>> {
        down()
    }
    fn redemption_key(&self, _: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        down()
    }
    fn add_merchant_key(&self, _: TokenHash, _: String, _: NaiveDate) -> StorageFuture<'_, ()> {
        down()
    }
    fn merchant_for_key(&self, _: TokenHash) -> StorageFuture<'_, Option<String>> {
        down()
    }
    fn record_redemption(&self, _: RedemptionRecord, _: NaiveDate) -> StorageFuture<'_, bool> {
        down()
    }
    fn ingest(&self, _: Ingest) -> StorageFuture<'_, IngestOutcome> {
        down()
    }
    fn delete(&self, _: String, _: Option<Purpose>, _: NaiveDate) -> StorageFuture<'_, Deleted> {
        down()
    }
    fn catalog(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        down()
    }
    fn set_catalog(&self, _: CatalogRecord, _: CatalogIds, _: NaiveDate) -> StorageFuture<'_, ()> {
        down()
    }
    fn unknown_catalog_ids(&self, _: CatalogIds, _: NaiveDate) -> StorageFuture<'_, CatalogIds> {
        down()
    }
    fn visit_cells(&self, _: ReportEligibility) -> StorageFuture<'_, Vec<ReportCell>> {
        down()
    }
    fn lift_cells(&self, _: ReportEligibility) -> StorageFuture<'_, Vec<LiftCell>> {
        down()
    }
    fn tile_header(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        down()
    }
    fn tile_index(&self) -> StorageFuture<'_, TileIndex> {
        down()
    }
    fn tile(&self, _: String) -> StorageFuture<'_, Option<(u64, String, Vec<u8>)>> {
        down()
    }
    fn tile_answers(&self, _: Vec<(String, u64)>) -> StorageFuture<'_, Vec<TileAnswer>> {
        down()
    }
    fn set_tiles(&self, _: TilesWrite) -> StorageFuture<'_, ()> {
        down()
    }
    fn prune_idempotency_keys(&self, _: NaiveDate) -> StorageFuture<'_, u64> {
        down()
    }
    fn held_by(&self, _: String) -> StorageFuture<'_, HeldData> {
        down()
    }
    fn create_invite(&self, _: SocialMember, _: InviteHash, _: NaiveDate) -> StorageFuture<'_, InviteCreated> {
        down()
    }
    fn accept_invite(&self, _: SocialMember, _: InviteHash) -> StorageFuture<'_, InviteAcceptance> {
        down()
    }
    fn friend_counts(&self, _: SocialMember, _: NaiveDate, _: u32) -> StorageFuture<'_, Vec<FriendCount>> {
        down()
    }
}

/// Redemption keys and tokens for the exchanges.
mod redemption {
    use base64::Engine as _;
    use kairos_core::offers::redemption_token::{issue, key_id, RedemptionClaims};
    use ring::signature::{Ed25519KeyPair, KeyPair};

    pub fn key_pair() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    pub fn public(pair: &Ed25519KeyPair) -> &[u8] {
        pair.public_key().as_ref()
    }

    pub fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A token of the boutique's offer, issued now, expiring `exp_in_ms` from now.
    pub fn token(pair: &Ed25519KeyPair, instance: i64, exp_in_ms: i64) -> String {
        let now = chrono::Utc::now().timestamp_millis();
        let claims = RedemptionClaims {
            kid: key_id(public(pair)),
            offer: "maison-lumiere-20-off".into(),
            instance,
            merchant: "maison-lumiere".into(),
            iat: now,
            exp: now + exp_in_ms,
        };
        issue(&claims, pair).unwrap().compact
    }
}

/// The spec's path of a request's path (path parameters as templates).
fn template(path: &'static str) -> &'static str {
    if path.starts_with("/v1/catalog/tiles/") {
        "/v1/catalog/tiles/{tile_id}"
    } else {
        path
    }
}

/// Sends one request; `auth` adds the bearer token of `api`.
async fn exchange(
    addr: SocketAddr,
    api: Option<&Api>,
    method: Method,
    path: &'static str,
    headers: &[(&str, &str)],
    body: Option<Value>,
    raw: Option<Vec<u8>>,
) -> Exchange {
    let bearer = api.map(Api::bearer);
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if let Some(bearer) = &bearer {
        all.push(("authorization", bearer));
    }
    let bytes = raw.or_else(|| body.as_ref().map(|b| b.to_string().into_bytes())).unwrap_or_default();
    let reply = send_once(addr, method.clone(), path, &all, bytes).await.unwrap();
    Exchange { method, path, request: body, reply }
}

const JSON: (&str, &str) = ("content-type", "application/json");

/// Requests that between them produce every status the spec lists.
async fn exercise_everything() -> Vec<Exchange> {
    let b = common::sqlite();
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.signed.json");
    let server = start(&b.storage, None).await;
    let a = server.addr();
    let api = Api::register(a).await;
    let api = Some(&api);
    let mut out = Vec::new();
    let install = json!({ "install_id": new_install_id() });
    let key = |k: &'static str| ("idempotency-key", k);

    out.push(exchange(a, None, Method::GET, "/healthz", &[], None, None).await);
    out.push(exchange(a, None, Method::POST, "/v1/installs", &[JSON], Some(install.clone()), None).await);
    out.push(exchange(a, None, Method::POST, "/v1/installs", &[JSON], Some(json!({"install_id": "x"})), None).await);
    let big = format!("{{\"install_id\": \"{}\"{}}}", new_install_id(), " ".repeat(2000));
    out.push(exchange(a, None, Method::POST, "/v1/installs", &[JSON], None, Some(big.into_bytes())).await);
    let text = [("content-type", "text/plain")];
    out.push(exchange(a, None, Method::POST, "/v1/installs", &text, Some(install.clone()), None).await);
    // An id already registered, without its token: 409.
    out.push(exchange(a, None, Method::POST, "/v1/installs", &[JSON], Some(install.clone()), None).await);
    // Attestation required and missing: 403.
    let attested = ServerBuilder::new(b.storage.clone())
        .attestation(Arc::new(SharedSecretVerifier::new("s")))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let fresh = json!({ "install_id": new_install_id() });
    out.push(exchange(attested.addr(), None, Method::POST, "/v1/installs", &[JSON], Some(fresh), None).await);
    attested.shutdown().await.unwrap();

    let s = "/v1/summaries";
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("a")], Some(canonical_batch()), None).await);
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("a")], Some(canonical_batch()), None).await);
    let steps =
        json!({"batch": [{"purpose": "activity", "day": "2026-11-25", "data": {"steps": 0, "goal_met": false}}]});
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("a")], Some(steps), None).await);
    let mut bad = canonical_batch();
    bad["batch"][1]["data"]["merchants"][0]["lat"] = json!(34.05);
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("b")], Some(bad), None).await);
    out.push(exchange(a, None, Method::POST, s, &[JSON, key("b")], Some(canonical_batch()), None).await);
    // More rows for a day than a device's quota, over two batches: 422.
    let rows = |from: usize| -> Vec<Value> {
        (from..from + 150).map(|i| json!({"merchant_id": format!("m{i}"), "visits": 1, "minutes": 15})).collect()
    };
    for (k, from) in [("q1", 0), ("q2", 150)] {
        let batch = json!({"batch": [{"purpose": "visits", "day": "2026-11-20", "data": {"merchants": rows(from)}}]});
        out.push(exchange(a, api, Method::POST, s, &[JSON, key(k)], Some(batch), None).await);
    }
    let entry = canonical_batch()["batch"][0].clone();
    let many = json!({ "batch": vec![entry; limits::MAX_BATCH_ITEMS + 1] });
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("c")], Some(many), None).await);
    out.push(exchange(a, api, Method::POST, s, &[key("d")], Some(canonical_batch()), None).await);

    let c = "/v1/catalog";
    out.push(exchange(a, api, Method::GET, c, &[], None, None).await);
    out.push(exchange(a, None, Method::GET, c, &[], None, None).await);
    let record = kairos_backend::catalog_publishing::prepare(&std::fs::read(catalog).unwrap(), None).unwrap();
    kairos_backend::catalog_publishing::publish(b.storage.as_ref(), record.clone()).await.unwrap();
    out.push(exchange(a, api, Method::GET, c, &[], None, None).await);
    out.push(exchange(a, api, Method::GET, c, &[("if-none-match", record.etag.as_str())], None, None).await);
    // Now that a catalog is published, an id not in it: 400.
    let mut unknown = canonical_batch();
    unknown["batch"][1]["data"]["merchants"][0]["merchant_id"] = json!("=1+2");
    out.push(exchange(a, api, Method::POST, s, &[JSON, key("g")], Some(unknown), None).await);

    // Redemption keys and tokens (section 5 of docs/protocol.md).
    let (rk, v) = ("/v1/installs/redemption-key", "/v1/redemptions/verify");
    let pair = redemption::key_pair();
    let public = json!({"redemption_key": redemption::b64(redemption::public(&pair))});
    out.push(exchange(a, None, Method::POST, rk, &[JSON], Some(public.clone()), None).await);
    out.push(exchange(a, api, Method::POST, rk, &[JSON], Some(json!({"redemption_key": "AAAA"})), None).await);
    out.push(exchange(a, api, Method::POST, rk, &[JSON], None, Some(vec![b' '; 2000])).await);
    out.push(exchange(a, api, Method::POST, rk, &[], Some(public.clone()), None).await);
    out.push(exchange(a, api, Method::POST, rk, &[JSON], Some(public.clone()), None).await);
    let other = Api::register(a).await;
    out.push(exchange(a, Some(&other), Method::POST, rk, &[JSON], Some(public.clone()), None).await);
    let till =
        kairos_backend::api::redemptions::issue_merchant_key(b.storage.as_ref(), "maison-lumiere").await.unwrap();
    let wrong = kairos_backend::api::redemptions::issue_merchant_key(b.storage.as_ref(), "elsewhere").await.unwrap();
    let as_till = |k: &str| format!("Bearer {k}");
    let (till_auth, wrong_auth) = (as_till(&till), as_till(&wrong));
    let with_till = [JSON, ("authorization", till_auth.as_str())];
    let token = |instance: i64, exp_in_ms: i64| json!({"token": redemption::token(&pair, instance, exp_in_ms)});
    out.push(exchange(a, None, Method::POST, v, &[JSON], Some(token(1, 3_600_000)), None).await);
    out.push(exchange(a, None, Method::POST, v, &with_till, Some(json!({"token": "KR1.x"})), None).await);
    out.push(exchange(a, None, Method::POST, v, &with_till, None, Some(vec![b' '; 2000])).await);
    out.push(
        exchange(a, None, Method::POST, v, &[("authorization", till_auth.as_str())], Some(token(1, 3_600_000)), None)
            .await,
    );
    let with_wrong = [JSON, ("authorization", wrong_auth.as_str())];
    out.push(exchange(a, None, Method::POST, v, &with_wrong, Some(token(1, 3_600_000)), None).await);
    out.push(exchange(a, None, Method::POST, v, &with_till, Some(token(2, -1)), None).await);
    out.push(exchange(a, None, Method::POST, v, &with_till, Some(token(1, 3_600_000)), None).await);
    out.push(exchange(a, None, Method::POST, v, &with_till, Some(token(1, 3_600_000)), None).await);
    // Social: invites, acceptance, counts, and their refusals.
    let (si, sa, sc) = ("/v1/social/invites", "/v1/social/invites/accept", "/v1/social/counts");
    let consent = json!({"consented_on": "2026-10-01"});
    let friend = Api::register(a).await;
    let friend = Some(&friend);
    let created = exchange(a, api, Method::POST, si, &[JSON], Some(consent.clone()), None).await;
    let code = created.reply.json()["code"].as_str().unwrap().to_owned();
    out.push(created);
    let accept = |code: &str| json!({"consented_on": "2026-10-01", "code": code});
    out.push(exchange(a, api, Method::POST, sa, &[JSON], Some(accept(&code)), None).await); // own_invite
    out.push(exchange(a, friend, Method::POST, sa, &[JSON], Some(accept("0000-0000-0000")), None).await); // 404
    out.push(exchange(a, friend, Method::POST, sa, &[JSON], Some(accept(&code)), None).await); // 200
    out.push(exchange(a, friend, Method::POST, sa, &[JSON], Some(accept(&code)), None).await); // 409
    out.push(exchange(a, friend, Method::POST, sc, &[JSON], Some(consent.clone()), None).await); // 200
    for path in [si, sa, sc] {
        out.push(exchange(a, friend, Method::POST, path, &[JSON], Some(json!({})), None).await); // 403
        out.push(exchange(a, friend, Method::POST, path, &[JSON], Some(json!({"x": 1})), None).await); // 400
        out.push(exchange(a, None, Method::POST, path, &[JSON], Some(consent.clone()), None).await); // 401
        out.push(exchange(a, friend, Method::POST, path, &[JSON], None, Some(vec![b' '; 2000])).await); // 413
        out.push(exchange(a, friend, Method::POST, path, &[], Some(consent.clone()), None).await);
        // 415
    }
    // An expired code: accepted on a server whose day is 8 days on.
    let late = ServerBuilder::new(b.storage.clone())
        .clock(kairos_backend::clock::Clock::on_day(kairos_backend::today_utc() + chrono::Days::new(8)))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let fresh = exchange(a, api, Method::POST, si, &[JSON], Some(consent.clone()), None).await;
    let old = fresh.reply.json()["code"].as_str().unwrap().to_owned();
    out.push(exchange(late.addr(), friend, Method::POST, sa, &[JSON], Some(accept(&old)), None).await); // 410
    late.shutdown().await.unwrap();
    // Open codes up to the cap, then one more: 422.
    for _ in 0..=limits::MAX_OPEN_INVITES {
        let ex = exchange(a, api, Method::POST, si, &[JSON], Some(consent.clone()), None).await;
        if ex.reply.status != 200 {
            out.push(ex);
            break;
        }
    }
    // The tiled catalog.
    let m = "/v1/catalog/header";
    out.push(exchange(a, api, Method::GET, m, &[], None, None).await);
    out.push(exchange(a, None, Method::GET, m, &[], None, None).await);
    let (pkcs8, _) = kairos_core::catalog::generate_keypair().unwrap();
    let tile_pair = kairos_core::catalog::keypair_from_pkcs8(&pkcs8).unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json");
    let document: kairos_core::catalog::Catalog = serde_json::from_slice(&std::fs::read(example).unwrap()).unwrap();
    kairos_backend::tile_publishing::publish(b.storage.as_ref(), &document, "k1", &tile_pair).await.unwrap();
    let header = exchange(a, api, Method::GET, m, &[], None, None).await;
    let tag = header.reply.header("etag").unwrap().to_owned();
    out.push(header);
    out.push(exchange(a, api, Method::GET, m, &[("if-none-match", tag.as_str())], None, None).await);
    let t = "/v1/catalog/tiles";
    let mall = "/v1/catalog/tiles/r6366c2903";
    let tile = exchange(a, api, Method::GET, mall, &[], None, None).await;
    let tag = tile.reply.header("etag").unwrap().to_owned();
    out.push(tile);
    out.push(exchange(a, api, Method::GET, mall, &[("if-none-match", tag.as_str())], None, None).await);
    out.push(exchange(a, api, Method::GET, "/v1/catalog/tiles/r1c1", &[], None, None).await);
    out.push(exchange(a, api, Method::GET, "/v1/catalog/tiles/x1", &[], None, None).await);
    out.push(exchange(a, None, Method::GET, mall, &[], None, None).await);
    out.push(exchange(a, api, Method::POST, t, &[JSON], Some(json!({"tiles": {"r6366c2903": 0}})), None).await);
    out.push(exchange(a, api, Method::POST, t, &[JSON], Some(json!({"tiles": {"r1c1": 0}})), None).await);
    out.push(exchange(a, api, Method::POST, t, &[JSON], Some(json!({"tiles": {"x": 0}})), None).await);
    out.push(exchange(a, None, Method::POST, t, &[JSON], Some(json!({"tiles": {}})), None).await);
    out.push(exchange(a, api, Method::POST, t, &[JSON], None, Some(vec![b' '; 20_000])).await);

    let d = "/v1/deletion-requests";
    out.push(exchange(a, api, Method::POST, d, &[JSON], Some(json!({"purpose": "visits"})), None).await);
    out.push(exchange(a, api, Method::POST, d, &[JSON], Some(json!({"purpose": "location"})), None).await);
    out.push(exchange(a, None, Method::POST, d, &[JSON], Some(json!({})), None).await);
    out.push(exchange(a, api, Method::POST, d, &[JSON], None, Some(vec![b' '; 2000])).await);
    out.push(exchange(a, api, Method::POST, d, &[], Some(json!({})), None).await);
    // Everything, last: the install and its token are gone after it.
    out.push(exchange(a, api, Method::POST, d, &[JSON], Some(json!({})), None).await);

    // 429 and 500 from servers with faults on every request, same storage.
    for kind in [FaultKind::Throttle, FaultKind::ErrorBefore] {
        let faulty = start(&b.storage, Some(FaultConfig::only(kind, 1).rate(1.0).max_faults(1_000))).await;
        let f = faulty.addr();
        out.push(exchange(f, None, Method::POST, "/v1/installs", &[JSON], Some(install.clone()), None).await);
        out.push(exchange(f, api, Method::POST, s, &[JSON, key("e")], Some(canonical_batch()), None).await);
        out.push(exchange(f, api, Method::GET, c, &[], None, None).await);
        out.push(exchange(f, api, Method::POST, d, &[JSON], Some(json!({})), None).await);
        out.push(exchange(f, api, Method::POST, rk, &[JSON], Some(public.clone()), None).await);
        out.push(exchange(f, None, Method::POST, v, &with_till, Some(token(3, 3_600_000)), None).await);
        for path in [si, sa, sc] {
            out.push(exchange(f, friend, Method::POST, path, &[JSON], Some(accept(&code)), None).await);
        }
        faulty.shutdown().await.unwrap();
    }
    // 503 from a server whose database is down.
    let broken: Arc<dyn Storage> = Arc::new(Down);
    let down = start(&broken, None).await;
    let z = down.addr();
    out.push(exchange(z, None, Method::GET, "/healthz", &[], None, None).await);
    out.push(exchange(z, None, Method::POST, "/v1/installs", &[JSON], Some(install.clone()), None).await);
    out.push(exchange(z, api, Method::POST, s, &[JSON, key("f")], Some(canonical_batch()), None).await);
    out.push(exchange(z, api, Method::GET, c, &[], None, None).await);
    out.push(exchange(z, api, Method::POST, d, &[JSON], Some(json!({})), None).await);
    out.push(exchange(z, api, Method::POST, rk, &[JSON], Some(public.clone()), None).await);
    out.push(exchange(z, None, Method::POST, v, &with_till, Some(token(3, 3_600_000)), None).await);
    for path in [si, sa, sc] {
        out.push(exchange(z, friend, Method::POST, path, &[JSON], Some(accept(&code)), None).await);
    }
    down.shutdown().await.unwrap();
    server.shutdown().await.unwrap();
    out
}

fn methods_of(path_item: &Value) -> Vec<String> {
    let known = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    path_item.as_object().unwrap().keys().filter(|k| known.contains(&k.as_str())).cloned().collect()
}

#[test]
fn the_spec_is_openapi_3_1_and_lists_exactly_the_servers_routes() {
    let spec = spec();
    assert_eq!(spec["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in methods_of(item) {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let served: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, served);
}

#[test]
fn the_specs_limits_are_the_servers() {
    let spec = spec();
    let l = &spec["x-kairos-limits"];
    let n = |name: &str| l[name].as_u64().unwrap_or_else(|| panic!("x-kairos-limits.{name} is missing"));
    assert_eq!(n("max_body_bytes"), limits::MAX_BODY_BYTES as u64);
    assert_eq!(n("social_min_friends"), u64::from(limits::SOCIAL_MIN_FRIENDS));
    assert_eq!(n("social_window_days"), u64::from(limits::SOCIAL_WINDOW_DAYS));
    assert_eq!(n("invite_valid_days"), u64::from(limits::INVITE_VALID_DAYS));
    assert_eq!(n("invite_code_len"), limits::INVITE_CODE_LEN as u64);
    assert_eq!(n("max_open_invites"), limits::MAX_OPEN_INVITES as u64);
    assert_eq!(n("max_friends"), limits::MAX_FRIENDS as u64);
    assert_eq!(n("max_decompressed_bytes"), limits::MAX_DECOMPRESSED_BYTES as u64);
    assert_eq!(n("max_small_body_bytes"), limits::MAX_SMALL_BODY_BYTES as u64);
    assert_eq!(n("max_batch_items"), limits::MAX_BATCH_ITEMS as u64);
    assert_eq!(n("max_rows_per_item"), limits::MAX_ROWS_PER_ITEM as u64);
    assert_eq!(n("max_id_bytes"), limits::MAX_ID_BYTES as u64);
    assert_eq!(n("max_idempotency_key_bytes"), limits::MAX_IDEMPOTENCY_KEY_BYTES as u64);
    assert_eq!(n("idempotency_retention_days"), u64::from(limits::IDEMPOTENCY_RETENTION_DAYS));
    assert_eq!(n("max_visit_rows_per_day"), limits::MAX_VISIT_ROWS_PER_DAY as u64);
    assert_eq!(n("max_offer_rows_per_day"), limits::MAX_OFFER_ROWS_PER_DAY as u64);
    assert_eq!(n("catalog_id_retention_days"), u64::from(limits::CATALOG_ID_RETENTION_DAYS));
    assert_eq!(n("steps_quantum"), limits::STEPS_QUANTUM);
    assert_eq!(n("max_steps"), limits::MAX_STEPS);
    assert_eq!(n("minutes_quantum"), limits::MINUTES_QUANTUM);
    assert_eq!(n("max_minutes"), limits::MAX_MINUTES);
    assert_eq!(n("max_count"), limits::MAX_COUNT);
    assert_eq!(l["max_epsilon"].as_f64(), Some(limits::MAX_EPSILON));
    assert_eq!(l["min_day"], limits::MIN_DAY);
    assert_eq!(l["max_day"], limits::MAX_DAY);
    assert_eq!(n("max_tiles_per_request"), limits::MAX_TILES_PER_REQUEST as u64);
    assert_eq!(n("max_tile_request_bytes"), limits::MAX_TILE_REQUEST_BYTES as u64);
    // The schemas say the same.
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["SummaryBatch"]["properties"]["batch"]["maxItems"], limits::MAX_BATCH_ITEMS);
    let steps = &schemas["ActivityEntry"]["properties"]["data"]["properties"]["steps"];
    assert_eq!((steps["multipleOf"].as_u64(), steps["maximum"].as_u64()), (Some(100), Some(limits::MAX_STEPS)));
    let visits = &schemas["VisitsEntry"]["properties"]["data"]["properties"]["merchants"];
    assert_eq!(visits["maxItems"], limits::MAX_ROWS_PER_ITEM);
    let minutes = &visits["items"]["properties"]["minutes"];
    assert_eq!((minutes["multipleOf"].as_u64(), minutes["maximum"].as_u64()), (Some(15), Some(limits::MAX_MINUTES)));
    assert_eq!(schemas["Count"]["maximum"], limits::MAX_COUNT);
    assert_eq!(schemas["CatalogId"]["maxLength"], limits::MAX_ID_BYTES);
    let noise = &schemas["Noise"];
    assert_eq!(noise["properties"]["mechanism"]["const"], limits::NOISE_MECHANISM);
    assert_eq!(noise["properties"]["epsilon"]["maximum"].as_f64(), Some(limits::MAX_EPSILON));
    assert_eq!(noise["properties"]["epsilon"]["exclusiveMinimum"].as_f64(), Some(0.0));
    assert_eq!(noise["required"], json!(["mechanism", "epsilon"]));
    assert_eq!(noise["additionalProperties"], false);
    // Every purpose's data names `noise`, and it is the shared schema.
    for entry in ["ActivityEntry", "VisitsEntry", "OffersEntry"] {
        let data = &schemas[entry]["properties"]["data"];
        assert_eq!(data["properties"]["noise"]["$ref"], "#/components/schemas/Noise", "{entry}");
        assert!(!data["required"].as_array().unwrap().contains(&json!("noise")), "{entry}: noise is optional");
    }
}

#[tokio::test]
async fn every_answer_matches_the_spec_and_every_documented_status_is_produced() {
    let spec = spec();
    let exchanges = exercise_everything().await;
    let mut problems = Vec::new();
    let mut produced = BTreeSet::new();
    for ex in &exchanges {
        let status = ex.reply.status.as_u16().to_string();
        let what = format!("{} {} -> {status}", ex.method, ex.path);
        let operation = &spec["paths"][template(ex.path)][ex.method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{what}: not in the spec");
        let Some(response) = operation["responses"].get(&status) else {
            problems.push(format!("{what}: status not documented (body {})", String::from_utf8_lossy(&ex.reply.body)));
            continue;
        };
        produced.insert((ex.method.to_string(), template(ex.path), status.clone()));
        let response = resolve(&spec, response);
        match response.get("content") {
            Some(content) if content.get("application/json").is_none() => {
                // A binary body (the tile pack): its media type, and bytes.
                let (media, _) = content.as_object().unwrap().iter().next().unwrap();
                if ex.reply.header("content-type") != Some(media.as_str()) || ex.reply.body.is_empty() {
                    problems.push(format!("{what}: content-type {:?}", ex.reply.header("content-type")));
                }
            }
            Some(content) => {
                let media = &content["application/json"];
                if ex.reply.header("content-type") != Some("application/json") {
                    problems.push(format!("{what}: content-type {:?}", ex.reply.header("content-type")));
                }
                let body: Value = match serde_json::from_slice(&ex.reply.body) {
                    Ok(body) => body,
                    Err(e) => {
                        problems.push(format!("{what}: the body is not JSON: {e}"));
                        continue;
                    }
                };
                for e in errors_of(&validator(&spec, &media["schema"]), &body) {
                    problems.push(format!("{what}: body {body}: {e}"));
                }
            }
            None if !ex.reply.body.is_empty() => problems.push(format!("{what}: a body where the spec has none")),
            None => {}
        }
        for (name, header) in response.get("headers").and_then(Value::as_object).into_iter().flatten() {
            let header = resolve(&spec, header);
            match ex.reply.header(&name.to_ascii_lowercase()) {
                Some(value) => {
                    for e in errors_of(&validator(&spec, &header["schema"]), &json!(value)) {
                        problems.push(format!("{what}: header {name}: {value:?}: {e}"));
                    }
                }
                None if header["required"] == true => problems.push(format!("{what}: header {name} is missing")),
                None => {}
            }
        }
        // What the server accepted, the spec accepts.
        if status == "200" {
            if let (Some(request), Some(media)) =
                (&ex.request, operation.pointer("/requestBody/content/application~1json"))
            {
                for e in errors_of(&validator(&spec, &media["schema"]), request) {
                    problems.push(format!("{what}: accepted request {request} is invalid by the spec: {e}"));
                }
            }
        }
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in methods_of(item) {
            for status in item[&method]["responses"].as_object().unwrap().keys() {
                if !produced.contains(&(method.to_uppercase(), path.as_str(), status.clone())) {
                    problems
                        .push(format!("{} {path} -> {status}: documented but never produced", method.to_uppercase()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[tokio::test]
async fn other_paths_and_methods_answer_the_documented_error_body() {
    let spec = spec();
    let error = validator(&spec, &json!({"$ref": "#/components/schemas/Error"}));
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let api = Api::register(server.addr()).await;
    let unknown = api.send(Method::GET, "/v1/summaries/export", &[], Vec::new()).await;
    assert_eq!(unknown.status, 404);
    assert!(error.is_valid(&unknown.json()) && unknown.json()["error"]["code"] == "not_found");
    for (path, item) in spec["paths"].as_object().unwrap() {
        let documented = methods_of(item);
        for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS] {
            let name = method.as_str().to_lowercase();
            if documented.contains(&name) {
                continue;
            }
            let reply = api.send(method.clone(), path, &[], Vec::new()).await;
            assert_eq!(reply.status, 405, "{method} {path}");
            assert!(error.is_valid(&reply.json()) && reply.json()["error"]["code"] == "method_not_allowed");
            let allow = reply.header("allow").unwrap_or_default().to_lowercase();
            for m in &documented {
                assert!(allow.contains(m.as_str()), "{method} {path}: Allow {allow:?} lacks {m}");
            }
        }
    }
    server.shutdown().await.unwrap();
}

fn noise(mechanism: &str, epsilon: Value) -> Value {
    json!({"mechanism": mechanism, "epsilon": epsilon})
}

#[test]
fn the_request_schemas_refuse_what_the_server_refuses() {
    let spec = spec();
    let batch = validator(&spec, &json!({"$ref": "#/components/schemas/SummaryBatch"}));
    assert!(batch.is_valid(&canonical_batch()), "{:?}", errors_of(&batch, &canonical_batch()));
    // A noised batch (every purpose) is valid for both, at the edges too.
    for epsilon in [json!(1.5), json!(10), json!(1e-9)] {
        let mut noised = canonical_batch();
        for i in 0..3 {
            noised["batch"][i]["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": epsilon});
        }
        assert!(batch.is_valid(&noised), "{:?}", errors_of(&batch, &noised));
        assert!(kairos_backend::summaries::parse_batch(noised.to_string().as_bytes()).is_ok(), "{noised}");
    }
    type Edit = (&'static str, Box<dyn Fn(&mut Value)>);
    let edits: Vec<Edit> = vec![
        ("steps not a multiple of 100", Box::new(|v| v["batch"][0]["data"]["steps"] = json!(1430))),
        ("a timestamp for a day", Box::new(|v| v["batch"][0]["day"] = json!("2026-11-24T10:32:00Z"))),
        ("not a date", Box::new(|v| v["batch"][0]["day"] = json!("2026-02-30"))),
        ("a coordinate", Box::new(|v| v["batch"][1]["data"]["merchants"][0]["lat"] = json!(34.05))),
        ("minutes not a multiple of 15", Box::new(|v| v["batch"][1]["data"]["merchants"][0]["minutes"] = json!(20))),
        ("a negative count", Box::new(|v| v["batch"][2]["data"]["offers"][0]["dismissed"] = json!(-1))),
        ("an unknown purpose", Box::new(|v| v["batch"][0]["purpose"] = json!("location"))),
        ("another purpose's data", Box::new(|v| v["batch"][0]["purpose"] = json!("visits"))),
        ("an unknown top-level field", Box::new(|v| v["device"] = json!("Pixel"))),
        ("an empty batch", Box::new(|v| v["batch"] = json!([]))),
        ("another noise mechanism", Box::new(|v| v["batch"][0]["data"]["noise"] = noise("laplace", json!(1.0)))),
        ("a zero epsilon", Box::new(|v| v["batch"][1]["data"]["noise"] = noise("geometric", json!(0)))),
        ("a negative epsilon", Box::new(|v| v["batch"][2]["data"]["noise"] = noise("geometric", json!(-0.5)))),
        ("an epsilon above 10", Box::new(|v| v["batch"][0]["data"]["noise"] = noise("geometric", json!(10.01)))),
        ("an epsilon as a string", Box::new(|v| v["batch"][1]["data"]["noise"] = noise("geometric", json!("1")))),
        (
            "an unknown field in noise",
            Box::new(|v| {
                v["batch"][2]["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": 1, "delta": 0.001})
            }),
        ),
        ("noise without epsilon", Box::new(|v| v["batch"][0]["data"]["noise"] = json!({"mechanism": "geometric"}))),
        ("noise in a row", Box::new(|v| v["batch"][1]["data"]["merchants"][0]["noise"] = noise("geometric", json!(1)))),
    ];
    for (what, edit) in edits {
        let mut v = canonical_batch();
        edit(&mut v);
        assert!(!batch.is_valid(&v), "the spec accepts {what}: {v}");
        let body = v.to_string();
        assert!(kairos_backend::summaries::parse_batch(body.as_bytes()).is_err(), "the server accepts {what}");
    }
    let install = validator(&spec, &json!({"$ref": "#/components/schemas/InstallRequest"}));
    assert!(install.is_valid(&json!({"install_id": new_install_id()})));
    assert!(!install.is_valid(&json!({"install_id": "ABCDEF0123456789ABCDEF0123456789"})));
    let deletion = validator(&spec, &json!({"$ref": "#/components/schemas/DeletionRequest"}));
    assert!(deletion.is_valid(&json!({})) && deletion.is_valid(&json!({"purpose": "offers"})));
    assert!(!deletion.is_valid(&json!({"purpose": null})) && !deletion.is_valid(&json!({"day": "2026-11-24"})));
}
