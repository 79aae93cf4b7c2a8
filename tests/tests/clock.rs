//! Clock abuse: time going backwards, jumps of days, a time-zone change
//! mid-day, and inputs far in the past or future. No duplicate daily
//! summary and no lost steps (docs/RELIABILITY.md, "Clock abuse").

#![forbid(unsafe_code)]

use kairos_core::privacy::Purpose;
use kairos_core::{Engine, EngineConfig, FixRejection, KairosError, LocationFix, StepSample, Timestamp};
use kairos_e2e::t;
use std::collections::BTreeMap;

const INSTALL: &str = "11112222333344445555666677778888";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn open(dir: &std::path::Path, zone: &str) -> Engine {
    let mut cfg = EngineConfig::new(dir, zone);
    cfg.install_id = Some(INSTALL.into());
    Engine::open(cfg).unwrap()
}

fn steps(start: Timestamp, minutes: i64, n: u64) -> StepSample {
    StepSample::Interval { start, end: start.plus_millis(minutes * 60_000), steps: n }
}

/// Activity summaries in the outbox, as `day -> how many`, with the steps
/// of the last one of each day.
fn activity_summaries(e: &Engine) -> BTreeMap<String, (usize, i64)> {
    let mut days = BTreeMap::new();
    for item in e.outbox().unwrap().into_iter().filter(|i| i.purpose == Some(Purpose::Activity)) {
        let steps = serde_json::from_str::<serde_json::Value>(&item.payload).unwrap()["steps"].as_i64().unwrap();
        let entry = days.entry(item.day.unwrap()).or_insert((0, 0));
        *entry = (entry.0 + 1, steps);
    }
    days
}

#[test]
fn time_going_back_changes_nothing_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Los_Angeles");
    let noon = t("2026-11-24T12:00:00-08:00");
    e.tick(noon).unwrap();
    for m in 0..5 {
        e.record_location(LocationFix::new(noon.plus_millis(m * 60_000), 37.33, -121.89, 10.0)).unwrap();
    }
    let clock = e.clock().unwrap();
    // A fix an hour older than the newest: refused with a typed reason.
    let err = e.record_location(LocationFix::new(noon.plus_millis(-HOUR), 37.33, -121.89, 10.0)).unwrap_err();
    assert!(
        matches!(err, KairosError::InvalidFix { rejection: FixRejection::OutOfOrder { .. } }),
        "an old fix is refused as out of order: {err}"
    );
    // The device clock goes back a day: the tick changes nothing.
    assert!(e.tick(noon.plus_millis(-DAY)).unwrap().is_empty());
    assert_eq!(e.clock(), Some(clock), "the engine clock never goes back");
    // Steps the pedometer reports late, for the morning, still count.
    e.record_steps(steps(noon.plus_millis(-3 * HOUR), 30, 1_500)).unwrap();
    e.record_steps(steps(noon.plus_millis(-DAY), 30, 700)).unwrap();
    assert_eq!(e.today(noon).unwrap().steps, 1_500);
    assert_eq!(e.today(noon.plus_millis(-DAY)).unwrap().steps, 700);
    // A step counter that goes back in time is refused whole, with a
    // typed error, and counts nothing.
    e.record_steps(StepSample::Counter { at: noon.plus_millis(10 * 60_000), count_since_boot: 10_000 }).unwrap();
    e.record_steps(StepSample::Counter { at: noon.plus_millis(11 * 60_000), count_since_boot: 10_100 }).unwrap();
    let err =
        e.record_steps(StepSample::Counter { at: noon.plus_millis(5 * 60_000), count_since_boot: 10_050 }).unwrap_err();
    assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
    assert_eq!(e.today(noon).unwrap().steps, 1_600);
    // The same interval delivered again is not counted twice.
    e.record_steps(steps(noon.plus_millis(-3 * HOUR), 30, 1_500)).unwrap();
    assert_eq!(e.today(noon).unwrap().steps, 1_600);
    assert_eq!(e.raw_fixes(noon.plus_millis(-DAY), noon.plus_millis(DAY)).unwrap().len(), 5);
}

#[test]
fn ten_days_forward_closes_each_day_once() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Los_Angeles");
    let day0 = t("2026-11-02T12:00:00-08:00");
    e.tick(day0).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", day0).unwrap();
    e.record_steps(steps(day0, 60, 1_000)).unwrap();
    // A burst delivered late: one sample a day for days 1..=9, in one call;
    // the clock leaps nine days at once.
    let burst: Vec<StepSample> =
        (1..=9).map(|d| steps(day0.plus_millis(d * DAY), 60, 1_000 + d as u64 * 100)).collect();
    e.record_step_samples(&burst).unwrap();
    // Then the device wakes ten days after day 0, ticks again, and its
    // clock wanders back and forth.
    for at in [day0.plus_millis(10 * DAY - 6 * HOUR), day0.plus_millis(10 * DAY), day0.plus_millis(5 * DAY)] {
        e.tick(at).unwrap();
    }
    let days = activity_summaries(&e);
    assert_eq!(days.len(), 10, "days 0..=9 closed: {days:?}");
    for (d, (day, (count, steps))) in days.iter().enumerate() {
        assert_eq!(*count, 1, "{day} summarised once");
        assert_eq!(*steps, 1_000 + d as i64 * 100, "{day}'s steps");
    }
    // Ten more silent days: nothing new to summarise, nothing twice.
    e.tick(day0.plus_millis(20 * DAY)).unwrap();
    e.tick(day0.plus_millis(20 * DAY)).unwrap();
    assert_eq!(activity_summaries(&e), days);
    let week = e.week(day0.plus_millis(9 * DAY)).unwrap();
    assert_eq!(week.total, (3..=9).map(|d| 1_000 + d * 100).sum::<u64>(), "steps kept: {week:?}");
}

#[test]
fn a_zone_change_mid_day_keeps_one_summary_per_day_and_every_step() {
    let dir = tempfile::tempdir().unwrap();
    // Los Angeles in the morning of the 24th.
    let e = open(dir.path(), "America/Los_Angeles");
    e.tick(t("2026-11-24T08:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", t("2026-11-24T08:00:00-08:00")).unwrap();
    e.record_steps(steps(t("2026-11-24T09:00:00-08:00"), 60, 1_000)).unwrap();
    drop(e);
    // Flown to New York: the app reopens the engine in the new zone (the
    // zone is fixed at open). Same local day, three hours ahead.
    let e = open(dir.path(), "America/New_York");
    e.record_steps(steps(t("2026-11-24T16:00:00-05:00"), 60, 2_000)).unwrap();
    assert_eq!(e.today(t("2026-11-24T17:00:00-05:00")).unwrap().steps, 3_000, "both halves of the day");
    e.tick(t("2026-11-25T06:00:00-05:00")).unwrap();
    // Back west in the small hours of the 25th (New York): 22:30 on the
    // 24th in Los Angeles, a day already summarised.
    drop(e);
    let e = open(dir.path(), "America/Los_Angeles");
    e.tick(t("2026-11-24T22:30:00-08:00")).unwrap();
    e.record_steps(steps(t("2026-11-24T22:30:00-08:00"), 20, 400)).unwrap();
    e.record_steps(steps(t("2026-11-25T09:00:00-08:00"), 60, 5_000)).unwrap();
    e.tick(t("2026-11-26T06:00:00-08:00")).unwrap();
    e.tick(t("2026-11-27T06:00:00-08:00")).unwrap();
    let days = activity_summaries(&e);
    // (The 26th has no steps: no activity summary.)
    assert_eq!(days.keys().map(String::as_str).collect::<Vec<_>>(), ["2026-11-24", "2026-11-25"]);
    assert!(days.values().all(|(count, _)| *count == 1), "each day summarised once: {days:?}");
    // The 24th was summarised when it ended in New York; the 400 steps the
    // shopper took later that day in Los Angeles are kept on the device
    // (documented: no second summary for a day already sent).
    assert_eq!(days["2026-11-24"].1, 3_000);
    assert_eq!(e.today(t("2026-11-24T23:00:00-08:00")).unwrap().steps, 3_400, "no step lost on the device");
    assert_eq!(days["2026-11-25"].1, 5_000);
}

#[test]
fn inputs_outside_2000_to_2100_are_refused_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Los_Angeles");
    let now = t("2026-11-24T12:00:00-08:00");
    e.tick(now).unwrap();
    for at in [t("1999-12-31T23:59:59Z"), t("2100-01-01T00:00:01Z"), Timestamp(0), Timestamp(i64::MAX)] {
        let err = e.record_location(LocationFix::new(at, 37.33, -121.89, 10.0)).unwrap_err();
        assert!(
            matches!(err, KairosError::InvalidFix { rejection: FixRejection::TimestampOutOfRange { .. } }),
            "{err}"
        );
        let err = e.tick(at).unwrap_err();
        assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
        let err = e.record_steps(StepSample::Counter { at, count_since_boot: 5 }).unwrap_err();
        assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
        // In a batch, the bad fix is refused and reported; the others stay.
        let report = e
            .record_locations(&[
                LocationFix::new(now.plus_millis(60_000), 37.33, -121.89, 10.0),
                LocationFix::new(at, 37.33, -121.89, 10.0),
            ])
            .unwrap();
        assert_eq!(report.rejected.len(), 1);
    }
    // An interval whose end is before its start.
    let err = e.record_steps(StepSample::Interval { start: now, end: now.plus_millis(-1), steps: 5 }).unwrap_err();
    assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
    assert_eq!(e.clock(), Some(now.plus_millis(60_000)), "nothing out of range moved the clock");
    assert_eq!(e.raw_fixes(now, now.plus_millis(DAY)).unwrap().len(), 1);
}

#[test]
fn a_device_clock_far_ahead_then_corrected_keeps_the_engine_working() {
    use kairos_core::EventKind;
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Denver");
    let day0 = t("2026-11-12T09:00:00-07:00");
    e.tick(day0).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", day0).unwrap();
    e.record_steps(steps(day0, 60, 2_000)).unwrap();
    let at = |m: i64| day0.plus_millis(m * 60_000);
    for m in 0..5 {
        e.record_location(LocationFix::new(at(m), 39.68, -104.98, 10.0)).unwrap();
    }
    // The device clock jumps 64 years ahead for one fix.
    let wrong = t("2090-11-12T09:06:00-07:00");
    e.record_location(LocationFix::new(wrong, 39.68, -104.98, 10.0)).unwrap();
    assert_eq!(e.clock(), Some(wrong));
    // While it is wrong, the pedometer stamps steps in 2090 and a tick a
    // day later closes that day: a summary of a day that has not happened.
    e.record_steps(steps(wrong, 30, 400)).unwrap();
    e.tick(wrong.plus_millis(DAY)).unwrap();
    // Then it is corrected: the app's next tick is the real present.
    let events = e.tick(at(7)).unwrap();
    let corrected: Vec<_> = events.iter().filter(|ev| matches!(ev.kind, EventKind::ClockCorrected { .. })).collect();
    assert_eq!(corrected.len(), 1, "{events:?}");
    assert!(
        matches!(corrected[0].kind, EventKind::ClockCorrected { from, to } if from == wrong.plus_millis(DAY) && to == at(7))
    );
    assert_eq!(e.clock(), Some(at(7)), "the clock is back in the present");
    // Real fixes are accepted again (not out of order), and a stay there
    // becomes a visit.
    let mut started = 0;
    for m in 8..30 {
        let evs =
            e.record_location(LocationFix::new(at(m), 39.68, -104.98, 10.0)).expect("accepted after the correction");
        started += evs.iter().filter(|ev| matches!(ev.kind, EventKind::VisitStarted { .. })).count();
    }
    assert_eq!(started, 1, "a visit is detected after the correction");
    // Days close again, each once, in the present.
    e.tick(day0.plus_millis(2 * DAY)).unwrap();
    e.tick(day0.plus_millis(3 * DAY)).unwrap();
    let days = activity_summaries(&e);
    assert_eq!(days.get("2026-11-12").map(|d| d.0), Some(1), "{days:?}");
    assert!(days.keys().all(|d| d.starts_with("2026")), "no summary of a day in 2090: {days:?}");
    assert!(days.values().all(|d| d.0 == 1), "{days:?}");
    // A small step back is not a correction.
    assert!(e.tick(day0.plus_millis(3 * DAY - HOUR / 2)).unwrap().is_empty());
}

#[test]
fn a_correction_withdraws_the_unsent_summaries_of_days_that_had_not_happened_and_keeps_true_days() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Denver");
    let nov = |d: u32, hm: &str| t(&format!("2026-11-{d:02}T{hm}:00-07:00"));
    e.tick(nov(11, "09:00")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", nov(11, "09:00")).unwrap();
    e.record_steps(steps(nov(11, "09:00"), 60, 1_000)).unwrap();
    e.tick(nov(12, "09:00")).unwrap();
    e.record_steps(steps(nov(12, "09:00"), 60, 2_000)).unwrap();
    // The device clock runs ten days ahead: the pedometer stamps 300 steps
    // on the 21st and the next tick, on the 22nd, closes the 12th (not
    // over yet) to the 21st (not happened yet).
    e.record_steps(steps(nov(21, "09:00"), 60, 300)).unwrap();
    e.tick(nov(22, "09:00")).unwrap();
    // Corrected: the present is the 12th, 10:00.
    let events = e.tick(nov(12, "10:00")).unwrap();
    assert!(events.iter().any(|ev| matches!(ev.kind, kairos_core::EventKind::ClockCorrected { .. })), "{events:?}");
    let days = activity_summaries(&e);
    assert_eq!(days.keys().map(String::as_str).collect::<Vec<_>>(), ["2026-11-11"], "only the true day: {days:?}");
    // The 12th goes on, and closes once, whole, when it really ends.
    e.record_steps(steps(nov(12, "10:00"), 60, 500)).unwrap();
    e.tick(nov(13, "06:00")).unwrap();
    let days = activity_summaries(&e);
    assert_eq!(days.get("2026-11-11"), Some(&(1, 1_000)), "a true day is kept: {days:?}");
    assert_eq!(days.get("2026-11-12"), Some(&(1, 2_500)), "summarised once, whole: {days:?}");
    assert_eq!(days.len(), 2, "{days:?}");
}

#[test]
fn a_visit_ended_by_a_correction_ends_at_its_last_trustworthy_fix() {
    use kairos_core::EventKind;
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), "America/Denver");
    let day0 = t("2026-11-12T10:00:00-07:00");
    let at = |s: i64| day0.plus_millis(s * 1_000);
    e.tick(day0).unwrap();
    // Ten minutes at a café, a fix every 30 s: a visit from 10:00.
    let mut started = None;
    for s in (0..=570).step_by(30) {
        for ev in e.record_location(LocationFix::new(at(s), 39.68, -104.98, 10.0)).unwrap() {
            if let EventKind::VisitStarted { arrived_at, .. } = ev.kind {
                started = Some(arrived_at);
            }
        }
    }
    assert_eq!(started, Some(day0));
    // Then three fixes from a clock 64 years ahead; the leap purges every
    // raw fix older than the retention before 2090.
    for s in [600, 630, 660] {
        e.record_location(LocationFix::new(
            t("2090-11-12T10:00:00-07:00").plus_millis(s * 1_000),
            39.68,
            -104.98,
            10.0,
        ))
        .unwrap();
    }
    let events = e.tick(at(690)).unwrap();
    let ended: Vec<_> = events
        .iter()
        .filter_map(|ev| match ev.kind {
            EventKind::VisitEnded { arrived_at, departed_at, minutes, .. } => Some((arrived_at, departed_at, minutes)),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [(day0, at(570), 9)], "10:00–10:09:30, the last fix before the wrong clock: {events:?}");
    let visits = e.visits(day0, at(3_600)).unwrap();
    assert_eq!(visits.len(), 1, "{visits:?}");
}
