//! `kairos-sim validate FILE`: checks a scenario, a catalog or a track
//! without running anything.

use crate::scenario::{self, catalog};
use std::path::Path;

/// Checks `path` by its kind; returns a one-line description of what was
/// found, or the error (exit 2).
pub fn validate(path: &Path) -> Result<String, String> {
    let shown = path.display().to_string();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "toml" => {
            let sc = scenario::load(path)?;
            Ok(format!(
                "{shown}: scenario {:?} is valid: {} fixes, {} step samples, {} history visits, {} actions, {} expectations",
                sc.name,
                sc.fixes.len(),
                sc.steps.len(),
                sc.history.len(),
                sc.actions.len(),
                sc.expectations.len()
            ))
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

fn track(path: &Path) -> Result<String, String> {
    let fixes = crate::inputs::read_track(path).map_err(|e| e.to_string())?;
    Ok(format!("{}: track is valid: {} fixes", path.display(), fixes.len()))
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s.trim()).map_err(|e| format!("public key is not base64: {e}"))
}
