//! The same checks on every `Storage`: SQLite always, PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set.

mod common;

use chrono::NaiveDate;
use common::backends;
use kairos_backend::limits::{ReportEligibility, MAX_VISIT_ROWS_PER_DAY};
use kairos_backend::storage::{CatalogIds, CatalogRecord, Ingest, IngestOutcome, Registration, ReportCell};
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
        let register = |id: &str, token, presented, on| s.register_install(id.repeat(32), token, presented, day(on));
        assert_eq!(register("a", [1; 32], None, "2026-11-24").await.unwrap(), Registration::New);
        assert_eq!(register("b", [2; 32], None, "2026-11-24").await.unwrap(), Registration::New);
        assert_eq!(s.authenticate([1; 32]).await.unwrap(), Some("a".repeat(32)), "{}", b.name);
        // Knowing the id is not enough: without its current token, nothing changes.
        assert_eq!(register("a", [4; 32], None, "2026-11-25").await.unwrap(), Registration::Refused, "{}", b.name);
        assert_eq!(register("a", [4; 32], Some([2; 32]), "2026-11-25").await.unwrap(), Registration::Refused);
        assert_eq!(s.authenticate([1; 32]).await.unwrap(), Some("a".repeat(32)), "{}", b.name);
        assert_eq!(s.authenticate([4; 32]).await.unwrap(), None);
        assert_eq!(register("a", [3; 32], Some([1; 32]), "2026-11-25").await.unwrap(), Registration::Rotated);
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
        s.set_catalog(v1.clone(), CatalogIds::default(), day("2026-11-24")).await.unwrap();
        assert_eq!(s.catalog().await.unwrap(), Some(v1), "{}", b.name);
        s.set_catalog(v2.clone(), CatalogIds::default(), day("2026-11-25")).await.unwrap();
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
        let cells = s.visit_cells(ReportEligibility::EVERY_INSTALL).await.unwrap();
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
        s.register_install("a".repeat(32), [9; 32], None, day("2026-11-24")).await.unwrap();
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

fn ids(merchants: &[&str], offers: &[&str]) -> CatalogIds {
    CatalogIds {
        merchants: merchants.iter().map(|m| m.to_string()).collect(),
        offers: offers.iter().map(|o| o.to_string()).collect(),
    }
}

#[tokio::test]
async fn catalog_ids_are_known_while_current_and_for_the_retention_after() {
    for b in backends().await {
        let s = &b.storage;
        let asked = ids(&["m1", "m2", "=1+2"], &["o1", "o2"]);
        // No catalog ids known yet: nothing can be checked.
        assert!(s.unknown_catalog_ids(asked.clone(), day("2026-11-01")).await.unwrap().is_empty(), "{}", b.name);
        let record = |v| CatalogRecord { version: v, etag: format!("\"{v}\""), body: vec![] };
        s.set_catalog(record(1), ids(&["m1", "m2"], &["o1"]), day("2026-11-01")).await.unwrap();
        assert_eq!(s.unknown_catalog_ids(asked.clone(), day("2026-11-01")).await.unwrap(), ids(&["=1+2"], &["o2"]));
        // Version 2 drops m2 on the 10th: it stays valid while the 10th is within the retention.
        s.set_catalog(record(2), ids(&["m1"], &["o1", "o2"]), day("2026-11-10")).await.unwrap();
        assert_eq!(s.unknown_catalog_ids(asked.clone(), day("2026-11-10")).await.unwrap(), ids(&["=1+2"], &[]));
        assert_eq!(
            s.unknown_catalog_ids(asked, day("2026-11-11")).await.unwrap(),
            ids(&["m2", "=1+2"], &[]),
            "{}",
            b.name
        );
    }
}

/// A visits batch naming `n` merchants from `first` on.
fn merchants(d: &str, first: usize, n: usize) -> serde_json::Value {
    let rows: Vec<_> =
        (first..first + n).map(|i| json!({"merchant_id": format!("m{i}"), "visits": 1, "minutes": 15})).collect();
    json!({"batch": [{"purpose": "visits", "day": d, "data": {"merchants": rows}}]})
}

#[tokio::test]
async fn a_day_holds_at_most_its_quota_however_it_is_batched() {
    for b in backends().await {
        let s = &b.storage;
        let half = MAX_VISIT_ROWS_PER_DAY / 2;
        let d = "2026-11-24";
        assert_eq!(s.ingest(ingest("i1", "k1", merchants(d, 0, half), d)).await.unwrap(), IngestOutcome::Stored(1));
        assert_eq!(s.ingest(ingest("i1", "k2", merchants(d, half, half), d)).await.unwrap(), IngestOutcome::Stored(1));
        // Rows already held may be sent again (they replace themselves).
        assert_eq!(s.ingest(ingest("i1", "k3", merchants(d, 10, 50), d)).await.unwrap(), IngestOutcome::Stored(1));
        let over = s.ingest(ingest("i1", "k4", merchants(d, MAX_VISIT_ROWS_PER_DAY - 1, 2), d)).await.unwrap();
        let expected = IngestOutcome::OverQuota {
            purpose: Purpose::Visits,
            day: day(d),
            rows: MAX_VISIT_ROWS_PER_DAY + 1,
            limit: MAX_VISIT_ROWS_PER_DAY,
        };
        assert_eq!(over, expected, "{}", b.name);
        let held = s.held_by("i1".into()).await.unwrap();
        assert_eq!((held.visits.len(), held.idempotency_keys), (MAX_VISIT_ROWS_PER_DAY, 3), "{}", b.name);
        // Another day, and another install, have their own quota.
        assert!(matches!(
            s.ingest(ingest("i1", "k5", merchants("2026-11-25", 0, 2), d)).await.unwrap(),
            IngestOutcome::Stored(1)
        ));
        assert!(matches!(s.ingest(ingest("i2", "k1", merchants(d, 0, 2), d)).await.unwrap(), IngestOutcome::Stored(1)));
    }
}

#[tokio::test]
async fn a_full_deletion_forgets_the_install_and_its_token() {
    for b in backends().await {
        let s = &b.storage;
        let id = "d".repeat(32);
        s.register_install(id.clone(), [7; 32], None, day("2026-11-20")).await.unwrap();
        s.ingest(ingest(&id, "k1", common::canonical_batch(), "2026-11-25")).await.unwrap();
        s.delete(id.clone(), Some(Purpose::Offers), day("2026-11-26")).await.unwrap();
        let deleted = s.delete(id.clone(), None, day("2026-11-27")).await.unwrap();
        assert_eq!((deleted.activity, deleted.visits, deleted.offers), (1, 1, 0), "{}", b.name);
        assert_eq!(s.authenticate([7; 32]).await.unwrap(), None, "{}: the token is gone", b.name);
        let held = s.held_by(id.clone()).await.unwrap();
        assert!(!held.registered);
        assert_eq!((held.rows(), held.idempotency_keys, held.deletion_requests.len()), (0, 0, 0), "{}", b.name);
        // The id is free again (the device will use a new one anyway).
        assert_eq!(s.register_install(id, [8; 32], None, day("2026-11-28")).await.unwrap(), Registration::New);
    }
}

#[tokio::test]
async fn report_cells_count_only_installs_old_enough_that_uploaded_on_enough_days() {
    for b in backends().await {
        let s = &b.storage;
        let rule = ReportEligibility { min_install_age_days: 7, min_upload_days: 2 };
        // "old" registered 10 days before the cell and uploaded on 2 days;
        // "young" registered 3 days before; "once" uploaded on 1 day only.
        for (n, (id, registered, upload_days)) in
            [("old", "2026-11-14", 2), ("young", "2026-11-21", 2), ("once", "2026-11-01", 1)].into_iter().enumerate()
        {
            let id = id.repeat(32 / id.len() + 1)[..32].to_string();
            s.register_install(id.clone(), [n as u8 + 100; 32], None, day(registered)).await.unwrap();
            for k in 0..upload_days {
                let today = format!("2026-11-2{}", 4 + k);
                s.ingest(ingest(&id, &format!("k{k}"), visits("2026-11-24", "boutique", 1), &today)).await.unwrap();
            }
            // A second upload the same day does not count twice.
            s.ingest(ingest(&id, "again", visits("2026-11-24", "boutique", 1), "2026-11-24")).await.unwrap();
        }
        let cells = s.visit_cells(rule).await.unwrap();
        assert_eq!(cells.len(), 1, "{}", b.name);
        assert_eq!(cells[0].installs, 1, "{}: only the old, regular install counts", b.name);
        assert_eq!(s.visit_cells(ReportEligibility::EVERY_INSTALL).await.unwrap()[0].installs, 3);
    }
}

#[tokio::test]
async fn postgres_with_sslmode_require_starts_tls() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A fake PostgreSQL: reads the SSLRequest, says yes ('S'), and records
    // the first byte that follows (0x16: a TLS handshake record).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 8];
        socket.read_exact(&mut request).await.unwrap();
        socket.write_all(b"S").await.unwrap();
        let mut first = [0u8; 1];
        socket.read_exact(&mut first).await.unwrap();
        (request, first[0])
    });
    let url = format!("postgres://kairos@127.0.0.1:{port}/kairos?sslmode=require&connect_timeout=5");
    let connecting = kairos_backend::storage::PostgresStorage::connect(&url);
    let (connected, seen) = tokio::join!(tokio::time::timeout(std::time::Duration::from_secs(10), connecting), fake);
    let (request, first) = seen.unwrap();
    assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f], "an SSLRequest");
    assert_eq!(first, 0x16, "a TLS ClientHello follows");
    assert!(connected.map_or(true, |r| r.is_err()), "no real server: the connection fails");
}
