//! Closing and reopening times of a place: when its opening hours end after
//! an instant, and when they start again. A claim window ends at the first
//! closing after the trigger (unless the offer allows claims after
//! closing), and a redemption while the place is closed is refused with the
//! time it reopens.
//!
//! Opening hours are written in whole minutes of the merchant's wall clock
//! and every zone's offset is a whole number of minutes, so whether a place
//! is open can only change on a minute boundary: walking the minutes with
//! [`is_open`] itself finds the exact instant, DST included (a close at
//! 02:30 on the spring-forward night, which never shows on the clock, ends
//! the night at 03:00 local, when the clock leaves the window).

use super::document::{Offer, OpeningHours};
use super::schedule::is_open;
use crate::domain::time::{Timestamp, MINUTE_MS};
use chrono_tz::Tz;

/// The first instant in `(after, limit)` at which a place with
/// `opening_hours` (in zone `tz`) goes from open to closed; `None` when it
/// does not close before `limit`, or has no opening hours (always open).
/// Closed at `after`, the place closes at the end of its next opening.
pub fn next_closing(opening_hours: &[OpeningHours], after: Timestamp, limit: Timestamp, tz: Tz) -> Option<Timestamp> {
    next_change(opening_hours, after, limit, tz, true)
}

/// The first instant in `(after, limit)` at which a place with
/// `opening_hours` (in zone `tz`) opens after being closed; `None` when it
/// does not open again before `limit`, or has no opening hours.
pub fn next_opening(opening_hours: &[OpeningHours], after: Timestamp, limit: Timestamp, tz: Tz) -> Option<Timestamp> {
    next_change(opening_hours, after, limit, tz, false)
}

/// The first minute boundary in `(after, limit)` where the place leaves
/// the open state (`from_open`) or the closed state.
fn next_change(
    opening_hours: &[OpeningHours],
    after: Timestamp,
    limit: Timestamp,
    tz: Tz,
    from_open: bool,
) -> Option<Timestamp> {
    if opening_hours.is_empty() {
        return None;
    }
    let mut previous = is_open(opening_hours, after, tz);
    let mut t = Timestamp((after.0.div_euclid(MINUTE_MS) + 1) * MINUTE_MS);
    while t < limit {
        let open = is_open(opening_hours, t, tz);
        if previous == from_open && open != from_open {
            return Some(t);
        }
        previous = open;
        t = t.plus_millis(MINUTE_MS);
    }
    None
}

/// The end (exclusive) of a claim window opened at `trigger_at`: the window
/// (`claim_window_minutes` after the trigger), ended earlier by
/// `valid_until`, and, unless `claims_after_closing`, by the place's first
/// closing after the trigger.
pub fn claim_deadline(
    window_end: Timestamp,
    trigger_at: Timestamp,
    claims_after_closing: bool,
    opening_hours: &[OpeningHours],
    tz: Tz,
) -> Timestamp {
    if claims_after_closing {
        return window_end;
    }
    next_closing(opening_hours, trigger_at, window_end, tz).unwrap_or(window_end)
}

impl Offer {
    /// The last instant (exclusive) the offer triggered at `trigger_at` at
    /// a place with `opening_hours` (in the merchant's zone `tz`) can be
    /// claimed: [`Offer::claim_deadline`], ended earlier by the place's
    /// closing time unless `claims_after_closing`.
    pub fn claim_deadline_at(&self, trigger_at: Timestamp, opening_hours: &[OpeningHours], tz: Tz) -> Timestamp {
        claim_deadline(self.claim_deadline(trigger_at), trigger_at, self.claims_after_closing, opening_hours, tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::wall_clock::DayOfWeek;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn hours(days: &[DayOfWeek], open: &str, close: &str) -> OpeningHours {
        OpeningHours { days: days.to_vec(), open: open.parse().unwrap(), close: close.parse().unwrap() }
    }

    fn every_day() -> Vec<DayOfWeek> {
        use DayOfWeek::*;
        vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]
    }

    fn offer(claims_after_closing: bool) -> Offer {
        serde_json::from_value::<Offer>(serde_json::json!({
            "id": "o", "title": "t", "trigger": {"type": "enter"}, "claim_window_minutes": 180,
            "claims_after_closing": claims_after_closing
        }))
        .unwrap()
    }

    #[test]
    fn a_window_past_closing_time_ends_at_closing() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let store = [hours(&every_day(), "10:00", "21:00")];
        let trigger = ts("2026-11-24T20:30:00-08:00");
        assert_eq!(offer(false).claim_deadline_at(trigger, &store, la), ts("2026-11-24T21:00:00-08:00"));
        // The merchant allows claims after closing: the whole window.
        assert_eq!(offer(true).claim_deadline_at(trigger, &store, la), ts("2026-11-24T23:30:00-08:00"));
        // Closing after the window: the window.
        let early = ts("2026-11-24T10:32:00-08:00");
        assert_eq!(offer(false).claim_deadline_at(early, &store, la), ts("2026-11-24T13:32:00-08:00"));
        // Always open: the window.
        assert_eq!(offer(false).claim_deadline_at(trigger, &[], la), ts("2026-11-24T23:30:00-08:00"));
    }

    #[test]
    fn a_trigger_with_seconds_ends_at_the_closing_minute() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let store = [hours(&every_day(), "10:00", "21:00")];
        let trigger = ts("2026-11-24T20:59:59.500-08:00");
        assert_eq!(offer(false).claim_deadline_at(trigger, &store, la), ts("2026-11-24T21:00:00-08:00"));
    }

    #[test]
    fn closing_is_found_on_the_merchants_wall_clock_across_dst() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        // A bar open 22:00-02:30 on Saturday night, the night the clocks
        // spring forward (2026-03-08 02:00 -> 03:00): 02:30 never shows, so
        // it closes when the clock leaves the window, at 03:00 local.
        let bar = [hours(&[DayOfWeek::Sat], "22:00", "02:30")];
        let trigger = ts("2026-03-07T23:00:00-08:00");
        let limit = ts("2026-03-08T12:00:00-07:00");
        assert_eq!(next_closing(&bar, trigger, limit, la), Some(ts("2026-03-08T03:00:00-07:00")));
        // Fall back (2026-11-01 02:00 -> 01:00): a close at 01:30 comes at
        // the first 01:30 (the repeated hour opens it again, but the claim
        // window has ended).
        let bar = [hours(&[DayOfWeek::Sat], "22:00", "01:30")];
        let trigger = ts("2026-10-31T23:00:00-07:00");
        let limit = ts("2026-11-01T12:00:00-08:00");
        assert_eq!(next_closing(&bar, trigger, limit, la), Some(ts("2026-11-01T01:30:00-07:00")));
        // In Paris, 21:00 local is 20:00 UTC in winter.
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let shop = [hours(&every_day(), "09:00", "21:00")];
        let closing = next_closing(&shop, ts("2026-12-01T19:00:00Z"), ts("2026-12-02T00:00:00Z"), paris);
        assert_eq!(closing, Some(ts("2026-12-01T20:00:00Z")));
    }

    #[test]
    fn closed_at_the_trigger_the_window_ends_at_the_next_closing() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let store = [hours(&every_day(), "10:00", "21:00")];
        let trigger = ts("2026-11-24T09:30:00-08:00");
        assert_eq!(offer(false).claim_deadline_at(trigger, &store, la), ts("2026-11-24T12:30:00-08:00"));
        let late = ts("2026-11-24T22:00:00-08:00");
        let limit = ts("2026-11-26T00:00:00-08:00");
        assert_eq!(next_closing(&store, late, limit, la), Some(ts("2026-11-25T21:00:00-08:00")));
        assert_eq!(next_opening(&store, late, limit, la), Some(ts("2026-11-25T10:00:00-08:00")));
    }

    #[test]
    fn overlapping_rules_keep_the_place_open() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let store = [hours(&every_day(), "10:00", "14:00"), hours(&every_day(), "13:00", "18:00")];
        let trigger = ts("2026-11-24T12:00:00-08:00");
        let limit = ts("2026-11-25T00:00:00-08:00");
        assert_eq!(next_closing(&store, trigger, limit, la), Some(ts("2026-11-24T18:00:00-08:00")));
    }
}
