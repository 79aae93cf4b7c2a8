//! `kairos-sim validate FILE`: checks a scenario, a catalog or a track
//! without running anything. A track with refused fixes still validates
//! when some fixes are usable; each refused one is listed (what can be told
//! without the engine's history: the reader's refusals and fixes out of
//! range; out-of-order and jump refusals appear in `run`'s timeline).

use crate::rejections::{self, FixSource, ReadRefusal};
use crate::scenario::{self, catalog};
use kairos_core::replay::Delivery;
use kairos_core::LocationFix;
use std::path::Path;

/// Checks `path` by its kind; returns a one-line description of what was
/// found, or the error (exit 2).
pub fn validate(path: &Path) -> Result<String, String> {
    let shown = path.display().to_string();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "toml" => {
            let sc = scenario::read::load(path)?;
            let refused = rejections::static_refusals(&sc.read_refusals, &sc.fixes, &sc.fix_sources);
            let mut out = format!(
                "{shown}: scenario {:?} is valid: {} fixes ({} refused), {} step samples, {} history visits, {} actions, {} expectations",
                sc.name,
                sc.fixes.len() + sc.read_refusals.len() - refused.len(),
                refused.len(),
                sc.steps.len(),
                sc.history.len(),
                sc.actions.len(),
                sc.expectations.len()
            );
            list(&mut out, &refused, &sc.notes);
            Ok(out)
        }
        "json" => {
            let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
            let v: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("{shown}: not valid JSON: {e}"))?;
            if v.get("payload").is_some() {
                let key = Path::new(&shown).with_file_name("test-key.pub");
                let public = match std::fs::read_to_string(&key) {
                    Ok(k) => k,
                    Err(_) => include_str!("../../tests/catalogs/test-key.pub").to_string(),
                };
                let public = base64_decode(&public)?;
                let key_id = v.get("key_id").and_then(|k| k.as_str()).unwrap_or(catalog::TEST_KEY_ID);
                let c = catalog::open_envelope(&bytes, key_id, &public).map_err(|e| format!("{shown}: {e}"))?;
                Ok(format!("{shown}: signed catalog v{} is valid (signature checked with key {key_id})", c.version))
            } else if v.get("merchants").is_some() {
                let c = kairos_core::catalog::parse_document(&bytes).map_err(|e| format!("{shown}: {e}"))?;
                Ok(format!("{shown}: catalog document v{} is valid: {} merchants", c.version, c.merchants.len()))
            } else {
                track(path)
            }
        }
        _ => track(path),
    }
}

/// A track alone: usable if the engine can take at least one of its
/// fixes; the refused ones are listed, and a step back in time is noted
/// (a scenario replays such a track only with `delivery = "as_recorded"`).
fn track(path: &Path) -> Result<String, String> {
    let shown = path.display().to_string();
    let track = crate::inputs::read_track(path).map_err(|e| e.to_string())?;
    rejections::check_track(&shown, &track, Delivery::AsRecorded)?;
    let read: Vec<ReadRefusal> = track.skipped.iter().map(|s| ReadRefusal::new(&shown, s)).collect();
    let fixes: Vec<LocationFix> = track.fixes.iter().map(|f| f.fix).collect();
    let sources: Vec<FixSource> = track.fixes.iter().map(|f| FixSource::in_file(&shown, &f.origin)).collect();
    let refused = rejections::static_refusals(&read, &fixes, &sources);
    let mut notes = Vec::new();
    if let Some((before, after)) = rejections::first_backwards(&track) {
        notes.push(format!(
            "{}: goes back in time to {} after {} ({}): a scenario replays it only with delivery = \"as_recorded\"",
            sources[after],
            fixes[after].at.to_rfc3339(),
            fixes[before].at.to_rfc3339(),
            sources[before]
        ));
    }
    if track.ignored > 0 {
        notes.push(rejections::ignored_note(&shown, track.ignored));
    }
    let mut out = format!(
        "{shown}: track is valid: {} fixes ({} refused)",
        fixes.len() + read.len() - refused.len(),
        refused.len()
    );
    list(&mut out, &refused, &notes);
    Ok(out)
}

/// Appends the refused fixes and the notes, one a line.
fn list(out: &mut String, refused: &[String], notes: &[String]) {
    for r in refused {
        out.push_str(&format!("\n  fix_rejected {r}"));
    }
    for n in notes {
        out.push_str(&format!("\n  note {n}"));
    }
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s.trim()).map_err(|e| format!("public key is not base64: {e}"))
}
