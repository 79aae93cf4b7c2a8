//! The scenario's `[[track]]` entries: files read (each fix with where it
//! came from, the points refused alone kept for the timeline) and checked
//! (a usable fix; no step back in time unless delivered as recorded), and
//! inline segments generated.

use super::file::TrackFile;
use super::resolver::Resolver;
use super::segments;
use crate::rejections::{self, FixSource, ReadRefusal};
use kairos_core::replay::delivery_times;
use kairos_core::{LocationFix, StepSample, Timestamp};
use std::path::Path;

/// Every track of a scenario, in `[[track]]` order, each in its own order.
pub struct Tracks {
    /// The fixes.
    pub fixes: Vec<LocationFix>,
    /// Where each came from.
    pub fix_sources: Vec<FixSource>,
    /// When each is delivered.
    pub fix_delivery: Vec<Timestamp>,
    /// Points the readers refused.
    pub read_refusals: Vec<ReadRefusal>,
    /// What was read and not replayed, in words.
    pub notes: Vec<String>,
    /// Pedometer steps of inline tracks.
    pub steps: Vec<StepSample>,
}

/// Reads and generates `tracks`, file paths relative to `dir`.
pub fn read(r: &Resolver<'_>, tracks: &[TrackFile], dir: &Path) -> Result<Tracks, String> {
    let mut out = Tracks {
        fixes: Vec::new(),
        fix_sources: Vec::new(),
        fix_delivery: Vec::new(),
        read_refusals: Vec::new(),
        notes: Vec::new(),
        steps: Vec::new(),
    };
    for (i, t) in tracks.iter().enumerate() {
        match &t.file {
            Some(name) => {
                if t.from.is_some() || t.at.is_some() || !t.segments.is_empty() || t.seed.is_some() || t.noise.is_some()
                {
                    return Err(format!("[[track]] {}: give file, or from/at/segments, not both", i + 1));
                }
                let delivery = rejections::parse_delivery(t.delivery.as_deref())
                    .map_err(|e| format!("[[track]] {}: {e}", i + 1))?;
                let track = crate::inputs::read_track(&dir.join(name)).map_err(|e| e.to_string())?;
                let shown = dir.join(name).display().to_string();
                rejections::check_track(&shown, &track, delivery)?;
                let fixes: Vec<LocationFix> = track.fixes.iter().map(|f| f.fix).collect();
                out.fix_delivery.extend(delivery_times(&fixes, delivery));
                out.fix_sources.extend(track.fixes.iter().map(|f| FixSource::in_file(&shown, &f.origin)));
                out.fixes.extend(fixes);
                out.read_refusals.extend(track.skipped.iter().map(|s| ReadRefusal::new(&shown, s)));
                if track.ignored > 0 {
                    out.notes.push(rejections::ignored_note(&shown, track.ignored));
                }
            }
            None => {
                if t.delivery.is_some() {
                    return Err(format!("[[track]] {}: delivery goes with file", i + 1));
                }
                let track = segments::generate(r, t, i)?;
                out.fix_delivery.extend(track.fixes.iter().map(|f| f.at));
                out.fix_sources.extend((0..track.fixes.len()).map(|k| FixSource {
                    element: Some(format!("[[track]] {}, fix {}", i + 1, k + 1)),
                    ..FixSource::default()
                }));
                out.fixes.extend(track.fixes);
                out.steps.extend(track.steps);
            }
        }
    }
    Ok(out)
}
