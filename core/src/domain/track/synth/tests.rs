//! Tests of the synthetic track generator.

use super::*;
use crate::domain::geo::distance_m;

const T0: Timestamp = Timestamp(1_780_000_000_000);
const HOME: (f64, f64) = (34.05, -118.25);

fn day(seed: u64, visits: usize) -> SynthTrack {
    random_day(seed, T0, HOME.0, HOME.1, visits, NoiseModel::noisy())
}

fn largest_spacing(fixes: &[LocationFix]) -> i64 {
    fixes.windows(2).map(|w| w[1].at.since(w[0].at)).max().unwrap_or(0)
}

#[test]
fn same_seed_same_track_other_seed_other_track() {
    assert_eq!(day(7, 6), day(7, 6));
    assert_ne!(day(7, 6).fixes, day(8, 6).fixes);
}

#[test]
fn random_day_has_one_truth_visit_per_planned_visit() {
    for seed in 0..20 {
        let t = day(seed, 9);
        assert_eq!(t.truth.len(), 9, "seed {seed}");
        for v in &t.truth {
            let minutes = v.departed_at.since(v.arrived_at) as f64 / MINUTE_MS as f64;
            assert!((VISIT_MINUTES.0..=VISIT_MINUTES.1).contains(&minutes), "seed {seed}: {minutes} min");
            assert!(distance_m(HOME.0, HOME.1, v.lat, v.lon) <= DAY_RADIUS_M + 1.0);
        }
        for w in t.truth.windows(2) {
            let hop = distance_m(w[0].lat, w[0].lon, w[1].lat, w[1].lon);
            assert!(hop >= HOP_M.0 - 1.0 && hop <= HOP_M.1 + 1.0, "seed {seed}: hop {hop} m");
            assert!(w[1].arrived_at > w[0].departed_at);
        }
    }
}

#[test]
fn short_stops_exist_and_are_not_truth() {
    // Stationary stretches (speed 0 on good fixes) outside truth visits.
    let t = day(3, 12);
    let in_truth = |f: &LocationFix| t.truth.iter().any(|v| f.at >= v.arrived_at && f.at < v.departed_at);
    let stopped_outside = t.fixes.iter().filter(|f| f.speed_mps == Some(0.0) && !in_truth(f)).count();
    assert!(stopped_outside > 0, "the day has short stops between visits");
}

#[test]
fn silences_never_exceed_ten_minutes_and_hit_stays_and_moves() {
    let noise = NoiseModel { gap_probability: 0.05, ..NoiseModel::noisy() };
    let (mut in_stay, mut in_move) = (0, 0);
    for seed in 0..10 {
        let t = random_day(seed, T0, HOME.0, HOME.1, 8, noise);
        assert!(largest_spacing(&t.fixes) <= MAX_SILENCE_MS, "seed {seed}");
        for w in t.fixes.windows(2) {
            if w[1].at.since(w[0].at) > 2 * DEFAULT_INTERVAL_MS {
                let moving = [w[0], w[1]].iter().any(|f| f.speed_mps.is_some_and(|s| s > 0.0));
                if moving {
                    in_move += 1;
                } else {
                    in_stay += 1;
                }
            }
        }
    }
    assert!(in_stay > 0 && in_move > 0, "{in_stay} silences in stays, {in_move} in moves");
    // Also with the default model, over many days.
    for seed in 100..130 {
        assert!(largest_spacing(&day(seed, 10).fixes) <= MAX_SILENCE_MS, "seed {seed}");
    }
}

#[test]
fn stays_become_truth_only_from_five_minutes() {
    let (lat, lon) = HOME;
    let t = TrackBuilder::new(1, T0, lat, lon)
        .noise(NoiseModel::none())
        .stay(4.0)
        .walk_to(lat + 0.005, lon)
        .stay(3.0)
        .stay(3.0)
        .drive_to(lat + 0.05, lon)
        .stay(6.0)
        .build();
    assert_eq!(t.truth.len(), 2, "{:?}", t.truth);
    assert_eq!(t.truth[0].departed_at.since(t.truth[0].arrived_at), 6 * MINUTE_MS);
    assert!(distance_m(t.truth[1].lat, t.truth[1].lon, lat + 0.05, lon) < 0.01);
    assert!(t.fixes.iter().all(|f| f.accuracy_m == 10.0));
    assert_eq!(t.fixes.windows(2).map(|w| w[1].at.since(w[0].at)).max(), Some(DEFAULT_INTERVAL_MS));
}

#[test]
fn walking_steps_and_speeds_follow_the_segment() {
    let (lat, lon) = HOME;
    let b = TrackBuilder::new(2, T0, lat, lon).interval_ms(1_000).noise(NoiseModel::none());
    let b = b.walk_to(lat + 0.01, lon); // about 1.1 km
    let walk_end = b.now();
    let t = b.drive_to(lat + 0.05, lon).build();
    let walk_s = walk_end.since(T0) as f64 / 1000.0;
    assert!((1112.0 / 1.5..=1112.0 / 1.2).contains(&walk_s), "{walk_s} s");
    let steps: u64 = t.steps.iter().map(|s| if let StepSample::Interval { steps, .. } = s { *steps } else { 0 }).sum();
    let cadence = steps as f64 / walk_s;
    assert!((1.65..1.95).contains(&cadence), "{cadence} steps/s");
    assert!(t.steps.iter().all(|s| s.end() <= walk_end.plus_millis(MINUTE_MS)), "no steps while driving");
    let driving = t.fixes.iter().filter(|f| f.at >= walk_end).filter_map(|f| f.speed_mps);
    assert!(driving.clone().count() > 100 && driving.clone().all(|s| (10.0..14.0).contains(&s)));
}

#[test]
fn noise_matches_the_model() {
    let t = TrackBuilder::new(4, T0, HOME.0, HOME.1).interval_ms(5_000).stay(300.0).build();
    let poor: Vec<_> = t.fixes.iter().filter(|f| f.accuracy_m == 100.0).collect();
    let share = poor.len() as f64 / t.fixes.len() as f64;
    assert!((0.07..0.13).contains(&share), "{share}");
    assert!(poor.iter().all(|f| f.speed_mps.is_none()));
    for f in &t.fixes {
        let d = distance_m(HOME.0, HOME.1, f.lat, f.lon);
        let displacement = if f.accuracy_m == 100.0 { 100.0 } else { 15.0 };
        assert!(d <= displacement + 0.01, "{d} m off at {} m accuracy", f.accuracy_m);
    }
    let good_far =
        t.fixes.iter().filter(|f| f.accuracy_m == 10.0).any(|f| distance_m(HOME.0, HOME.1, f.lat, f.lon) > 10.0);
    assert!(good_far, "jitter reaches past 10 m");
}
