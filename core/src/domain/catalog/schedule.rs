//! When an offer may fire and until when it can be claimed: validity dates,
//! days and hours in the merchant's zone, and the place's opening hours.
//!
//! Days and hours are judged on the merchant's local wall clock (see
//! [`super::wall_clock`]), which makes them correct across DST changes: a
//! window inside the skipped spring-forward hour never matches, and a time
//! repeated on the fall-back day matches both times.

use super::document::{MerchantPlace, Offer, OpeningHours, Schedule};
use super::wall_clock::window_contains;
use crate::domain::time::{Timestamp, MINUTE_MS};
use chrono::Datelike;
use chrono_tz::Tz;

impl Schedule {
    /// Whether the schedule's own parts (validity dates, days, hours) allow
    /// the instant `at`, with days and hours in zone `tz`. Opening hours are
    /// not considered here; see [`Offer::is_scheduled`].
    pub fn is_active(&self, at: Timestamp, tz: Tz) -> bool {
        if self.valid_from.is_some_and(|from| at < from) || self.valid_until.is_some_and(|until| at >= until) {
            return false;
        }
        let local = at.in_tz(tz).naive_local();
        let days = self.days.as_deref();
        match &self.hours {
            Some(windows) => windows.iter().any(|w| w.contains(local, days)),
            None => days.is_none_or(|ds| ds.contains(&local.weekday().into())),
        }
    }

    /// Whether an offer with this schedule may fire at `at` at a place with
    /// `opening_hours`, in zone `tz`: the schedule allows it, and, when
    /// `during_opening_hours`, the place is open.
    pub fn allows(&self, at: Timestamp, tz: Tz, opening_hours: &[OpeningHours]) -> bool {
        self.is_active(at, tz) && (!self.during_opening_hours || is_open(opening_hours, at, tz))
    }

    /// The last instant (exclusive) an offer with this schedule and claim
    /// window, triggered at `trigger_at`, can be claimed:
    /// `claim_window_minutes` after the trigger, or the end of the offer
    /// (`valid_until`) if that comes first.
    pub fn claim_deadline(&self, claim_window_minutes: u32, trigger_at: Timestamp) -> Timestamp {
        let window_end = trigger_at.plus_millis(i64::from(claim_window_minutes) * MINUTE_MS);
        match self.valid_until {
            Some(until) => window_end.min(until),
            None => window_end,
        }
    }
}

/// Whether a place with `opening_hours` is open at `at`, with opening hours
/// in zone `tz` (always, when it lists none). Hours past midnight belong to
/// the day they open.
pub fn is_open(opening_hours: &[OpeningHours], at: Timestamp, tz: Tz) -> bool {
    if opening_hours.is_empty() {
        return true;
    }
    let local = at.in_tz(tz).naive_local();
    opening_hours.iter().any(|h| window_contains(h.open, h.close, Some(&h.days), local))
}

impl MerchantPlace {
    /// Whether the place is open at `at`, with opening hours in zone `tz`
    /// (always, when it lists no opening hours). Hours past midnight belong
    /// to the day they open.
    pub fn is_open(&self, at: Timestamp, tz: Tz) -> bool {
        is_open(&self.opening_hours, at, tz)
    }
}

impl Offer {
    /// Whether the offer may fire at `at` at `place` (one of its merchant's
    /// places), in the merchant's zone `merchant_tz`: its schedule allows
    /// it, and, when `schedule.during_opening_hours`, the place is open.
    pub fn is_scheduled(&self, at: Timestamp, merchant_tz: Tz, place: &MerchantPlace) -> bool {
        self.schedule.allows(at, merchant_tz, &place.opening_hours)
    }

    /// The last instant (exclusive) the offer triggered at `trigger_at` can
    /// be claimed: `claim_window_minutes` after the trigger, or the end of
    /// the offer (`schedule.valid_until`) if that comes first.
    pub fn claim_deadline(&self, trigger_at: Timestamp) -> Timestamp {
        self.schedule.claim_deadline(self.claim_window_minutes, trigger_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::document::{OpeningHours, Trigger};
    use crate::domain::catalog::wall_clock::{DayOfWeek, TimeWindow};
    use crate::domain::fences::FenceShape;
    use crate::domain::time::{local_day_bounds, HOUR_MS};

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn window(start: &str, end: &str) -> TimeWindow {
        TimeWindow { start: start.parse().unwrap(), end: end.parse().unwrap() }
    }

    fn place(hours: Vec<OpeningHours>) -> MerchantPlace {
        MerchantPlace {
            id: "p".into(),
            fence: FenceShape::Circle { lat: 37.0, lon: -122.0, radius_m: 50.0 },
            opening_hours: hours,
        }
    }

    fn every_day() -> Vec<DayOfWeek> {
        use DayOfWeek::*;
        vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]
    }

    fn hours(days: Vec<DayOfWeek>, open: &str, close: &str) -> OpeningHours {
        OpeningHours { days, open: open.parse().unwrap(), close: close.parse().unwrap() }
    }

    fn offer(schedule: Schedule) -> Offer {
        serde_json::from_value::<Offer>(serde_json::json!({
            "id": "o", "title": "t", "trigger": {"type": "enter"}, "claim_window_minutes": 180
        }))
        .map(|o| Offer { schedule, ..o })
        .unwrap()
    }

    fn hours_only(w: TimeWindow) -> Schedule {
        Schedule { hours: Some(vec![w]), during_opening_hours: false, ..Schedule::default() }
    }

    #[test]
    fn validity_dates_are_half_open() {
        let la = tz("America/Los_Angeles");
        let s = Schedule {
            valid_from: Some(ts("2026-11-24T00:00:00-08:00")),
            valid_until: Some(ts("2026-11-25T00:00:00-08:00")),
            ..Schedule::default()
        };
        assert!(!s.is_active(ts("2026-11-23T23:59:59-08:00"), la));
        assert!(s.is_active(ts("2026-11-24T00:00:00-08:00"), la));
        assert!(s.is_active(ts("2026-11-24T23:59:59-08:00"), la));
        assert!(!s.is_active(ts("2026-11-25T00:00:00-08:00"), la));
    }

    #[test]
    fn days_are_local_days_of_the_merchant() {
        // 2026-11-24 is a Tuesday. 23:30 Tuesday in Los Angeles is already
        // Wednesday in UTC and in Paris.
        let s = Schedule { days: Some(vec![DayOfWeek::Tue]), ..Schedule::default() };
        let at = ts("2026-11-24T23:30:00-08:00");
        assert!(s.is_active(at, tz("America/Los_Angeles")));
        assert!(!s.is_active(at, tz("Europe/Paris")));
    }

    /// Minutes in `[from, from + hours)` at which `active` holds.
    fn minutes_where(from: Timestamp, hours: i64, active: impl Fn(Timestamp) -> bool) -> usize {
        (0..hours * 60).map(|m| from.plus_millis(m * MINUTE_MS)).filter(|&t| active(t)).count()
    }

    #[test]
    fn spring_forward_hour_does_not_exist() {
        // Clocks jump from 02:00 to 03:00 on 2026-03-08 in Los Angeles and on
        // 2026-03-29 in Paris: a 02:00-03:00 window never matches that day,
        // and lasts its full hour the day before.
        let s = hours_only(window("02:00", "03:00"));
        for (zone, (y, m, d)) in [("America/Los_Angeles", (2026, 3, 8)), ("Europe/Paris", (2026, 3, 29))] {
            let zone = tz(zone);
            let day = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let (start, end) = local_day_bounds(day, zone);
            assert_eq!(end.since(start), 23 * HOUR_MS);
            assert_eq!(minutes_where(start, 23, |t| s.is_active(t, zone)), 0, "{zone}");
            let (before, _) = local_day_bounds(day.pred_opt().unwrap(), zone);
            assert_eq!(minutes_where(before, 24, |t| s.is_active(t, zone)), 60, "{zone} day before");
        }
    }

    #[test]
    fn fall_back_time_happens_twice_and_matches_both_times() {
        let s = hours_only(window("01:00", "02:00"));
        // Los Angeles, 2026-11-01: 01:30 PDT (08:30Z) then 01:30 PST (09:30Z).
        let la = tz("America/Los_Angeles");
        assert!(s.is_active(ts("2026-11-01T01:30:00-07:00"), la));
        assert!(s.is_active(ts("2026-11-01T01:30:00-08:00"), la));
        assert!(!s.is_active(ts("2026-11-01T02:00:00-08:00"), la));
        // Paris, 2026-10-25: 02:30 CEST then 02:30 CET, in a 02:00-03:00 window.
        let paris = tz("Europe/Paris");
        let s = hours_only(window("02:00", "03:00"));
        assert!(s.is_active(ts("2026-10-25T02:30:00+02:00"), paris));
        assert!(s.is_active(ts("2026-10-25T02:30:00+01:00"), paris));
        // So the window lasts two hours of real time that day.
        let start = ts("2026-10-24T22:00:00Z");
        let hits = (0..12 * 60).map(|m| start.plus_millis(m * 60_000)).filter(|&t| s.is_active(t, paris)).count();
        assert_eq!(hits, 120);
    }

    #[test]
    fn opening_hours_past_midnight_belong_to_the_opening_day() {
        let la = tz("America/Los_Angeles");
        // Open Friday 10:00 to 02:00 (Saturday morning).
        let p = place(vec![hours(vec![DayOfWeek::Fri], "10:00", "02:00")]);
        assert!(p.is_open(ts("2026-11-27T10:00:00-08:00"), la)); // Fri
        assert!(p.is_open(ts("2026-11-28T01:59:00-08:00"), la)); // Sat early
        assert!(!p.is_open(ts("2026-11-28T02:00:00-08:00"), la));
        assert!(!p.is_open(ts("2026-11-28T10:00:00-08:00"), la)); // Sat day
        assert!(!p.is_open(ts("2026-11-27T01:00:00-08:00"), la)); // Thu's night
                                                                  // No opening hours: always open.
        assert!(place(vec![]).is_open(ts("2026-11-28T04:00:00-08:00"), la));
    }

    #[test]
    fn opening_hours_across_dst_nights() {
        // A bar open 22:00-03:00 every day: five hours on an ordinary night.
        // On the fall-back night the repeated hour (01:00-02:00 in Los
        // Angeles, 02:00-03:00 in Paris) is inside opening hours both times:
        // six hours of real time. On the spring-forward night the skipped
        // hour is missing: four hours.
        let p = place(vec![hours(every_day(), "22:00", "03:00")]);
        for (zone, ordinary, fall_back, spring_forward) in [
            ("America/Los_Angeles", "2026-11-10T04:00:00Z", "2026-11-01T03:00:00Z", "2026-03-08T04:00:00Z"),
            ("Europe/Paris", "2026-11-10T19:00:00Z", "2026-10-24T18:00:00Z", "2026-03-28T19:00:00Z"),
        ] {
            let zone = tz(zone);
            let open_minutes = |from: &str| minutes_where(ts(from), 10, |t| p.is_open(t, zone));
            assert_eq!(open_minutes(ordinary), 5 * 60, "{zone} ordinary");
            assert_eq!(open_minutes(fall_back), 6 * 60, "{zone} fall back");
            assert_eq!(open_minutes(spring_forward), 4 * 60, "{zone} spring forward");
        }
    }

    #[test]
    fn is_scheduled_combines_schedule_and_opening_hours() {
        let la = tz("America/Los_Angeles");
        let store = place(vec![hours(every_day(), "10:00", "21:00")]);
        let mut o = offer(Schedule::default());
        assert!(!o.is_scheduled(ts("2026-11-24T09:59:00-08:00"), la, &store));
        assert!(o.is_scheduled(ts("2026-11-24T10:32:00-08:00"), la, &store));
        // Not bound to opening hours: fires when closed too.
        o.schedule.during_opening_hours = false;
        assert!(o.is_scheduled(ts("2026-11-24T09:59:00-08:00"), la, &store));
        // Both the schedule's hours and the opening hours must allow it.
        o.schedule = Schedule { hours: Some(vec![window("08:00", "11:00")]), ..Schedule::default() };
        assert!(!o.is_scheduled(ts("2026-11-24T09:00:00-08:00"), la, &store));
        assert!(o.is_scheduled(ts("2026-11-24T10:30:00-08:00"), la, &store));
        assert!(!o.is_scheduled(ts("2026-11-24T11:00:00-08:00"), la, &store));
        assert!(matches!(o.trigger, Trigger::Enter));
    }

    #[test]
    fn schedule_hours_past_midnight_follow_days() {
        let la = tz("America/Los_Angeles");
        let s = Schedule {
            days: Some(vec![DayOfWeek::Sat]),
            hours: Some(vec![window("20:00", "01:00")]),
            during_opening_hours: false,
            ..Schedule::default()
        };
        assert!(s.is_active(ts("2026-11-28T21:00:00-08:00"), la)); // Sat
        assert!(s.is_active(ts("2026-11-29T00:30:00-08:00"), la)); // Sun early
        assert!(!s.is_active(ts("2026-11-29T21:00:00-08:00"), la)); // Sun
    }

    #[test]
    fn claim_deadline_is_relative_to_trigger_and_capped_by_validity() {
        let trigger = ts("2026-11-24T10:32:00-08:00");
        let mut o = offer(Schedule::default());
        assert_eq!(o.claim_deadline(trigger), ts("2026-11-24T13:32:00-08:00"));
        o.schedule.valid_until = Some(ts("2026-11-24T12:00:00-08:00"));
        assert_eq!(o.claim_deadline(trigger), ts("2026-11-24T12:00:00-08:00"));
        o.schedule.valid_until = Some(ts("2026-12-01T00:00:00-08:00"));
        assert_eq!(o.claim_deadline(trigger), ts("2026-11-24T13:32:00-08:00"));
    }
}
