//! Acceptance test of visit detection: noisy synthetic days with known
//! ground truth go through the real engine, and the visits it detects are
//! matched one to one against the truth.
//!
//! A detected visit matches a true one when their centres lie within
//! [`MATCH_RADIUS_M`] and their time ranges overlap by at least half of the
//! shorter range. Precision and recall must both reach [`REQUIRED`].

use kairos_core::geo::distance_m;
use kairos_core::time::{DAY_MS, MINUTE_MS};
use kairos_core::track::synth::{NoiseModel, SynthTrack, TrackBuilder, TruthVisit};
use kairos_core::{Engine, EngineConfig, Timestamp, Visit};

/// Centres of matched visits are at most this far apart.
const MATCH_RADIUS_M: f64 = 100.0;
/// Matched time ranges overlap by at least this share of the shorter one.
const MIN_OVERLAP_SHARE: f64 = 0.5;
/// Required precision and recall.
const REQUIRED: f64 = 0.95;
/// Fixes per `record_locations` call.
const BATCH: usize = 500;

/// One simulated phone: a home, a sampling interval, several days.
struct Phone {
    seed: u64,
    home: (f64, f64),
    interval_ms: i64,
    days: u64,
    visits_per_day: usize,
}

const PHONES: [Phone; 4] = [
    Phone {
        seed: 11,
        home: (34.0522, -118.2437),
        interval_ms: 5_000,
        days: 5,
        visits_per_day: 12,
    },
    Phone {
        seed: 22,
        home: (34.1478, -118.1445),
        interval_ms: 10_000,
        days: 5,
        visits_per_day: 12,
    },
    Phone {
        seed: 33,
        home: (33.7701, -118.1937),
        interval_ms: 15_000,
        days: 5,
        visits_per_day: 12,
    },
    Phone {
        seed: 44,
        home: (34.0195, -118.4912),
        interval_ms: 30_000,
        days: 5,
        visits_per_day: 12,
    },
];

/// Monday 2026-11-23, 08:00 in Los Angeles.
fn first_morning() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-23T08:00:00-08:00").unwrap()
}

/// Every day of `phone`, one after the other, each starting at 08:00 at
/// home with the test's noise: ±15 m jitter, 10% poor fixes at 100 m, and
/// silences of up to 10 minutes.
fn track(phone: &Phone) -> SynthTrack {
    let noise = NoiseModel::noisy();
    assert_eq!(
        (noise.jitter_m, noise.poor_fraction, noise.poor_accuracy_m),
        (15.0, 0.1, 100.0)
    );
    assert!(noise.gap_probability > 0.0);
    let mut all = SynthTrack::default();
    for day in 0..phone.days {
        let start = first_morning().plus_millis(day as i64 * DAY_MS);
        let seed = phone.seed * 1_000 + day;
        let b = TrackBuilder::new(seed, start, phone.home.0, phone.home.1)
            .interval_ms(phone.interval_ms)
            .noise(noise);
        all.append(b.random_day(phone.visits_per_day).build());
    }
    all
}

/// Runs `track` through a fresh engine; returns the detected visits with
/// open ones closed at the engine's clock.
fn detect(track: &SynthTrack) -> Vec<(Visit, Timestamp)> {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
    for batch in track.fixes.chunks(BATCH) {
        let report = engine.record_locations(batch).unwrap();
        assert!(
            report.rejected.is_empty(),
            "synthetic fixes are all plausible: {:?}",
            report.rejected
        );
    }
    let last = track.fixes.last().unwrap().at;
    engine.tick(last.plus_millis(MINUTE_MS)).unwrap();
    let clock = engine.clock().unwrap();
    let from = track.fixes[0].at.plus_millis(-DAY_MS);
    let visits = engine.visits(from, clock.plus_millis(DAY_MS)).unwrap();
    visits
        .into_iter()
        .map(|v| (v.departed_at.unwrap_or(clock), v))
        .map(|(end, v)| (v, end))
        .collect()
}

fn overlap_ms(a: (Timestamp, Timestamp), b: (Timestamp, Timestamp)) -> i64 {
    (a.1.min(b.1).since(a.0.max(b.0))).max(0)
}

/// Whether a detected visit (with its effective end) matches a true one;
/// the time overlap when it does.
fn matches(truth: &TruthVisit, (visit, end): &(Visit, Timestamp)) -> Option<i64> {
    let t = (truth.arrived_at, truth.departed_at);
    let d = (visit.arrived_at, *end);
    let shorter = t.1.since(t.0).min(d.1.since(d.0));
    let overlap = overlap_ms(t, d);
    let near = distance_m(truth.lat, truth.lon, visit.lat, visit.lon) <= MATCH_RADIUS_M;
    (near && shorter > 0 && overlap as f64 >= MIN_OVERLAP_SHARE * shorter as f64).then_some(overlap)
}

/// A one-to-one pairing, greedy by largest overlap; returns the number of
/// pairs and which truths and detections stayed unpaired.
fn pair(truth: &[TruthVisit], detected: &[(Visit, Timestamp)]) -> (usize, Vec<usize>, Vec<usize>) {
    let mut candidates: Vec<(i64, usize, usize)> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, d) in detected.iter().enumerate() {
            if let Some(overlap) = matches(t, d) {
                candidates.push((overlap, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut truth_paired, mut detected_paired) =
        (vec![false; truth.len()], vec![false; detected.len()]);
    let mut pairs = 0;
    for (_, i, j) in candidates {
        if !truth_paired[i] && !detected_paired[j] {
            (truth_paired[i], detected_paired[j]) = (true, true);
            pairs += 1;
        }
    }
    let unpaired = |paired: Vec<bool>| {
        paired
            .iter()
            .enumerate()
            .filter(|(_, p)| !**p)
            .map(|(i, _)| i)
            .collect()
    };
    (pairs, unpaired(truth_paired), unpaired(detected_paired))
}

#[test]
fn detected_visits_match_ground_truth() {
    let (mut n_truth, mut n_detected, mut n_pairs) = (0, 0, 0);
    for phone in &PHONES {
        let track = track(phone);
        let detected = detect(&track);
        let (pairs, missed, spurious) = pair(&track.truth, &detected);
        println!(
            "phone {} ({} s sampling, {} fixes): {} true visits, {} detected, {} matched",
            phone.seed,
            phone.interval_ms / 1000,
            track.fixes.len(),
            track.truth.len(),
            detected.len(),
            pairs
        );
        for &i in &missed {
            let t = &track.truth[i];
            println!(
                "  missed   {} .. {} at {:.5},{:.5}",
                t.arrived_at, t.departed_at, t.lat, t.lon
            );
        }
        for &j in &spurious {
            let (v, end) = &detected[j];
            println!(
                "  spurious {} .. {} at {:.5},{:.5}",
                v.arrived_at, end, v.lat, v.lon
            );
        }
        n_truth += track.truth.len();
        n_detected += detected.len();
        n_pairs += pairs;
    }
    let precision = n_pairs as f64 / n_detected as f64;
    let recall = n_pairs as f64 / n_truth as f64;
    println!(
        "visit detection: {n_truth} true, {n_detected} detected, {n_pairs} matched: \
         precision {precision:.3} ({n_pairs}/{n_detected}), recall {recall:.3} ({n_pairs}/{n_truth})"
    );
    assert!(n_truth >= 200, "only {n_truth} true visits");
    assert!(
        precision >= REQUIRED,
        "precision {precision:.3} below {REQUIRED}"
    );
    assert!(recall >= REQUIRED, "recall {recall:.3} below {REQUIRED}");
}

#[test]
fn matching_rules_refuse_far_or_barely_overlapping_visits() {
    let t0 = first_morning();
    let truth = TruthVisit {
        lat: 34.0,
        lon: -118.0,
        arrived_at: t0,
        departed_at: t0.plus_millis(20 * MINUTE_MS),
    };
    let visit = |lat: f64, from_min: i64, to_min: i64| {
        let v = Visit {
            id: 1,
            place_id: 1,
            arrived_at: t0.plus_millis(from_min * MINUTE_MS),
            departed_at: None,
            lat,
            lon: -118.0,
        };
        (v, t0.plus_millis(to_min * MINUTE_MS))
    };
    // 0.0008 degrees of latitude is about 89 m; 0.001 about 111 m.
    assert!(matches(&truth, &visit(34.0008, 2, 22)).is_some());
    assert!(
        matches(&truth, &visit(34.001, 2, 22)).is_none(),
        "centres too far apart"
    );
    assert!(
        matches(&truth, &visit(34.0, 10, 30)).is_some(),
        "10 of 20 minutes is half"
    );
    assert!(
        matches(&truth, &visit(34.0, 14, 30)).is_none(),
        "6 of 16 minutes is under half"
    );
    // One truth split in two detections pairs with one of them only.
    let (pairs, missed, spurious) = pair(&[truth], &[visit(34.0, 0, 12), visit(34.0, 12, 20)]);
    assert_eq!((pairs, missed, spurious), (1, vec![], vec![1]));
}
