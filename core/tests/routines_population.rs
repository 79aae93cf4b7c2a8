//! A population of 1,000 generated shoppers, most with a known routine and
//! some with none, each fed visit by visit through the incremental track:
//! routine recall must be at least 0.95 and false routines at most 5%.
//!
//! Shoppers with a routine visit every 1, 2, 3, 7, 14 or 28 days (weekly
//! most often) for 6 to 20 cycles at a usual hour with a 45-minute spread;
//! for weekly and longer periods 30% of visits are a day early or late; 10%
//! of cycles are missed; extra visits at random times add 10%. Shoppers
//! with none visit on random days (gaps drawn from an exponential of mean 2
//! to 10 days) at random hours, 6 to 16 times.

mod routine_common;

use chrono::NaiveDate;
use rand::RngExt;
use routine_common::*;

#[test]
fn thousand_shoppers_recall_and_false_routines() {
    let mut rng = rng(2026);
    let periods = [1, 2, 3, 7, 7, 7, 14, 14, 28];
    let (mut with, mut found, mut wrong_period) = (0u32, 0u32, 0u32);
    let (mut without, mut false_claims) = (0u32, 0u32);
    let mut errors: Vec<f64> = Vec::new();
    for _ in 0..1000 {
        let routine = rng.random::<f64>() < 0.8;
        let habit = if routine {
            let p = periods[rng.random_range(0..periods.len())];
            Habit {
                period: Some(p),
                cycles: rng.random_range(6..=20),
                day_jitter: if p >= 7 { 0.3 } else { 0.0 },
                time_sd_min: 45.0,
                missed: 0.1,
                extras: 0.1,
            }
        } else {
            Habit {
                period: None,
                cycles: rng.random_range(6..=16),
                day_jitter: 0.0,
                time_sd_min: 0.0,
                missed: 0.0,
                extras: 0.0,
            }
        };
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Duration::days(rng.random_range(0..300));
        let hour = rng.random_range(7..20);
        let visits = history(&mut rng, habit, start, hour, LA);
        let last = *visits.last().unwrap();
        let got = routine_at(&track_of(&visits, LA), last.plus_millis(3_600_000), LA);
        match (habit.period, got) {
            (Some(p), Some(r)) => {
                with += 1;
                let p = f64::from(p);
                let err = (r.period_days - p).abs();
                if err <= (0.05 * p).max(0.5) {
                    found += 1;
                    errors.push(err);
                } else {
                    wrong_period += 1;
                }
            }
            (Some(_), None) => with += 1,
            (None, Some(_)) => {
                without += 1;
                false_claims += 1;
            }
            (None, None) => without += 1,
        }
    }
    let recall = f64::from(found) / f64::from(with);
    let claims = found + wrong_period + false_claims;
    let false_rate = f64::from(wrong_period + false_claims) / f64::from(claims);
    let none_rate = f64::from(false_claims) / f64::from(without);
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    let worst = errors[errors.len() - 1];
    println!(
        "population: {with} shoppers with a routine, {without} without; recall {recall:.3} ({found}/{with}); \
         false routines {false_rate:.3} of {claims} claimed ({wrong_period} wrong period, {false_claims} for shoppers \
         without one: {none_rate:.3} of them); period error median {median:.3} d, worst {worst:.3} d"
    );
    assert!(recall >= 0.95, "recall {recall}");
    assert!(false_rate <= 0.05, "false routines {false_rate}");
    assert!(none_rate <= 0.05, "shoppers without a routine given one: {none_rate}");
}
