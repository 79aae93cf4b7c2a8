//! `kairos-sim`: replays location tracks and scenarios through the real
//! Kairos engine and prints what it did. Exit codes: 0 success, 1 a failed
//! expectation, 2 invalid input.

mod bench;
mod bench_tiles;
mod fleet;
mod population;
mod report;
mod run_command;
mod validate_command;

// The scenario reader lives in the library target (`src/lib.rs`) so that
// the fuzz targets can call it.
use kairos_sim::profile_dir::ProfileDir;
use kairos_sim::rejections::{self, FixSource, ReadRefusal};
use kairos_sim::{inputs, scenario, timeline};

use clap::{Parser, Subcommand, ValueEnum};
use kairos_core::replay::{delivery_times, Delivery, ReplayOptions, Replayer};
use kairos_core::track::gpx::{write_gpx, GpxLayout};
use kairos_core::track::synth;
use kairos_core::{Engine, EngineConfig, LocationFix, Timestamp};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use timeline::{Format, Line};

/// How `generate` lays out its GPX.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GpxAs {
    /// `<trk>/<trkseg>/<trkpt>` (the Android emulator's form).
    Track,
    /// `<wpt>` with times (Xcode's form).
    Waypoints,
}

#[derive(Parser)]
#[command(name = "kairos-sim", version, about = "Replay tracks through the Kairos engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario (TOML): the engine's timeline, then whether every
    /// expectation holds (exit 0) or not (exit 1).
    Run {
        /// Scenario file (see docs/scenarios.md).
        scenario: PathBuf,
        /// Print one JSON object per line (verdicts go to stderr).
        #[arg(long)]
        json: bool,
        /// Also write a self-contained HTML report with a map.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
        /// After the replay (at the scenario's sync_at), sync with the
        /// backend at URL through Engine::sync and print what it did (the
        /// scenario's [[sync]]s during the replay go there too);
        /// `embedded` starts the reference backend in this process on
        /// loopback (serving the scenario's catalog, as tiles with
        /// `[catalog] tiles = true`) and syncs with it.
        #[arg(long, value_name = "URL")]
        sync: Option<String>,
        /// Keep the engine's data directory (database, WAL, SHM, anything
        /// else it writes) in DIR after the run, for inspection; DIR is
        /// created, and must be empty if it exists.
        #[arg(long, value_name = "DIR")]
        profile_dir: Option<PathBuf>,
        /// `dense` replays every fix of the track; `adaptive` only those the
        /// engine's sensing plan asks for, and ends with a sensing report.
        #[arg(long, value_enum, default_value = "dense")]
        sensing: kairos_sim::sensing::Sensing,
    },
    /// Check a scenario (.toml), a catalog (.json document or signed
    /// envelope) or a track (.gpx, .geojson, .csv) without running it.
    Validate {
        /// The file to check.
        file: PathBuf,
    },
    /// Replay a track (and optional steps) and print the engine's events,
    /// the visits found and the daily step totals.
    Replay {
        /// Track file(s): .gpx, .geojson/.json or .csv
        /// (timestamp,lat,lon[,accuracy,speed]). Several tracks (a fleet)
        /// are each replayed through their own engine, in parallel, and
        /// printed one after another.
        #[arg(required = true, num_args = 1..)]
        tracks: Vec<PathBuf>,
        /// Steps file (CSV: start,end,steps).
        #[arg(long)]
        steps: Option<PathBuf>,
        /// Device time zone (IANA).
        #[arg(long, default_value = "America/Los_Angeles")]
        tz: String,
        /// Print one JSON object per event line.
        #[arg(long)]
        json: bool,
        /// Deliver fixes in the file's order, late ones late, as a phone
        /// does (otherwise a track that goes back in time is refused).
        #[arg(long)]
        as_recorded: bool,
        /// Keep the engine's data directory in DIR after the replay (as
        /// `run --profile-dir`).
        #[arg(long, value_name = "DIR")]
        profile_dir: Option<PathBuf>,
    },
    /// Compare catalog priority with the learned next best action on a
    /// synthetic population of shoppers (docs/offers.md, "The next best
    /// action on a population").
    Population {
        /// Shoppers (at least 2).
        #[arg(long, default_value_t = 1000)]
        shoppers: u32,
        /// Days each shopper is simulated.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Seed of the population, the catalog and every draw.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Concentration K of the hidden preferences, Beta(0.12·K, 0.88·K)
        /// per category: 2 gives strong likes and dislikes; 50 makes every
        /// category about equally liked.
        #[arg(long, default_value_t = 2.0)]
        concentration: f64,
        /// Print one JSON object with `static` and `learned`.
        #[arg(long)]
        json: bool,
    },
    /// Measure the engine on a synthetic catalog of N circular fences over a
    /// K x K km square and a drive of N fixes across it.
    Bench {
        /// Fences (one offer each).
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// Fixes in the drive (one per second).
        #[arg(long, default_value_t = 200_000)]
        fixes: usize,
        /// Side of the square, km.
        #[arg(long, default_value_t = 30.0)]
        area_km: f64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure a tiled national catalog: N places clustered in cities over
    /// a K x K km square, published as tiles by the reference backend on
    /// loopback, and a device living a month there (docs/PERFORMANCE.md).
    BenchTiles {
        /// Places (one merchant and one offer each).
        #[arg(long, default_value_t = 100_000)]
        places: usize,
        /// Side of the square, km.
        #[arg(long, default_value_t = 300.0)]
        area_km: f64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Generate a synthetic fleet (seeded), AIS-like: one CSV per vessel,
    /// one fix a minute, berthing for hours and sailing between berths.
    GenerateFleet {
        /// Random seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Start, RFC 3339.
        #[arg(long, default_value = "2026-11-02T00:00:00Z")]
        start: String,
        /// Vessels.
        #[arg(long, default_value_t = 100)]
        vessels: u32,
        /// Days of track per vessel.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Directory for the CSV files (created).
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Generate a synthetic day (seeded) as a track CSV and a steps CSV,
    /// and optionally as GPX for Xcode or the Android emulator.
    Generate {
        /// Random seed: the same seed gives the same day.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Start of the day, RFC 3339.
        #[arg(long, default_value = "2026-11-24T08:00:00-08:00")]
        start: String,
        /// Number of visits in the day.
        #[arg(long, default_value_t = 5)]
        visits: usize,
        /// Output track CSV.
        #[arg(long)]
        out: PathBuf,
        /// Output steps CSV.
        #[arg(long)]
        steps_out: PathBuf,
        /// Also write the track as GPX.
        #[arg(long, value_name = "FILE.gpx")]
        gpx_out: Option<PathBuf>,
        /// GPX layout: a track (Android emulator) or timed waypoints (Xcode).
        #[arg(long, value_enum, default_value = "track")]
        gpx_as: GpxAs,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("kairos-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Run { scenario, json, report, sync, profile_dir, sensing } => {
            run_command::run(&scenario, json, report.as_deref(), sync.as_deref(), profile_dir.as_deref(), sensing)
        }
        Command::Validate { file } => {
            println!("{}", validate_command::validate(&file)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { tracks, steps, tz, json, as_recorded, profile_dir } => {
            let delivery = if as_recorded { Delivery::AsRecorded } else { Delivery::TimeOrder };
            if tracks.len() > 1 && profile_dir.is_some() {
                return Err("--profile-dir keeps one engine's data: give one track".into());
            }
            let one = |track: &PathBuf| {
                let mut out = String::new();
                replay_track(&mut out, track, steps.as_deref(), &tz, json, delivery, profile_dir.as_deref())?;
                Ok::<String, String>(out)
            };
            let outputs = if tracks.len() == 1 { vec![one(&tracks[0])] } else { in_parallel(&tracks, one) };
            let mut stdout = std::io::stdout().lock();
            for (track, out) in tracks.iter().zip(outputs) {
                let out = out?;
                if tracks.len() > 1 && !json {
                    let _ = writeln!(stdout, "== {} ==", track.display());
                }
                let _ = stdout.write_all(out.as_bytes());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::GenerateFleet { seed, start, vessels, days, out_dir } => {
            let start = Timestamp::parse_rfc3339(&start).ok_or(format!("--start {start:?} is not an RFC 3339 time"))?;
            if vessels == 0 || days == 0 {
                return Err("--vessels and --days must be positive".into());
            }
            let n = fleet::write(&out_dir, seed, start, vessels, days)?;
            eprintln!("wrote {vessels} vessels, {n} fixes, into {}", out_dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { offers, fixes, area_km, json } => {
            if offers == 0 || fixes == 0 || area_km.is_nan() || area_km <= 0.0 {
                return Err("--offers and --fixes must be positive, and --area-km above 0".into());
            }
            let f = bench::run(offers, fixes, area_km)?;
            if json {
                println!("{}", serde_json::to_string(&f).map_err(|e| e.to_string())?);
            } else {
                f.print_text();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchTiles { places, area_km, json } => {
            if places < 100 || !(area_km.is_finite() && area_km >= 10.0) {
                return Err("--places must be at least 100, and --area-km at least 10".into());
            }
            let f = bench_tiles::run(places, area_km)?;
            let text = serde_json::to_string(&f).map_err(|e| e.to_string())?;
            if json {
                println!("{text}");
            } else {
                println!("{}", serde_json::to_string_pretty(&f).map_err(|e| e.to_string())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Population { shoppers, days, seed, concentration, json } => {
            if shoppers < 2 || days == 0 || !(concentration.is_finite() && concentration > 0.0) {
                return Err("--shoppers must be at least 2, --days positive, --concentration above 0".into());
            }
            let report = population::run(population::Options { shoppers, days, seed, concentration });
            if json {
                println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
            } else {
                report.print_text();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { seed, start, visits, out, steps_out, gpx_out, gpx_as } => {
            let start = Timestamp::parse_rfc3339(&start).ok_or(format!("--start {start:?} is not an RFC 3339 time"))?;
            let day = synth::random_day(seed, start, 34.0522, -118.2437, visits, synth::NoiseModel::noisy());
            let write = |p: &PathBuf, s: String| std::fs::write(p, s).map_err(|e| format!("{}: {e}", p.display()));
            write(&out, kairos_core::track::csv::write_csv(&day.fixes))?;
            write(&steps_out, inputs::write_steps(&day.steps))?;
            if let Some(gpx) = &gpx_out {
                let layout = match gpx_as {
                    GpxAs::Track => GpxLayout::Track,
                    GpxAs::Waypoints => GpxLayout::Waypoints,
                };
                write(gpx, write_gpx(&day.fixes, layout))?;
            }
            eprintln!(
                "wrote {} fixes, {} step samples, {} true visits",
                day.fixes.len(),
                day.steps.len(),
                day.truth.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs `f` on every item on as many threads as the machine has cores;
/// the results in the items' order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            });
        }
    });
    results.into_iter().filter_map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).collect()
}

/// Windows run in one engine transaction by `replay`.
const REPLAY_CHUNK_WINDOWS: usize = 4_096;

fn replay_track(
    o: &mut String,
    path: &std::path::Path,
    steps: Option<&std::path::Path>,
    tz_name: &str,
    json: bool,
    delivery: Delivery,
    profile_dir: Option<&std::path::Path>,
) -> Result<(), String> {
    let tz: chrono_tz::Tz = tz_name.parse().map_err(|_| format!("--tz {tz_name:?} is not an IANA time zone"))?;
    let shown = path.display().to_string();
    let track = inputs::read_track(path).map_err(|e| e.to_string())?;
    rejections::check_track(&shown, &track, delivery)
        .map_err(|e| e.replace("set delivery = \"as_recorded\" in its [[track]]", "pass --as-recorded"))?;
    let fixes: Vec<LocationFix> = track.fixes.iter().map(|f| f.fix).collect();
    let sources: Vec<FixSource> = track.fixes.iter().map(|f| FixSource::in_file(&shown, &f.origin)).collect();
    let samples = match steps {
        Some(p) => inputs::read_steps(p).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let dir = ProfileDir::new(profile_dir)?;
    let engine = Engine::open(EngineConfig::new(dir.path(), tz_name)).map_err(|e| e.to_string())?;
    let format = if json { Format::Json } else { Format::Human };
    let first_tick = fixes.iter().filter(|f| rejections::in_time_range(f)).map(|f| f.at).min();
    for s in &track.skipped {
        let at = first_tick.unwrap_or(Timestamp(0));
        let _ = writeln!(o, "{}", ReadRefusal::new(&shown, s).line(at).render(format, tz));
    }
    let due = delivery_times(&fixes, delivery);
    let mut rp = Replayer::with_delivery_times(&engine, &fixes, &due, &samples, ReplayOptions::default());
    loop {
        let windows = rp.step_many(REPLAY_CHUNK_WINDOWS).map_err(|e| e.to_string())?;
        let mut rejected = rp.take_rejected().into_iter().peekable();
        for (t, events) in &windows {
            for ev in events {
                let _ = writeln!(o, "{}", Line::from_event(ev).render(format, tz));
            }
            while let Some(r) = rejected.next_if(|r| r.delivered_at <= *t) {
                let _ = writeln!(
                    o,
                    "{}",
                    rejections::engine_line(&r, r.index.and_then(|i| sources.get(i))).render(format, tz)
                );
            }
        }
        for r in rejected {
            let _ =
                writeln!(o, "{}", rejections::engine_line(&r, r.index.and_then(|i| sources.get(i))).render(format, tz));
        }
        if windows.is_empty() {
            break;
        }
    }
    let summary = rp.summary();
    dir.announce();
    if !json {
        let usable = || fixes.iter().filter(|f| rejections::in_time_range(f)).map(|f| f.at);
        let (Some(first), Some(last)) = (usable().min(), usable().max()) else { return Ok(()) };
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{} fixes accepted, {} rejected ({} by the track reader), {} step samples, {} events",
            summary.fixes_accepted,
            summary.fixes_rejected as usize + track.skipped.len(),
            track.skipped.len(),
            summary.step_samples,
            summary.events
        );
        let visits = engine.visits(first, last.plus_millis(1)).map_err(|e| e.to_string())?;
        let _ = writeln!(o, "visits:");
        for v in &visits {
            let end = v.departed_at.map_or("(under way)".to_string(), |d| d.in_tz(tz).format("%H:%M").to_string());
            let _ = writeln!(o, "  place {:>3}  {} – {}", v.place_id, v.arrived_at.in_tz(tz).format("%a %H:%M"), end);
        }
        let today = engine.today(last).map_err(|e| e.to_string())?;
        let _ =
            writeln!(o, "steps on {}: {} of {} goal, {} to go", today.day, today.steps, today.goal, today.remaining);
    }
    Ok(())
}
