//! Helpers for routine tests: visit histories generated on the local wall
//! clock (so they are DST-correct), and a track fed from them.
#![allow(dead_code)]

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use kairos_core::routines::RoutineTrack;
use kairos_core::{Routine, RoutineSubject, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const LA: Tz = chrono_tz::America::Los_Angeles;

/// The instant a local wall-clock time in `tz` names (first instance of a
/// repeated time, one hour later for a skipped time).
pub fn local(tz: Tz, naive: NaiveDateTime) -> Timestamp {
    let probe = |n: NaiveDateTime| match tz.from_local_datetime(&n) {
        chrono::LocalResult::Single(d) | chrono::LocalResult::Ambiguous(d, _) => Some(d.timestamp_millis()),
        chrono::LocalResult::None => None,
    };
    Timestamp(probe(naive).or_else(|| probe(naive + Duration::hours(1))).expect("a valid local time"))
}

/// `YYYY-MM-DD` at `hour:minute` local in `tz`.
pub fn at(tz: Tz, date: &str, hour: u32, minute: u32) -> Timestamp {
    let d: NaiveDate = date.parse().unwrap();
    local(tz, d.and_hms_opt(hour, minute, 0).unwrap())
}

pub fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// How a generated shopper visits.
#[derive(Debug, Clone, Copy)]
pub struct Habit {
    /// The true period in days (a whole number), or none (irregular).
    pub period: Option<u32>,
    /// Cycles (or, when irregular, visits) generated.
    pub cycles: u32,
    /// Share of visits moved a day early or late (each side half).
    pub day_jitter: f64,
    /// Standard deviation of the arrival time, in minutes.
    pub time_sd_min: f64,
    /// Share of cycles missed.
    pub missed: f64,
    /// Extra visits at random times, as a share of the visits.
    pub extras: f64,
}

/// A normal deviate (Box–Muller).
pub fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random::<f64>().max(1e-12);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Arrivals of a shopper with `habit`, starting on local date `start` at
/// `hour`:00, in `tz`, sorted.
pub fn history(rng: &mut ChaCha8Rng, habit: Habit, start: NaiveDate, hour: u32, tz: Tz) -> Vec<Timestamp> {
    let base = start.and_hms_opt(hour, 0, 0).unwrap();
    let mut walls: Vec<NaiveDateTime> = Vec::new();
    let span_days = match habit.period {
        Some(p) => {
            for k in 0..habit.cycles {
                if k > 0 && k + 1 < habit.cycles && rng.random::<f64>() < habit.missed {
                    continue;
                }
                let mut day = i64::from(k * p);
                let r: f64 = rng.random();
                if r < habit.day_jitter / 2.0 {
                    day -= 1;
                } else if r < habit.day_jitter {
                    day += 1;
                }
                let minutes = (gauss(rng) * habit.time_sd_min).round() as i64;
                walls.push(base + Duration::days(day) + Duration::minutes(minutes));
            }
            i64::from(habit.cycles * p)
        }
        None => {
            // Random days (gaps of 1 to 12 days, mostly short), random hours.
            let mean = rng.random_range(2.0..10.0);
            let mut day = 0i64;
            for _ in 0..habit.cycles {
                let gap = (-(1.0 - rng.random::<f64>()).ln() * mean).round().max(1.0) as i64;
                day += gap;
                let minutes = rng.random_range(8 * 60..21 * 60) - i64::from(hour) * 60;
                walls.push(base + Duration::days(day) + Duration::minutes(minutes));
            }
            day
        }
    };
    let extras = (walls.len() as f64 * habit.extras).round() as usize;
    for _ in 0..extras {
        let minutes = rng.random_range(0..span_days.max(1) * 24 * 60);
        walls.push(base + Duration::minutes(minutes));
    }
    let mut out: Vec<Timestamp> = walls.into_iter().map(|w| local(tz, w)).collect();
    out.sort();
    out
}

/// Feeds `visits` (in order) to a fresh track in zone `tz`.
pub fn track_of(visits: &[Timestamp], tz: Tz) -> RoutineTrack {
    let mut track = RoutineTrack::default();
    for &v in visits {
        track.add_visit(v, tz);
    }
    track
}

/// The routine of a track at `now`.
pub fn routine_at(track: &RoutineTrack, now: Timestamp, tz: Tz) -> Option<Routine> {
    track.routine(RoutineSubject::Category { category: "grocery".into() }, now, tz)
}

/// A seeded generator.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}
