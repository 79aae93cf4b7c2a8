//! The on-the-way reminder and what it watches between fixes: the routines that
//! may remind (over catalog places), when each is overdue, the day each last
//! reminded, home's centre, and a short trail of recent fixes for the
//! approach test. Kept in the engine state, refreshed when routines change.
//!
//! The rule (numbers in [`crate::policy`], reasons in `docs/routines.md`):
//! on a fix, a reminder fires for the nearest open catalog place that
//! * serves an overdue routine (a place routine at that merchant place, or a
//!   category routine of the merchant's category) not yet reminded today,
//! * lies within [`policy::REMINDER_RADIUS_M`] of the fix (to its fence),
//! * is at least [`policy::REMINDER_MIN_CLOSING_M`] closer than at the
//!   baseline fix (the newest earlier fix 15 s to 2 min old),
//!
//! while the shopper moves at walking pace or faster, with a fix precise to
//! 100 m, outside quiet hours, and more than 200 m from home. One reminder
//! names every due routine the place serves; each of them stays quiet for
//! the rest of the local day.

use crate::domain::fences::FenceId;
use crate::domain::geo::distance_m;
use crate::domain::location::LocationFix;
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::time::Timestamp;
use crate::domain::visits::in_hours;
use crate::policy;
use chrono::Timelike;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Which catalog places a routine points to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Target {
    /// These catalog places (where a place routine's visits matched).
    Places(Vec<String>),
    /// Any place of a merchant of this category.
    Category(String),
}

/// One routine that may remind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Watched {
    /// The routine's id.
    pub routine_id: String,
    /// Where it points.
    pub target: Target,
    /// The expected visit.
    pub expected_at: Timestamp,
    /// From when it is overdue.
    pub overdue_at: Timestamp,
    /// From when it has lapsed (no reminders).
    pub lapses_at: Timestamp,
    /// The local day it last reminded on.
    pub reminded_day: Option<String>,
}

impl Watched {
    /// Whether it may remind at `at` on local day `day`.
    pub fn due(&self, at: Timestamp, day: &str) -> bool {
        self.overdue_at <= at && at < self.lapses_at && self.reminded_day.as_deref() != Some(day)
    }

    /// Whether it points to catalog place `place_id` of category `category`.
    pub fn serves(&self, place_id: &str, category: &str) -> bool {
        match &self.target {
            Target::Places(ids) => ids.iter().any(|p| p == place_id),
            Target::Category(c) => c == category,
        }
    }
}

/// The reminder's working state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReminderWatch {
    /// Routines that may remind.
    pub watched: Vec<Watched>,
    /// Home's centre, if home is known.
    pub home: Option<(f64, f64)>,
    /// Recent precise fixes `(ms, lat, lon)`, oldest first, at least 5 s
    /// apart and at most two minutes old.
    trail: Vec<(i64, f64, f64)>,
}

impl ReminderWatch {
    /// Notes an in-order fix; returns the baseline for the approach test:
    /// the newest earlier trail fix between 15 s and 2 min older.
    pub fn note_fix(&mut self, fix: &LocationFix) -> Option<(f64, f64)> {
        if self.watched.is_empty() {
            self.trail.clear();
            return None;
        }
        let t = fix.at.0;
        self.trail.retain(|&(at, _, _)| at < t && t - at <= policy::REMINDER_BASELINE_MAX_MS);
        let baseline = self
            .trail
            .iter()
            .rev()
            .find(|&&(at, _, _)| t - at >= policy::REMINDER_BASELINE_MIN_MS)
            .map(|&(_, a, b)| (a, b));
        if fix.accuracy_m <= policy::REMINDER_MAX_ACCURACY_M
            && self.trail.last().is_none_or(|&(at, _, _)| t - at >= 5_000)
        {
            self.trail.push((t, fix.lat, fix.lon));
        }
        baseline
    }

    /// Whether any watched routine is overdue and not lapsed at `at` (the
    /// cheap test run on every fix before anything else).
    pub fn any_overdue(&self, at: Timestamp) -> bool {
        self.watched.iter().any(|w| w.overdue_at <= at && at < w.lapses_at)
    }

    /// Replaces the watched routines, keeping each one's reminded day.
    pub fn replace(&mut self, mut watched: Vec<Watched>, home: Option<(f64, f64)>) {
        for w in &mut watched {
            if let Some(old) = self.watched.iter().find(|o| o.routine_id == w.routine_id) {
                w.reminded_day = old.reminded_day.clone();
            }
        }
        self.watched = watched;
        self.home = home;
    }
}

/// An on-the-way reminder to give.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reminder {
    /// Every due routine the place serves.
    pub routine_ids: Vec<String>,
    /// The catalog place.
    pub place_id: String,
    /// Its merchant.
    pub merchant_id: String,
    /// From the fix to the place's fence, in metres (0 inside).
    pub distance_m: f64,
    /// Days the most overdue of them is overdue.
    pub days_overdue: i32,
}

/// What the reminder reads besides the fix: the catalog, the shopper's
/// speed, the device's zone and the quiet hours.
pub(crate) struct ReminderContext<'a> {
    /// The catalog in force.
    pub catalog: Option<&'a LoadedCatalog>,
    /// The fresh speed estimate, m/s.
    pub speed_mps: Option<f64>,
    /// The device's zone.
    pub tz: Tz,
    /// Local hours without offers or reminders.
    pub quiet_hours: (u32, u32),
}

impl ReminderWatch {
    /// Runs the rule on an in-order fix: the reminder to give, if any
    /// (each routine it names then stays quiet for the rest of the local
    /// day). When no watched routine is overdue it costs a trail update
    /// and a few comparisons.
    pub fn on_fix(&mut self, fix: &LocationFix, cx: &ReminderContext<'_>) -> Option<Reminder> {
        let baseline = self.note_fix(fix);
        if !self.any_overdue(fix.at) {
            return None;
        }
        let (cat, (base_lat, base_lon)) = (cx.catalog?, baseline?);
        if fix.accuracy_m > policy::REMINDER_MAX_ACCURACY_M
            || cx.speed_mps.is_none_or(|s| s < policy::REMINDER_MIN_SPEED_MPS)
        {
            return None;
        }
        let local = fix.at.in_tz(cx.tz);
        if in_hours(local.hour(), cx.quiet_hours) {
            return None;
        }
        if self
            .home
            .is_some_and(|(lat, lon)| distance_m(fix.lat, fix.lon, lat, lon) <= policy::REMINDER_HOME_EXCLUSION_M)
        {
            return None;
        }
        let today = local.date_naive();
        let day = today.to_string();
        let due: Vec<usize> = (0..self.watched.len()).filter(|&i| self.watched[i].due(fix.at, &day)).collect();
        if due.is_empty() {
            return None;
        }
        let mut hits = Vec::new();
        cat.index.lookup(fix.lat, fix.lon, policy::REMINDER_RADIUS_M, &mut hits);
        let mut best: Option<(f64, FenceId, Vec<usize>)> = None;
        for h in &hits {
            let Some(p) = cat.place(h.fence) else { continue };
            let category = p.merchant().category();
            let serving: Vec<usize> =
                due.iter().copied().filter(|&i| self.watched[i].serves(p.id(), category)).collect();
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
        let (distance, fence, serving) = best?;
        let p = cat.place(fence)?;
        let days_overdue = serving
            .iter()
            .map(|&i| (today - self.watched[i].expected_at.local_day(cx.tz)).num_days() as i32)
            .max()
            .unwrap_or(0);
        let mut routine_ids = Vec::with_capacity(serving.len());
        for &i in &serving {
            self.watched[i].reminded_day = Some(day.clone());
            routine_ids.push(self.watched[i].routine_id.clone());
        }
        Some(Reminder {
            routine_ids,
            place_id: p.id().to_owned(),
            merchant_id: p.merchant().id().to_owned(),
            distance_m: distance.max(0.0),
            days_overdue,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: i64, lat: f64) -> LocationFix {
        LocationFix::new(Timestamp(1_790_000_000_000 + s * 1000), lat, -118.0, 10.0)
    }

    fn watched() -> Watched {
        Watched {
            routine_id: "category:grocery".into(),
            target: Target::Category("grocery".into()),
            expected_at: Timestamp(0),
            overdue_at: Timestamp(10),
            lapses_at: Timestamp(20),
            reminded_day: None,
        }
    }

    #[test]
    fn baseline_is_the_newest_fix_fifteen_seconds_to_two_minutes_old() {
        let mut w = ReminderWatch::default();
        assert_eq!(w.note_fix(&fix(0, 1.0)), None, "nothing watched, no trail");
        w.watched.push(watched());
        assert_eq!(w.note_fix(&fix(0, 1.0)), None);
        assert_eq!(w.note_fix(&fix(10, 2.0)), None, "too recent");
        assert_eq!(w.note_fix(&fix(20, 3.0)), Some((1.0, -118.0)));
        assert_eq!(w.note_fix(&fix(30, 4.0)), Some((2.0, -118.0)));
        assert_eq!(w.note_fix(&fix(200, 5.0)), None, "older than two minutes");
    }

    #[test]
    fn due_between_overdue_and_lapse_once_a_day() {
        let mut w = watched();
        assert!(!w.due(Timestamp(9), "d1"));
        assert!(w.due(Timestamp(10), "d1"));
        assert!(!w.due(Timestamp(20), "d1"));
        w.reminded_day = Some("d1".into());
        assert!(!w.due(Timestamp(15), "d1"));
        assert!(w.due(Timestamp(15), "d2"));
        assert!(w.serves("any", "grocery") && !w.serves("any", "fashion"));
        let p = Watched { target: Target::Places(vec!["p1".into()]), ..watched() };
        assert!(p.serves("p1", "fashion") && !p.serves("p2", "grocery"));
    }

    #[test]
    fn replacing_keeps_the_reminded_day() {
        let mut w = ReminderWatch::default();
        w.watched.push(Watched { reminded_day: Some("d1".into()), ..watched() });
        w.replace(vec![watched()], Some((1.0, 2.0)));
        assert_eq!(w.watched[0].reminded_day.as_deref(), Some("d1"));
        assert_eq!(w.home, Some((1.0, 2.0)));
    }
}
