//! Writes the generated week of ordinary life (`kairos_sim::sensing::week`)
//! as a scenario and its catalog into a directory, so that it replays like
//! any scenario (`docs/PERFORMANCE.md`, "Energy"):
//!
//! ```sh
//! cargo run --release -p kairos-sim --example sensing_week -- /tmp/week 7
//! cargo run --release -p kairos-sim -- run /tmp/week/week.toml --sensing adaptive
//! ```

use kairos_sim::sensing::week;
use std::path::PathBuf;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: sensing_week DIR [SEED]")?);
    let seed: u64 = match args.next() {
        Some(s) => s.parse().map_err(|e| format!("invalid seed {s:?}: {e}"))?,
        None => 7,
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("week.catalog.json", week::catalog().to_string())?;
    write("week.toml", week::scenario(seed, "week.catalog.json"))?;
    println!("{}", dir.join("week.toml").display());
    Ok(())
}
