//! Inline tracks: a start and a list of stay / walk / drive / silence
//! segments, generated with the core's seeded synthetic track builder.

use super::file::{NoiseFile, SegmentFile, TrackFile};
use super::resolver::Resolver;
use kairos_core::geo::distance_m;
use kairos_core::track::synth::{NoiseModel, SynthTrack, TrackBuilder};
use kairos_core::Timestamp;

/// Pedometer cadence while walking at a set speed, steps a second.
const WALK_CADENCE: f64 = 1.8;

/// Longest stay or movement one segment may generate fixes for (31 days):
/// a start time in the wrong century would otherwise generate a fix every
/// few seconds for a thousand years (found by fuzzing, docs/FUZZING.md).
/// Silences generate nothing and are not limited.
const MAX_SEGMENT_MS: f64 = 31.0 * 86_400_000.0;

/// Refuses a segment that would generate fixes for longer than
/// [`MAX_SEGMENT_MS`].
fn bounded(what: &str, ms: f64) -> Result<(), String> {
    if ms.is_finite() && ms <= MAX_SEGMENT_MS {
        return Ok(());
    }
    Err(format!("{what}: lasts {:.0} days, more than the limit of 31 days of generated fixes", ms / 86_400_000.0))
}

/// Generates the inline track `t` (the `index`-th `[[track]]`).
pub fn generate(r: &Resolver<'_>, t: &TrackFile, index: usize) -> Result<SynthTrack, String> {
    let what = format!("[[track]] {}", index + 1);
    let from = t.from.as_ref().ok_or(format!("{what}: an inline track needs from (a place) and at (a time)"))?;
    let at = t.at.as_deref().ok_or(format!("{what}: an inline track needs at (its start time)"))?;
    let (lat, lon) = r.place(from).map_err(|e| format!("{what}: from: {e}"))?;
    let start = r.time(at).map_err(|e| format!("{what}: at: {e}"))?;
    let seed = t.seed.unwrap_or(1);
    let noise = noise(t.noise.as_ref()).map_err(|e| format!("{what}: noise: {e}"))?;
    let interval_ms = match t.interval_seconds {
        Some(s) if s.is_finite() && s >= 1.0 => (s * 1000.0).round() as i64,
        Some(s) => return Err(format!("{what}: interval_seconds must be at least 1, got {s}")),
        None => 10_000,
    };
    if t.segments.is_empty() {
        return Err(format!("{what}: an inline track needs segments"));
    }
    let new_builder = |k: u64, at: Timestamp, lat: f64, lon: f64| {
        TrackBuilder::new(seed.wrapping_add(k), at, lat, lon).interval_ms(interval_ms).noise(noise)
    };
    let mut out = SynthTrack::default();
    let mut b = new_builder(0, start, lat, lon);
    for (i, seg) in t.segments.iter().enumerate() {
        let what = format!("{what}, segment {}", i + 1);
        b = segment(r, b, seg, &what, &mut |done: TrackBuilder, at, lat, lon| {
            out.append(done.build());
            new_builder(i as u64 + 1, at, lat, lon)
        })?;
    }
    out.append(b.build());
    if t.steps == Some(false) {
        out.steps.clear();
    }
    Ok(out)
}

fn segment(
    r: &Resolver<'_>,
    b: TrackBuilder,
    s: &SegmentFile,
    what: &str,
    restart: &mut dyn FnMut(TrackBuilder, Timestamp, f64, f64) -> TrackBuilder,
) -> Result<TrackBuilder, String> {
    let given =
        [s.stay.is_some(), s.stay_until.is_some(), s.walk_to.is_some(), s.drive_to.is_some(), s.silent_to.is_some()];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(format!("{what}: give exactly one of stay, stay_until, walk_to, drive_to, silent_to"));
    }
    if (s.arrive.is_some() || s.speed_mps.is_some()) && s.walk_to.is_none() && s.drive_to.is_none() {
        return Err(format!("{what}: arrive and speed_mps go with walk_to or drive_to"));
    }
    if s.minutes.is_some() && s.silent_to.is_none() {
        return Err(format!("{what}: minutes goes with silent_to (use stay = N to stay N minutes)"));
    }
    if let Some(m) = s.stay {
        if !(m.is_finite() && m > 0.0) {
            return Err(format!("{what}: stay must be a positive number of minutes"));
        }
        bounded(what, m * 60_000.0)?;
        return Ok(b.stay(m));
    }
    if let Some(until) = &s.stay_until {
        let until = r.time(until).map_err(|e| format!("{what}: stay_until: {e}"))?;
        let ms = until.since(b.now());
        if ms <= 0 {
            return Err(format!(
                "{what}: stay_until {} is not after the track's time {}",
                r.show(until),
                r.show(b.now())
            ));
        }
        bounded(what, ms as f64)?;
        return Ok(b.stay(ms as f64 / 60_000.0));
    }
    if let Some(to) = &s.silent_to {
        let (lat, lon) = r.place(to).map_err(|e| format!("{what}: silent_to: {e}"))?;
        let minutes = s.minutes.ok_or(format!("{what}: silent_to needs minutes (how long the silence lasts)"))?;
        if !(minutes.is_finite() && minutes > 0.0) {
            return Err(format!("{what}: minutes must be positive"));
        }
        let at = b.now().plus_millis((minutes * 60_000.0).round() as i64);
        return Ok(restart(b, at, lat, lon));
    }
    let (to, walking) = match (&s.walk_to, &s.drive_to) {
        (Some(p), _) => (p, true),
        (_, Some(p)) => (p, false),
        _ => unreachable!("one movement key is set"),
    };
    let (lat, lon) = r.place(to).map_err(|e| format!("{what}: {e}"))?;
    let (here_lat, here_lon) = b.position();
    let dist = distance_m(here_lat, here_lon, lat, lon);
    let cadence = if walking { WALK_CADENCE } else { 0.0 };
    let speed = match (&s.arrive, s.speed_mps) {
        (Some(_), Some(_)) => return Err(format!("{what}: give arrive or speed_mps, not both")),
        (Some(arrive), None) => {
            let arrive = r.time(arrive).map_err(|e| format!("{what}: arrive: {e}"))?;
            let secs = arrive.since(b.now()) as f64 / 1000.0;
            if secs <= 0.0 {
                return Err(format!(
                    "{what}: arrive {} is not after the track's time {}",
                    r.show(arrive),
                    r.show(b.now())
                ));
            }
            Some(dist / secs)
        }
        (None, Some(v)) if v.is_finite() && v > 0.0 => Some(v),
        (None, Some(v)) => return Err(format!("{what}: speed_mps must be positive, got {v}")),
        (None, None) => None,
    };
    // Walking and driving without a speed use the builder's own (over 1 m/s).
    bounded(what, dist / speed.unwrap_or(1.0) * 1000.0)?;
    Ok(match (speed, walking) {
        (Some(v), _) => b.travel_to(lat, lon, v, cadence),
        (None, true) => b.walk_to(lat, lon),
        (None, false) => b.drive_to(lat, lon),
    })
}

fn noise(n: Option<&NoiseFile>) -> Result<NoiseModel, String> {
    Ok(match n {
        None => NoiseModel::none(),
        Some(NoiseFile::Named(s)) if s == "none" => NoiseModel::none(),
        Some(NoiseFile::Named(s)) if s == "city" => NoiseModel::noisy(),
        Some(NoiseFile::Named(s)) => return Err(format!("{s:?}: expected \"none\", \"city\" or a table")),
        Some(NoiseFile::Custom(t)) => {
            let mut m = NoiseModel::none();
            m.jitter_m = t.jitter_m.unwrap_or(m.jitter_m);
            m.accuracy_m = t.accuracy_m.unwrap_or(m.accuracy_m);
            m.poor_fraction = t.poor_fraction.unwrap_or(m.poor_fraction);
            m.poor_accuracy_m = t.poor_accuracy_m.unwrap_or(m.poor_accuracy_m);
            if !(m.jitter_m >= 0.0
                && m.accuracy_m > 0.0
                && (0.0..=1.0).contains(&m.poor_fraction)
                && m.poor_accuracy_m > 0.0)
            {
                return Err("jitter_m >= 0, accuracy_m > 0, poor_fraction in 0..1 and poor_accuracy_m > 0".into());
            }
            m
        }
    })
}
