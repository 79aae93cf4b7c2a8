//! The routine half of the write path: visits folded into routines as they
//! end, overdue cycles as time passes, visits given by the app, and the
//! watch list the on-the-way reminder reads on every fix.

use super::ctx::{Ctx, VisitEnd};
use crate::domain::event::EventKind;
use crate::domain::routines::reminder::{Target, Watched};
use crate::domain::routines::RoutineSubject;
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use crate::error::{Error, Result};
use crate::policy;
use crate::store;

impl Ctx<'_> {
    /// Whether a routine may raise events: not over home or work.
    fn speaks(&self, subject: &RoutineSubject) -> Result<bool> {
        Ok(match subject {
            RoutineSubject::Place { place_id } => {
                !matches!(store::routines::place_kind(self.conn, *place_id)?, Some(PlaceKind::Home | PlaceKind::Work))
            }
            RoutineSubject::Category { .. } => true,
        })
    }

    /// Folds a visit that ended into the routine of its place and of each
    /// catalog category it matched; reports routines it brought back.
    pub(super) fn routines_on_visit(
        &mut self,
        visit_id: i64,
        place_id: i64,
        arrived_at: Timestamp,
        at: Timestamp,
    ) -> Result<()> {
        let tz = self.set.tz;
        let mut subjects = vec![RoutineSubject::Place { place_id }];
        for category in store::routines::categories_of_visit(self.conn, visit_id)? {
            subjects.push(RoutineSubject::Category { category });
        }
        for subject in subjects {
            let id = subject.id();
            let mut track = store::routines::load(self.conn, &id)?.unwrap_or_default();
            let effect = track.add_visit(arrived_at, tz);
            let (pid, category) = match &subject {
                RoutineSubject::Place { place_id } => (Some(*place_id), None),
                RoutineSubject::Category { category } => (None, Some(category.as_str())),
            };
            store::routines::save(self.conn, &id, pid, category, &track, track.next_check(tz))?;
            if let Some(cycles_missed) = effect.resumed_after {
                if self.speaks(&subject)? {
                    let next_expected_at = track.routine(subject, at, tz).map_or(at, |r| r.next_expected_at);
                    self.emit(at, EventKind::RoutineResumed { routine_id: id, cycles_missed, next_expected_at });
                }
            }
        }
        self.refresh_watch()
    }

    /// Reports the cycles that became overdue by `now`.
    pub(super) fn routines_on_time(&mut self, now: Timestamp) -> Result<()> {
        let tz = self.set.tz;
        for (id, mut track) in store::routines::due(self.conn, now)? {
            let caught = track.catch_up(now, tz);
            let (pid, category) = match RoutineSubject::parse(&id) {
                Some(RoutineSubject::Place { place_id }) => (Some(place_id), None),
                Some(RoutineSubject::Category { category }) => (None, Some(category)),
                None => (None, None),
            };
            store::routines::save(self.conn, &id, pid, category.as_deref(), &track, track.next_check(tz))?;
            let Some(c) = caught.filter(|c| !c.lapsed) else { continue };
            let speaks = match RoutineSubject::parse(&id) {
                Some(subject) => self.speaks(&subject)?,
                None => false,
            };
            if speaks {
                self.emit(
                    c.since,
                    EventKind::RoutineOverdue {
                        routine_id: id,
                        expected_at: c.expected_at,
                        cycles_missed: c.cycles_missed,
                        days_overdue: c.days_overdue,
                        period_days: c.period_days,
                    },
                );
            }
        }
        Ok(())
    }

    /// After the device's zone changed: the next checks and the watch list
    /// are instants, recomputed from the wall-clock routines in the new zone.
    pub(super) fn rezone_routines(&mut self) -> Result<()> {
        for row in store::routines::all(self.conn)? {
            store::routines::set_next_check(self.conn, &row.id, row.track.next_check(self.set.tz))?;
        }
        self.refresh_watch()
    }

    /// Rebuilds the reminder's watch list: routines over catalog places (a
    /// place routine at a merchant's place, or a category routine), with
    /// their overdue and lapse instants, and home's centre.
    pub(super) fn refresh_watch(&mut self) -> Result<()> {
        let tz = self.set.tz;
        let mut watched = Vec::new();
        for row in store::routines::all(self.conn)? {
            let Some(subject) = RoutineSubject::parse(&row.id) else { continue };
            let Some((expected_at, overdue_at, lapses_at)) = row.track.schedule(tz) else { continue };
            let target = match subject {
                RoutineSubject::Place { place_id } => {
                    if row.merchant_id.is_none() || matches!(row.place_kind, Some(PlaceKind::Home | PlaceKind::Work)) {
                        continue;
                    }
                    let places = store::routines::catalog_places_of(self.conn, place_id)?;
                    if places.is_empty() {
                        continue;
                    }
                    Target::Places(places)
                }
                RoutineSubject::Category { category } => Target::Category(category),
            };
            watched.push(Watched {
                routine_id: row.id,
                target,
                expected_at,
                overdue_at,
                lapses_at,
                reminded_day: None,
            });
        }
        let home = store::routines::home(self.conn, self.sealer)?;
        self.st.reminders.replace(watched, home);
        Ok(())
    }

    /// Records a visit given whole by the app (validated by the caller):
    /// clustered into a place, matched to merchants and folded into
    /// routines like a detected one. A repeat of a stored visit is ignored;
    /// any other overlap is refused.
    pub(super) fn record_visit(&mut self, lat: f64, lon: f64, arrived: Timestamp, departed: Timestamp) -> Result<()> {
        let overlapping = store::profile::overlapping(self.conn, self.sealer, arrived, departed)?;
        let place = self.places.nearest(lat, lon);
        let slack = policy::RECORD_VISIT_DUPLICATE_SLACK_MS;
        let repeat = overlapping.iter().any(|v| {
            Some(v.place_id) == place
                && v.arrived_at.since(arrived).abs() <= slack
                && v.departed_at.is_some_and(|d| d.since(departed).abs() <= slack)
        });
        if repeat {
            return Ok(());
        }
        if let Some(v) = overlapping.first() {
            let until = v.departed_at.map_or("now (under way)".to_string(), |d| d.to_string());
            return Err(Error::InvalidVisit(format!(
                "it overlaps visit {} (from {} to {until}); only visits not already recorded may be added",
                v.id, v.arrived_at
            )));
        }
        let (visit_id, place_id) = self.begin_visit(lat, lon, arrived)?;
        self.emit(arrived, EventKind::VisitStarted { visit_id, place_id, arrived_at: arrived });
        let end = VisitEnd { departed_at: departed, lat, lon, detected_at: departed };
        self.end_visit(visit_id, place_id, arrived, end)?;
        self.advance(departed)
    }
}
