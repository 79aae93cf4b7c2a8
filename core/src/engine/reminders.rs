//! The on-the-way reminder, run on every in-order fix. The rule is in
//! [`crate::domain::routines::reminder`]; when no watched routine is overdue it
//! costs a trail update and a few comparisons.

use super::ctx::Ctx;
use crate::domain::event::EventKind;
use crate::domain::fences::FenceId;
use crate::domain::geo::distance_m;
use crate::domain::location::LocationFix;
use crate::policy;
use chrono::Timelike;

fn in_hours(h: u32, (start, end): (u32, u32)) -> bool {
    if start <= end {
        h >= start && h < end
    } else {
        h >= start || h < end
    }
}

impl Ctx<'_> {
    /// Fires an on-the-way reminder for the nearest open catalog place
    /// that serves an overdue routine and that the shopper is heading to.
    pub(super) fn reminders_on_fix(&mut self, fix: &LocationFix) {
        let baseline = self.st.reminders.note_fix(fix);
        if !self.st.reminders.any_overdue(fix.at) {
            return;
        }
        let (Some(cat), Some((base_lat, base_lon))) = (self.catalog, baseline) else { return };
        if fix.accuracy_m > policy::REMINDER_MAX_ACCURACY_M
            || self.speed_at(fix.at).is_none_or(|s| s < policy::REMINDER_MIN_SPEED_MPS)
        {
            return;
        }
        let local = fix.at.in_tz(self.set.tz);
        if in_hours(local.hour(), self.set.offer_policy.quiet_hours) {
            return;
        }
        let watch = &self.st.reminders;
        if watch
            .home
            .is_some_and(|(lat, lon)| distance_m(fix.lat, fix.lon, lat, lon) <= policy::REMINDER_HOME_EXCLUSION_M)
        {
            return;
        }
        let today = local.date_naive();
        let day = today.to_string();
        let due: Vec<usize> = (0..watch.watched.len()).filter(|&i| watch.watched[i].due(fix.at, &day)).collect();
        if due.is_empty() {
            return;
        }
        let mut hits = Vec::new();
        cat.index.lookup(fix.lat, fix.lon, policy::REMINDER_RADIUS_M, &mut hits);
        let mut best: Option<(f64, FenceId, Vec<usize>)> = None;
        for h in &hits {
            let Some(p) = cat.place(h.fence) else { continue };
            let m = p.merchant();
            let serving: Vec<usize> =
                due.iter().copied().filter(|&i| watch.watched[i].serves(p.id(), m.category())).collect();
            if serving.is_empty() || !p.is_open(fix.at) {
                continue;
            }
            let Some(then) = cat.index.hit(h.fence, base_lat, base_lon) else { continue };
            if then.distance_m - h.distance_m < policy::REMINDER_MIN_CLOSING_M {
                continue;
            }
            if best.as_ref().is_none_or(|b| h.distance_m < b.0) {
                best = Some((h.distance_m, h.fence, serving));
            }
        }
        let Some((distance, fence, serving)) = best else { return };
        let Some(p) = cat.place(fence) else { return };
        let m = p.merchant();
        let tz = self.set.tz;
        let watched = &mut self.st.reminders.watched;
        let days_overdue = serving
            .iter()
            .map(|&i| (today - watched[i].expected_at.local_day(tz)).num_days() as i32)
            .max()
            .unwrap_or(0);
        let mut routine_ids = Vec::with_capacity(serving.len());
        for &i in &serving {
            watched[i].reminded_day = Some(day.clone());
            routine_ids.push(watched[i].routine_id.clone());
        }
        let kind = EventKind::OnTheWayReminder {
            routine_ids,
            place_id: p.id().to_owned(),
            merchant_id: m.id().to_owned(),
            distance_m: distance.max(0.0),
            days_overdue,
        };
        self.emit(fix.at, kind);
    }
}
