//! The simulator's scenario files: arbitrary text through
//! `kairos_sim::scenario::parse` (TOML, then every check: zone, times,
//! settings (which opens an engine in a temporary directory), places,
//! catalog, consent, history, tracks, steps, actions, expectations). The
//! scenario is read as if it sat in `tests/scenarios/`, so the files the
//! fixtures name (catalogs, tracks) resolve. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scenario_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/scenarios/fuzz-input.toml")))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = kairos_sim::scenario::parse(scenario_path(), text);
});
