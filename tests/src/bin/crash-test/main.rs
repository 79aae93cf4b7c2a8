//! `crash-test`: kill the engine at random moments and check that nothing
//! acknowledged is lost and nothing is duplicated. Run it with
//! `cargo xtask crash-test --kills N [--seed S]` (docs/RELIABILITY.md).
//!
//! The parent starts the reference backend on loopback, then, `--kills`
//! times: spawns this program as a child (`crash-test child ...`) that
//! opens the engine over one data directory and replays the script
//! ([`script`]) from the first call not yet acknowledged, writing an
//! acknowledgement after each call returns; kills it with SIGKILL after a
//! seeded random delay; reads the acknowledgements; and checks the
//! directory ([`check`]). After the last kill it opens the engine itself,
//! syncs until the outbox is empty, and checks that the backend stored
//! every closed day's summaries exactly once.

#![forbid(unsafe_code)]

mod check;
mod child;
mod script;

use check::Model;
use kairos_core::sync::SyncOptions;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use script::Pos;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: crash-test [--kills N] [--seed S] [--max-delay-ms MS]
       crash-test child --dir DIR --url URL --seed S --from DAY.OP [--until DAY.OP]";

/// Longest the parent waits for a child to open the engine.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: u64| -> u64 {
        get(name).map_or(default, |v| v.parse().unwrap_or_else(|_| usage(&format!("{name} takes a number"))))
    };
    if args.first().map(String::as_str) == Some("child") {
        let pos = |v: String| -> Pos {
            let (d, o) = v.split_once('.').unwrap_or_else(|| usage("positions are DAY.OP"));
            Pos {
                day: d.parse().unwrap_or_else(|_| usage("bad day")),
                op: o.parse().unwrap_or_else(|_| usage("bad op")),
            }
        };
        child::run(child::ChildArgs {
            dir: get("--dir").unwrap_or_else(|| usage("--dir is required")).into(),
            url: get("--url").unwrap_or_else(|| usage("--url is required")),
            seed: num("--seed", 1),
            from: pos(get("--from").unwrap_or_else(|| "0.0".into())),
            until: get("--until").map(pos),
        });
    }
    let result = parent(num("--kills", 50), num("--seed", 1), num("--max-delay-ms", 100));
    if let Err(e) = result {
        eprintln!("crash-test: FAILED: {e}");
        std::process::exit(1);
    }
}

fn usage(message: &str) -> ! {
    eprintln!("crash-test: {message}\n{USAGE}");
    std::process::exit(2);
}

fn parent(kills: u64, seed: u64, max_delay_ms: u64) -> Result<(), String> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let backend = rt.block_on(kairos_e2e::backend(None));
    let url = backend.server.url();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut model = Model::new(seed);
    let (mut early, mut longest, mut figures) = (0u64, Duration::ZERO, check::StoreFigures::default());
    for kill in 0..kills {
        let round = Instant::now();
        let from = format!("{}.{}", model.next.day, model.next.op);
        let mut child = Command::new(&exe)
            .args(["child", "--dir", &dir.path().display().to_string(), "--url", &url])
            .args(["--seed", &seed.to_string(), "--from", &from])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the child: {e}"))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // One kill in ten lands while the child opens the engine; the rest
        // while it replays.
        let mut lines = Vec::new();
        if rng.random_bool(0.1) {
            early += 1;
            std::thread::sleep(Duration::from_millis(rng.random_range(0..30)));
        } else {
            loop {
                let line =
                    rx.recv_timeout(READY_TIMEOUT).map_err(|_| format!("kill {kill}: the child never got ready"))?;
                let ready = line == "ready";
                lines.push(line);
                if ready {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(rng.random_range(0..=max_delay_ms)));
        }
        child.kill().map_err(|e| format!("kill: {e}"))?;
        let status = child.wait().map_err(|e| format!("wait: {e}"))?;
        if status.signal() != Some(9) {
            return Err(format!("kill {kill}: the child ended by itself ({status}) before the kill"));
        }
        reader.join().map_err(|_| "the reader panicked")?;
        lines.extend(rx.try_iter());
        for line in lines.iter().filter(|l| l.as_str() != "ready") {
            model.ack(line).map_err(|e| format!("kill {kill}: {e}"))?;
        }
        figures = model.check_store(dir.path()).map_err(|e| format!("after kill {kill} (at {:?}): {e}", model.next))?;
        longest = longest.max(round.elapsed());
    }
    let killing = started.elapsed();
    // After the last kill: the engine opens, syncs until nothing is left,
    // and the backend must hold each closed day's summaries once.
    let engine = kairos_core::Engine::open(kairos_e2e::catalog::config(dir.path(), child::INSTALL))
        .map_err(|e| format!("final open: {e}"))?;
    let opts = SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(&url) };
    let mut now = model.script.op(model.next).time();
    for _ in 0..10 {
        let r = rt.block_on(engine.sync(&opts, now)).map_err(|e| format!("final sync: {e}"))?;
        if engine.outbox().map_err(|e| e.to_string())?.is_empty() {
            break;
        }
        now = r.next_attempt_at.unwrap_or(now).max(now).plus_millis(1);
    }
    if !engine.outbox().map_err(|e| e.to_string())?.is_empty() {
        return Err("the final sync left summaries in the outbox".into());
    }
    drop(engine);
    let first_day = script::date(0).to_string();
    let held = check::check_backend(&backend.db_path, child::INSTALL, &model, first_day).inspect_err(|_| {
        // For a post-mortem: KAIROS_CRASH_KEEP=DIR keeps both databases.
        if let Some(keep) = std::env::var_os("KAIROS_CRASH_KEEP") {
            let keep = std::path::Path::new(&keep);
            let _ = std::fs::create_dir_all(keep);
            for suffix in ["", "-wal"] {
                let _ = std::fs::copy(
                    format!("{}{suffix}", backend.db_path.display()),
                    keep.join(format!("backend.db{suffix}")),
                );
                let engine_db = format!("{}{suffix}", kairos_core::DB_FILE);
                let _ = std::fs::copy(dir.path().join(&engine_db), keep.join(engine_db));
            }
        }
    })?;
    println!(
        "crash-test: {kills} kills ({early} while opening), seed {seed}: {} calls acknowledged over {} days; \
         every check passed",
        model.acks, model.next.day
    );
    println!(
        "crash-test: store at the end: {} fixes in retention, {} visits, {} offer instances, outbox {} before the final sync; backend: {} summaries \
         in {} batches, each once",
        figures.fixes, figures.visits, figures.offers, figures.outbox, held.summaries, held.batches
    );
    println!(
        "crash-test: {:.1} s for the kills ({:.0} ms a round on average, {} ms the longest), {:.1} s in all",
        killing.as_secs_f64(),
        killing.as_secs_f64() * 1000.0 / kills.max(1) as f64,
        longest.as_millis(),
        started.elapsed().as_secs_f64()
    );
    rt.block_on(backend.server.shutdown()).map_err(|e| e.to_string())?;
    Ok(())
}
