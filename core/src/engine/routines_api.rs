//! The routine half of the public API: the routines learned, and visits
//! given whole by the app (platform-detected visits, prior history).

use super::{ApiResult, Engine};
use crate::domain::event::Event;
use crate::domain::location::LocationFix;
use crate::domain::routines::{Routine, RoutineSubject};
use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::error::Error;
use crate::policy;
use crate::store;

impl Engine {
    /// Every routine learned, as it stands at `now` (in the device's zone):
    /// period, regularity, usual day and time, next expected visit and
    /// overdue state. Soonest expected first. Lapsed routines are listed
    /// too (the shopper can see everything held about them).
    pub fn routines(&self, now: Timestamp) -> ApiResult<Vec<Routine>> {
        let inner = self.lock();
        let tz = inner.set.tz;
        let mut out = Vec::new();
        for row in store::routines::all(&inner.conn, &inner.sealer)? {
            let Some(subject) = RoutineSubject::parse(&row.id) else { continue };
            if let Some(mut r) = row.track.routine(subject, now, tz) {
                r.place_kind = row.place_kind;
                r.merchant_id = row.merchant_id;
                out.push(r);
            }
        }
        out.sort_by(|a, b| a.next_expected_at.cmp(&b.next_expected_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Records a whole visit at `(lat, lon)` from `arrived` to `departed`:
    /// one the platform detected (an iOS `CLVisit`), or one from the
    /// shopper's prior history (the simulator's scenario "profile
    /// history"). It goes through the same path as a detected visit, in one
    /// transaction: clustered into a learned place (home and work
    /// re-inferred), matched to the merchants of the catalog in force (load
    /// the catalog first), folded into the routines of its place and
    /// categories; then the clock advances to `departed` (never back).
    ///
    /// Returns `visit_started` (at `arrived`) and `visit_ended` (at
    /// `departed`) with whatever else the visit caused. Refused with
    /// [`crate::KairosError::InvalidInput`]: an invalid position or time, a
    /// visit shorter than the dwell threshold or longer than 31 days, or
    /// one overlapping a recorded visit (including one under way). The same
    /// visit delivered again (same place, arrival and departure within five
    /// minutes) is ignored and returns no events. Feed history oldest first:
    /// a visit older than a routine's window counts but is not fitted.
    pub fn record_visit(&self, lat: f64, lon: f64, arrived: Timestamp, departed: Timestamp) -> ApiResult<Vec<Event>> {
        let bad = |m: String| Error::InvalidVisit(m).into();
        for t in [arrived, departed] {
            LocationFix::new(t, lat, lon, 1.0).validate().map_err(|r| bad(r.to_string()))?;
        }
        if departed <= arrived {
            return Err(bad(format!("departure {departed} is not after arrival {arrived}")));
        }
        if departed.since(arrived) > policy::RECORD_VISIT_MAX_MS {
            return Err(bad("it lasts more than 31 days".into()));
        }
        let mut inner = self.lock();
        let dwell = inner.set.stay.min_dwell_ms;
        if departed.since(arrived) < dwell {
            return Err(bad(format!("it lasts less than the {}-minute dwell of a visit", dwell / MINUTE_MS)));
        }
        Ok(inner.write(|ctx| ctx.record_visit(lat, lon, arrived, departed))?.into())
    }
}
