//! `scan-profile DIR LAT,LON [LAT,LON …] [--tolerance DEG]`: scans every
//! file under a profile directory (for instance the simulator's
//! `--profile-dir`) for the coordinates given, in every rendering
//! `kairos_e2e::scan` knows; prints each hit and exits 1 if there is any.

#![forbid(unsafe_code)]

use kairos_e2e::scan::{Scanner, Target};
use std::process::ExitCode;

/// Nearby, by default: about 20 m.
const DEFAULT_TOLERANCE_DEG: f64 = 2e-4;

fn parse(args: &[String]) -> Result<(std::path::PathBuf, Vec<Target>, f64), String> {
    let usage = "usage: scan-profile DIR LAT,LON [LAT,LON ...] [--tolerance DEG]";
    let (dir, rest) = args.split_first().ok_or(usage)?;
    let mut targets = Vec::new();
    let mut tolerance = DEFAULT_TOLERANCE_DEG;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        if a == "--tolerance" {
            let v = it.next().ok_or(usage)?;
            tolerance = v.parse().map_err(|_| format!("--tolerance {v:?} is not a number of degrees"))?;
            continue;
        }
        let (lat, lon) = a.split_once(',').ok_or_else(|| format!("{a:?} is not LAT,LON"))?;
        let num = |s: &str| s.trim().parse::<f64>().map_err(|_| format!("{a:?} is not LAT,LON"));
        targets.push(Target { lat: num(lat)?, lon: num(lon)? });
    }
    if targets.is_empty() {
        return Err(usage.into());
    }
    Ok((dir.into(), targets, tolerance))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, targets, tolerance) = match parse(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match Scanner::new(targets.clone(), tolerance).scan_dir(&dir) {
        Ok(hits) => {
            for h in &hits {
                println!("{} @{}: {:?} {}", h.file.display(), h.offset, h.rendering, h.value);
            }
            println!("{} hit(s) for {} target(s) within {tolerance}° in {}", hits.len(), targets.len(), dir.display());
            if hits.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}
