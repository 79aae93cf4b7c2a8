//! Steps through the engine: counters, intervals, DST days, goals, nudges.

mod common;

use common::{engine, t};
use kairos_core::{EventKind, KairosError, StepSample};

fn counter(at: &str, n: u64) -> StepSample {
    StepSample::Counter { at: t(at), count_since_boot: n }
}

fn interval(a: &str, b: &str, n: u64) -> StepSample {
    StepSample::Interval { start: t(a), end: t(b), steps: n }
}

#[test]
fn counter_reset_after_reboot_keeps_counting() {
    let (e, _d) = engine();
    e.record_step_samples(&[
        counter("2026-11-24T08:00:00-08:00", 10_000),
        counter("2026-11-24T08:30:00-08:00", 11_000),
        // Reboot: the counter starts from zero again.
        counter("2026-11-24T09:00:00-08:00", 300),
        counter("2026-11-24T09:30:00-08:00", 800),
    ])
    .unwrap();
    let today = e.today(t("2026-11-24T12:00:00-08:00")).unwrap();
    assert_eq!(today.steps, 1000 + 300 + 500);
    assert_eq!(today.remaining, 7500 - 1800);
}

#[test]
fn overlapping_intervals_are_not_double_counted() {
    let (e, _d) = engine();
    e.record_steps(interval("2026-11-24T10:00:00-08:00", "2026-11-24T10:15:00-08:00", 500)).unwrap();
    // The app re-queries the whole hour: 2,000 steps in all, 500 of them known.
    e.record_steps(interval("2026-11-24T10:00:00-08:00", "2026-11-24T11:00:00-08:00", 2000)).unwrap();
    // A repeat of an earlier window adds nothing.
    e.record_steps(interval("2026-11-24T10:00:00-08:00", "2026-11-24T10:15:00-08:00", 500)).unwrap();
    assert_eq!(e.today(t("2026-11-24T12:00:00-08:00")).unwrap().steps, 2000);
}

#[test]
fn late_bursts_in_any_order_count_once() {
    let (e, _d) = engine();
    // The last hour arrives first, then a burst with the earlier hours.
    e.record_steps(interval("2026-11-24T12:00:00-08:00", "2026-11-24T13:00:00-08:00", 700)).unwrap();
    e.record_step_samples(&[
        interval("2026-11-24T10:00:00-08:00", "2026-11-24T11:00:00-08:00", 300),
        interval("2026-11-24T11:00:00-08:00", "2026-11-24T12:00:00-08:00", 400),
        interval("2026-11-24T12:00:00-08:00", "2026-11-24T13:00:00-08:00", 700),
    ])
    .unwrap();
    assert_eq!(e.today(t("2026-11-24T14:00:00-08:00")).unwrap().steps, 1400);
}

#[test]
fn counter_out_of_order_refuses_the_whole_burst() {
    let (e, _d) = engine();
    e.record_steps(counter("2026-11-24T08:00:00-08:00", 100)).unwrap();
    e.record_steps(counter("2026-11-24T09:00:00-08:00", 600)).unwrap();
    let err = e
        .record_step_samples(&[counter("2026-11-24T09:30:00-08:00", 700), counter("2026-11-24T08:30:00-08:00", 650)])
        .unwrap_err();
    assert!(matches!(err, KairosError::InvalidInput { .. }), "{err}");
    assert!(err.to_string().contains("older than the previous"), "{err}");
    // Nothing of the refused burst was recorded, and the engine goes on.
    assert_eq!(e.today(t("2026-11-24T10:00:00-08:00")).unwrap().steps, 500);
    e.record_steps(counter("2026-11-24T09:45:00-08:00", 900)).unwrap();
    assert_eq!(e.today(t("2026-11-24T10:00:00-08:00")).unwrap().steps, 800);
}

#[test]
fn invalid_samples_are_typed_errors() {
    let (e, _d) = engine();
    let err = e.record_steps(interval("2026-11-24T10:00:00-08:00", "2026-11-24T09:00:00-08:00", 5)).unwrap_err();
    assert!(matches!(err, KairosError::InvalidInput { .. }));
    let err = e.record_steps(StepSample::Counter { at: kairos_core::Timestamp(-5), count_since_boot: 1 }).unwrap_err();
    assert!(matches!(err, KairosError::InvalidInput { .. }));
}

/// Hourly samples over a whole local day: every step lands on that day,
/// whether the day has 23 hours or 25.
fn whole_day(day: &str, hours: i64) {
    let (e, _d) = engine();
    let start = t(&format!("{day}T00:00:00-08:00"));
    let tz: chrono_tz::Tz = common::TZ.parse().unwrap();
    let (a, b) = kairos_core::time::local_day_bounds(start.local_day(tz), tz);
    assert_eq!(b.since(a), hours * 3_600_000, "{day} has {hours} hours");
    let samples: Vec<_> = (0..hours)
        .map(|h| StepSample::Interval {
            start: a.plus_millis(h * 3_600_000),
            end: a.plus_millis((h + 1) * 3_600_000),
            steps: 100,
        })
        .collect();
    e.record_step_samples(&samples).unwrap();
    assert_eq!(e.today(a.plus_millis(3_600_000)).unwrap().steps, 100 * hours as u64);
    assert_eq!(e.today(b).unwrap().steps, 0, "nothing spills into the next day");
    assert_eq!(e.today(a.plus_millis(-1)).unwrap().steps, 0, "nothing spills into the previous day");
}

#[test]
fn spring_forward_day_has_23_hours_of_steps() {
    whole_day("2026-03-08", 23);
}

#[test]
fn fall_back_day_has_25_hours_of_steps() {
    whole_day("2026-11-01", 25);
}

#[test]
fn goal_reached_fires_once_per_day() {
    let (e, _d) = engine();
    let goals = |ev: Vec<kairos_core::Event>| -> Vec<_> {
        ev.into_iter().filter(|e| matches!(e.kind, EventKind::StepGoalReached { .. })).collect()
    };
    let ev = goals(e.record_steps(interval("2026-11-24T08:00:00-08:00", "2026-11-24T09:00:00-08:00", 7000)).unwrap());
    assert!(ev.is_empty());
    let ev = goals(e.record_steps(interval("2026-11-24T09:00:00-08:00", "2026-11-24T10:00:00-08:00", 600)).unwrap());
    assert!(matches!(&ev[..], [ev] if matches!(&ev.kind, EventKind::StepGoalReached { steps: 7600, goal: 7500, .. })));
    let ev = goals(e.record_steps(interval("2026-11-24T10:00:00-08:00", "2026-11-24T11:00:00-08:00", 600)).unwrap());
    assert!(ev.is_empty(), "{ev:?}");
    // The next day can reach it again.
    let ev = goals(e.record_steps(interval("2026-11-25T08:00:00-08:00", "2026-11-25T09:00:00-08:00", 8000)).unwrap());
    assert_eq!(ev.len(), 1);
}

#[test]
fn inactivity_nudge_after_an_hour_seated_once() {
    let (e, _d) = engine();
    // Walked to the coffee shop until 09:30, then sat.
    e.record_steps(interval("2026-11-24T09:00:00-08:00", "2026-11-24T09:30:00-08:00", 1430)).unwrap();
    let mut nudges = Vec::new();
    for minute in 0..=90 {
        let now = t("2026-11-24T09:30:00-08:00").plus_millis(minute * 60_000);
        nudges
            .extend(e.tick(now).unwrap().into_iter().filter(|ev| matches!(ev.kind, EventKind::InactivityNudge { .. })));
    }
    assert_eq!(nudges.len(), 1, "{nudges:?}");
    assert_eq!(nudges[0].at, t("2026-11-24T10:30:00-08:00"));
    let today = e.today(t("2026-11-24T10:30:00-08:00")).unwrap();
    assert_eq!((today.steps, today.goal, today.remaining), (1430, 7500, 6070));
}

#[test]
fn week_has_seven_local_days_with_totals_and_goals() {
    let (e, _d) = engine();
    // 8,000 on Monday 23 and Wednesday 25 November, 300 on Tuesday, nothing
    // on Thursday, and 9,000 on the Sunday before the week.
    for (day, steps) in [("2026-11-22", 9000), ("2026-11-23", 8000), ("2026-11-24", 300), ("2026-11-25", 8000)] {
        e.record_steps(interval(&format!("{day}T09:00:00-08:00"), &format!("{day}T11:00:00-08:00"), steps)).unwrap();
    }
    e.record_steps(interval("2026-11-29T08:00:00-08:00", "2026-11-29T08:30:00-08:00", 1200)).unwrap();
    let week = e.week(t("2026-11-29T12:00:00-08:00")).unwrap();
    let days: Vec<(&str, u64, bool)> = week.days.iter().map(|d| (d.day.as_str(), d.steps, d.goal_met)).collect();
    assert_eq!(
        days,
        [
            ("2026-11-23", 8000, true),
            ("2026-11-24", 300, false),
            ("2026-11-25", 8000, true),
            ("2026-11-26", 0, false),
            ("2026-11-27", 0, false),
            ("2026-11-28", 0, false),
            ("2026-11-29", 1200, false),
        ]
    );
    assert_eq!((week.total, week.goal, week.days_goal_met), (17_500, 7500, 2));
}

#[test]
fn week_over_the_spring_forward_day_has_seven_days() {
    let (e, _d) = engine();
    e.record_steps(interval("2026-03-08T09:00:00-07:00", "2026-03-08T10:00:00-07:00", 500)).unwrap();
    let week = e.week(t("2026-03-10T00:30:00-07:00")).unwrap();
    assert_eq!(week.days.first().unwrap().day, "2026-03-04");
    assert_eq!(week.days.last().unwrap().day, "2026-03-10");
    assert_eq!(week.days[4].steps, 500);
}

/// Fixes along the x axis at `speed` m/s every 30 s from `from` for `minutes`.
fn drive(from: &str, minutes: i64, speed: f64) -> Vec<kairos_core::LocationFix> {
    (0..=minutes * 2)
        .map(|i| {
            let mut f = common::fix_xy(t(from).plus_millis(i * 30_000), speed * 30.0 * i as f64, 0.0);
            f.speed_mps = Some(speed);
            f
        })
        .collect()
}

fn nudges(ev: Vec<kairos_core::Event>) -> Vec<kairos_core::Event> {
    ev.into_iter().filter(|e| matches!(e.kind, EventKind::InactivityNudge { .. })).collect()
}

#[test]
fn a_drive_that_ends_does_not_nudge_at_once_and_a_stretch_nudges_once() {
    let (e, _d) = engine();
    e.record_steps(interval("2026-11-24T08:30:00-08:00", "2026-11-24T09:00:00-08:00", 1500)).unwrap();
    // Driving from 09:10 to 10:30: never while driving.
    assert!(nudges(e.record_locations(&drive("2026-11-24T09:10:00-08:00", 80, 13.0)).unwrap().events).is_empty());
    // Parked at 10:30: the hour counts from the end of the drive.
    for now in ["2026-11-24T10:31:00-08:00", "2026-11-24T11:29:00-08:00"] {
        assert!(nudges(e.tick(t(now)).unwrap()).is_empty(), "{now}");
    }
    let n = nudges(e.tick(t("2026-11-24T11:30:00-08:00")).unwrap());
    assert!(
        matches!(&n[..], [x] if matches!(x.kind, EventKind::InactivityNudge { sedentary_since, minutes: 60 }
            if sedentary_since == t("2026-11-24T10:30:00-08:00"))),
        "{n:?}"
    );
    // Another drive and another hour in the same stretch (no step since
    // 09:00): no second nudge.
    e.record_locations(&drive("2026-11-24T11:40:00-08:00", 10, 13.0)).unwrap();
    assert!(nudges(e.tick(t("2026-11-24T13:30:00-08:00")).unwrap()).is_empty());
}

#[test]
fn steps_in_the_night_are_no_evidence_of_being_up() {
    let (e, _d) = engine();
    // A few steps at 03:00, then nothing: no nudge all morning.
    e.record_steps(interval("2026-11-24T03:00:00-08:00", "2026-11-24T03:05:00-08:00", 200)).unwrap();
    for h in 8..12 {
        assert!(nudges(e.tick(t(&format!("2026-11-24T{h:02}:30:00-08:00"))).unwrap()).is_empty());
    }
    // Up at 07:00: an hour after the start of waking hours it nudges.
    e.record_steps(interval("2026-11-25T07:00:00-08:00", "2026-11-25T07:10:00-08:00", 600)).unwrap();
    assert!(nudges(e.tick(t("2026-11-25T08:59:00-08:00")).unwrap()).is_empty());
    assert_eq!(nudges(e.tick(t("2026-11-25T09:00:00-08:00")).unwrap()).len(), 1);
}
