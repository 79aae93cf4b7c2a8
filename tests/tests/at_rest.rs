//! No readable coordinate at rest: days of fixes through the engine leave
//! nothing near the shopper's places in any file of the profile, and the
//! scanner that says so finds every rendering it looks for; nor any
//! readable time of a visit to a private place; nor, on a phone holding a
//! tiled catalog, which tiles it holds or where their places are.

#![forbid(unsafe_code)]

use kairos_core::{Engine, EngineConfig, LocationFix, Timestamp};
use kairos_e2e::scan::{Rendering, Scanner, Target};
use kairos_e2e::scan_times::{self, TimeRendering};
use kairos_e2e::{t, tiled};
use std::path::Path;

const HOME: Target = Target { lat: 34.061_123_4, lon: -118.301_234_5 };
const WORK: Target = Target { lat: 34.072_345_6, lon: -118.262_345_6 };
const CAFE: Target = Target { lat: 34.066_789_1, lon: -118.280_123_4 };
/// Nearby: about 20 m, more than a centroid or a filter moves a position.
const TOLERANCE_DEG: f64 = 2e-4;
const MINUTE_MS: i64 = 60_000;

fn at(t0: Timestamp, minute: i64, p: Target) -> LocationFix {
    LocationFix::new(t0.plus_millis(minute * MINUTE_MS), p.lat, p.lon, 8.0)
}

/// Points from `a` to `b`, `n` steps, ends excluded.
fn between(a: Target, b: Target, n: i64) -> Vec<Target> {
    (1..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            Target { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f }
        })
        .collect()
}

/// Every place the days below go: home, work, the café, the walks.
fn targets() -> Vec<Target> {
    let mut all = vec![HOME, WORK, CAFE];
    all.extend(between(HOME, WORK, 40).into_iter().step_by(4));
    all.extend(between(WORK, CAFE, 20).into_iter().step_by(4));
    all
}

/// Three days at one fix a minute: the night at home, a walk to work, the
/// day at work, a walk home; the last day ends with a walk to the café and
/// half an hour there (a stay under way when the engine closes).
fn record_days(e: &Engine) {
    let first = t("2026-11-23T00:00:00-08:00");
    for day in 0..3 {
        let t0 = first.plus_millis(day * 24 * 60 * MINUTE_MS);
        let mut fixes = Vec::new();
        let mut m = 0;
        let stay = |fixes: &mut Vec<LocationFix>, m: &mut i64, p: Target, minutes: i64| {
            for _ in 0..minutes {
                fixes.push(at(t0, *m, p));
                *m += 1;
            }
        };
        stay(&mut fixes, &mut m, HOME, 8 * 60);
        for p in between(HOME, WORK, 40) {
            stay(&mut fixes, &mut m, p, 1);
        }
        stay(&mut fixes, &mut m, WORK, 8 * 60);
        if day < 2 {
            for p in between(WORK, HOME, 40) {
                stay(&mut fixes, &mut m, p, 1);
            }
            let rest = 24 * 60 - m;
            stay(&mut fixes, &mut m, HOME, rest);
        } else {
            for p in between(WORK, CAFE, 20) {
                stay(&mut fixes, &mut m, p, 1);
            }
            stay(&mut fixes, &mut m, CAFE, 30);
        }
        e.record_locations(&fixes).unwrap();
        e.tick(t0.plus_millis(m * MINUTE_MS)).unwrap();
    }
}

#[test]
fn days_of_fixes_leave_no_coordinate_in_any_file_of_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
        record_days(&e);
        assert!(e.places().unwrap().len() >= 3, "home, work and the café were learned");
        let visits = e.visits(t("2026-11-25T00:00:00-08:00"), t("2026-11-26T00:00:00-08:00")).unwrap();
        assert!(visits.last().unwrap().departed_at.is_none(), "a stay under way at the end: {visits:?}");
        // While the engine is open the latest writes are in the WAL.
        assert!(dir.path().join("kairos.db-wal").exists());
        let hits = Scanner::new(targets(), TOLERANCE_DEG).scan_dir(dir.path()).unwrap();
        assert!(hits.is_empty(), "coordinates in the open profile: {:#?}", &hits[..hits.len().min(20)]);
    }
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|f| f.unwrap().file_name()).collect();
    assert!(!files.is_empty());
    let hits = Scanner::new(targets(), TOLERANCE_DEG).scan_dir(dir.path()).unwrap();
    assert!(hits.is_empty(), "coordinates at rest in {files:?}: {:#?}", &hits[..hits.len().min(20)]);
}

/// A file of random bytes with `inserted` written at offset 1000.
fn noise_with(dir: &Path, name: &str, inserted: &[u8]) -> std::path::PathBuf {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut bytes: Vec<u8> = (0..64 * 1024).map(|_| rng.random()).collect();
    bytes.splice(1000..1000, inserted.iter().copied());
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_scanner_finds_every_rendering_of_a_nearby_coordinate() {
    let dir = tempfile::tempdir().unwrap();
    // 5 m off home: what a centroid or a filtered position would hold.
    let (lat, lon) = (HOME.lat + 4e-5, HOME.lon - 4e-5);
    let scanner = Scanner::new(vec![HOME], TOLERANCE_DEG);
    let pair = |f: &dyn Fn(f64) -> Vec<u8>| [f(lat), f(lon)].concat();
    let cases: Vec<(Rendering, Vec<u8>)> = vec![
        (Rendering::DecimalText, format!("\"lat\":{lat:.3}").into_bytes()),
        (Rendering::MicroDegreesText, format!("{}", (lat * 1e6) as i64).into_bytes()),
        (Rendering::E7DegreesText, format!("x{}y", (lon * 1e7) as i64).into_bytes()),
        (Rendering::F64BitsText, format!("[{}]", lat.to_bits()).into_bytes()),
        (Rendering::F64Le, pair(&|v| v.to_le_bytes().to_vec())),
        (Rendering::F64Be, pair(&|v| v.to_be_bytes().to_vec())),
        (Rendering::F32Le, pair(&|v| (v as f32).to_le_bytes().to_vec())),
        (Rendering::F32Be, pair(&|v| (v as f32).to_be_bytes().to_vec())),
        (Rendering::RadiansF64Le, pair(&|v| v.to_radians().to_le_bytes().to_vec())),
        (Rendering::RadiansF64Be, pair(&|v| v.to_radians().to_be_bytes().to_vec())),
        (Rendering::MicroI32Le, pair(&|v| ((v * 1e6) as i32).to_le_bytes().to_vec())),
        (Rendering::MicroI32Be, pair(&|v| ((v * 1e6) as i32).to_be_bytes().to_vec())),
        (Rendering::E7I32Le, pair(&|v| ((v * 1e7) as i32).to_le_bytes().to_vec())),
        (Rendering::E7I32Be, pair(&|v| ((v * 1e7) as i32).to_be_bytes().to_vec())),
        (Rendering::MicroI64Le, pair(&|v| ((v * 1e6) as i64).to_le_bytes().to_vec())),
        (Rendering::MicroI64Be, pair(&|v| ((v * 1e6) as i64).to_be_bytes().to_vec())),
        (Rendering::E7I64Le, pair(&|v| ((v * 1e7) as i64).to_le_bytes().to_vec())),
        (Rendering::E7I64Be, pair(&|v| ((v * 1e7) as i64).to_be_bytes().to_vec())),
    ];
    assert_eq!(cases.len(), 4 + Rendering::BINARY.len(), "every rendering is tried");
    for (rendering, inserted) in cases {
        let file = noise_with(dir.path(), "f", &inserted);
        let hits = scanner.scan_bytes(&file, &std::fs::read(&file).unwrap());
        assert!(
            hits.iter().any(|h| h.rendering == rendering && (1000..1000 + inserted.len()).contains(&h.offset)),
            "{rendering:?} not found: {hits:?}"
        );
    }
    // The noise alone holds nothing.
    let file = noise_with(dir.path(), "f", b"");
    assert_eq!(scanner.scan_bytes(&file, &std::fs::read(&file).unwrap()), vec![]);
}

#[test]
fn the_scanner_finds_the_coordinate_in_an_engine_state_saved_in_clear() {
    // The state as schema 6 saved it: plain JSON in `meta`, rewritten on
    // every write (the newest fix, the filter's recent fixes as f64 bits).
    let dir = tempfile::tempdir().unwrap();
    let state = serde_json::json!({
        "clock": "2026-11-25T16:30:00Z",
        "filter": {
            "newest": {"at": "2026-11-25T16:30:00Z", "lat": CAFE.lat, "lon": CAFE.lon, "accuracy_m": 8.0},
            "recent": [[1795000000000i64, CAFE.lat.to_bits(), CAFE.lon.to_bits()]],
        },
    });
    let db = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    db.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;").unwrap();
    db.execute("INSERT INTO meta VALUES ('engine_state', ?1)", [state.to_string()]).unwrap();
    drop(db);
    let hits = Scanner::new(targets(), TOLERANCE_DEG).scan_dir(dir.path()).unwrap();
    for rendering in [Rendering::DecimalText, Rendering::F64BitsText] {
        assert!(hits.iter().any(|h| h.rendering == rendering), "{rendering:?} missed: {hits:?}");
    }
}

/// Five nights at home, recorded as visits (as an app passes `CLVisit`s),
/// arriving and leaving at irregular minutes and seconds: every arrival
/// and departure, in milliseconds.
fn record_nights(e: &Engine) -> Vec<i64> {
    let mut times = Vec::new();
    for (day, (arrive, leave)) in [
        ("20:17:43", "07:41:19"),
        ("21:03:11", "07:12:52"),
        ("19:48:27", "08:05:33"),
        ("22:31:05", "06:58:41"),
        ("20:56:38", "07:27:14"),
    ]
    .iter()
    .enumerate()
    {
        let arrived = t(&format!("2026-11-{:02}T{arrive}-08:00", 20 + day));
        let departed = t(&format!("2026-11-{:02}T{leave}-08:00", 21 + day));
        e.record_visit(HOME.lat, HOME.lon, arrived, departed).unwrap();
        times.extend([arrived.0, departed.0]);
    }
    times
}

#[test]
fn nights_at_home_leave_no_readable_time_of_the_visits_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let times = {
        let e = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
        let times = record_nights(&e);
        let places = e.places().unwrap();
        assert_eq!((places.len(), places[0].kind), (1, kairos_core::PlaceKind::Home), "home is learned: {places:?}");
        assert_eq!(e.visits(t("2026-11-20T00:00:00-08:00"), t("2026-11-26T00:00:00-08:00")).unwrap().len(), 5);
        let hits = scan_times::scan_dir(dir.path(), &times).unwrap();
        assert!(hits.is_empty(), "private visit times in the open profile: {hits:#?}");
        times
    };
    let hits = scan_times::scan_dir(dir.path(), &times).unwrap();
    assert!(hits.is_empty(), "private visit times at rest: {hits:#?}");
}

#[test]
fn the_time_scanner_finds_a_private_visit_time_in_the_schema_7_layout() {
    // Schema 7 kept a visit's times in clear integer columns, and its
    // place's first and last seen beside them.
    let dir = tempfile::tempdir().unwrap();
    let (arrived, departed) = (t("2026-11-20T20:17:43-08:00").0, t("2026-11-21T07:41:19-08:00").0);
    let db = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE places (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL DEFAULT 'other',
             first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, sealed BLOB NOT NULL DEFAULT x'');
         CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT, place_id INTEGER NOT NULL,
             arrived_at INTEGER NOT NULL, departed_at INTEGER, sealed BLOB NOT NULL DEFAULT x'');",
    )
    .unwrap();
    db.execute("INSERT INTO places (kind, first_seen, last_seen) VALUES ('home', ?1, ?2)", [arrived, departed])
        .unwrap();
    db.execute("INSERT INTO visits (place_id, arrived_at, departed_at) VALUES (1, ?1, ?2)", [arrived, departed])
        .unwrap();
    drop(db);
    let hits = scan_times::scan_dir(dir.path(), &[arrived, departed]).unwrap();
    for ms in [arrived, departed] {
        assert!(hits.iter().any(|h| h.ms == ms && h.rendering == TimeRendering::Millis48Be), "{ms} missed: {hits:#?}");
    }
}

#[test]
fn the_time_scanner_finds_every_rendering_of_an_instant() {
    let dir = tempfile::tempdir().unwrap();
    let ms = t("2026-11-20T20:17:43.250-08:00").0;
    for rendering in TimeRendering::ALL {
        let file = noise_with(dir.path(), "f", &rendering.bytes(ms));
        let hits = scan_times::scan_bytes(&file, &std::fs::read(&file).unwrap(), &[ms]);
        assert!(hits.iter().any(|h| h.rendering == rendering && h.offset == 1000), "{rendering:?} not found: {hits:?}");
    }
    let file = noise_with(dir.path(), "f", b"");
    assert_eq!(scan_times::scan_bytes(&file, &std::fs::read(&file).unwrap(), &[ms]), vec![]);
}

/// A phone holding a tiled catalog: the tiles around home and work,
/// fetched by its own syncs from the real backend.
async fn holding_tiles() -> (tiled::Published, Vec<String>) {
    let p = tiled::published().await;
    let url = p.b.server.url();
    let start = t("2026-11-24T07:00:00-08:00");
    p.e.record_location(tiled::fix(start, tiled::HOME)).unwrap();
    p.e.sync(&tiled::options(&url), start.plus_millis(1_000)).await.unwrap();
    let at_work = start.plus_millis(2 * 3_600_000);
    p.e.record_location(tiled::fix(at_work, tiled::WORK)).unwrap();
    let report = p.e.sync(&tiled::options(&url), at_work.plus_millis(1_000)).await.unwrap();
    assert!(report.problems.is_empty(), "{report:?}");
    let held = p.e.catalog_tiles().expect("tiles held").held;
    for place in tiled::held_places() {
        let tile = tiled::tile_of(place);
        assert!(held.contains(&tile), "{tile} held: {held:?}");
    }
    assert_eq!(p.e.catalog_info().unwrap().fences, 2, "the places near home and work, not San Francisco's");
    (p, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiled_region_leaves_no_tile_id_and_no_coordinate_of_its_places_in_any_file() {
    let (p, held) = holding_tiles().await;
    let region = tiled::region_tiles();
    let scanner = Scanner::new(tiled::held_places(), TOLERANCE_DEG);
    let ids = tiled::tile_id_hits(p.dir.path(), &region).unwrap();
    assert!(ids.is_empty(), "tile ids of the region in the open profile: {ids:?}");
    let names = tiled::merchant_id_hits(p.dir.path()).unwrap();
    assert!(names.is_empty(), "the region's merchants and places named in the open profile: {names:?}");
    let hits = scanner.scan_dir(p.dir.path()).unwrap();
    assert!(hits.is_empty(), "the region's places in the open profile: {:#?}", &hits[..hits.len().min(10)]);
    let dir = p.dir;
    drop(p.e);
    let ids = tiled::tile_id_hits(dir.path(), &region).unwrap();
    assert!(ids.is_empty(), "tile ids of the region at rest: {ids:?}");
    let names = tiled::merchant_id_hits(dir.path()).unwrap();
    assert!(names.is_empty(), "the region's merchants and places named at rest: {names:?}");
    let hits = scanner.scan_dir(dir.path()).unwrap();
    assert!(hits.is_empty(), "the region's places at rest: {:#?}", &hits[..hits.len().min(10)]);
    // Reopened with its key, the engine reads its tiles back; and after a
    // key rotation, with the new key only.
    let e = Engine::open(kairos_e2e::catalog::config(dir.path(), tiled::INSTALL)).unwrap();
    assert_eq!(e.catalog_tiles().expect("tiles restored").held, held);
    e.rotate_key(&[42; 32]).unwrap();
    drop(e);
    let mut rotated = kairos_e2e::catalog::config(dir.path(), tiled::INSTALL);
    rotated.sealing_key = [42; 32];
    let e = Engine::open(rotated).unwrap();
    assert_eq!(e.catalog_tiles().expect("tiles restored under the new key").held, held);
    assert_eq!(e.catalog_info().unwrap().fences, 2);
    p.b.server.shutdown().await.unwrap();
}

#[test]
fn the_tile_finder_finds_a_tile_id_and_the_scanner_a_place_in_the_clear_tile_rows_of_schema_9() {
    // Schema 9 kept a tile's id as its row's key and its entries (each a
    // merchant's JSON) in clear.
    let dir = tempfile::tempdir().unwrap();
    let (id, cafe) = ("r6366c2903", tiled::PLACES[0].1);
    let entry = format!(r#"{{"id":"corner-cafe","places":[{{"fence":{{"lat":{},"lon":{}}}}}]}}"#, cafe.lat, cafe.lon);
    let db = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE catalog_tiles (tile TEXT PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL);",
    )
    .unwrap();
    db.execute("INSERT INTO catalog_tiles VALUES (?1, 3, ?2)", rusqlite::params![id, entry.as_bytes()]).unwrap();
    drop(db);
    let ids = tiled::tile_id_hits(dir.path(), &[id.to_string()]).unwrap();
    assert!(ids.iter().any(|(_, found, _)| found == id), "{ids:?}");
    let hits = Scanner::new(tiled::held_places(), TOLERANCE_DEG).scan_dir(dir.path()).unwrap();
    assert!(hits.iter().any(|h| h.rendering == Rendering::DecimalText), "{hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fence_of_a_tiled_catalog_is_named_by_its_place_id_in_the_export_though_stored_keyed() {
    let p = tiled::published().await;
    let start = t("2026-11-24T07:00:00-08:00");
    p.e.record_location(tiled::fix(start, tiled::HOME)).unwrap();
    p.e.sync(&tiled::options(&p.b.server.url()), start.plus_millis(1_000)).await.unwrap();
    let cafe = tiled::PLACES[0].1;
    for minute in 1..=3 {
        p.e.record_location(tiled::fix(start.plus_millis(minute * MINUTE_MS), cafe)).unwrap();
    }
    let export: serde_json::Value = serde_json::from_str(&p.e.export_profile().unwrap()).unwrap();
    let named: Vec<&str> =
        export["fence_ids"].as_array().unwrap().iter().filter_map(|f| f["catalog_place_id"].as_str()).collect();
    assert_eq!(named, ["corner-cafe-place"], "{}", export["fence_ids"]);
    p.b.server.shutdown().await.unwrap();
}
