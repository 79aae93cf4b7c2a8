//! Times each phase of loading a large catalog, as `Engine::load_catalog`
//! runs them, on the same synthetic catalog as `kairos-sim bench`
//! (100,000 places of 10 per merchant, one `enter` offer each, over a
//! 30 x 30 km square), and the whole `load_catalog` call.
//!
//! `cargo run --release -p kairos-core --example catalog_load_phases [-- OFFERS [RUNS]]`

use base64::Engine as _;
use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, parse_document, sign, validate, Catalog};
use kairos_core::catalog::{CatalogKeys, SignedEnvelope};
use kairos_core::geo::LocalFrame;
use kairos_core::offers::LoadedCatalog;
use kairos_core::{Engine, EngineConfig, Timestamp};
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Counts live heap bytes, so what each step holds can be read exactly.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_mb() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

const ORIGIN: (f64, f64) = (34.05, -118.25);
const NOW_MS: i64 = 1_795_600_800_000;

fn document(offers: usize) -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let frame = LocalFrame::new(ORIGIN.0, ORIGIN.1);
    let merchants: Vec<_> = (0..offers.div_ceil(10))
        .map(|m| {
            let ids = (m * 10)..((m + 1) * 10).min(offers);
            let places: Vec<_> = ids
                .clone()
                .map(|i| {
                    let (lat, lon) = frame.to_lat_lon(rng.random_range(0.0..30e3), rng.random_range(0.0..30e3));
                    let r: f64 = rng.random_range(50.0..300.0);
                    json!({"id": format!("p{i}"), "fence": {"type": "circle", "lat": (lat * 1e6).round() / 1e6,
                           "lon": (lon * 1e6).round() / 1e6, "radius_m": r.round()}})
                })
                .collect();
            let offers: Vec<_> = ids
                .map(|i| {
                    json!({"id": format!("o{i}"), "title": "10% off", "trigger": {"type": "enter"},
                           "claim_window_minutes": 60, "places": [format!("p{i}")]})
                })
                .collect();
            json!({"id": format!("m{m}"), "name": format!("Chain {m}"), "category": "retail",
                   "time_zone": "America/Los_Angeles", "places": places, "offers": offers})
        })
        .collect();
    // The version first, as the backend (and `kairos-sim bench`) writes it.
    let mut out =
        br#"{"version":1,"issued_at":"2026-11-20T00:00:00Z","expires_at":"2027-11-20T00:00:00Z","merchants":"#.to_vec();
    serde_json::to_writer(&mut out, &merchants).unwrap();
    out.push(b'}');
    out
}

/// CPU time of a clock, in seconds: less disturbed than wall time by other
/// processes on a shared machine.
#[cfg(target_os = "linux")]
fn cpu_s(clock: i32) -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { clock_gettime(clock, &mut ts) };
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
fn cpu_s(_clock: i32) -> f64 {
    f64::NAN
}

/// CPU time of this thread, and of the whole process (every thread).
fn cpu() -> (f64, f64) {
    (cpu_s(3), cpu_s(2)) // CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID
}

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let (t, (thread0, process0)) = (Instant::now(), cpu());
    let v = f();
    let (thread1, process1) = cpu();
    let wall_ms = t.elapsed().as_secs_f64() * 1e3;
    let (thread_ms, process_ms) = ((thread1 - thread0) * 1e3, (process1 - process0) * 1e3);
    println!("{label:<34} {wall_ms:>8.1} ms wall {thread_ms:>7.1} ms cpu (this thread) {process_ms:>7.1} ms (all)");
    v
}

fn main() {
    let mut args = std::env::args().skip(1);
    let offers: usize = args.next().map_or(100_000, |a| a.parse().expect("OFFERS"));
    let runs: usize = args.next().map_or(1, |a| a.parse().expect("RUNS"));
    sizes();
    let doc = document(offers);
    let (pkcs8, public) = generate_keypair().unwrap();
    let envelope = sign(&doc, "k", &keypair_from_pkcs8(&pkcs8).unwrap());
    println!("document {:.1} MB, envelope {:.1} MB", doc.len() as f64 / 1e6, envelope.len() as f64 / 1e6);
    let mut keys = CatalogKeys::new();
    keys.insert("k", &public).unwrap();
    let now = Timestamp(NOW_MS);
    if std::env::var_os("READ_ONLY").is_some() {
        // Only the document read (as a load does it), for a profiler.
        let payload = doc.clone();
        for run in 0..runs {
            time(&format!("read_document ({run})"), || kairos_core::internals::read_document(&payload).unwrap());
        }
        return;
    }
    if std::env::var_os("LOAD_ONLY").is_some() {
        // Only the engine's load, for a profiler.
        for run in 0..runs {
            let dir = tempfile::tempdir().unwrap();
            let mut cfg = EngineConfig::new(dir.path(), "America/Los_Angeles");
            cfg.catalog_keys = vec![("k".into(), public.clone())];
            let engine = Engine::open(cfg).unwrap();
            time(&format!("Engine::load_catalog (fresh, {run})"), || engine.load_catalog(&envelope, now).unwrap());
        }
        return;
    }
    for run in 0..runs {
        println!("-- run {run}");
        let env: SignedEnvelope = time("envelope JSON", || serde_json::from_slice(&envelope).unwrap());
        let payload =
            time("base64 payload", || base64::engine::general_purpose::STANDARD.decode(&env.payload).unwrap());
        let sig = base64::engine::general_purpose::STANDARD.decode(&env.signature).unwrap();
        time("ed25519 verify", || {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public).verify(&payload, &sig).unwrap()
        });
        if std::env::var_os("PARSE_PROBE").is_some() {
            time("probe: JSON into IgnoredAny", || serde_json::from_slice::<serde::de::IgnoredAny>(&payload).unwrap());
            let v = time("probe: JSON into Value", || serde_json::from_slice::<serde_json::Value>(&payload).unwrap());
            time("probe: drop Value", || drop(v));
        }
        let plain: Catalog = time("serde parse (no path tracking)", || serde_json::from_slice(&payload).unwrap());
        time("validate", || validate(&plain).unwrap());
        drop(plain);
        time("parse_document (errors only)", || parse_document(&payload).unwrap());
        let pending = time("read_document (as used)", || kairos_core::internals::read_document(&payload).unwrap());
        let positions: Vec<u32> = (1..=pending.place_ids().count() as u32).collect();
        let built = time("  number_fences (fence index)", || pending.number_fences(&positions).unwrap());
        time("  drop the built catalog", || drop(built));
        let base = live_mb();
        let catalog =
            time("verify_and_parse (whole)", || kairos_core::catalog::verify_and_parse(&envelope, &keys, now).unwrap());
        println!("  heap held by the Catalog: {:.1} MiB", live_mb() - base);
        let dir = tempfile::tempdir().unwrap();
        let sealer = kairos_core::internals::Sealer::new(&[7; 32]).unwrap();
        let conn = kairos_core::internals::open_store(dir.path(), &sealer).unwrap().conn;
        let ids = time("fence_ids (fresh db)", || {
            let tx = conn.unchecked_transaction().unwrap();
            let ids = kairos_core::internals::fence_ids(
                &tx,
                catalog.merchants.iter().flat_map(|m| m.places.iter().map(|p| p.id.as_str())),
            )
            .unwrap();
            tx.commit().unwrap();
            ids
        });
        let loaded = time("LoadedCatalog::build", || LoadedCatalog::build(&catalog, &ids).unwrap());
        time("drop the parsed document", || drop(catalog));
        drop(ids);
        let mib = |b: usize| b as f64 / 1048576.0;
        println!(
            "  heap held by the LoadedCatalog: {:.1} MiB counted, {:.1} MiB by heap_bytes (index {:.1} MiB)",
            live_mb() - base,
            mib(loaded.heap_bytes()),
            mib(loaded.index.heap_bytes())
        );
        let (_, stored) = kairos_core::catalog::verify_for_storage(&envelope, &keys, now).unwrap();
        println!("  stored form {:.1} MB", stored.len() as f64 / 1e6);
        let tx = conn.unchecked_transaction().unwrap();
        time("store::catalog::save", || kairos_core::internals::save_catalog(&tx, 1, &stored, now).unwrap());
        time("  commit (with the WAL checkpoint)", || tx.commit().unwrap());
        drop(loaded);
        let mut cfg = EngineConfig::new(dir.path().join("engine"), "America/Los_Angeles");
        cfg.catalog_keys = vec![("k".into(), public.clone())];
        let engine = Engine::open(cfg).unwrap();
        time("Engine::load_catalog (fresh)", || engine.load_catalog(&envelope, now).unwrap());
        time("Engine::load_catalog (again)", || engine.load_catalog(&envelope, now).unwrap());
    }
}

#[allow(dead_code)]
fn sizes() {
    use kairos_core::catalog::*;
    println!(
        "Offer {} Merchant {} MerchantPlace {} Schedule {} Rule {} Caps {} Trigger {} FenceShape {}",
        size_of::<Offer>(),
        size_of::<Merchant>(),
        size_of::<MerchantPlace>(),
        size_of::<Schedule>(),
        size_of::<Rule>(),
        size_of::<Caps>(),
        size_of::<Trigger>(),
        size_of::<kairos_core::fences::FenceShape>(),
    );
}
