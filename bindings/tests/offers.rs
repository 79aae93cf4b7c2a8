//! Offers and replay through the FFI engine, from Rust, with the signed
//! example catalog (the mall in San Jose of the canonical day). The same
//! flows run from Kotlin and Swift in `bindings/kotlin` and `bindings/swift`.

use base64::Engine as _;
use kairos_ffi::{
    parse_track_csv, CatalogKey, Engine, EngineConfig, EventListener, KairosError, KairosEvent, ListenerError,
    LocationFix, OfferState, SensingAccuracy, SensingReason, SuppressionReason,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn envelope() -> Vec<u8> {
    std::fs::read(repo_file("tests/catalogs/example.signed.json")).unwrap()
}

fn test_key() -> CatalogKey {
    let text = std::fs::read_to_string(repo_file("tests/catalogs/test-key.pub")).unwrap();
    let public_key = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap();
    CatalogKey { key_id: "test-key".into(), public_key }
}

/// 2026-11-24 (a Tuesday) at `hh:mm` in Los Angeles; midnight there is
/// 08:00 UTC in November.
fn nov24(hh: u64, mm: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_507_200 + hh * 3600 + mm * 60)
}

fn config(dir: &tempfile::TempDir) -> EngineConfig {
    EngineConfig {
        data_dir: dir.path().to_str().unwrap().into(),
        time_zone: "America/Los_Angeles".into(),
        sealing_key: vec![7; 32],
        step_goal: 7500,
        raw_fix_retention_days: 7,
        stay_radius_m: 100.0,
        min_dwell_minutes: 5,
        gap_threshold_minutes: 15,
        sedentary_minutes: 60,
        waking_hours_start: 8,
        waking_hours_end: 21,
        catalog_keys: vec![test_key()],
        install_id: Some("ffi-tests".into()),
        quiet_hours_start: 21,
        quiet_hours_end: 8,
        offers_per_day: 4,
        min_minutes_between_offers: 30,
        offers_per_merchant_per_day: 2,
        dismissal_cooldown_days: 7,
        notifications_per_day: 6,
        min_minutes_between_notifications: 10,
        relevance_floor: 0.08,
        activity_epsilon: None,
        visits_epsilon: None,
        offers_epsilon: None,
        tile_radius_m: 2_000.0,
    }
}

fn open(dir: &tempfile::TempDir) -> Arc<Engine> {
    Engine::open(config(dir)).unwrap()
}

/// The boutique's polygon spans latitudes 37.32555..37.32580 and
/// longitudes -121.94600..-121.94560 (about 35 m east-west).
const MID_LAT: f64 = 37.325675;
const WEST_EDGE_LON: f64 = -121.946;

/// A walk due east along the boutique's middle, from 60 m west of its west
/// edge to 55 m east of it (20 m past its east edge, short of the food
/// court), at 1.3 m/s, a fix every 5 s, accuracy 8 m.
fn walk(start: SystemTime) -> Vec<LocationFix> {
    let metres_per_degree_lon = 111_320.0 * MID_LAT.to_radians().cos();
    (0..)
        .map(|i| i as f64 * 5.0)
        .map(|s| (s, -60.0 + 1.3 * s))
        .take_while(|&(_, x)| x <= 55.0)
        .map(|(s, x)| LocationFix {
            at: start + Duration::from_secs_f64(s),
            lat: MID_LAT,
            lon: WEST_EDGE_LON + x / metres_per_degree_lon,
            accuracy_m: 8.0,
            speed_mps: Some(1.3),
        })
        .collect()
}

#[derive(Default)]
struct Collect(Mutex<Vec<KairosEvent>>);
impl EventListener for Collect {
    fn on_events(&self, events: Vec<KairosEvent>) -> Result<(), ListenerError> {
        self.0.lock().unwrap().extend(events);
        Ok(())
    }
}

#[test]
fn walking_into_the_open_boutique_triggers_its_offer_and_redeeming_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    let seen = Arc::new(Collect::default());
    let _sub = engine.subscribe(seen.clone());
    let info = engine.load_catalog(envelope(), nov24(10, 0)).unwrap();
    assert_eq!((info.version, info.merchants, info.offers, info.fences), (1, 3, 3, 3));
    assert_eq!(engine.catalog_info().unwrap(), Some(info));
    assert!(matches!(seen.0.lock().unwrap().as_slice(), [KairosEvent::CatalogLoaded { version: 1, .. }]));

    let report = engine.record_locations(walk(nov24(10, 32))).unwrap();
    let triggered: Vec<_> = report
        .events
        .iter()
        .filter_map(|e| match e {
            KairosEvent::OfferTriggered { instance_id, offer_id, at, expires_at, .. } => {
                Some((*instance_id, offer_id.clone(), *at, *expires_at))
            }
            _ => None,
        })
        .collect();
    let [(id, offer_id, at, expires_at)] = triggered.as_slice() else { panic!("{:?}", report.events) };
    assert_eq!(offer_id, "maison-lumiere-20-off");
    assert_eq!(expires_at.duration_since(*at).unwrap(), Duration::from_secs(3 * 3600));
    assert!(seen.0.lock().unwrap().ends_with(&report.events));

    let offers = engine.offers(*at + Duration::from_secs(60)).unwrap();
    assert_eq!((offers.len(), offers[0].id, offers[0].state), (1, *id, OfferState::Triggered));
    let presented = engine.presented(*id, *at + Duration::from_secs(120)).unwrap();
    assert_eq!(presented.state, OfferState::Presented);
    let redeemed = engine.redeemed(*id, *at + Duration::from_secs(1800)).unwrap();
    assert_eq!((redeemed.state, redeemed.state_at), (OfferState::Redeemed, *at + Duration::from_secs(1800)));
    match engine.redeemed(*id, *at + Duration::from_secs(1900)) {
        Err(KairosError::InvalidOfferTransition { instance_id, reason }) => {
            assert_eq!(instance_id, *id);
            assert!(reason.contains("already redeemed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(engine.presented(999, *at), Err(KairosError::UnknownOffer { instance_id: 999, .. })));
    assert!(engine.offers(*at + Duration::from_secs(1900)).unwrap().is_empty());
    assert_eq!(engine.offer_history(nov24(0, 0), nov24(23, 0)).unwrap(), vec![redeemed]);
}

#[test]
fn a_garbage_catalog_is_refused_and_the_one_in_force_stays() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    let info = engine.load_catalog(envelope(), nov24(10, 0)).unwrap();
    let e = engine.load_catalog(b"not a catalog".to_vec(), nov24(10, 1)).unwrap_err();
    assert!(matches!(e, KairosError::InvalidCatalog { .. }), "{e:?}");
    assert_eq!(engine.catalog_info().unwrap(), Some(info));
}

#[test]
fn wake_regions_are_nearest_first() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    assert!(engine.wake_regions(MID_LAT, WEST_EDGE_LON, 20).unwrap().is_empty(), "no catalog yet");
    engine.load_catalog(envelope(), nov24(10, 0)).unwrap();
    let regions = engine.wake_regions(37.332, -121.938, 20).unwrap();
    let ids: Vec<_> = regions.iter().map(|r| r.place_id.as_str()).collect();
    assert_eq!(ids, ["fresh-market-stevens-creek", "valley-food-court-main", "maison-lumiere-valley-mall"]);
    assert_eq!(regions[0].distance_m, 0.0);
    assert!(regions.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
    assert_eq!(engine.wake_regions(37.332, -121.938, 1).unwrap().len(), 1);
    assert!(matches!(engine.wake_regions(37.0, -121.0, -1), Err(KairosError::InvalidInput { .. })));
}

#[test]
fn replaying_a_csv_walk_produces_the_offer_for_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    engine.load_catalog(envelope(), nov24(10, 0)).unwrap();
    let seen = Arc::new(Collect::default());
    let _sub = engine.subscribe(seen.clone());
    let mut csv = String::from("timestamp,lat,lon,accuracy,speed\n");
    for f in walk(nov24(10, 32)) {
        let ms = f.at.duration_since(UNIX_EPOCH).unwrap().as_millis();
        csv.push_str(&format!("{ms},{},{},{},{}\n", f.lat, f.lon, f.accuracy_m, f.speed_mps.unwrap()));
    }
    let fixes = parse_track_csv(csv).unwrap();
    assert_eq!(fixes, walk(nov24(10, 32)));
    let summary = engine.replay(fixes.clone(), Vec::new(), 60_000, Some(nov24(14, 0))).unwrap();
    assert_eq!((summary.fixes_accepted, summary.fixes_rejected), (fixes.len() as i64, 0));
    let seen = seen.0.lock().unwrap();
    assert_eq!(summary.events, seen.len() as i64);
    let names: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            KairosEvent::OfferTriggered { offer_id, .. } => Some(format!("triggered {offer_id}")),
            KairosEvent::OfferExpired { offer_id, .. } => Some(format!("expired {offer_id}")),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["triggered maison-lumiere-20-off", "expired maison-lumiere-20-off"]);
}

#[test]
fn before_opening_hours_the_offer_is_suppressed_with_a_reason_code() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    engine.load_catalog(envelope(), nov24(9, 0)).unwrap();
    let events = engine.record_locations(walk(nov24(9, 45))).unwrap().events;
    let suppressed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            KairosEvent::OfferSuppressed { offer_id, reason, explanation, .. } => {
                Some((offer_id.as_str(), *reason, explanation.as_str()))
            }
            KairosEvent::OfferTriggered { .. } => panic!("{events:?}"),
            _ => None,
        })
        .collect();
    assert_eq!(suppressed.len(), 1, "{events:?}");
    assert_eq!(suppressed[0].0, "maison-lumiere-20-off");
    assert_eq!(suppressed[0].1, SuppressionReason::OutsideSchedule);
    assert_eq!(suppressed[0].2, "outside the offer's schedule or the store's opening hours");
}

#[test]
fn without_catalog_keys_every_catalog_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.catalog_keys.clear();
    let engine = Engine::open(config).unwrap();
    let e = engine.load_catalog(envelope(), nov24(10, 0)).unwrap_err();
    assert!(
        matches!(&e, KairosError::InvalidCatalog { reason } if reason.contains("unknown key \"test-key\"")),
        "{e:?}"
    );
    assert_eq!(engine.catalog_info().unwrap(), None);
}

#[test]
fn the_sensing_plan_crosses_typed_and_its_changes_reach_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir);
    engine.load_catalog(envelope(), nov24(10, 0)).unwrap();
    let first = engine.sensing_plan(nov24(10, 0)).unwrap();
    assert_eq!((first.accuracy, first.reason), (SensingAccuracy::Balanced, SensingReason::Roaming), "{first:?}");
    assert!(first.interval_ms > 0 && first.wake_regions.is_empty(), "no fix yet: no position, no region");

    let seen = Arc::new(Collect::default());
    let _sub = engine.subscribe(seen.clone());
    engine.record_locations(walk(nov24(10, 32))).unwrap();
    let changes: Vec<_> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            KairosEvent::SensingPlanChanged { accuracy, reason, .. } => Some((*accuracy, *reason)),
            _ => None,
        })
        .collect();
    assert!(changes.contains(&(SensingAccuracy::High, SensingReason::InFence)), "{changes:?}");

    let plan = engine.sensing_plan(nov24(10, 34)).unwrap();
    assert_eq!(plan.accuracy, SensingAccuracy::High, "{plan:?}");
    let ids: Vec<_> = plan.wake_regions.iter().map(|r| r.place_id.as_str()).collect();
    assert_eq!(ids.len(), 3, "every catalog place, nearest first: {ids:?}");
    assert!(plan.wake_regions.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
}
