//! A corrected device clock (ADR 0009). The engine's clock is the latest
//! instant any input carried; one input from a device clock set years
//! ahead moves it there. `tick(now)` is the device's present: a present
//! more than [`policy::CLOCK_CORRECTION_MS`] behind the engine clock means
//! the device clock was wrong and has been corrected. Without a
//! correction, every real fix after it would be refused as out of order,
//! days would stop closing and the sync would wait for the wrong future.
//!
//! On a correction, in the call's transaction: an open visit ends at its
//! last trustworthy fix (the last stored one before `now`, else the last
//! fix before the clock's leap), or is dropped when that leaves it without
//! a stay of the visit minimum; the working state that lies after `now` is
//! forgotten (the fix filter, the stay detector, the speed estimate, fence
//! times after `now` (the fences the phone is in stay entered) and `nearby`
//! latches, the inactivity marks after `now`, the
//! reminder's day marks); the notification budget's last-shown times are
//! bounded by `now`; the sync backoff and the purge time are reset;
//! days closed in that future are reopened (the days before `now`'s day
//! stay closed, so no day is summarised twice by the present) and their
//! summaries not yet sent are withdrawn; the clock
//! goes back to `now`; and `ClockCorrected { from, to }` is raised.
//! Nothing else recorded (fixes, visits, offers) is rewritten: the offer
//! caps bound the instants they read by the decision's instant instead
//! (`store::offers::StoreLedger`).

use super::pipeline::VisitEnd;
use super::state::Ctx;
use crate::domain::event::EventKind;
use crate::domain::time::Timestamp;
use crate::error::Result;
use crate::policy;
use crate::store;

impl Ctx<'_> {
    /// `tick(now)`: a corrected device clock first, then time passes.
    pub(super) fn on_tick(&mut self, now: Timestamp) -> Result<()> {
        if let Some(from) = self.st.clock.filter(|c| c.since(now) > policy::CLOCK_CORRECTION_MS) {
            self.correct_clock(from, now)?;
        }
        self.on_time(now)
    }

    fn correct_clock(&mut self, from: Timestamp, now: Timestamp) -> Result<()> {
        self.end_open_visit_at_correction(now)?;
        self.st.filter.forget();
        self.st.detector.forget();
        self.st.fences.rewind(now);
        self.st.near.clear();
        self.st.motion = None;
        self.st.prev_fix = None;
        let a = &mut self.st.activity;
        a.last_active_end = a.last_active_end.filter(|t| *t <= now);
        a.nudged_stretch = a.nudged_stretch.filter(|t| *t <= now);
        a.last_driving_at = a.last_driving_at.filter(|t| *t <= now);
        self.st.fix_before_leap = None;
        // Messages shown by the wrong clock were shown by `now`: their
        // gaps run from the correction. (The offer caps' own gaps are
        // bounded by each decision's instant in `store::offers`.)
        self.st.budget.rewind(now, self.set.tz);
        self.st.sync_backoff = Default::default();
        self.st.last_purge = None;
        // Days closed in the future that did not happen close again when
        // they come; the days before today stay closed (never twice).
        let yesterday = now.local_day(self.set.tz).pred_opt();
        self.st.last_closed_day = match (self.st.last_closed_day, yesterday) {
            (Some(closed), Some(y)) => Some(closed.min(y)),
            (closed, _) => closed,
        };
        // The summaries of today and later, built while the clock was
        // wrong, describe days not over or not happened: withdrawn unless
        // already in a batch; they are built again when the days close.
        let today = now.local_day(self.set.tz).to_string();
        let withdrawn = store::privacy::remove_unsent_summaries_from(self.conn, &today)?;
        if withdrawn > 0 {
            tracing::info!(withdrawn, "summaries of days after the corrected present withdrawn");
        }
        self.st.clock = Some(now);
        self.refresh_watch()?;
        self.emit(now, EventKind::ClockCorrected { from, to: now });
        Ok(())
    }

    /// Ends the visit under way at its last trustworthy fix: the last one
    /// stored between its arrival and `now`, else the last fix before the
    /// clock's leap (the leap's retention purge may have removed the stored
    /// ones), never a fix stamped by the wrong clock. A visit left without
    /// such a fix, or shorter than the visit minimum by it, is dropped as
    /// never detected (no `VisitEnded`, no routine, no merchant visit):
    /// ending it at its arrival would report a visit of zero minutes.
    fn end_open_visit_at_correction(&mut self, now: Timestamp) -> Result<()> {
        let Some(open) = self.st.open_visit.take() else { return Ok(()) };
        let end = now.plus_millis(1).max(open.arrived_at.plus_millis(1));
        let stored = store::fixes::in_range(self.conn, self.sealer, open.arrived_at, end)?;
        let trusted = match stored.last() {
            Some(last) => Some(*last),
            None => self.st.fix_before_leap.filter(|f| f.at >= open.arrived_at && f.at <= now),
        };
        let Some(last) = trusted.filter(|f| f.at.since(open.arrived_at) >= self.set.stay.min_dwell_ms) else {
            store::profile::discard_visit(self.conn, open.visit_id)?;
            tracing::info!(visit_id = open.visit_id, "visit under way dropped: no trustworthy stay at the correction");
            return Ok(());
        };
        let (lat, lon) = if stored.is_empty() {
            (last.lat, last.lon)
        } else {
            let n = stored.len() as f64;
            (stored.iter().map(|f| f.lat).sum::<f64>() / n, stored.iter().map(|f| f.lon).sum::<f64>() / n)
        };
        let end = VisitEnd { departed_at: last.at, lat, lon, detected_at: now };
        self.end_visit(open.visit_id, open.place_id, open.arrived_at, end)
    }
}
