//! Every earlier schema upgrades to exactly the schema a new profile gets.
//!
//! Each fixture in `fixtures/schema/` is the schema a released version
//! really had (recovered from `git log -p -- core/src/store/schema.rs`),
//! never edited. A profile of that version, with a few rows, is opened by
//! the engine (which migrates it), and its schema (`sqlite_master`,
//! normalised, every column and index) and `user_version` are compared with
//! a new profile's; the rows survive, readable through the engine, and what
//! locates or identifies the shopper is sealed.

mod common;

use common::{t, TZ};
use kairos_core::{Engine, EngineConfig};
use rusqlite::Connection;
use std::path::Path;

const KEY: [u8; 32] = [9; 32];
const INSTALL: &str = "0123456789abcdef0123456789abcdef";
/// An engine state as builds up to schema 6 stored it in clear (format 1),
/// captured from a real engine after half an hour at one spot.
const STATE_V6: &str = r#"{"clock":"2026-11-18T11:35:40Z","filter":{"newest":{"at":"2026-11-18T11:35:40Z","lat":34.0611,"lon":-118.301171,"accuracy_m":8.0,"speed_mps":null},"pending":null,"recent":[[1795000000000,4629990490974119055,13861397160670356360],[1795000060000,4629990490974119055,13861397160599987616],[1795000120000,4629990490974119055,13861397160529618872],[1795000180000,4629990490974119055,13861397160459250127],[1795000240000,4629990490974119055,13861397160388881383],[1795000300000,4629990490974119055,13861397160318512639],[1795000360000,4629990490974119055,13861397160248143895],[1795000420000,4629990490974119055,13861397160177775151],[1795000480000,4629990490974119055,13861397160107406407],[1795000540000,4629990490974119055,13861397160037037662],[1795000600000,4629990490974119055,13861397159966668918],[1795000660000,4629990490974119055,13861397159896300174],[1795000720000,4629990490974119055,13861397159825931430],[1795000780000,4629990490974119055,13861397159755562686],[1795000840000,4629990490974119055,13861397159685193942],[1795000900000,4629990490974119055,13861397159614825197],[1795000960000,4629990490974119055,13861397159544456453],[1795001020000,4629990490974119055,13861397159474087709],[1795001080000,4629990490974119055,13861397159403718965],[1795001140000,4629990490974119055,13861397159333350221],[1795001200000,4629990490974119055,13861397159262981476],[1795001260000,4629990490974119055,13861397159192612732],[1795001320000,4629990490974119055,13861397159122243988],[1795001380000,4629990490974119055,13861397159051875244],[1795001440000,4629990490974119055,13861397158981506500],[1795001500000,4629990490974119055,13861397158911137756],[1795001560000,4629990490974119055,13861397158840769011],[1795001620000,4629990490974119055,13861397158770400267],[1795001680000,4629990490974119055,13861397158700031523],[1795001740000,4629990490974119055,13861397158629662779]]},"detector":{"stay":{"frame":{"lat0":34.0611,"lon0":-118.3012,"m_per_deg_lon":92118.5390124841},"sx":40.071564470059016,"sy":0.0,"n":30,"start":"2026-11-18T11:06:40Z","last_inside":"2026-11-18T11:35:40Z","confirmed":true,"outside":null},"last_at":"2026-11-18T11:35:40Z"},"open_visit":{"visit_id":1,"place_id":1,"arrived_at":"2026-11-18T11:06:40Z"},"counter":{"last":null},"activity":{"last_active_end":null,"nudged_stretch":null,"last_driving_at":null},"fences":{"last_fix_at":null,"stays":{}},"near":[],"motion":["2026-11-18T11:35:40Z",0.0],"prev_fix":{"at":"2026-11-18T11:35:40Z","lat":34.0611,"lon":-118.301171,"accuracy_m":8.0,"speed_mps":null},"last_purge":"2026-11-18T11:35:40Z","last_closed_day":"2026-11-17","outbox_dropped":0,"sync_backoff":{"failures":0,"next_at":null},"reminders":{"watched":[],"home":null,"trail":[]}}"#;

/// A value sealed as the engine seals it (AES-256-GCM under [`KEY`],
/// `nonce || ciphertext || tag`, the label as associated data), for the
/// sealed rows of a version-7 profile.
fn seal(label: &str, plain: &[u8]) -> Vec<u8> {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &KEY).unwrap());
    let nonce = [NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed); 12];
    let mut buf = plain.to_vec();
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(label.as_bytes()), &mut buf)
        .unwrap();
    [nonce.as_slice(), &buf, tag.as_ref()].concat()
}

fn f64s(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A routine's track as schema versions 5 to 7 stored it, in clear.
const ROUTINE_TRACK: &str =
    r#"{"occasions":[{"at":"2026-11-18T11:06:40Z","wall":1794974800000}],"visits":1,"cycle":null,"alerts":0}"#;

/// A home visit's times, in milliseconds.
const ARRIVED: i64 = 1_795_000_000_000;
const DEPARTED: i64 = 1_795_003_600_000;

fn fixture(version: u32) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/schema/v{version}.sql"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A profile of schema `version` in `dir`, with a few rows of what that
/// version held.
fn old_profile(dir: &Path, version: u32) {
    let c = Connection::open(dir.join("kairos.db")).unwrap();
    c.execute_batch(&fixture(version)).unwrap();
    c.pragma_update(None, "user_version", version).unwrap();
    if version < 7 {
        c.execute("INSERT INTO meta VALUES ('install_id', ?1)", [format!("\"{INSTALL}\"")]).unwrap();
    }
    if version < 5 {
        c.execute_batch(
            "INSERT INTO fixes VALUES (1795000000000, 34.0611, -118.3012, 8.0, NULL);
             INSERT INTO fixes VALUES (1795000060000, 34.0612, -118.3013, 6.0, 1.5);",
        )
        .unwrap();
    }
    if (2..5).contains(&version) {
        c.execute_batch(
            "INSERT INTO places (lat, lon, kind, visit_count, first_seen, last_seen)
                 VALUES (34.0611, -118.3012, 'home', 1, 1795000000000, 1795003600000);
             INSERT INTO visits (place_id, arrived_at, departed_at, lat, lon)
                 VALUES (1, 1795000000000, 1795003600000, 34.0611, -118.3012);",
        )
        .unwrap();
    }
    if version >= 3 {
        c.execute("INSERT INTO step_days VALUES ('2026-11-18', 4321, NULL)", []).unwrap();
    }
    if version >= 4 {
        c.execute(
            "INSERT INTO offer_instances (offer_id, merchant_id, catalog_place_id, catalog_version, trigger,
                 triggered_at, local_day, expires_at, state, state_at, title, body)
             VALUES ('o1', 'm1', 'p1', 3, 'enter', 1795000000000, '2026-11-18', 1795010000000, 'presented',
                 1795000000000, 'A title', 'A body')",
            [],
        )
        .unwrap();
    }
    if version == 7 {
        let state = format!("{{\"format\":1,\"state\":{STATE_V6}}}");
        for (key, value) in [
            ("install_id", format!("\"{INSTALL}\"")),
            ("engine_state", state),
            ("sync_token", "\"a-token\"".to_string()),
            ("routines_zone", format!("\"{TZ}\"")),
        ] {
            let sealed = seal(&format!("meta/{key}"), value.as_bytes());
            c.execute("INSERT INTO sealed_meta VALUES (?1, ?2)", rusqlite::params![key, sealed]).unwrap();
        }
        c.execute(
            "INSERT INTO places (kind, visit_count, first_seen, last_seen, sealed) VALUES ('home', 1, ?1, ?2, ?3)",
            rusqlite::params![ARRIVED, DEPARTED, seal("places", &f64s(&[34.0611, -118.3012]))],
        )
        .unwrap();
        c.execute(
            "INSERT INTO visits (place_id, arrived_at, departed_at, sealed) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![ARRIVED, DEPARTED, seal("visits", &f64s(&[34.0611, -118.3012]))],
        )
        .unwrap();
    }
    if version >= 5 {
        if version < 7 {
            c.execute_batch(&format!(
                "INSERT INTO meta VALUES ('engine_state', '{}');
                 INSERT INTO meta VALUES ('sync_token', '\"a-token\"');
                 INSERT INTO meta VALUES ('routines_zone', '\"{TZ}\"');",
                STATE_V6.replace('\'', "''")
            ))
            .unwrap();
        }
        c.execute_batch(
            "INSERT INTO consent_ledger (purpose, granted, policy_version, at) VALUES ('activity', 1, '2026-11', 1795000000000);
             INSERT INTO outbox (kind, purpose, day, payload, created_at) VALUES ('deletion', 'visits', NULL, '{\"purpose\":\"visits\"}', 1795000000000);",
        )
        .unwrap();
        c.execute(
            "INSERT INTO routines (id, category, track) VALUES ('category:grocery', 'grocery', ?1)",
            [ROUTINE_TRACK],
        )
        .unwrap();
    }
}

fn open(dir: &Path) -> Engine {
    let mut cfg = EngineConfig::new(dir, TZ);
    cfg.sealing_key = KEY;
    Engine::open(cfg).unwrap()
}

/// Whitespace and letter case removed: `ALTER TABLE` rewrites the stored
/// `CREATE` text, so two equal schemas may be spaced differently.
fn normalised(sql: &str) -> String {
    sql.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// `sqlite_master` normalised, every table's and index's columns, and the
/// `user_version`.
fn schema_of(dir: &Path) -> Vec<String> {
    let c = Connection::open(dir.join("kairos.db")).unwrap();
    let mut out =
        vec![format!("user_version {}", c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap())];
    let objects: Vec<(String, String, String, Option<String>)> = c
        .prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name, table, sql) in objects {
        out.push(format!("{kind} {name} on {table}: {}", sql.as_deref().map(normalised).unwrap_or_default()));
        let pragma = if kind == "table" { "table_xinfo" } else { "index_xinfo" };
        let mut cols = c.prepare(&format!("SELECT * FROM pragma_{pragma}('{name}')")).unwrap();
        let n = cols.column_count();
        let rows: Vec<String> = cols
            .query_map([], |r| Ok((0..n).map(|i| text(r.get_ref(i).unwrap())).collect::<Vec<_>>().join(",")))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.push(format!("  columns {}", rows.join(" | ")));
    }
    out
}

fn text(v: rusqlite::types::ValueRef<'_>) -> String {
    match v {
        rusqlite::types::ValueRef::Text(b) => String::from_utf8_lossy(b).into_owned(),
        other => format!("{other:?}"),
    }
}

/// The lines only one side has, for a readable failure.
fn difference(migrated: &[String], fresh: &[String]) -> String {
    let only = |a: &[String], b: &[String]| a.iter().filter(|l| !b.contains(l)).cloned().collect::<Vec<_>>().join("\n");
    format!("only after migrating:\n{}\nonly in a new profile:\n{}", only(migrated, fresh), only(fresh, migrated))
}

fn fresh_schema() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    schema_of(dir.path())
}

#[test]
fn a_profile_of_every_earlier_version_migrates_to_the_schema_of_a_new_one() {
    let fresh = fresh_schema();
    assert!(fresh[0].ends_with(" 11"), "{}", fresh[0]);
    for version in 1..=7 {
        let dir = tempfile::tempdir().unwrap();
        old_profile(dir.path(), version);
        let e = open(dir.path());
        let export: serde_json::Value = serde_json::from_str(&e.export_profile().unwrap()).unwrap();
        assert_eq!(export["install_id"], INSTALL, "v{version}: the install id survives");
        if version < 5 {
            let fixes = e.raw_fixes(t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z")).unwrap();
            assert_eq!((fixes.len(), fixes[0].lat, fixes[1].speed_mps), (2, 34.0611, Some(1.5)), "v{version}");
        }
        if (2..5).contains(&version) || version == 7 {
            let places = e.places().unwrap();
            assert_eq!((places.len(), places[0].lat, places[0].lon), (1, 34.0611, -118.3012), "v{version}");
            assert_eq!((places[0].first_seen.0, places[0].last_seen.0), (ARRIVED, DEPARTED), "v{version}");
            let visits = e.visits(t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z")).unwrap();
            let times = (visits[0].arrived_at.0, visits[0].departed_at.map(|d| d.0));
            assert_eq!((visits.len(), times), (1, (ARRIVED, Some(DEPARTED))), "v{version}: the times survive, sealed");
        }
        if version >= 3 {
            assert_eq!(export["step_days"][0]["steps"], 4321, "v{version}");
        }
        if version >= 5 {
            assert_eq!(e.clock(), Some(t("2026-11-18T11:35:40Z")), "v{version}: the engine state survives");
            assert_eq!(e.outbox().unwrap().len(), 1, "v{version}");
            assert_eq!(export["routines"][0]["track"]["visits"], 1, "v{version}: the routine survives, sealed");
        }
        drop(e);
        let migrated = schema_of(dir.path());
        assert!(migrated == fresh, "v{version} migrated differs from a new profile: {}", difference(&migrated, &fresh));
        let c = Connection::open(dir.path().join("kairos.db")).unwrap();
        let clear: Vec<String> = c
            .prepare("SELECT key FROM meta ORDER BY key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(clear, ["key_check"], "v{version}: only the key check stays in meta");
    }
}

#[test]
fn a_version_9_profile_s_clear_tiles_are_dropped_unreadable_and_its_schema_is_a_new_one_s() {
    // Schema 9 kept the tiles held in clear: each tile's id as its row's
    // key and its entries (a merchant's JSON, with its places' coordinates)
    // as the body, and the list of tiles (`\0KTILES3`) as the catalog row.
    let dir = tempfile::tempdir().unwrap();
    let c = Connection::open(dir.path().join("kairos.db")).unwrap();
    c.execute_batch(&fixture(9)).unwrap();
    c.pragma_update(None, "user_version", 9).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    let entry = br#"{"id":"corner-cafe","places":[{"fence":{"lat":37.331234,"lon":-121.931234}}]}"#;
    c.execute("INSERT INTO catalog_tiles VALUES ('r6366c2903', 3, ?1)", [&entry[..]]).unwrap();
    let list = [&b"\0KTILES3"[..], b"r6366c2903 r6367c2904"].concat();
    c.execute("INSERT INTO catalog VALUES (1, 3, ?1, 1795000000000)", [list]).unwrap();
    c.execute("INSERT INTO fence_ids VALUES ('corner-cafe-place', 1)", []).unwrap();
    drop(c);
    let unreadable = |when: &str| {
        for name in ["kairos.db", "kairos.db-wal"] {
            let Ok(bytes) = std::fs::read(dir.path().join(name)) else { continue };
            for needle in [&b"r6366c2903"[..], b"r6367c2904", b"37.331234", b"corner-cafe"] {
                let found = bytes.windows(needle.len()).any(|w| w == needle);
                assert!(!found, "{} readable in {name} {when}", String::from_utf8_lossy(needle));
            }
        }
    };
    let e = open(dir.path());
    assert!(e.catalog_tiles().is_none() && e.catalog_info().is_none(), "the tiles come back at the next sync");
    unreadable("with the migrated engine open");
    drop(e);
    unreadable("after the migration");
    let c = Connection::open(dir.path().join("kairos.db")).unwrap();
    let kept: (String, i64) =
        c.query_row("SELECT typeof(place_id), fence_id FROM fence_ids", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(kept, ("blob".to_string(), 1), "the place keeps its fence id, under a keyed place id");
    drop(c);
    let migrated = schema_of(dir.path());
    let fresh = fresh_schema();
    assert!(migrated == fresh, "v9 migrated differs from a new profile: {}", difference(&migrated, &fresh));
}

#[test]
fn a_version_10_profile_s_tiles_signed_over_their_entries_are_dropped_and_its_schema_is_a_new_one_s() {
    // Schema 10 kept each tile held whole in one sealed row, signed over its
    // whole entries (`KTILE2`, which no longer verifies), and the list of
    // tiles as the sealed catalog row.
    let dir = tempfile::tempdir().unwrap();
    let c = Connection::open(dir.path().join("kairos.db")).unwrap();
    c.execute_batch(&fixture(10)).unwrap();
    c.pragma_update(None, "user_version", 10).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    let body = seal("catalog_tiles", b"\x0a\0\0\0r6366c2903 and its entries, signed over them");
    c.execute("INSERT INTO catalog_tiles VALUES (?1, ?2)", rusqlite::params![&[1u8; 16][..], body]).unwrap();
    let list = [&b"\0KSEALD1"[..], &seal("catalog", b"\0KTILES3 the tiles held")].concat();
    c.execute("INSERT INTO catalog VALUES (1, 3, ?1, 1795000000000)", [list]).unwrap();
    c.execute("INSERT INTO fence_ids VALUES (?1, 1)", [&[2u8; 16][..]]).unwrap();
    drop(c);
    let e = open(dir.path());
    assert!(e.catalog_tiles().is_none() && e.catalog_info().is_none(), "the tiles come back at the next sync");
    drop(e);
    let c = Connection::open(dir.path().join("kairos.db")).unwrap();
    let count =
        |table: &str| -> i64 { c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap() };
    assert_eq!((count("catalog_tiles"), count("catalog")), (0, 0), "the tiles and their catalog row are dropped");
    let kept: (Vec<u8>, i64) =
        c.query_row("SELECT place_id, fence_id FROM fence_ids", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(kept, (vec![2u8; 16], 1), "the places keep their fence ids");
    drop(c);
    let migrated = schema_of(dir.path());
    let fresh = fresh_schema();
    assert!(migrated == fresh, "v10 migrated differs from a new profile: {}", difference(&migrated, &fresh));
}

#[test]
fn a_profile_migrated_then_reopened_is_not_migrated_again() {
    let dir = tempfile::tempdir().unwrap();
    old_profile(dir.path(), 4);
    drop(open(dir.path()));
    let once = schema_of(dir.path());
    let e = open(dir.path());
    assert_eq!(e.places().unwrap().len(), 1);
    drop(e);
    assert_eq!(schema_of(dir.path()), once);
}
