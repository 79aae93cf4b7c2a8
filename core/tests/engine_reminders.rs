//! The on-the-way reminder's manners: only once overdue, only heading
//! towards the store, once per routine per day, never in quiet hours, never
//! at home, never beyond 400 m, never once the routine has lapsed.

mod offer_common;
mod routine_day;

use offer_common::{key, t};
use routine_day::*;

/// The drive home along y = 0 at 13 m/s starting at `start`; the reminders
/// it caused, as the x at which each fired.
fn drive_home(e: &kairos_core::Engine, start: &str) -> Vec<f64> {
    let start = t(start);
    let events = e.record_locations(&trip(start, (0.0, 0.0), HOME, 13.0)).unwrap().events;
    reminders(&events).iter().map(|r| 13.0 * r.at.since(start) as f64 / 1000.0).collect()
}

#[test]
fn not_before_overdue_not_in_quiet_hours_once_a_day() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, HOME, vec![]);
    // Friday: expected yesterday, but within the 1.4-day tolerance.
    assert!(drive_home(&e, "2026-11-27T11:15:00-08:00").is_empty());
    // Saturday 07:00 is overdue but in quiet hours (21:00–08:00).
    assert!(drive_home(&e, "2026-11-28T07:00:00-08:00").is_empty());
    // Saturday 11:15: once, on the approach.
    let fired = drive_home(&e, "2026-11-28T11:15:00-08:00");
    assert!(fired.len() == 1 && (2_600.0..3_000.0).contains(&fired[0]), "{fired:?}");
    // The same day again: nothing.
    assert!(drive_home(&e, "2026-11-28T15:00:00-08:00").is_empty());
    // Sunday: still overdue, so once more.
    assert_eq!(drive_home(&e, "2026-11-29T11:15:00-08:00").len(), 1);
}

#[test]
fn only_when_heading_towards_the_store_and_within_400_m() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, HOME, vec![]);
    let start = t("2026-11-28T10:00:00-08:00");
    // Driving away from beside the store: getting further, no reminder.
    let away = trip(start, (GROCERY.0 + 20.0, 0.0), HOME, 13.0);
    assert!(reminders(&e.record_locations(&away).unwrap().events).is_empty());
    // A parallel road 700 m north of the store: never within 400 m.
    let far = trip(start.plus_millis(3_600_000), (0.0, 950.0), (6000.0, 950.0), 13.0);
    assert!(to_fence(GROCERY.0, 950.0) > 400.0);
    assert!(reminders(&e.record_locations(&far).unwrap().events).is_empty());
    // Standing still 300 m from it: not moving, no reminder.
    let mut still = trip(start.plus_millis(7_200_000), (GROCERY.0 - 300.0, 0.0), (GROCERY.0 - 299.0, 0.0), 1.0);
    for f in &mut still {
        f.speed_mps = Some(0.0);
    }
    assert!(reminders(&e.record_locations(&still).unwrap().events).is_empty());
    // Inching towards it at 0.3 m/s, a fix a minute: 18 m closer each
    // time, but slower than walking pace.
    let inching: Vec<_> = (0..8)
        .map(|i| {
            let (lat, lon) = offer_common::at_xy(GROCERY.0 - 350.0 + 18.0 * i as f64, GROCERY.1);
            let mut f = kairos_core::LocationFix::new(start.plus_millis(9_000_000 + i * 60_000), lat, lon, 8.0);
            f.speed_mps = Some(0.3);
            f
        })
        .collect();
    assert!(reminders(&e.record_locations(&inching).unwrap().events).is_empty());
    // Walking towards it at 1.3 m/s: fires within 400 m of the fence.
    let walk_start = t("2026-11-28T13:00:00-08:00");
    let walk = trip(walk_start, (GROCERY.0 - 600.0, GROCERY.1), GROCERY, 1.3);
    let events = e.record_locations(&walk).unwrap().events;
    let fired = reminders(&events);
    assert_eq!(fired.len(), 1);
    let x = GROCERY.0 - 600.0 + 1.3 * fired[0].at.since(walk_start) as f64 / 1000.0;
    assert!(to_fence(x, GROCERY.1) <= 400.0 && to_fence(x, GROCERY.1) > 300.0, "x = {x}");
}

#[test]
fn never_at_home() {
    // Home 200 m west of the store: walking from home towards the store
    // stays within 200 m of home until the store, so no reminder; the same
    // walk started further west reminds before reaching home's radius.
    let home = (GROCERY.0 - 200.0, GROCERY.1);
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, home, vec![]);
    let from_home = trip(t("2026-11-28T10:00:00-08:00"), (home.0 - 50.0, home.1), GROCERY, 1.3);
    assert!(reminders(&e.record_locations(&from_home).unwrap().events).is_empty());
    let start = t("2026-11-28T12:00:00-08:00");
    let from_west = trip(start, (GROCERY.0 - 800.0, GROCERY.1), home, 1.3);
    let events = e.record_locations(&from_west).unwrap().events;
    let fired = reminders(&events);
    assert_eq!(fired.len(), 1);
    let x = GROCERY.0 - 800.0 + 1.3 * fired[0].at.since(start) as f64 / 1000.0;
    assert!(home.0 - x > 200.0, "fired {} m from home", home.0 - x);
}

#[test]
fn a_lapsed_routine_no_longer_reminds() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with_history(dir.path(), &k, HOME, vec![]);
    // Three missed Thursdays: lapsed from Saturday 12 December 03:36.
    assert_eq!(drive_home(&e, "2026-12-11T11:15:00-08:00").len(), 1, "two cycles missed: still overdue");
    let lapsed = t("2026-12-12T03:36:00-08:00");
    let ev = e.tick(lapsed).unwrap();
    assert!(overdue(&ev).is_empty(), "the lapse is silent: {ev:?}");
    let r = e.routines(lapsed).unwrap();
    let g = r.iter().find(|r| r.id == "category:grocery").unwrap();
    assert_eq!((g.status, g.cycles_missed), (kairos_core::RoutineStatus::Lapsed, 3));
    assert!(drive_home(&e, "2026-12-12T11:15:00-08:00").is_empty());
}
