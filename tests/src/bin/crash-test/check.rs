//! What the parent knows (the acknowledged calls) and what it checks in
//! the data directory after each kill, and in the backend at the end.

use crate::script::{midnight, zone, Op, Pos, Script};
use kairos_core::policy::DEFAULT_RAW_FIX_RETENTION_MS;
use kairos_core::time::MINUTE_MS;
use kairos_core::DB_FILE;
use rusqlite::{Connection, OpenFlags};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// What the acknowledged calls promise.
pub struct Model {
    pub script: Script,
    /// The first call not acknowledged.
    pub next: Pos,
    /// Times of acknowledged fixes the engine kept (not refused, not held).
    expected_fixes: BTreeSet<i64>,
    /// Steps of acknowledged samples per local day.
    acked_steps: BTreeMap<String, u64>,
    /// The last day whose closing tick was acknowledged.
    pub last_closed: Option<u32>,
    /// Acknowledgements read, in all.
    pub acks: u64,
    /// The latest instant an acknowledged call carried.
    newest: i64,
}

impl Model {
    /// A model of `seed`'s script before any call.
    pub fn new(seed: u64) -> Self {
        Model {
            script: Script::new(seed),
            next: Pos::default(),
            expected_fixes: BTreeSet::new(),
            acked_steps: BTreeMap::new(),
            last_closed: None,
            acks: 0,
            newest: 0,
        }
    }

    /// Takes in one `ack DAY OP INFO` line.
    pub fn ack(&mut self, line: &str) -> Result<(), String> {
        let mut parts = line.splitn(4, ' ');
        let (Some("ack"), Some(day), Some(op)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("unexpected line from the child: {line:?}"));
        };
        let pos = Pos {
            day: day.parse().map_err(|_| format!("bad ack {line:?}"))?,
            op: op.parse().map_err(|_| format!("bad ack {line:?}"))?,
        };
        if pos != self.next {
            return Err(format!("acknowledged {pos:?} while {:?} was expected", self.next));
        }
        let info = parts.next().unwrap_or("");
        let op = self.script.op(pos).clone();
        self.newest = self.newest.max(op.time().0);
        match op {
            Op::Fixes(fixes) => {
                let field = |name: &str| info.split(' ').find_map(|f| f.strip_prefix(name)).unwrap_or("").to_string();
                let rejected: HashSet<i64> = field("rejected=").split(',').filter_map(|t| t.parse().ok()).collect();
                let held = field("held=") == "1";
                let newest = fixes.iter().map(|f| f.at.0).max();
                for f in fixes {
                    // Stored unless rejected, or the newest fix held back.
                    let not_stored = rejected.contains(&f.at.0) || (held && Some(f.at.0) == newest);
                    if !not_stored {
                        self.expected_fixes.insert(f.at.0);
                    }
                }
            }
            Op::Steps(samples) => {
                for (day, n) in steps_by_day(&samples) {
                    *self.acked_steps.entry(day).or_default() += n;
                }
            }
            Op::Tick(t) if t >= midnight(pos.day + 1) => self.last_closed = Some(pos.day),
            _ => {}
        }
        self.acks += 1;
        self.next = self.script.next(pos);
        Ok(())
    }

    /// An empty store is right only before the first acknowledgement.
    fn nothing_acknowledged(&self, what: &str) -> Result<StoreFigures, String> {
        match self.acks {
            0 => Ok(StoreFigures::default()),
            n => Err(format!("{what} after {n} acknowledged calls")),
        }
    }

    /// Checks the data directory against the acknowledged calls; the call
    /// at `self.next` may or may not have been committed.
    pub fn check_store(&mut self, dir: &Path) -> Result<StoreFigures, String> {
        let inflight = self.script.op(self.next).clone();
        let db = dir.join(DB_FILE);
        if !db.exists() {
            // Killed before the first open created the file.
            return self.nothing_acknowledged("the database is gone");
        }
        let conn =
            Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|e| format!("reopen: {e}"))?;
        let q = |sql: &str| -> Result<i64, String> {
            conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.unwrap_or(0))
                .map_err(|e| format!("{sql}: {e}"))
        };
        let integrity: String =
            conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| format!("integrity_check: {e}"))?;
        if integrity != "ok" {
            return Err(format!("integrity_check: {integrity}"));
        }
        // A kill during the very first open can land before the schema's
        // migration commits: the next open creates it. Nothing can have
        // been acknowledged then.
        let version = q("PRAGMA user_version")?;
        if version == 0 {
            return self.nothing_acknowledged("the schema is gone");
        }
        let fk: i64 = conn
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut s| s.query_map([], |_| Ok(())).map(|r| r.count() as i64))
            .map_err(|e| format!("foreign_key_check: {e}"))?;
        if fk != 0 {
            return Err(format!("{fk} rows break foreign keys"));
        }
        // Fixes: every acknowledged one within retention is there, once.
        let newest = self.newest.max(inflight.time().0);
        let cutoff = newest - DEFAULT_RAW_FIX_RETENTION_MS + MINUTE_MS;
        self.expected_fixes = self.expected_fixes.split_off(&cutoff);
        let mut stored = HashSet::new();
        {
            let mut st = conn.prepare("SELECT t FROM fixes WHERE t >= ?1").map_err(|e| e.to_string())?;
            for t in st.query_map([cutoff], |r| r.get::<_, i64>(0)).map_err(|e| e.to_string())? {
                let t = t.map_err(|e| e.to_string())?;
                if t > newest {
                    return Err(format!("a fix at {t} was stored before the call that carries it"));
                }
                if !stored.insert(t) {
                    return Err(format!("the fix at {t} is stored twice"));
                }
            }
        }
        if let Some(lost) = self.expected_fixes.iter().find(|t| !stored.contains(t)) {
            return Err(format!("the acknowledged fix at {lost} is missing ({} expected)", self.expected_fixes.len()));
        }
        // Steps: each day holds what was acknowledged, plus at most the
        // call in flight.
        let extra = match &inflight {
            Op::Steps(s) => steps_by_day(s),
            _ => BTreeMap::new(),
        };
        let mut st = conn.prepare("SELECT day, steps FROM step_days").map_err(|e| e.to_string())?;
        let days: BTreeMap<String, u64> = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
            .and_then(|rows| rows.collect())
            .map_err(|e| e.to_string())?;
        for day in self.acked_steps.keys().chain(days.keys()) {
            let (got, acked) = (days.get(day).copied().unwrap_or(0), self.acked_steps.get(day).copied().unwrap_or(0));
            let most = acked + extra.get(day).copied().unwrap_or(0);
            if !(acked..=most).contains(&got) {
                return Err(format!("day {day} holds {got} steps; acknowledged {acked}, at most {most} expected"));
            }
        }
        // Visits: none twice, at most one open and it is the engine's,
        // and every closed one folded into its place exactly once.
        let key = kairos_e2e::catalog::config(dir, super::child::INSTALL).sealing_key;
        let visits = kairos_e2e::sealed::visits(&conn, &key)?;
        let distinct: std::collections::BTreeSet<(i64, i64)> =
            visits.iter().map(|v| (v.place_id, v.arrived_ms)).collect();
        if distinct.len() != visits.len() {
            return Err("a visit is stored twice".into());
        }
        let open: Vec<i64> = visits.iter().filter(|v| v.departed_ms.is_none()).map(|v| v.id).collect();
        let state = kairos_e2e::sealed::engine_state(&conn, &key)?;
        let state_open: Vec<i64> = state["open_visit"]["visit_id"].as_i64().into_iter().collect();
        if open != state_open {
            return Err(format!("open visits {open:?} but the engine state has {state_open:?}"));
        }
        let closed = visits.iter().filter(|v| v.departed_ms.is_some()).count() as i64;
        let folded = q("SELECT SUM(visit_count) FROM places")?;
        if closed != folded {
            return Err(format!("{closed} closed visits but the places count {folded}"));
        }
        // Offers: every offer of the test catalog is capped at one a day.
        let twice =
            q("SELECT COUNT(*) FROM (SELECT 1 FROM offer_instances GROUP BY offer_id, local_day HAVING COUNT(*) > 1)")?;
        if twice != 0 {
            return Err("an offer instance is recorded twice in one day (caps are one a day)".into());
        }
        let bad = q("SELECT COUNT(*) FROM offer_instances
                     WHERE state NOT IN ('triggered', 'presented', 'dismissed', 'redeemed', 'expired', 'held_out')
                        OR (state IN ('presented', 'dismissed', 'redeemed') AND presented_at IS NULL)")?;
        if bad != 0 {
            return Err(format!("{bad} offer instances are half-written"));
        }
        // Outbox: one summary per purpose and day, and each closed day's.
        if q("SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE kind = 'summary' GROUP BY purpose, day HAVING COUNT(*) > 1)")?
            != 0
        {
            return Err("a summary is queued twice".into());
        }
        if state["outbox_dropped"].as_u64().unwrap_or(0) != 0 {
            return Err("summaries were dropped from the outbox".into());
        }
        Ok(StoreFigures {
            fixes: stored.len(),
            visits: q("SELECT COUNT(*) FROM visits")? as usize,
            offers: q("SELECT COUNT(*) FROM offer_instances")? as usize,
            outbox: q("SELECT COUNT(*) FROM outbox")? as usize,
        })
    }
}

/// Counts in the store after a check.
#[derive(Debug, Default, Clone, Copy)]
pub struct StoreFigures {
    pub fixes: usize,
    pub visits: usize,
    pub offers: usize,
    pub outbox: usize,
}

fn steps_by_day(samples: &[kairos_core::StepSample]) -> BTreeMap<String, u64> {
    let mut by_day = BTreeMap::new();
    for s in samples {
        if let kairos_core::StepSample::Interval { start, steps, .. } = s {
            *by_day.entry(start.local_day(zone()).to_string()).or_default() += steps;
        }
    }
    by_day
}

/// After the last kill and a final sync: every closed day's activity
/// summary is on the backend, and the backend stored each summary once.
pub fn check_backend(db: &Path, install: &str, model: &Model, first_day: String) -> Result<BackendFigures, String> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| e.to_string())?;
    let q = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [install], |r| r.get::<_, Option<i64>>(0))
            .map(|v| v.unwrap_or(0))
            .map_err(|e| e.to_string())
    };
    let stored = q("SELECT SUM(stored) FROM idempotency_keys WHERE install_id = ?1")?;
    let batches = q("SELECT COUNT(*) FROM idempotency_keys WHERE install_id = ?1")?;
    let activity = q("SELECT COUNT(*) FROM activity_days WHERE install_id = ?1")?;
    let visits = q("SELECT COUNT(DISTINCT day) FROM merchant_visits WHERE install_id = ?1")?;
    let offers = q("SELECT COUNT(DISTINCT day) FROM offer_outcomes WHERE install_id = ?1")?;
    if stored != activity + visits + offers {
        return Err(format!(
            "the backend stored {stored} summaries for {activity} activity, {visits} visit and {offers} offer days: some arrived twice"
        ));
    }
    let first: String = conn
        .query_row("SELECT MIN(day) FROM activity_days WHERE install_id = ?1", [install], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let closed = model.last_closed.map_or(0, |d| i64::from(d) + 1);
    if first != first_day || !(closed..=closed + 1).contains(&activity) {
        return Err(format!(
            "the backend holds {activity} activity days from {first}; {closed} days from {first_day} were closed"
        ));
    }
    Ok(BackendFigures { summaries: stored as u64, batches: batches as u64 })
}

/// What the backend holds at the end.
#[derive(Debug, Clone, Copy)]
pub struct BackendFigures {
    pub summaries: u64,
    pub batches: u64,
}
