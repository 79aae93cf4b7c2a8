//! Geofence benchmarks on a metropolitan catalog: 100,000 circular fences
//! (radius 50-300 m) spread uniformly over a 30 x 30 km square, and a random
//! drive across it (one fix a second, city speeds, stops at lights).
//!
//! `cargo bench -p kairos-core --bench fences` first prints a report made
//! with its own timing loop (criterion gives means; this gives per-fix
//! percentiles): index build time, per-fix lookup + tracker update latency
//! p50/p99 over 200,000 fixes, the same with a linear scan over every fence,
//! and the index's memory (from a counting allocator, from the index's own
//! estimate, and from the process RSS). Then criterion measures the same
//! operations. `docs/PERFORMANCE.md` records the figures.

use criterion::{BatchSize, Criterion};
use kairos_core::fences::{FenceEvent, FenceHit, FenceId, FenceIndex, FenceShape, FenceTracker};
use kairos_core::geo::LocalFrame;
use kairos_core::{LocationFix, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes, so the index's memory can be measured exactly.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Centre of the metropolitan square (Los Angeles).
const CENTRE: (f64, f64) = (34.05, -118.25);
const FENCES: usize = 100_000;
const HALF_SIDE_M: f64 = 15_000.0;
const FIXES: usize = 200_000;
const SCAN_FIXES: usize = 1_000;
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

fn catalog(n: usize, seed: u64) -> Vec<(FenceId, FenceShape)> {
    let frame = LocalFrame::new(CENTRE.0, CENTRE.1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n as FenceId)
        .map(|id| {
            let (x, y) = (rng.random_range(-HALF_SIDE_M..HALF_SIDE_M), rng.random_range(-HALF_SIDE_M..HALF_SIDE_M));
            let (lat, lon) = frame.to_lat_lon(x, y);
            let radius_m = rng.random_range(50.0..300.0);
            (id, FenceShape::Circle { lat, lon, radius_m })
        })
        .collect()
}

/// A drive between random waypoints at 5-17 m/s (18-60 km/h), stopping
/// at one waypoint in three for 20-90 s; a fix every second with 5-20 m
/// accuracy and as much noise.
fn drive(n: usize, seed: u64) -> Vec<LocationFix> {
    let frame = LocalFrame::new(CENTRE.0, CENTRE.1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pos = (0.0f64, 0.0f64);
    let mut fixes = Vec::with_capacity(n);
    let mut t = T0;
    while fixes.len() < n {
        let to = (rng.random_range(-HALF_SIDE_M..HALF_SIDE_M), rng.random_range(-HALF_SIDE_M..HALF_SIDE_M));
        let speed = rng.random_range(5.0..17.0);
        let dist = (to.0 - pos.0).hypot(to.1 - pos.1);
        let secs = (dist / speed).ceil() as usize;
        let stop = if rng.random_bool(1.0 / 3.0) { rng.random_range(20..90) } else { 0 };
        for k in 1..=secs + stop {
            let f = (k as f64 / secs as f64).min(1.0);
            let p = (pos.0 + f * (to.0 - pos.0), pos.1 + f * (to.1 - pos.1));
            let acc = rng.random_range(5.0..20.0);
            let (a, d) = (rng.random_range(0.0..std::f64::consts::TAU), rng.random_range(0.0..acc));
            let (lat, lon) = frame.to_lat_lon(p.0 + d * a.cos(), p.1 + d * a.sin());
            t += 1_000;
            let mut fix = LocationFix::new(Timestamp(t), lat, lon, acc);
            fix.speed_mps = Some(if k > secs { 0.0 } else { speed });
            fixes.push(fix);
        }
        pos = to;
    }
    fixes.truncate(n);
    fixes
}

fn dwell(_: FenceId) -> Option<i64> {
    Some(5 * 60_000)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The report made with our own timing loop.
fn report() {
    let cat = catalog(FENCES, 1);
    let fixes = drive(FIXES, 2);
    println!("== Geofences: {FENCES} circles (50-300 m) over 30 x 30 km, {FIXES} drive fixes at 1 s ==");

    // (d) Memory: the first build, measured from a clean heap, then (a)
    // build time over five more.
    let (rss0, live0) = (rss_kib(), LIVE.load(Ordering::Relaxed));
    PEAK.store(live0, Ordering::Relaxed);
    let index = FenceIndex::build(cat.iter().map(|(id, s)| (*id, s))).unwrap();
    let (rss1, live1, peak) = (rss_kib(), LIVE.load(Ordering::Relaxed), PEAK.load(Ordering::Relaxed));
    let mut builds = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let again = FenceIndex::build(cat.iter().map(|(id, s)| (*id, s))).unwrap();
        builds.push(start.elapsed());
        black_box(again.len());
    }
    builds.sort();
    println!("build: median {:.1} ms, best {:.1} ms (5 runs)", ms(builds[2]), ms(builds[0]));
    println!(
        "memory: {:.1} MiB held by the index (allocator count), {:.1} MiB by its own estimate \
         (heap_bytes), {:.1} MiB peak during build; RSS +{:.1} MiB",
        mib(live1 - live0),
        mib(index.heap_bytes()),
        mib(peak - live0),
        rss0.zip(rss1).map_or(f64::NAN, |(a, b)| (b.saturating_sub(a)) as f64 / 1024.0)
    );

    // (b) Per fix: lookup + tracker update through the index.
    let mut tracker = FenceTracker::new();
    let mut events: Vec<FenceEvent> = Vec::with_capacity(1024);
    let mut ns = Vec::with_capacity(fixes.len());
    let (mut n_events, mut inside_sum) = (0usize, 0usize);
    for fix in &fixes {
        events.clear();
        let start = Instant::now();
        tracker.update(&index, fix, dwell, &mut events);
        ns.push(start.elapsed().as_nanos() as u64);
        n_events += events.len();
        inside_sum += tracker.inside().count();
    }
    ns.sort_unstable();
    let mean = ns.iter().sum::<u64>() as f64 / ns.len() as f64;
    println!(
        "index lookup + update per fix: p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns, mean {:.0} ns \
         ({:.1} fences inside per fix, {} events)",
        percentile(&ns, 0.5),
        percentile(&ns, 0.99),
        percentile(&ns, 0.999),
        ns[ns.len() - 1],
        mean,
        inside_sum as f64 / fixes.len() as f64,
        n_events
    );

    // Lookup alone.
    let mut hits: Vec<FenceHit> = Vec::with_capacity(256);
    let mut lk = Vec::with_capacity(fixes.len());
    let mut hit_sum = 0;
    for fix in &fixes {
        let start = Instant::now();
        index.lookup(fix.lat, fix.lon, 0.0, &mut hits);
        lk.push(start.elapsed().as_nanos() as u64);
        hit_sum += hits.len();
    }
    lk.sort_unstable();
    println!(
        "index lookup alone: p50 {} ns, p99 {} ns ({:.1} hits per fix)",
        percentile(&lk, 0.5),
        percentile(&lk, 0.99),
        hit_sum as f64 / fixes.len() as f64
    );

    // (c) The same with a linear scan over every fence.
    let mut tracker = FenceTracker::new();
    let mut scan = Vec::with_capacity(SCAN_FIXES);
    for fix in &fixes[..SCAN_FIXES] {
        events.clear();
        let start = Instant::now();
        index.lookup_scan(fix.lat, fix.lon, 0.0, &mut hits);
        tracker.update_with_hits(&index, fix, &hits, dwell, &mut events);
        scan.push(start.elapsed().as_nanos() as u64);
    }
    scan.sort_unstable();
    let scan_mean = scan.iter().sum::<u64>() as f64 / scan.len() as f64;
    println!(
        "linear scan + update per fix ({SCAN_FIXES} fixes): p50 {} ns, p99 {} ns, mean {:.0} ns; \
         index is {:.0}x faster at p50, {:.0}x on the mean",
        percentile(&scan, 0.5),
        percentile(&scan, 0.99),
        scan_mean,
        percentile(&scan, 0.5) as f64 / percentile(&ns, 0.5) as f64,
        scan_mean / mean
    );

    // Wake regions.
    for n in [20, 100] {
        let start = Instant::now();
        for fix in &fixes[..1_000] {
            black_box(index.nearest(fix.lat, fix.lon, n));
        }
        println!("nearest({n}): {:.1} µs per call", start.elapsed().as_secs_f64() * 1e6 / 1_000.0);
    }
    println!();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn benches(c: &mut Criterion) {
    let cat = catalog(FENCES, 1);
    let fixes = drive(20_000, 2);
    let index = FenceIndex::build(cat.iter().map(|(id, s)| (*id, s))).unwrap();
    let mut g = c.benchmark_group("fences");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    g.bench_function("build_100k", |b| {
        b.iter_batched(
            || (),
            |()| FenceIndex::build(cat.iter().map(|(id, s)| (*id, s))).unwrap(),
            BatchSize::PerIteration,
        )
    });
    let (mut tracker, mut events, mut i) = (FenceTracker::new(), Vec::new(), 0usize);
    g.bench_function("lookup_update_per_fix", |b| {
        b.iter(|| {
            events.clear();
            tracker.update(&index, &fixes[i % fixes.len()], dwell, &mut events);
            i += 1;
            // Start the drive again (and its clock) after the last fix.
            if i % fixes.len() == 0 {
                tracker = FenceTracker::new();
            }
        })
    });
    let (mut tracker, mut hits, mut i) = (FenceTracker::new(), Vec::new(), 0usize);
    g.bench_function("scan_update_per_fix", |b| {
        b.iter(|| {
            events.clear();
            let fix = &fixes[i % fixes.len()];
            index.lookup_scan(fix.lat, fix.lon, 0.0, &mut hits);
            tracker.update_with_hits(&index, fix, &hits, dwell, &mut events);
            i += 1;
            if i % fixes.len() == 0 {
                tracker = FenceTracker::new();
            }
        })
    });
    let mut i = 0usize;
    g.bench_function("nearest_20", |b| {
        b.iter(|| {
            let fix = &fixes[i % fixes.len()];
            i += 1;
            index.nearest(fix.lat, fix.lon, 20)
        })
    });
    g.finish();
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test --benches` criterion
    // runs each benchmark once as a smoke test, and the long report is skipped.
    if std::env::args().any(|a| a == "--bench") {
        report();
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
