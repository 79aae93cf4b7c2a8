//! The engine's next deadline: the earliest instant at which time alone
//! (a `tick` with no input) can change something, computed from the
//! stages that own the timed rules of `on_time` (`pipeline.rs`). A caller
//! that would tick every minute (the replay, a scheduler) can sleep until
//! then instead: ticking before it changes nothing.
//!
//! The timed rules and their deadlines:
//! * retention purge: an hour after the last purge, once the oldest raw
//!   fix or step minute held has passed its retention (a purge with
//!   nothing to purge changes nothing);
//! * routines falling overdue: the earliest routine check;
//! * claim windows ending: the earliest open claim window's end;
//! * dwells by time: the earliest dwell due in a fence the phone is in,
//!   if it falls within the grace after the last fix (beyond it, only a fix
//!   can confirm the dwell);
//! * day close: the next local midnight;
//! * held messages: the earliest end of a hold (`held.rs`);
//! * the inactivity nudge: the end of the sedentary period after the last
//!   active minute, while that minute is today's and not yet nudged for
//!   (waking hours and driving only hold a nudge back, never bring one
//!   forward, so the bound is safe).
//!
//! Quiet hours and opening hours only decide what a trigger does at the
//! moment it happens; no rule fires at their edges by time alone.

use super::state::{EngineState, Settings};
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::time::{start_of_local_day, Timestamp, HOUR_MS};
use crate::error::Result;
use crate::policy;
use crate::store::{self, Connection};

/// The earliest instant at or after the engine clock at which a tick can
/// change something; `None` when nothing is timed (no clock yet).
pub(super) fn next_deadline(
    conn: &Connection,
    st: &EngineState,
    set: &Settings,
    catalog: Option<&LoadedCatalog>,
) -> Result<Option<Timestamp>> {
    let Some(now) = st.clock else { return Ok(None) };
    let tz = set.tz;
    let expiring = [
        store::fixes::oldest(conn)?.map(|t| t.plus_millis(set.raw_fix_retention_ms)),
        store::steps::oldest_minute(conn)?.map(|t| t.plus_millis(policy::STEP_MINUTE_RETENTION_MS)),
    ];
    let purge = expiring.into_iter().flatten().min().map(|t| t.plus_millis(1));
    let mut next = match (st.last_purge, purge) {
        (None, _) => now,
        (Some(last), Some(due)) => due.max(last.plus_millis(HOUR_MS)),
        (Some(_), None) => Timestamp(i64::MAX),
    };
    let mut consider = |t: Option<Timestamp>| {
        if let Some(t) = t {
            next = next.min(t);
        }
    };
    consider(store::routines::next_check(conn)?);
    consider(store::offers::next_expiry(conn)?);
    if let Some(cat) = catalog {
        let grace_end = st.fences.last_fix_at().map(|t| t.plus_millis(policy::DWELL_SILENCE_GRACE_MS));
        let dwell = st.fences.next_dwell_at(|f| cat.dwell_ms(f));
        consider(dwell.filter(|d| grace_end.is_none_or(|g| *d <= g)));
    }
    consider(now.local_day(tz).succ_opt().map(|d| start_of_local_day(d, tz)));
    consider(st.held.iter().map(|h| h.retry_at.min(h.stale_at)).min());
    let a = &st.activity;
    if let Some(active) = a.last_active_end {
        let nudged = a.nudged_stretch.is_some_and(|s| s >= active);
        if !nudged && active.local_day(tz) >= now.local_day(tz) {
            consider(Some(active.plus_millis(set.sedentary_ms)));
        }
    }
    Ok(Some(next.max(now)))
}
