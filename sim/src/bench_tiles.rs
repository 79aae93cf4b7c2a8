//! `kairos-sim bench-tiles`: a national catalog cut into tiles (issue #17,
//! ADR 0012). N places clustered in cities over a K × K km square are
//! published as tiles by the reference backend on loopback; one device
//! lives a month there (home, work, an errand, a trip to another city),
//! syncing each night through its own sync client while 1% of offers
//! change each day. Figures (one JSON object with `--json`):
//!
//! * `device_catalog_rss_bytes`: the device's catalog memory: the heap of
//!   the catalog its engine evaluates, built from its tiles, as the engine
//!   reports it (`Engine::catalog_tiles`; the tiles' bytes stay in its
//!   store, not in memory; an RSS difference cannot isolate it in a
//!   process that also holds the national catalog and the backend);
//!   `device_tile_bytes`: the bytes of the tiles it holds, in its store;
//! * `device_tiles_held`; `tile_load_ms` (p50, p99): the device's own
//!   time in each nightly sync that loaded tiles (decoding the answers,
//!   each arriving tile's signature, the patch or build, the index, the
//!   store's commit): the sync's wall time less the time it waited on its
//!   transport (the reference backend answering in this same process, and
//!   loopback), which a phone spends waiting on the network, not loading;
//!   `tile_sync_ms` (p50, p99): those syncs whole, waits included. The
//!   device runs on a thread of its own, so that it allocates from a
//!   malloc arena of its own, not the one the backend's publications free
//!   hundreds of MB into each day (see `Device`);
//! * `first_sync_bytes`, `daily_sync_bytes` (p50, p99): bytes on the wire
//!   (request and answer bodies) of the first and of the later syncs;
//! * `eval_p50_ns`, `eval_p99_ns`: per-fix fence evaluation of the month's
//!   fixes on the device's merged catalog (rebuilt from the tiles it holds
//!   and timed on the device's thread: built in the arena the backend's
//!   publications fragment, the same catalog's evaluation varied from 1.2
//!   to 1.9 µs p50 between runs);
//! * `backend_tile_build_ms`: cutting, checking and signing the catalog
//!   (the first publication); `backend_tiles_per_sec`: `GET` of tiles
//!   drawn at random from every published tile (most are small, a few
//!   city-centre tiles are large, as installs across the country would
//!   ask), 16 at a time, over keep-alive connections on loopback (SQLite).
//!
//! Progress goes to stderr, one line a phase with the seconds since the
//! start (generation, the first publication and its storing, each day's
//! publication and sync), so a long run (1,000,000 places: 12 to 43 minutes
//! on the shared 2-core machine) shows where its wall time goes; the
//! figures are unchanged by it. The whole process's peak RSS
//! (`peak_rss_bytes`, 5–6 GB at 1M) is the national catalog (held all
//! month: each day's changes are made to it and it is published again)
//! and its publications (the whole cut, then every entry's JSON and the
//! rows to store); it is not the device's memory, which is
//! `device_catalog_rss_bytes`.

use crate::bench::peak_rss_bytes;
use kairos_backend::limits::ServerLimits;
use kairos_backend::server::ServerBuilder;
use kairos_backend::storage::{SqliteStorage, Storage};
use kairos_backend::tile_publishing::build;
use kairos_core::catalog::tiles::{decode_pack, merge};
use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, Catalog, Merchant, MerchantPlace, Offer};
use kairos_core::fences::{FenceShape, FenceTracker};
use kairos_core::offers::LoadedCatalog;
use kairos_core::sync::{
    HttpMethod, HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, SyncOptions, TransportFuture,
};
use kairos_core::{Engine, EngineConfig, LocationFix, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const LAT0: f64 = 39.0;
const LON0: f64 = -98.0;
const M_PER_DEG: f64 = 111_320.0;
const DAY_MS: i64 = 86_400_000;
/// 2026-11-02T00:00:00-06:00 (Chicago).
const START_MS: i64 = 1_793_599_200_000;

/// A distribution: its median and 99th percentile.
#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
}

impl Percentiles {
    fn of(values: &mut [f64]) -> Percentiles {
        values.sort_by(f64::total_cmp);
        let at =
            |p: f64| values.get(((values.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or(f64::NAN);
        Percentiles { p50: at(0.5), p99: at(0.99) }
    }
}

/// The figures.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub device_catalog_rss_bytes: u64,
    pub device_tiles_held: usize,
    pub device_tile_bytes: u64,
    pub tile_load_ms: Percentiles,
    pub tile_sync_ms: Percentiles,
    pub first_sync_bytes: u64,
    pub daily_sync_bytes: Percentiles,
    pub eval_p50_ns: u64,
    pub eval_p99_ns: u64,
    pub backend_tile_build_ms: f64,
    pub backend_tiles_per_sec: f64,
    pub tiles_published: usize,
    pub places: usize,
    pub area_km: f64,
    pub peak_rss_bytes: u64,
}

/// A transport counting the bytes of request and answer bodies, and the
/// time spent waiting for answers.
struct Counting {
    inner: ReqwestTransport,
    bytes: AtomicU64,
    waited_ns: AtomicU64,
}

impl HttpTransport for Counting {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.bytes.fetch_add(request.body.len() as u64, Ordering::Relaxed);
        Box::pin(async move {
            let t = Instant::now();
            let resp = self.inner.send(request).await;
            self.waited_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
            let resp: HttpResponse = resp?;
            self.bytes.fetch_add(resp.body.len() as u64, Ordering::Relaxed);
            Ok(resp)
        })
    }
}

/// The places of the device's month.
#[derive(Clone, Copy)]
struct Life {
    home: (f64, f64),
    work: (f64, f64),
    shop: (f64, f64),
    /// The city of the trip (day 15).
    away: (f64, f64),
}

/// What the device's month came to.
struct Month {
    loads: Vec<f64>,
    syncs: Vec<f64>,
    daily: Vec<f64>,
    first_sync_bytes: u64,
    /// Per-fix evaluation of the month's fixes on the catalog of the tiles
    /// held at its end, in ns, sorted.
    eval_ns: Vec<u64>,
    /// The heap of that catalog, rebuilt by the bench.
    rebuilt_heap_bytes: usize,
}

/// The tiles held at the month's end, as the backend serves them (one pack
/// each), and the catalog's version and dates, for the evaluation.
struct Held {
    packs: Vec<Vec<u8>>,
    version: u64,
    issued_at: Timestamp,
    expires_at: Timestamp,
}

/// The device: its engine, its sync client, on a thread of its own. A
/// phone's engine shares no process with a national backend; here the
/// backend's publications free hundreds of MB on the main thread each
/// day, and glibc's next allocation in that thread's arena sorted every
/// block freed (perf at 1,000,000 places: ~36 ms of `_int_malloc` inside
/// the device's first store read of each sync, counted as its own time).
/// On a thread of its own the device allocates from an arena of its own.
struct Device<'a> {
    engine: &'a Engine,
    transport: &'a Counting,
    opts: &'a SyncOptions,
    rt: &'a tokio::runtime::Runtime,
}

impl Device<'_> {
    /// Lives the month: for each day `published` names (the backend has
    /// published that day's catalog), syncs, then records the day's fixes,
    /// and says so on `synced`. Then times the per-fix evaluation of the
    /// month's fixes on the catalog of the tiles `held` (built here, so
    /// that it too lives in the device's arena).
    fn month(
        self,
        life: Life,
        published: std::sync::mpsc::Receiver<i64>,
        synced: std::sync::mpsc::Sender<()>,
        held: std::sync::mpsc::Receiver<Held>,
        progress: &(dyn Fn(std::fmt::Arguments<'_>) + Sync),
    ) -> Result<Month, String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let Device { engine, transport, opts, rt } = self;
        let Life { home, work, shop, away } = life;
        let mut m = Month {
            loads: Vec::new(),
            syncs: Vec::new(),
            daily: Vec::new(),
            first_sync_bytes: 0,
            eval_ns: Vec::new(),
            rebuilt_heap_bytes: 0,
        };
        let mut month = Vec::new();
        engine.record_location(LocationFix::new(Timestamp(START_MS), home.0, home.1, 10.0)).map_err(|e| err(&e))?;
        for d in published {
            let before = transport.bytes.load(Ordering::Relaxed);
            let waited_before = transport.waited_ns.load(Ordering::Relaxed);
            let t = Instant::now();
            let report = rt
                .block_on(engine.sync_with(opts, transport, Timestamp(START_MS + d * DAY_MS + 2 * 3_600_000)))
                .map_err(|e| err(&e))?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let waited_ms = (transport.waited_ns.load(Ordering::Relaxed) - waited_before) as f64 / 1e6;
            let bytes = transport.bytes.load(Ordering::Relaxed) - before;
            if report.catalog_updated {
                m.loads.push(ms - waited_ms);
                m.syncs.push(ms);
            }
            for problem in &report.problems {
                eprintln!("bench-tiles: day {d}: sync: {problem}");
            }
            if d == 0 {
                m.first_sync_bytes = bytes;
            } else {
                m.daily.push(bytes as f64);
            }
            progress(format_args!(
                "day {d}: synced in {ms:.0} ms ({waited_ms:.0} ms waiting on the backend), {bytes} bytes"
            ));
            let fixes = day(d, home, work, shop, (d == 15).then_some(away));
            engine.record_locations(&fixes).map_err(|e| err(&e))?;
            month.extend(fixes);
            if synced.send(()).is_err() {
                break;
            }
        }
        let held = held.recv().map_err(|_| "the tiles held never came".to_string())?;
        (m.eval_ns, m.rebuilt_heap_bytes) = evaluate(&held, &month)?;
        Ok(m)
    }
}

/// Rebuilds the catalog of the tiles `held` and times the evaluation of
/// each of `fixes` on it: the sorted times in ns, and its heap bytes.
fn evaluate(held: &Held, fixes: &[LocationFix]) -> Result<(Vec<u64>, usize), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut tiles: Vec<Catalog> = Vec::new();
    for packed in &held.packs {
        for u in decode_pack(packed, usize::MAX).map_err(|e| err(&e))? {
            let merchants =
                u.upserts.iter().map(|e| serde_json::from_slice(e)).collect::<Result<_, _>>().map_err(|e| err(&e))?;
            tiles.push(Catalog {
                version: held.version,
                issued_at: held.issued_at,
                expires_at: held.expires_at,
                merchants,
            });
        }
    }
    let merged = merge(&tiles, held.version, held.issued_at, held.expires_at);
    let fence_ids: Vec<u32> = (1..=merged.merchants.iter().map(|m| m.places.len()).sum::<usize>() as u32).collect();
    let loaded = LoadedCatalog::build(&merged, &fence_ids).map_err(|e| err(&e))?;
    let mut tracker = FenceTracker::new();
    let (mut hits, mut transitions, mut samples) = (Vec::new(), Vec::new(), Vec::with_capacity(fixes.len()));
    for fix in fixes {
        let t = Instant::now();
        loaded.track(&mut tracker, fix, &mut hits, &mut transitions);
        samples.push(t.elapsed().as_nanos() as u64);
        transitions.clear();
    }
    samples.sort_unstable();
    Ok((samples, loaded.heap_bytes()))
}

fn point(centre: (f64, f64), east_m: f64, north_m: f64) -> (f64, f64) {
    (centre.0 + north_m / M_PER_DEG, centre.1 + east_m / (M_PER_DEG * centre.0.to_radians().cos()))
}

/// Cities (centre, share of places, spread in metres), largest first.
fn cities(places: usize, area_m: f64, rng: &mut ChaCha8Rng) -> Vec<((f64, f64), f64, f64)> {
    let n = (places / 10_000).clamp(2, 200);
    let weights: Vec<f64> = (0..n).map(|i| 1.0 / (i as f64 + 1.0).powf(0.9)).collect();
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| {
            let c = point((LAT0, LON0), rng.random_range(-0.45..0.45) * area_m, rng.random_range(-0.45..0.45) * area_m);
            (c, w / total, 1_500.0 + 6_000.0 * (w / weights[0]).sqrt())
        })
        .collect()
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random_range(0.0..1.0));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The national catalog: one merchant per place, one offer each.
fn catalog(places: usize, cities: &[((f64, f64), f64, f64)], rng: &mut ChaCha8Rng) -> Catalog {
    let template: Offer = serde_json::from_value(serde_json::json!({
        "id": "o", "title": "10% off", "trigger": {"type": "enter"}, "claim_window_minutes": 120
    }))
    .expect("a valid offer");
    let mut merchants = Vec::with_capacity(places);
    let mut city = 0;
    let mut left = (cities[0].1 * places as f64).ceil() as usize;
    for i in 0..places {
        while left == 0 && city + 1 < cities.len() {
            city += 1;
            left = (cities[city].1 * places as f64).ceil() as usize;
        }
        left = left.saturating_sub(1);
        let (centre, _, spread) = cities[city];
        let (lat, lon) = point(centre, gaussian(rng) * spread, gaussian(rng) * spread);
        merchants.push(Merchant {
            id: format!("m{i}"),
            name: format!("Shop {i}"),
            category: "retail".into(),
            time_zone: chrono_tz::America::Chicago,
            attributes: Default::default(),
            places: vec![MerchantPlace {
                id: format!("p{i}"),
                fence: FenceShape::Circle { lat, lon, radius_m: rng.random_range(30.0..120.0) },
                opening_hours: Vec::new(),
            }],
            offers: vec![Offer { id: format!("o{i}"), ..template.clone() }],
        });
    }
    Catalog {
        version: 1,
        issued_at: Timestamp(START_MS - DAY_MS),
        expires_at: Timestamp(START_MS + 60 * DAY_MS),
        merchants,
    }
}

/// One day of the device: home, a drive to work, work, an errand, home;
/// on `trip` days, a drive to `away` and a night there.
fn day(d: i64, home: (f64, f64), work: (f64, f64), shop: (f64, f64), away: Option<(f64, f64)>) -> Vec<LocationFix> {
    let t0 = START_MS + d * DAY_MS;
    let mut fixes = Vec::new();
    let mut at = |ms: i64, p: (f64, f64), speed: f64| {
        fixes.push(LocationFix { speed_mps: Some(speed), ..LocationFix::new(Timestamp(t0 + ms), p.0, p.1, 10.0) });
    };
    let min = 60_000;
    let stay = |at: &mut dyn FnMut(i64, (f64, f64), f64), from: i64, to: i64, p: (f64, f64)| {
        (from..to).step_by(10).for_each(|m| at(m * min, p, 0.0));
    };
    let drive = |at: &mut dyn FnMut(i64, (f64, f64), f64), from: i64, mins: i64, a: (f64, f64), b: (f64, f64)| {
        for s in 0..mins * 2 {
            let f = s as f64 / (mins * 2) as f64;
            at(from * min + s * 30_000, (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f), 15.0);
        }
    };
    stay(&mut at, 0, 450, home);
    match away {
        Some(city) => {
            // At 25 m/s (90 km/h): the jump rule refuses faster travel.
            let km = kairos_core::geo::distance_m(home.0, home.1, city.0, city.1) / 1000.0;
            let mins = ((km / 90.0 * 60.0).ceil() as i64).clamp(10, 900);
            drive(&mut at, 450, mins, home, city);
            stay(&mut at, 450 + mins, 1440, city);
        }
        None => {
            drive(&mut at, 450, 30, home, work);
            stay(&mut at, 480, 1020, work);
            drive(&mut at, 1020, 20, work, shop);
            stay(&mut at, 1040, 1060, shop);
            drive(&mut at, 1060, 20, shop, home);
            stay(&mut at, 1080, 1440, home);
        }
    }
    fixes
}

/// Runs the benchmark.
pub fn run(places: usize, area_km: f64) -> Result<Figures, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let wall = Instant::now();
    let progress =
        |what: std::fmt::Arguments<'_>| eprintln!("bench-tiles: {:>6.1} s: {what}", wall.elapsed().as_secs_f64());
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let towns = cities(places, area_km * 1000.0, &mut rng);
    let mut national = catalog(places, &towns, &mut rng);
    progress(format_args!("{places} places generated"));
    let (pkcs8, public) = generate_keypair().map_err(|e| err(&e))?;
    let key = keypair_from_pkcs8(&pkcs8).map_err(|e| err(&e))?;
    let dir = tempfile::tempdir().map_err(|e| err(&e))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| err(&e))?;
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir.path().join("backend.db")).map_err(|e| err(&e))?);

    let first = build(&national, Default::default(), "bench", &key).map_err(|e| err(&e))?;
    let backend_tile_build_ms = first.build_ms;
    let tiles_published = first.tiles;
    let mut index = first.index;
    progress(format_args!("{tiles_published} tiles cut and signed in {backend_tile_build_ms:.0} ms"));
    rt.block_on(storage.set_tiles(first.write)).map_err(|e| err(&e))?;
    progress(format_args!("tiles stored"));
    let mut server = rt
        .block_on(ServerBuilder::new(storage.clone()).limits(ServerLimits::unmetered()).bind("127.0.0.1:0"))
        .map_err(|e| err(&e))?;
    let url = server.url();
    let stop = server.stopper();
    rt.spawn(async move { server.wait().await });

    // The device.
    let mut cfg = EngineConfig::new(dir.path().join("device"), "America/Chicago");
    cfg.catalog_keys = vec![("bench".into(), public)];
    let engine = Engine::open(cfg).map_err(|e| err(&e))?;
    let transport = Counting {
        inner: ReqwestTransport::new().map_err(|e| err(&e))?,
        bytes: AtomicU64::new(0),
        waited_ns: AtomicU64::new(0),
    };
    let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new(&url) };
    let home_city = towns[0].0;
    let (home, work, shop) =
        (point(home_city, 2_000.0, 1_000.0), point(home_city, -3_000.0, 500.0), point(home_city, 500.0, -1_500.0));
    let places_of_her_life = Life { home, work, shop, away: towns[1].0 };
    // The device lives on a thread of its own (`device_month`), the
    // backend's publications on this one, each day in turn.
    let (published, published_rx) = std::sync::mpsc::channel::<i64>();
    let (synced_tx, synced) = std::sync::mpsc::channel::<()>();
    let (held_tx, held_rx) = std::sync::mpsc::channel::<Held>();
    let (Month { mut loads, mut syncs, mut daily, first_sync_bytes, eval_ns: samples, rebuilt_heap_bytes }, held) =
        std::thread::scope(|s| -> Result<_, String> {
            let device = Device { engine: &engine, transport: &transport, opts: &opts, rt: &rt };
            let device = s.spawn(move || device.month(places_of_her_life, published_rx, synced_tx, held_rx, &progress));
            for d in 0..30 {
                if d > 0 {
                    // 1% of offers change.
                    for _ in 0..(places / 100).max(1) {
                        let m = rng.random_range(0..places);
                        national.merchants[m].offers[0].title = format!("{}% off", 5 + d);
                    }
                    national.version += 1;
                    let b = build(&national, std::mem::take(&mut index), "bench", &key).map_err(|e| err(&e))?;
                    let (build_ms, changed) = (b.build_ms, b.changed);
                    index = b.index;
                    rt.block_on(storage.set_tiles(b.write)).map_err(|e| err(&e))?;
                    progress(format_args!(
                        "day {d}: {changed} tiles changed, cut and signed in {build_ms:.0} ms, stored"
                    ));
                }
                // The device stopped (its error comes with its month).
                if published.send(d).is_err() || synced.recv().is_err() {
                    break;
                }
            }
            drop(published);
            // The tiles the device holds, as served, for its evaluation.
            let held = engine.catalog_tiles().ok_or("the device holds no tiles")?;
            let mut packs = Vec::new();
            for id in &held.held {
                let (_, _, packed) =
                    rt.block_on(storage.tile(id.clone())).map_err(|e| err(&e))?.ok_or("a held tile is gone")?;
                packs.push(packed);
            }
            let (version, issued_at, expires_at) = (national.version, national.issued_at, national.expires_at);
            let _ = held_tx.send(Held { packs, version, issued_at, expires_at });
            let month = device.join().map_err(|_| "the device's thread panicked".to_string())??;
            Ok((month, held))
        })?;
    // The device's catalog, rebuilt from the tiles it holds (on its thread,
    // above), for its size and the per-fix evaluation.
    let device_catalog_rss_bytes = held.catalog_memory_bytes;
    if rebuilt_heap_bytes as u64 != device_catalog_rss_bytes {
        eprintln!(
            "bench-tiles: the engine's catalog takes {device_catalog_rss_bytes} B, the same tiles rebuilt here \
             {rebuilt_heap_bytes} B"
        );
    }
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];

    // Every published tile (the publisher's index), in a fixed order, shuffled.
    let mut mix: Vec<String> = index.tiles.keys().cloned().collect();
    mix.sort_unstable();
    for i in (1..mix.len()).rev() {
        mix.swap(i, rng.random_range(0..=i));
    }
    let backend_tiles_per_sec = rt.block_on(serve_rate(&url, &mix, &engine_token(&rt, &url)?))?;
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
    Ok(Figures {
        device_catalog_rss_bytes,
        device_tiles_held: held.held.len(),
        device_tile_bytes: held.document_bytes,
        tile_load_ms: Percentiles::of(&mut loads),
        tile_sync_ms: Percentiles::of(&mut syncs),
        first_sync_bytes,
        daily_sync_bytes: Percentiles::of(&mut daily),
        eval_p50_ns: pct(0.5),
        eval_p99_ns: pct(0.99),
        backend_tile_build_ms,
        backend_tiles_per_sec,
        tiles_published,
        places,
        area_km,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// A token of a fresh install, for the serving measurement.
fn engine_token(rt: &tokio::runtime::Runtime, url: &str) -> Result<String, String> {
    let t = ReqwestTransport::new().map_err(|e| e.to_string())?;
    let mut req =
        HttpRequest::new(HttpMethod::Post, format!("{url}/v1/installs")).header("content-type", "application/json");
    req.body = br#"{"install_id": "0000000000000000000000000000beef"}"#.to_vec();
    let resp = rt.block_on(t.send(req)).map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| e.to_string())?;
    v["token"].as_str().map(str::to_owned).ok_or_else(|| format!("registration answered {}", resp.status))
}

/// `GET /v1/catalog/tiles/{id}` of the `ids` in turn, 16 at a time, for
/// about two seconds; tiles a second.
async fn serve_rate(url: &str, ids: &[String], token: &str) -> Result<f64, String> {
    let transport = Arc::new(ReqwestTransport::new().map_err(|e| e.to_string())?);
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (transport, done, ids) = (transport.clone(), done.clone(), ids.to_vec());
        let (url, auth) = (url.to_owned(), format!("Bearer {token}"));
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while started.elapsed().as_secs_f64() < 2.0 {
                let id = &ids[i % ids.len()];
                let req = HttpRequest::new(HttpMethod::Get, format!("{url}/v1/catalog/tiles/{id}"))
                    .header("authorization", auth.as_str())
                    .max_response_bytes(kairos_core::policy::MAX_TILE_PACK_BYTES);
                match transport.send(req).await {
                    Ok(r) if r.status == 200 => done.fetch_add(1, Ordering::Relaxed),
                    Ok(r) => return Err(format!("tile {id}: status {}", r.status)),
                    Err(e) => return Err(e.to_string()),
                };
                i += 16;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}
