//! The whole ingest path (validation, filter, visit detection and
//! persistence) through `Engine::record_locations`, in batches of 1,000
//! fixes, on a realistic synthetic multi-day track sampled every second.
//! Each iteration opens a fresh engine in a new temporary directory (not
//! timed) and ingests the whole track. Throughput is in fixes per second.
//!
//! `cargo bench -p kairos-core --bench ingest`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use kairos_core::time::{DAY_MS, MINUTE_MS};
use kairos_core::track::synth::{NoiseModel, SynthTrack, TrackBuilder};
use kairos_core::{Engine, EngineConfig, Timestamp};
use std::time::Duration;

/// Fixes per `record_locations` call.
const BATCH: usize = 1_000;
/// Days in the track, and visits a day.
const DAYS: u64 = 5;
const VISITS_PER_DAY: usize = 16;
/// The track must have at least this many fixes.
const MIN_FIXES: usize = 200_000;

/// Five days of 16 visits each around Los Angeles, a fix a second, with
/// the noisy model's jitter and poor fixes and a silence about every 40
/// minutes.
fn track() -> SynthTrack {
    let noise = NoiseModel {
        gap_probability: 0.0004,
        ..NoiseModel::noisy()
    };
    let first = Timestamp::parse_rfc3339("2026-11-23T07:00:00-08:00").unwrap();
    let mut all = SynthTrack::default();
    for day in 0..DAYS {
        let start = first.plus_millis(day as i64 * DAY_MS);
        let b = TrackBuilder::new(day, start, 34.0522, -118.2437)
            .interval_ms(1_000)
            .noise(noise);
        all.append(b.random_day(VISITS_PER_DAY).build());
    }
    assert!(
        all.fixes.len() >= MIN_FIXES,
        "only {} fixes",
        all.fixes.len()
    );
    all
}

fn fresh_engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
    (dir, engine)
}

fn ingest(engine: &Engine, track: &SynthTrack) {
    for batch in track.fixes.chunks(BATCH) {
        engine.record_locations(batch).unwrap();
    }
}

/// One untimed run, to show that the workload is what it claims: every fix
/// accepted and every true visit detected.
fn check_workload(track: &SynthTrack) {
    let (_dir, engine) = fresh_engine();
    let mut accepted = 0;
    for batch in track.fixes.chunks(BATCH) {
        accepted += engine.record_locations(batch).unwrap().accepted as usize;
    }
    let end = track.fixes.last().unwrap().at.plus_millis(MINUTE_MS);
    let visits = engine.visits(track.fixes[0].at, end).unwrap();
    assert_eq!(accepted, track.fixes.len());
    assert_eq!(
        visits.len(),
        track.truth.len(),
        "detected visits against ground truth"
    );
    eprintln!(
        "ingest workload: {} fixes, {} visits over {DAYS} days",
        track.fixes.len(),
        visits.len()
    );
}

fn bench_ingest(c: &mut Criterion) {
    let track = track();
    check_workload(&track);
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(track.fixes.len() as u64));
    // Each iteration takes a fraction of a second: flat sampling keeps the
    // run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("record_locations_1s_track", |b| {
        b.iter_batched(
            fresh_engine,
            |(dir, engine)| {
                ingest(&engine, &track);
                // Returned so that closing and deleting are not timed.
                (dir, engine)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
