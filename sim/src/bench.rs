//! `kairos-sim bench`: the engine on a synthetic metropolitan catalog.
//!
//! Builds and signs a catalog of `offers` circular fences (radius 50–300 m,
//! one offer each) spread uniformly over a `area_km` square, and a random
//! drive of `fixes` fixes one second apart at city speeds across it. Then:
//! * `catalog_load_ms`: `Engine::load_catalog` (verify, parse, index, persist),
//!   wall time; `catalog_load_cpu_ms`: the CPU time the process spent in it
//!   (all threads), steadier than wall time on a shared machine;
//! * `catalog_rss_bytes`: the engine's resident memory for the catalog: the
//!   process's RSS (VmRSS) after `load_catalog` minus before, the bench's
//!   own copies of the document already freed, and freed heap memory
//!   handed back to the system before each reading (`malloc_trim`, glibc);
//!   `catalog_rss_untrimmed_bytes`: the same without handing memory back
//!   (it includes what the allocator keeps from the load's transient
//!   buffers); `catalog_heap_bytes`: the loaded catalog's own count of its
//!   heap ([`LoadedCatalog::heap_bytes`]);
//! * `eval_p50_ns` / `eval_p99_ns`: per-fix evaluation, the fence lookup and
//!   transition tracking the engine runs on every fix
//!   ([`kairos_core::offers::LoadedCatalog::track`]), timed per fix;
//! * `fixes_per_sec`: the whole engine path, `Engine::record_locations` in
//!   batches of 1,000 (validation, visits, fences, offers, persistence);
//! * `mean_hits_per_fix`: fences containing each fix, on average;
//! * `peak_rss_bytes`: the process's peak resident memory (VmHWM), which
//!   includes the bench's own copies of the document and the envelope.

use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, sign, Catalog};
use kairos_core::fences::FenceTracker;
use kairos_core::geo::LocalFrame;
use kairos_core::offers::LoadedCatalog;
use kairos_core::{Engine, EngineConfig, LocationFix, Timestamp};
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::time::Instant;

/// The figures `bench` prints.
#[derive(Debug, serde::Serialize)]
pub struct Figures {
    /// Whole-engine throughput.
    pub fixes_per_sec: f64,
    /// Median per-fix evaluation time.
    pub eval_p50_ns: u64,
    /// 99th percentile per-fix evaluation time.
    pub eval_p99_ns: u64,
    /// Mean number of fences containing a fix.
    pub mean_hits_per_fix: f64,
    /// Time to load the signed catalog into the engine.
    pub catalog_load_ms: f64,
    /// Peak resident memory of the process.
    pub peak_rss_bytes: u64,
    /// CPU time of the process (all threads) during the catalog load.
    pub catalog_load_cpu_ms: f64,
    /// Resident memory the engine holds for the catalog (RSS after the
    /// load minus before, freed memory handed back before each reading).
    pub catalog_rss_bytes: u64,
    /// The same, without handing freed memory back first.
    pub catalog_rss_untrimmed_bytes: u64,
    /// Heap bytes of the loaded catalog, by its own count.
    pub catalog_heap_bytes: u64,
    /// Fences in the catalog.
    pub offers: usize,
    /// Fixes replayed.
    pub fixes: usize,
    /// Side of the area in km.
    pub area_km: f64,
}

const ORIGIN: (f64, f64) = (34.05, -118.25);
const START_MS: i64 = 1_795_600_800_000; // 2026-11-24T08:00:00Z

/// Places per merchant: the catalog is made of chains, as a metropolitan
/// catalog is (and as the catalog's merchant limit requires).
const PLACES_PER_MERCHANT: usize = 10;

/// The catalog document's JSON bytes, written merchant by merchant (a
/// `serde_json::Value` of the whole catalog would take hundreds of MB and
/// dominate the peak RSS the bench reports).
fn catalog_doc(offers: usize, area_m: f64, rng: &mut impl rand::Rng) -> Vec<u8> {
    let frame = LocalFrame::new(ORIGIN.0, ORIGIN.1);
    let mut out =
        br#"{"version":1,"issued_at":"2026-11-20T00:00:00Z","expires_at":"2027-11-20T00:00:00Z","merchants":["#
            .to_vec();
    for m in 0..offers.div_ceil(PLACES_PER_MERCHANT) {
        let ids = (m * PLACES_PER_MERCHANT)..((m + 1) * PLACES_PER_MERCHANT).min(offers);
        let places: Vec<_> = ids
            .clone()
            .map(|i| {
                let (lat, lon) = frame.to_lat_lon(rng.random_range(0.0..area_m), rng.random_range(0.0..area_m));
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
        let merchant = json!({"id": format!("m{m}"), "name": format!("Chain {m}"), "category": "retail",
               "time_zone": "America/Los_Angeles", "places": places, "offers": offers});
        if m > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &merchant).expect("a JSON value always serialises");
    }
    out.extend_from_slice(b"]}");
    out
}

/// A drive across the square: straight legs between random waypoints at
/// 8–17 m/s, one fix per second.
fn drive(fixes: usize, area_m: f64, rng: &mut impl rand::Rng) -> Vec<LocationFix> {
    let frame = LocalFrame::new(ORIGIN.0, ORIGIN.1);
    let mut pos = (rng.random_range(0.0..area_m), rng.random_range(0.0..area_m));
    let mut out = Vec::with_capacity(fixes);
    while out.len() < fixes {
        let to = (rng.random_range(0.0..area_m), rng.random_range(0.0..area_m));
        let speed = rng.random_range(8.0..17.0);
        let len = ((to.0 - pos.0).powi(2) + (to.1 - pos.1).powi(2)).sqrt();
        let steps = (len / speed).ceil().max(1.0) as usize;
        for s in 1..=steps {
            if out.len() == fixes {
                break;
            }
            let f = s as f64 / steps as f64;
            let (lat, lon) = frame.to_lat_lon(pos.0 + (to.0 - pos.0) * f, pos.1 + (to.1 - pos.1) * f);
            let mut fix = LocationFix::new(Timestamp(START_MS + out.len() as i64 * 1000), lat, lon, 10.0);
            fix.speed_mps = Some(speed);
            out.push(fix);
        }
        pos = to;
    }
    out
}

/// A figure of `/proc/self/status` (`VmHWM`, `VmRSS`) in bytes; 0 where
/// there is none.
fn proc_status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or(0, |kb| kb * 1024)
}

pub(crate) fn peak_rss_bytes() -> u64 {
    proc_status_bytes("VmHWM:")
}

/// The process's resident memory now; with `trim`, after handing freed
/// heap memory back to the system first (glibc keeps freed memory in its
/// arenas, where RSS still counts it).
fn rss_bytes(trim: bool) -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if trim {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free memory.
        unsafe { malloc_trim(0) };
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = trim;
    proc_status_bytes("VmRSS:")
}

/// CPU time of the whole process so far (every thread), in seconds.
fn process_cpu_s() -> f64 {
    #[cfg(target_os = "linux")]
    {
        #[repr(C)]
        struct Timespec {
            sec: i64,
            nsec: i64,
        }
        extern "C" {
            fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
        }
        const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
        let mut ts = Timespec { sec: 0, nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec.
        unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        ts.sec as f64 + ts.nsec as f64 * 1e-9
    }
    #[cfg(not(target_os = "linux"))]
    f64::NAN
}

/// Runs the benchmark.
pub fn run(offers: usize, fixes: usize, area_km: f64) -> Result<Figures, String> {
    let area_m = area_km * 1000.0;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let doc = catalog_doc(offers, area_m, &mut rng);
    let track = drive(fixes, area_m, &mut rng);
    let (pkcs8, public) = generate_keypair().map_err(|e| e.to_string())?;
    let envelope = sign(&doc, "bench", &keypair_from_pkcs8(&pkcs8).map_err(|e| e.to_string())?);
    drop(doc);

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cfg = EngineConfig::new(dir.path(), "America/Los_Angeles");
    cfg.catalog_keys = vec![("bench".into(), public.clone())];
    let engine = Engine::open(cfg).map_err(|e| e.to_string())?;
    let now = Timestamp(START_MS);
    // Only the envelope and the drive are held here now; both stay until
    // after the second reading, so the difference is the engine's.
    let rss_before = rss_bytes(true);
    let (t0, cpu0) = (Instant::now(), process_cpu_s());
    engine.load_catalog(&envelope, now).map_err(|e| e.to_string())?;
    let catalog_load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let catalog_load_cpu_ms = (process_cpu_s() - cpu0) * 1e3;
    let rss_after_untrimmed = rss_bytes(false);
    let catalog_rss_bytes = rss_bytes(true).saturating_sub(rss_before);
    let catalog_rss_untrimmed_bytes = rss_after_untrimmed.saturating_sub(rss_before);

    // Per-fix evaluation: the engine's fence step, timed fix by fix, on a
    // second LoadedCatalog built the way the engine builds its own.
    let mut keys = kairos_core::catalog::CatalogKeys::new();
    keys.insert("bench", &public).map_err(|e| e.to_string())?;
    let catalog: Catalog = kairos_core::catalog::verify_and_parse(&envelope, &keys, now).map_err(|e| e.to_string())?;
    drop(envelope);
    let ids: Vec<u32> = (1..=offers as u32).collect();
    let loaded = LoadedCatalog::build(&catalog, &ids).map_err(|e| e.to_string())?;
    drop(catalog);
    let catalog_heap_bytes = loaded.heap_bytes() as u64;
    let mut tracker = FenceTracker::new();
    let (mut hits, mut transitions) = (Vec::new(), Vec::new());
    let mut samples = Vec::with_capacity(track.len());
    let mut inside_total = 0usize;
    for fix in &track {
        let t = Instant::now();
        loaded.track(&mut tracker, fix, &mut hits, &mut transitions);
        samples.push(t.elapsed().as_nanos() as u64);
        inside_total += hits.iter().filter(|h| h.distance_m <= 0.0).count();
        transitions.clear();
    }
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    drop(loaded);

    // The whole engine path.
    let t0 = Instant::now();
    for batch in track.chunks(1000) {
        engine.record_locations(batch).map_err(|e| e.to_string())?;
    }
    let fixes_per_sec = track.len() as f64 / t0.elapsed().as_secs_f64();

    Ok(Figures {
        fixes_per_sec,
        eval_p50_ns: pct(0.50),
        eval_p99_ns: pct(0.99),
        mean_hits_per_fix: inside_total as f64 / track.len().max(1) as f64,
        catalog_load_ms,
        peak_rss_bytes: peak_rss_bytes(),
        catalog_load_cpu_ms,
        catalog_rss_bytes,
        catalog_rss_untrimmed_bytes,
        catalog_heap_bytes,
        offers,
        fixes: track.len(),
        area_km,
    })
}

impl Figures {
    /// The figures as text, one a line.
    pub fn print_text(&self) {
        let mb = |b: u64| b as f64 / 1e6;
        println!(
            "catalog: {} fences over {} x {} km; drive: {} fixes",
            self.offers, self.area_km, self.area_km, self.fixes
        );
        println!(
            "catalog load      {:>12.1} ms ({:.1} ms CPU, all threads)",
            self.catalog_load_ms, self.catalog_load_cpu_ms
        );
        println!(
            "catalog memory    {:>12.1} MB resident ({:.1} MB before freed memory is handed back; {:.1} MB heap)",
            mb(self.catalog_rss_bytes),
            mb(self.catalog_rss_untrimmed_bytes),
            mb(self.catalog_heap_bytes)
        );
        println!("eval p50          {:>12} ns", self.eval_p50_ns);
        println!("eval p99          {:>12} ns", self.eval_p99_ns);
        println!("mean hits/fix     {:>12.3}", self.mean_hits_per_fix);
        println!("engine throughput {:>12.0} fixes/s", self.fixes_per_sec);
        println!("peak RSS          {:>12.1} MB", mb(self.peak_rss_bytes));
    }
}
