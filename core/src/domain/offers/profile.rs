//! The private profile as offer targeting sees it: a [`TargetingContext`]
//! answering a few questions from the store, never exposing the profile.

use crate::domain::catalog::{Scope, TargetingContext};
use crate::domain::routines::RoutineSubject;
use crate::domain::time::{Timestamp, DAY_MS};
use crate::store;
use chrono_tz::Tz;
use rusqlite::Connection;
use std::cell::RefCell;

/// Answers targeting questions at one instant from the profile store.
pub struct ProfileView<'a> {
    /// The store.
    pub conn: &'a Connection,
    /// The instant of evaluation.
    pub now: Timestamp,
    /// The device's zone.
    pub tz: Tz,
    /// Current speed estimate, if fresh.
    pub speed_mps: Option<f64>,
    /// The first store error met while answering, if any.
    error: RefCell<Option<crate::error::Error>>,
}

impl<'a> ProfileView<'a> {
    /// A view of the profile at `now`.
    pub fn new(conn: &'a Connection, now: Timestamp, tz: Tz, speed_mps: Option<f64>) -> Self {
        ProfileView { conn, now, tz, speed_mps, error: RefCell::new(None) }
    }

    /// Fails with the first store error met while answering: a targeting
    /// decision made on a failed read must not stand.
    pub fn check(&self) -> crate::error::Result<()> {
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn answer<T: Default>(&self, r: crate::error::Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.error.borrow_mut().get_or_insert(e);
            T::default()
        })
    }
}

impl TargetingContext for ProfileView<'_> {
    fn now(&self) -> Timestamp {
        self.now
    }
    fn device_tz(&self) -> Tz {
        self.tz
    }
    fn visits(&self, scope: &Scope, within_days: u32) -> u32 {
        let since = self.now.plus_millis(-(i64::from(within_days) * DAY_MS));
        let r = match scope {
            Scope::Merchant(id) => store::merchant_visits::count_merchant(self.conn, id, since),
            Scope::Category(c) => store::merchant_visits::count_category(self.conn, c, since),
        };
        self.answer(r)
    }
    /// Local calendar days the routine is overdue (see [`crate::Routine::days_overdue`]):
    /// positive once overdue, zero or negative before; `None` without a
    /// routine or when it has lapsed. A category is its category routine; a
    /// merchant is the routines of its learned places, the least overdue
    /// of them (the shopper keeps the routine if any branch is on track).
    fn routine_overdue_days(&self, scope: &Scope) -> Option<f64> {
        let tracks = match scope {
            Scope::Merchant(id) => self.answer(store::routines::at_merchant(self.conn, id)),
            Scope::Category(c) => self
                .answer(store::routines::load(self.conn, &RoutineSubject::Category { category: c.clone() }.id()))
                .into_iter()
                .collect(),
        };
        tracks.iter().filter_map(|t| t.overdue_days(self.now, self.tz)).min().map(f64::from)
    }
    fn steps_today(&self) -> u64 {
        let day = self.now.local_day(self.tz).to_string();
        self.answer(store::steps::day(self.conn, &day).map(|(s, _)| s))
    }
    fn speed_mps(&self) -> Option<f64> {
        self.speed_mps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routines::RoutineTrack;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    /// A weekly track whose last visit is `last` (six weeks at 18:00).
    fn weekly(last: &str, tz: Tz) -> RoutineTrack {
        let mut track = RoutineTrack::default();
        for k in (0..6).rev() {
            track.add_visit(t(last).plus_millis(-k * 7 * DAY_MS), tz);
        }
        track
    }

    #[test]
    fn routine_overdue_days_by_category_and_by_merchant_branches() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        let sealer = crate::domain::privacy::seal::Sealer::new(&[2; 32]).unwrap();
        store::schema::migrate(&mut conn, &sealer).unwrap();
        let at = t("2026-10-01T00:00:00Z");
        let (a, b) = (
            store::profile::insert_place(&conn, &sealer, 34.0, -118.0, at).unwrap(),
            store::profile::insert_place(&conn, &sealer, 34.1, -118.0, at).unwrap(),
        );
        conn.execute("UPDATE places SET merchant_id = 'grocer'", []).unwrap();
        // Branch a: last Thursday 19 November; branch b: last Monday 23.
        let (ta, tb) = (weekly("2026-11-19T18:00:00-08:00", tz), weekly("2026-11-23T18:00:00-08:00", tz));
        store::routines::save(&conn, "place:1", Some(a), None, &ta, None).unwrap();
        store::routines::save(&conn, "place:2", Some(b), None, &tb, None).unwrap();
        store::routines::save(&conn, "category:grocery", None, Some("grocery"), &ta, None).unwrap();
        let view = |now: &str| ProfileView::new(&conn, t(now), tz, None);
        let saturday = view("2026-11-28T11:15:00-08:00");
        let (merchant, category) = (Scope::Merchant("grocer".into()), Scope::Category("grocery".into()));
        assert_eq!(saturday.routine_overdue_days(&category), Some(2.0));
        // Branch b is on track (-2: due Monday 30), so the merchant is too.
        assert_eq!(saturday.routine_overdue_days(&merchant), Some(-2.0));
        assert_eq!(saturday.routine_overdue_days(&Scope::Category("fashion".into())), None);
        assert_eq!(saturday.routine_overdue_days(&Scope::Merchant("other".into())), None);
        // Before the tolerance runs out it is not positive; once lapsed, no routine.
        assert_eq!(view("2026-11-27T12:00:00-08:00").routine_overdue_days(&category), Some(0.0));
        assert_eq!(view("2026-12-20T12:00:00-08:00").routine_overdue_days(&category), None);
        saturday.check().unwrap();
    }
}
