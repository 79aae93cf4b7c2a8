//! The private profile as offer targeting asks it: a view at one instant
//! that answers [`ProfileFacts`] from the store, lazily (only the questions
//! a rule reaches are asked, one indexed query each, through the
//! connection's statement cache). A failed read is an error of the
//! evaluation, so the call that asked fails and its transaction rolls back.

use crate::domain::catalog::{ProfileFacts, Scope};
use crate::domain::offers::profile::least_overdue_days;
use crate::domain::routines::RoutineSubject;
use crate::domain::time::{Timestamp, DAY_MS};
use crate::error::Error;
use chrono_tz::Tz;
use rusqlite::Connection;

/// Answers targeting questions at one instant from the profile store.
pub struct ProfileView<'a> {
    conn: &'a Connection,
    sealer: &'a crate::domain::privacy::seal::Sealer,
    now: Timestamp,
    tz: Tz,
    speed_mps: Option<f64>,
}

impl<'a> ProfileView<'a> {
    /// A view of the profile at `now` in the device's zone `tz`, with the
    /// current speed estimate if fresh.
    pub fn new(
        conn: &'a Connection,
        sealer: &'a crate::domain::privacy::seal::Sealer,
        now: Timestamp,
        tz: Tz,
        speed_mps: Option<f64>,
    ) -> Self {
        ProfileView { conn, sealer, now, tz, speed_mps }
    }
}

impl ProfileFacts for ProfileView<'_> {
    type Error = Error;
    fn now(&self) -> Timestamp {
        self.now
    }
    fn visits(&self, scope: &Scope, within_days: u32) -> Result<u32, Error> {
        let since = self.now.plus_millis(-(i64::from(within_days) * DAY_MS));
        match scope {
            Scope::Merchant(id) => super::merchant_visits::count_merchant(self.conn, id, since),
            Scope::Category(c) => super::merchant_visits::count_category(self.conn, c, since),
        }
    }
    /// A category is its category routine; a merchant is the routines of
    /// its learned places ([`least_overdue_days`]).
    fn routine_overdue_days(&self, scope: &Scope) -> Result<Option<f64>, Error> {
        let tracks = match scope {
            Scope::Merchant(id) => super::routines::at_merchant(self.conn, self.sealer, id)?,
            Scope::Category(c) => {
                let id = RoutineSubject::Category { category: c.clone() }.id();
                super::routines::load(self.conn, self.sealer, &id)?.into_iter().collect()
            }
        };
        Ok(least_overdue_days(&tracks, self.now, self.tz))
    }
    fn steps_today(&self) -> Result<u64, Error> {
        let day = self.now.local_day(self.tz).to_string();
        Ok(super::steps::day(self.conn, &day)?.0)
    }
    fn speed_mps(&self) -> Option<f64> {
        self.speed_mps
    }
    fn friends_visited(&self, merchant_id: &str) -> Result<Option<u32>, Error> {
        Ok(super::social::counts(self.conn, self.sealer)?.and_then(|c| c.of(merchant_id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routines::RoutineTrack;
    use crate::store;

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
        store::routines::save(&conn, &sealer, "place:1", Some(a), None, &ta, None).unwrap();
        store::routines::save(&conn, &sealer, "place:2", Some(b), None, &tb, None).unwrap();
        store::routines::save(&conn, &sealer, "category:grocery", None, Some("grocery"), &ta, None).unwrap();
        let view = |now: &str| ProfileView::new(&conn, &sealer, t(now), tz, None);
        let saturday = view("2026-11-28T11:15:00-08:00");
        let (merchant, category) = (Scope::Merchant("grocer".into()), Scope::Category("grocery".into()));
        assert_eq!(saturday.routine_overdue_days(&category).unwrap(), Some(2.0));
        // Branch b is on track (-2: due Monday 30), so the merchant is too.
        assert_eq!(saturday.routine_overdue_days(&merchant).unwrap(), Some(-2.0));
        assert_eq!(saturday.routine_overdue_days(&Scope::Category("fashion".into())).unwrap(), None);
        assert_eq!(saturday.routine_overdue_days(&Scope::Merchant("other".into())).unwrap(), None);
        // Before the tolerance runs out it is not positive; once lapsed, no routine.
        assert_eq!(view("2026-11-27T12:00:00-08:00").routine_overdue_days(&category).unwrap(), Some(0.0));
        assert_eq!(view("2026-12-20T12:00:00-08:00").routine_overdue_days(&category).unwrap(), None);
    }

    #[test]
    fn a_failed_profile_read_fails_the_evaluation_instead_of_reading_as_no_routine() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        let sealer = crate::domain::privacy::seal::Sealer::new(&[2; 32]).unwrap();
        store::schema::migrate(&mut conn, &sealer).unwrap();
        conn.execute(
            "INSERT INTO routines (id, category, sealed) VALUES ('category:grocery', 'grocery', ?1)",
            [sealer.seal(b"routines", b"not json").unwrap()],
        )
        .unwrap();
        // "Not overdue at the grocer's": a rule that a hidden failure
        // (no routine) would make true.
        let rule: crate::domain::catalog::Rule =
            serde_json::from_str(r#"{"not": {"routine_overdue": {"category": "grocery"}}}"#).unwrap();
        let attributes = Default::default();
        let subject = crate::domain::catalog::Subject {
            merchant_id: "grocer",
            time_zone: tz,
            merchant_attributes: &attributes,
            offer_attributes: &attributes,
        };
        let view = ProfileView::new(&conn, &sealer, t("2026-11-28T11:15:00-08:00"), tz, None);
        let err = rule.try_eval_for(&view, &subject).unwrap_err();
        assert!(matches!(&err, Error::RoutineTrack { id, .. } if id == "category:grocery"), "{err}");
    }
}
