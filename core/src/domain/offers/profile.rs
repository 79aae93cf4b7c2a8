//! The private profile as offer targeting sees it. The store answers
//! targeting's questions (`store/targeting.rs`, over
//! [`crate::domain::catalog::ProfileFacts`]); what an answer means beyond a
//! count lives here.

use crate::domain::routines::RoutineTrack;
use crate::domain::time::Timestamp;
use chrono_tz::Tz;

/// Local calendar days a merchant's routine is overdue at `now`, from the
/// routines of its learned places (see [`crate::Routine::days_overdue`]):
/// the least overdue of them, since the shopper keeps the routine if any
/// branch is on track; `None` when no branch has a live routine.
pub fn least_overdue_days<'a>(
    branches: impl IntoIterator<Item = &'a RoutineTrack>,
    now: Timestamp,
    tz: Tz,
) -> Option<f64> {
    branches.into_iter().filter_map(|t| t.overdue_days(now, tz)).min().map(f64::from)
}
