//! The child: opens the engine over the data directory, says `ready`, then
//! replays the script from a given position, writing `ack DAY OP INFO` to
//! stdout after each engine call returns. It runs until it is killed, or
//! (with `--until`) until it has acknowledged the call before that position.

use crate::script::{Op, Pos, Script};
use kairos_core::privacy::Purpose;
use kairos_core::sync::SyncOptions;
use kairos_core::Engine;
use std::io::Write;

/// What the child is told.
pub struct ChildArgs {
    pub dir: std::path::PathBuf,
    pub url: String,
    pub seed: u64,
    pub from: Pos,
    pub until: Option<Pos>,
}

/// The install id every run uses.
pub const INSTALL: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";

/// Runs the child; an engine error ends it with a message and status 3.
pub fn run(args: ChildArgs) -> ! {
    let engine = match Engine::open(kairos_e2e::catalog::config(&args.dir, INSTALL)) {
        Ok(e) => e,
        Err(e) => fail(&format!("open: {e}")),
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let opts = SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(&args.url) };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    let mut script = Script::new(args.seed);
    let mut pos = args.from;
    while args.until.is_none_or(|u| pos < u) {
        let op = script.op(pos).clone();
        let info = match call(&engine, &rt, &opts, &op) {
            Ok(info) => info,
            Err(e) => fail(&format!("day {} call {} ({op:?}): {e}", pos.day, pos.op)),
        };
        // The acknowledgement: written to the pipe only after the call
        // returned (the parent reads what reached the pipe before the kill).
        if writeln!(out, "ack {} {} {info}", pos.day, pos.op).and_then(|_| out.flush()).is_err() {
            std::process::exit(4);
        }
        pos = script.next(pos);
    }
    std::process::exit(0);
}

fn fail(message: &str) -> ! {
    eprintln!("crash-test child: {message}");
    std::process::exit(3);
}

/// Makes one call; returns what the parent needs to know of its outcome.
fn call(e: &Engine, rt: &tokio::runtime::Runtime, opts: &SyncOptions, op: &Op) -> Result<String, String> {
    let s = |e: kairos_core::KairosError| e.to_string();
    Ok(match op {
        Op::Consent(at) => {
            for p in Purpose::ALL {
                e.set_consent(p, true, "2026-11", *at).map_err(s)?;
            }
            String::new()
        }
        Op::Catalog { version, at } => {
            // Delivered again after a kill: the app sees the version in
            // force and does not load it twice.
            if e.catalog_info().is_none_or(|c| c.version < *version) {
                let envelope = kairos_e2e::catalog::signed_example(*version, *at, 90);
                e.load_catalog(&envelope, *at).map_err(s)?;
            }
            String::new()
        }
        Op::Fixes(fixes) => {
            let r = e.record_locations(fixes).map_err(s)?;
            let rejected: Vec<String> = r.rejected.iter().map(|(t, _)| t.0.to_string()).collect();
            format!("held={} rejected={}", r.held, rejected.join(","))
        }
        Op::Steps(samples) => {
            e.record_step_samples(samples).map_err(s)?;
            String::new()
        }
        Op::Offers(at) => {
            let offers = e.offers(*at).map_err(s)?;
            for o in &offers {
                e.presented(o.id, *at).map_err(s)?;
                // A redeemed offer never fires again: only the food court's
                // daily offer keeps coming, so it is dismissed or left to
                // expire, and the others are redeemed.
                if o.offer_id != "valley-food-court-free-drink" {
                    e.redeemed(o.id, *at).map_err(s)?;
                } else if o.id % 4 == 0 {
                    e.dismissed(o.id, *at).map_err(s)?;
                }
            }
            format!("offers={}", offers.len())
        }
        Op::Tick(at) => {
            e.tick(*at).map_err(s)?;
            String::new()
        }
        Op::Sync(at) => {
            let r = rt.block_on(e.sync(opts, *at)).map_err(s)?;
            format!("sent={} deferred={}", r.sent, r.deferred)
        }
    })
}
