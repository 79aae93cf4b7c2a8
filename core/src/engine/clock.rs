//! A corrected device clock (ADR 0009). The engine's clock is the latest
//! instant any input carried; one input from a device clock set years
//! ahead moves it there. `tick(now)` is the device's present: a present
//! more than [`policy::CLOCK_CORRECTION_MS`] behind the engine clock means
//! the device clock was wrong and has been corrected. Without a
//! correction, every real fix after it would be refused as out of order,
//! days would stop closing and the sync would wait for the wrong future.
//!
//! On a correction, in the call's transaction: an open visit ends at its
//! last fix before `now`; the working state that lies after `now` is
//! forgotten (the fix filter, the stay detector, the speed estimate, fence
//! times after `now` (the fences the phone is in stay entered) and `nearby`
//! latches, the inactivity marks after `now`, the
//! reminder's day marks); the sync backoff and the purge time are reset;
//! days closed in that future are reopened (the days before `now`'s day
//! stay closed, so no day is summarised twice by the present); the clock
//! goes back to `now`; and `ClockCorrected { from, to }` is raised.
//! Nothing recorded (fixes, visits, offers) is rewritten.

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
        if let Some(open) = self.st.open_visit.take() {
            let end = now.plus_millis(1).max(open.arrived_at.plus_millis(1));
            let fixes = store::fixes::in_range(self.conn, self.sealer, open.arrived_at, end)?;
            let departed_at = fixes.last().map_or(open.arrived_at, |f| f.at);
            let n = fixes.len().max(1) as f64;
            let (lat, lon) = match fixes.first() {
                Some(_) => (fixes.iter().map(|f| f.lat).sum::<f64>() / n, fixes.iter().map(|f| f.lon).sum::<f64>() / n),
                None => self.st.filter.pending().or(self.st.prev_fix.as_ref()).map_or((0.0, 0.0), |f| (f.lat, f.lon)),
            };
            let end = VisitEnd { departed_at, lat, lon, detected_at: now };
            self.end_visit(open.visit_id, open.place_id, open.arrived_at, end)?;
        }
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
        self.st.sync_backoff = Default::default();
        self.st.last_purge = None;
        // Days closed in the future that did not happen close again when
        // they come; the days before today stay closed (never twice).
        let yesterday = now.local_day(self.set.tz).pred_opt();
        self.st.last_closed_day = match (self.st.last_closed_day, yesterday) {
            (Some(closed), Some(y)) => Some(closed.min(y)),
            (closed, _) => closed,
        };
        self.st.clock = Some(now);
        self.refresh_watch()?;
        self.emit(now, EventKind::ClockCorrected { from, to: now });
        Ok(())
    }
}
