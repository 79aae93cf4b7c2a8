//! Reading the simulator's input files.

use kairos_core::track::Track;
use kairos_core::{StepSample, Timestamp};
use std::path::Path;

/// An input file that could not be used, with where and why.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn read(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| InputError(format!("{}: {e}", path.display())))
}

/// Reads a track file (GPX, GeoJSON or CSV by its extension): its fixes in
/// the file's order with their lines, and the points refused alone.
pub fn read_track(path: &Path) -> Result<Track, InputError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError(format!("{shown}: {e}")))?;
    let text = kairos_core::track::decode_text(&bytes).map_err(|e| InputError(e.in_file(&shown).to_string()))?;
    kairos_core::track::read_track(&shown, &text).map_err(|e| InputError(e.to_string()))
}

/// Reads a steps file: CSV `start,end,steps` with RFC 3339 times, one
/// interval sample per line.
pub fn read_steps(path: &Path) -> Result<Vec<StepSample>, InputError> {
    let text = read(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (i == 0 && line.starts_with("start")) {
            continue;
        }
        let bad = |why: &str| InputError(format!("{}:{}: {why}", path.display(), i + 1));
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [start, end, steps] = cols[..] else { return Err(bad("expected start,end,steps")) };
        let start = Timestamp::parse_rfc3339(start).ok_or_else(|| bad("start is not an RFC 3339 time"))?;
        let end = Timestamp::parse_rfc3339(end).ok_or_else(|| bad("end is not an RFC 3339 time"))?;
        let steps = steps.parse().map_err(|_| bad("steps is not a whole number"))?;
        out.push(StepSample::Interval { start, end, steps });
    }
    Ok(out)
}

/// Writes interval samples in the format [`read_steps`] reads.
pub fn write_steps(samples: &[StepSample]) -> String {
    let mut s = String::from("start,end,steps\n");
    for sample in samples {
        if let StepSample::Interval { start, end, steps } = sample {
            s.push_str(&format!("{start},{end},{steps}\n"));
        }
    }
    s
}
