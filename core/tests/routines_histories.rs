//! Routine detection over generated visit histories: jitter, fortnightly
//! visits, missed cycles, irregular visitors, a time-zone move, both DST
//! days, and the overdue instant.

mod routine_common;

use chrono::NaiveDate;
use kairos_core::catalog::{DayOfWeek, LocalTime};
use kairos_core::routines::overdue_tolerance_days;
use kairos_core::{RoutineStatus, Timestamp};
use routine_common::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const WEEKLY_JITTER: Habit =
    Habit { period: Some(7), cycles: 12, day_jitter: 2.0 / 3.0, time_sd_min: 30.0, missed: 0.0, extras: 0.0 };

#[test]
fn weekly_with_a_day_of_jitter_finds_seven_days() {
    let mut worst: f64 = 0.0;
    for seed in 0..100 {
        let visits = history(&mut rng(seed), WEEKLY_JITTER, date("2026-08-06"), 18, LA);
        let last = *visits.last().unwrap();
        let r = routine_at(&track_of(&visits, LA), last, LA).unwrap_or_else(|| panic!("seed {seed}: no routine"));
        let err = (r.period_days - 7.0).abs();
        assert!(err <= 0.5, "seed {seed}: period {}", r.period_days);
        worst = worst.max(err);
    }
    println!("weekly, a day early or late two visits in three: worst period error {worst:.3} days over 100 histories");
}

#[test]
fn every_two_weeks() {
    let habit = Habit { period: Some(14), cycles: 8, day_jitter: 0.3, ..WEEKLY_JITTER };
    for seed in 0..20 {
        let visits = history(&mut rng(seed), habit, date("2026-06-04"), 10, LA);
        let r = routine_at(&track_of(&visits, LA), *visits.last().unwrap(), LA).expect("a routine");
        assert!((r.period_days - 14.0).abs() <= 0.5, "seed {seed}: {}", r.period_days);
    }
}

#[test]
fn a_missed_week_does_not_break_the_routine() {
    // Thursdays at 18:00, week 4 and week 7 skipped.
    let visits: Vec<Timestamp> = (0..10)
        .filter(|k| *k != 4 && *k != 7)
        .map(|k| at(LA, &(date("2026-09-03") + chrono::Duration::weeks(k)).to_string(), 18, 0))
        .collect();
    let last = *visits.last().unwrap();
    let r = routine_at(&track_of(&visits, LA), last, LA).expect("still a routine");
    assert!((r.period_days - 7.0).abs() < 0.01, "{}", r.period_days);
    assert_eq!(r.usual_weekday, Some(DayOfWeek::Thu));
    assert_eq!(r.next_expected_at, at(LA, "2026-11-12", 18, 0));
    assert!(r.regularity > 0.75 && r.regularity < 1.0, "{}", r.regularity);
}

#[test]
fn extra_visits_between_cycles_are_tolerated_and_do_not_serve_the_cycle() {
    let mut visits: Vec<Timestamp> =
        (0..8).map(|k| at(LA, &(date("2026-09-03") + chrono::Duration::weeks(k)).to_string(), 18, 0)).collect();
    visits.push(at(LA, "2026-09-14", 12, 0)); // a Monday top-up
    visits.sort();
    let track = track_of(&visits, LA);
    let r = routine_at(&track, at(LA, "2026-10-22", 20, 0), LA).expect("a routine");
    assert!((r.period_days - 7.0).abs() < 0.05, "{}", r.period_days);
    // A top-up on Monday 26 October does not move Thursday's visit.
    let mut track = track;
    track.add_visit(at(LA, "2026-10-26", 12, 0), LA);
    let r = routine_at(&track, at(LA, "2026-10-26", 13, 0), LA).unwrap();
    assert_eq!(r.next_expected_at, at(LA, "2026-10-29", 18, 0));
}

#[test]
fn irregular_visits_are_no_routine() {
    let gaps: [&[i64]; 3] =
        [&[2, 9, 4, 13, 1, 6, 11, 3, 8, 5, 2, 10], &[1, 1, 5, 12, 3, 3, 9, 2, 14, 6], &[6, 2, 11, 4, 4, 1, 8, 13]];
    let hours = [9, 19, 13, 11, 17, 20, 10, 15, 12, 18, 14, 16];
    for g in gaps {
        let mut day = date("2026-09-01");
        let visits: Vec<Timestamp> = g
            .iter()
            .zip(hours)
            .map(|(gap, h)| {
                day += chrono::Duration::days(*gap);
                at(LA, &day.to_string(), h, 0)
            })
            .collect();
        let track = track_of(&visits, LA);
        assert!(routine_at(&track, *visits.last().unwrap(), LA).is_none(), "{g:?}");
        assert_eq!(track.visits(), g.len() as u32);
    }
}

#[test]
fn three_visits_are_the_least_that_make_a_routine() {
    let visits: Vec<Timestamp> = ["2026-10-01", "2026-10-08", "2026-10-15"].iter().map(|d| at(LA, d, 18, 0)).collect();
    assert!(routine_at(&track_of(&visits[..2], LA), visits[1], LA).is_none());
    let r = routine_at(&track_of(&visits, LA), visits[2], LA).expect("three on the dot");
    assert_eq!(r.period_days, 7.0);
}

#[test]
fn a_move_to_another_time_zone_keeps_the_local_time() {
    // Thursdays at 18:00 in Los Angeles, then at 18:00 in New York.
    let ny: chrono_tz::Tz = chrono_tz::America::New_York;
    let mut track = routine_common::track_of(&[], LA);
    for k in 0..5 {
        track.add_visit(at(LA, &(date("2026-09-03") + chrono::Duration::weeks(k)).to_string(), 18, 0), LA);
    }
    for k in 5..8 {
        track.add_visit(at(ny, &(date("2026-09-03") + chrono::Duration::weeks(k)).to_string(), 18, 0), ny);
    }
    let r = routine_at(&track, at(ny, "2026-10-22", 19, 0), ny).expect("a routine");
    assert!((r.period_days - 7.0).abs() < 1e-6, "{}", r.period_days);
    assert_eq!((r.usual_weekday, r.usual_time), (Some(DayOfWeek::Thu), LocalTime::from_hm(18, 0).unwrap()));
    assert_eq!(r.next_expected_at, at(ny, "2026-10-29", 18, 0));
}

/// Sundays at 10:00 up to and over a DST day: the expected visit on the
/// DST day is at 10:00 local, and so is the one after.
fn sundays_over(dst_day: &str, offset_before: &str, offset_after: &str) {
    let dst = date(dst_day);
    let visits: Vec<Timestamp> =
        (1..=6).rev().map(|k| at(LA, &(dst - chrono::Duration::weeks(k)).to_string(), 10, 0)).collect();
    let mut track = track_of(&visits, LA);
    let r = routine_at(&track, *visits.last().unwrap(), LA).expect("a routine");
    assert_eq!(r.period_days, 7.0);
    assert_eq!(r.next_expected_at, t(&format!("{dst_day}T10:00:00{offset_after}")));
    let before = t(&format!("{}T10:00:00{offset_before}", dst - chrono::Duration::weeks(1)));
    assert_eq!(r.last_visit_at, before);
    // Overdue 1.4 days of wall clock later: Monday 19:36 local.
    assert_eq!(r.overdue_at, t(&format!("{}T19:36:00{offset_after}", dst.succ_opt().unwrap())));
    track.add_visit(r.next_expected_at, LA);
    let r = routine_at(&track, t(&format!("{dst_day}T12:00:00{offset_after}")), LA).unwrap();
    assert_eq!(r.next_expected_at, t(&format!("{}T10:00:00{offset_after}", dst + chrono::Duration::weeks(1))));
}

#[test]
fn spring_forward_sunday() {
    sundays_over("2026-03-08", "-08:00", "-07:00");
}

#[test]
fn fall_back_sunday() {
    sundays_over("2026-11-01", "-07:00", "-08:00");
}

#[test]
fn overdue_from_the_exact_instant() {
    // Thursdays at 18:00, last on 19 November: expected Thursday 26 at
    // 18:00, tolerance max(1, 0.2 × 7) = 1.4 days, overdue from Saturday 28
    // at 03:36 local, inclusive.
    assert!((overdue_tolerance_days(7.0) - 1.4).abs() < 1e-12);
    assert_eq!(overdue_tolerance_days(3.0), 1.0);
    let visits: Vec<Timestamp> =
        (0..6).map(|k| at(LA, &(date("2026-10-15") + chrono::Duration::weeks(k)).to_string(), 18, 0)).collect();
    let track = track_of(&visits, LA);
    let due = t("2026-11-28T03:36:00-08:00");
    let r = routine_at(&track, due.plus_millis(-1), LA).unwrap();
    assert_eq!((r.status, r.cycles_missed, r.days_overdue), (RoutineStatus::OnTrack, 0, 0));
    assert_eq!((r.next_expected_at, r.overdue_at), (t("2026-11-26T18:00:00-08:00"), due));
    let r = routine_at(&track, due, LA).unwrap();
    assert_eq!((r.status, r.cycles_missed, r.days_overdue), (RoutineStatus::Overdue, 1, 2));
    assert_eq!(r.describe(), "weekly, Thursdays around 18:00");
    // Before the expected day: minus the days until it.
    assert_eq!(routine_at(&track, at(LA, "2026-11-24", 9, 0), LA).unwrap().days_overdue, -2);
    // The next missed cycle a week later, and the lapse at the third.
    let r = routine_at(&track, t("2026-12-05T03:36:00-08:00"), LA).unwrap();
    assert_eq!((r.status, r.cycles_missed), (RoutineStatus::Overdue, 2));
    let r = routine_at(&track, t("2026-12-12T03:36:00-08:00"), LA).unwrap();
    assert_eq!((r.status, r.cycles_missed), (RoutineStatus::Lapsed, 3));
}
