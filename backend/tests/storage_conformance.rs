//! The same checks on every `Storage`: SQLite always, PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set.

mod common;

use chrono::NaiveDate;
use common::backends;
use kairos_backend::storage::{CatalogRecord, Ingest, IngestOutcome, ReportCell};
use kairos_backend::summaries::{parse_batch, Noise, Purpose};
use serde_json::json;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn ingest(install: &str, key: &str, batch: serde_json::Value, today: &str) -> Ingest {
    let body = batch.to_string();
    Ingest {
        install_id: install.into(),
        key: key.into(),
        fingerprint: ring::digest::digest(&ring::digest::SHA256, body.as_bytes()).as_ref().try_into().unwrap(),
        batch: parse_batch(body.as_bytes()).unwrap(),
        today: day(today),
    }
}

fn visits(d: &str, merchant: &str, n: u32) -> serde_json::Value {
    json!({"batch": [{"purpose": "visits", "day": d, "data": {"merchants": [
        {"merchant_id": merchant, "visits": n, "minutes": 15 * n}]}}]})
}

/// `batch` with every entry declaring noise of `epsilon`.
fn noised(mut batch: serde_json::Value, epsilon: f64) -> serde_json::Value {
    for entry in batch["batch"].as_array_mut().unwrap() {
        entry["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": epsilon});
    }
    batch
}

#[tokio::test]
async fn tokens_register_rotate_and_authenticate() {
    for b in backends().await {
        let s = &b.storage;
        s.health().await.unwrap();
        assert_eq!(s.authenticate([1; 32]).await.unwrap(), None);
        s.register_install("a".repeat(32), [1; 32], day("2026-11-24")).await.unwrap();
        s.register_install("b".repeat(32), [2; 32], day("2026-11-24")).await.unwrap();
        assert_eq!(s.authenticate([1; 32]).await.unwrap(), Some("a".repeat(32)), "{}", b.name);
        s.register_install("a".repeat(32), [3; 32], day("2026-11-25")).await.unwrap();
        assert_eq!(s.authenticate([1; 32]).await.unwrap(), None, "{}: the old token is revoked", b.name);
        assert_eq!(s.authenticate([3; 32]).await.unwrap(), Some("a".repeat(32)));
        assert_eq!(s.authenticate([2; 32]).await.unwrap(), Some("b".repeat(32)));
        assert!(s.held_by("a".repeat(32)).await.unwrap().registered);
        assert!(!s.held_by("c".repeat(32)).await.unwrap().registered);
    }
}

#[tokio::test]
async fn ingest_is_once_per_key_and_tells_reuse_apart() {
    for b in backends().await {
        let s = &b.storage;
        let first = ingest("i1", "k", visits("2026-11-24", "m", 1), "2026-11-25");
        assert_eq!(s.ingest(first.clone()).await.unwrap(), IngestOutcome::Stored(1), "{}", b.name);
        assert_eq!(s.ingest(first).await.unwrap(), IngestOutcome::Duplicate(1));
        let other = ingest("i1", "k", visits("2026-11-24", "m", 2), "2026-11-25");
        assert_eq!(s.ingest(other).await.unwrap(), IngestOutcome::KeyReused);
        assert_eq!(s.held_by("i1".into()).await.unwrap().visits[0].1.visits, 1);
        // Another install, same key: its own.
        let theirs = ingest("i2", "k", visits("2026-11-24", "m", 2), "2026-11-25");
        assert_eq!(s.ingest(theirs).await.unwrap(), IngestOutcome::Stored(1));
    }
}

#[tokio::test]
async fn deletion_forgets_fingerprints_and_records_counts() {
    for b in backends().await {
        let s = &b.storage;
        s.ingest(ingest("i1", "k1", common::canonical_batch(), "2026-11-25")).await.unwrap();
        let deleted = s.delete("i1".into(), Some(Purpose::Offers), day("2026-11-26")).await.unwrap();
        assert_eq!((deleted.activity, deleted.visits, deleted.offers), (0, 0, 1), "{}", b.name);
        let other = ingest("i1", "k1", visits("2026-11-24", "m", 2), "2026-11-26");
        assert_eq!(s.ingest(other).await.unwrap(), IngestOutcome::Duplicate(3), "{}", b.name);
        let held = s.held_by("i1".into()).await.unwrap();
        assert_eq!(held.rows(), 2);
        assert_eq!(held.deletion_requests.len(), 1);
        assert_eq!(held.deletion_requests[0].received_on, day("2026-11-26"));
        assert_eq!(held.deletion_requests[0].rows_deleted, 1);
    }
}

#[tokio::test]
async fn idempotency_keys_are_pruned_by_day() {
    for b in backends().await {
        let s = &b.storage;
        s.ingest(ingest("i1", "old", visits("2026-10-01", "m", 1), "2026-10-01")).await.unwrap();
        s.ingest(ingest("i1", "new", visits("2026-11-01", "m", 1), "2026-11-01")).await.unwrap();
        assert_eq!(s.prune_idempotency_keys(day("2026-10-31")).await.unwrap(), 1, "{}", b.name);
        assert_eq!(s.held_by("i1".into()).await.unwrap().idempotency_keys, 1);
        // The data stays; only the key is forgotten.
        assert_eq!(s.held_by("i1".into()).await.unwrap().visits.len(), 2);
    }
}

#[tokio::test]
async fn the_catalog_is_replaced_whole() {
    for b in backends().await {
        let s = &b.storage;
        assert_eq!(s.catalog().await.unwrap(), None);
        let v1 = CatalogRecord { version: 1, etag: "\"a\"".into(), body: b"{\"one\": 1}".to_vec() };
        let v2 = CatalogRecord { version: 2, etag: "\"b\"".into(), body: vec![0, 255, 7] };
        s.set_catalog(v1.clone()).await.unwrap();
        assert_eq!(s.catalog().await.unwrap(), Some(v1), "{}", b.name);
        s.set_catalog(v2.clone()).await.unwrap();
        assert_eq!(s.catalog().await.unwrap(), Some(v2), "{}", b.name);
    }
}

#[tokio::test]
async fn visit_cells_count_distinct_installs_with_visits() {
    for b in backends().await {
        let s = &b.storage;
        for (i, install) in ["i1", "i2", "i3"].iter().enumerate() {
            let mut batch = visits("2026-11-24", "boutique", i as u32 + 1);
            if *install == "i2" {
                batch = noised(batch, 0.5);
            }
            s.ingest(ingest(install, "k", batch, "2026-11-25")).await.unwrap();
        }
        // A zero-visit row does not count as an install.
        s.ingest(ingest("i4", "k", visits("2026-11-24", "boutique", 0), "2026-11-25")).await.unwrap();
        s.ingest(ingest("i1", "k2", visits("2026-11-25", "boutique", 1), "2026-11-26")).await.unwrap();
        let cells = s.visit_cells().await.unwrap();
        assert_eq!(
            cells,
            vec![
                ReportCell {
                    day: day("2026-11-24"),
                    merchant_id: "boutique".into(),
                    installs: 3,
                    visits: 6,
                    minutes: 90,
                    noised: 1
                },
                ReportCell {
                    day: day("2026-11-25"),
                    merchant_id: "boutique".into(),
                    installs: 1,
                    visits: 1,
                    minutes: 15,
                    noised: 0
                },
            ],
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn the_epsilon_of_a_noised_summary_round_trips_and_follows_upserts() {
    for b in backends().await {
        let s = &b.storage;
        let epsilon = 0.1 + 0.2; // Not a short decimal: stored to the bit.
        s.ingest(ingest("i1", "k1", noised(common::canonical_batch(), epsilon), "2026-11-25")).await.unwrap();
        let held = s.held_by("i1".into()).await.unwrap();
        let noise = Some(Noise { epsilon });
        assert_eq!(held.rows(), 3, "{}", b.name);
        assert!(held.activity.iter().all(|r| r.2 == noise), "{}: {:?}", b.name, held.activity);
        assert!(held.visits.iter().all(|r| r.2 == noise), "{}: {:?}", b.name, held.visits);
        assert!(held.offers.iter().all(|r| r.2 == noise), "{}: {:?}", b.name, held.offers);
        // The same day sent again exact: the row is no longer marked noised.
        s.ingest(ingest("i1", "k2", common::canonical_batch(), "2026-11-25")).await.unwrap();
        let held = s.held_by("i1".into()).await.unwrap();
        assert_eq!(held.rows(), 3);
        let epsilons: Vec<_> = held
            .activity
            .iter()
            .map(|r| r.2)
            .chain(held.visits.iter().map(|r| r.2))
            .chain(held.offers.iter().map(|r| r.2))
            .collect();
        assert_eq!(epsilons, vec![None; 3], "{}", b.name);
        // And noised again, with another epsilon, on another install too.
        s.ingest(ingest("i1", "k3", noised(common::canonical_batch(), 10.0), "2026-11-25")).await.unwrap();
        s.ingest(ingest("i2", "k1", noised(common::canonical_batch(), 2.0), "2026-11-25")).await.unwrap();
        assert_eq!(s.held_by("i1".into()).await.unwrap().offers[0].2, Some(Noise { epsilon: 10.0 }), "{}", b.name);
        assert_eq!(s.held_by("i2".into()).await.unwrap().visits[0].2, Some(Noise { epsilon: 2.0 }), "{}", b.name);
    }
}

#[tokio::test]
async fn sqlite_reopens_its_file_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    {
        let s = kairos_backend::storage::SqliteStorage::open(&path).unwrap();
        use kairos_backend::storage::Storage;
        s.register_install("a".repeat(32), [9; 32], day("2026-11-24")).await.unwrap();
    }
    let s = kairos_backend::storage::SqliteStorage::open(&path).unwrap();
    use kairos_backend::storage::Storage;
    assert_eq!(s.authenticate([9; 32]).await.unwrap(), Some("a".repeat(32)));
    let mode: String =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(s);
    rusqlite::Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
    let e = kairos_backend::storage::SqliteStorage::open(&path).err().unwrap();
    assert!(e.to_string().contains("schema version 99 is newer"), "{e}");
}
