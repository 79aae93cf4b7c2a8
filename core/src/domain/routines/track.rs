//! One subject's routine, kept incrementally: a bounded window of recent
//! occasions, the routine fitted on it, and how many missed cycles have
//! already been reported. Each visit updates the window and refits it (at
//! most [`policy::ROUTINE_WINDOW`] occasions); nothing rescans history.
//!
//! **Next expected visit.** With period `P`, phase `φ` and fit tolerance
//! `τ`, the next expected visit is the first lattice point `φ + kP` later
//! than the latest occasion plus `τ` (so a visit a little early or late
//! serves its cycle, an extra visit between cycles does not). When `P` is
//! within 0.2 days of a whole number of days it is moved to the usual time
//! of day (by at most 12 hours). All of this is local wall-clock time.
//!
//! **Overdue.** The tolerance is `max(1 day, 0.2 P)`, to the minute. Missed
//! cycle `j` (0, 1, 2, …) is overdue from the instant the device's wall
//! clock shows `expected + j S + tolerance`, inclusive, where the step `S`
//! is `P` rounded to whole days when the expected visit was moved to the
//! usual time (else `P`). The routine lapses at the third.

use super::fit::{self, Fit};
use super::model::{Routine, RoutinePrivacy, RoutineStatus, RoutineSubject};
use super::wall;
use crate::domain::catalog::{DayOfWeek, LocalTime};
use crate::domain::time::Timestamp;
use crate::policy;
use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One occasion: a visit's arrival, as an instant and as the wall-clock
/// time of the device's zone when it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Occasion {
    at: Timestamp,
    wall: i64,
}

/// The fitted routine, as kept between visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cycle {
    period_days: f64,
    regularity: f64,
    usual_minute: u32,
    usual_weekday: Option<DayOfWeek>,
    /// The expected visit, wall-clock milliseconds.
    next_wall: i64,
}

/// A subject's routine state, persisted with the routine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutineTrack {
    /// Recent occasions, by wall-clock time, at most the window.
    occasions: Vec<Occasion>,
    /// Every visit counted.
    visits: u32,
    cycle: Option<Cycle>,
    /// Missed cycles already handled (reported or lapsed) for the current
    /// expected visit.
    alerts: u32,
}

/// What a visit did to a routine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitEffect {
    /// The visit served an overdue (or lapsed) cycle: how many cycles had
    /// been missed.
    pub resumed_after: Option<u32>,
}

/// A time rule that came due: cycles newly missed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CatchUp {
    /// Consecutive cycles missed, up to the lapse.
    pub cycles_missed: u32,
    /// The instant the latest of them became overdue.
    pub since: Timestamp,
    /// Whether the routine lapsed.
    pub lapsed: bool,
    /// The first missed visit's expected instant.
    pub expected_at: Timestamp,
    /// Calendar days overdue at `since`.
    pub days_overdue: i32,
    /// The period.
    pub period_days: f64,
}

/// The overdue tolerance for a period, in days: `max(1 day, 20% of the
/// period)`, to the minute.
pub fn overdue_tolerance_days(period_days: f64) -> f64 {
    let days = (period_days * policy::ROUTINE_OVERDUE_TOLERANCE_SHARE).max(policy::ROUTINE_OVERDUE_TOLERANCE_MIN_DAYS);
    (days * 1440.0).round() / 1440.0
}

/// How far apart the expected visits of successive cycles are, in days: the
/// period, or for a period within [`policy::ROUTINE_SNAP_WHOLE_DAYS`] of
/// whole days, those whole days (the visits stay at the usual time).
fn cycle_step_days(period_days: f64) -> f64 {
    if (period_days - period_days.round()).abs() <= policy::ROUTINE_SNAP_WHOLE_DAYS {
        period_days.round()
    } else {
        period_days
    }
}

impl RoutineTrack {
    /// Visits counted so far.
    pub fn visits(&self) -> u32 {
        self.visits
    }

    /// Whether the window currently holds a routine.
    pub fn is_routine(&self) -> bool {
        self.cycle.is_some()
    }

    /// Folds in a visit that arrived at `arrived`, with the device in zone
    /// `tz`, and refits the window.
    pub fn add_visit(&mut self, arrived: Timestamp, tz: Tz) -> VisitEffect {
        self.visits += 1;
        let w = wall::wall_ms(arrived, tz);
        let pos = self.occasions.partition_point(|o| o.wall <= w);
        let near = |o: &Occasion| (o.wall - w).abs() < policy::ROUTINE_SAME_OCCASION_MS;
        if pos > 0 && near(&self.occasions[pos - 1]) {
            return VisitEffect { resumed_after: None };
        }
        if let Some(next) = self.occasions.get_mut(pos).filter(|o| near(o)) {
            // An earlier arrival of the same occasion, delivered late.
            *next = Occasion { at: arrived, wall: w };
            return VisitEffect { resumed_after: None };
        }
        self.occasions.insert(pos, Occasion { at: arrived, wall: w });
        if self.occasions.len() > policy::ROUTINE_WINDOW {
            self.occasions.remove(0);
        }
        let old = self.cycle.take();
        self.cycle = cycle_of(&self.occasions);
        let new_cycle = match (&old, &self.cycle) {
            (Some(o), Some(n)) => wall::days(n.next_wall - o.next_wall) > n.period_days / 2.0,
            _ => true,
        };
        let mut effect = VisitEffect { resumed_after: None };
        if new_cycle {
            if self.alerts > 0 && self.cycle.is_some() {
                effect.resumed_after = Some(self.alerts);
            }
            self.alerts = 0;
        }
        effect
    }

    fn overdue_wall(c: &Cycle, missed: u32) -> i64 {
        let tol = overdue_tolerance_days(c.period_days);
        c.next_wall + wall::from_days(f64::from(missed) * cycle_step_days(c.period_days) + tol)
    }

    fn missed_at(c: &Cycle, now: Timestamp, tz: Tz) -> u32 {
        (0..policy::ROUTINE_LAPSE_MISSED_CYCLES)
            .take_while(|&j| wall::instant(Self::overdue_wall(c, j), tz) <= now)
            .count() as u32
    }

    fn days_overdue(c: &Cycle, now: Timestamp, tz: Tz, missed: u32) -> i32 {
        let days = (now.local_day(tz) - wall::naive(c.next_wall).date()).num_days() as i32;
        if missed == 0 {
            days.min(0)
        } else {
            days
        }
    }

    /// The instant the next time rule applies (an overdue cycle, or the
    /// lapse), if any.
    pub(crate) fn next_check(&self, tz: Tz) -> Option<Timestamp> {
        let c = self.cycle.as_ref()?;
        (self.alerts < policy::ROUTINE_LAPSE_MISSED_CYCLES)
            .then(|| wall::instant(Self::overdue_wall(c, self.alerts), tz))
    }

    /// Calendar days overdue at `now` (see [`Routine::days_overdue`]), or
    /// `None` without a routine or once it has lapsed: what targeting sees.
    pub(crate) fn overdue_days(&self, now: Timestamp, tz: Tz) -> Option<i32> {
        let c = self.cycle.as_ref()?;
        let missed = Self::missed_at(c, now, tz);
        (missed < policy::ROUTINE_LAPSE_MISSED_CYCLES).then(|| Self::days_overdue(c, now, tz, missed))
    }

    /// The instants of the routine, if the track holds one: the expected
    /// visit, overdue from, lapsed from.
    pub(crate) fn schedule(&self, tz: Tz) -> Option<(Timestamp, Timestamp, Timestamp)> {
        let c = self.cycle.as_ref()?;
        let lapse = Self::overdue_wall(c, policy::ROUTINE_LAPSE_MISSED_CYCLES - 1);
        Some((wall::instant(c.next_wall, tz), wall::instant(Self::overdue_wall(c, 0), tz), wall::instant(lapse, tz)))
    }

    /// Applies the time rules at `now`: returns the cycles newly missed.
    pub(crate) fn catch_up(&mut self, now: Timestamp, tz: Tz) -> Option<CatchUp> {
        let c = self.cycle.as_ref()?;
        let missed = Self::missed_at(c, now, tz);
        if missed <= self.alerts {
            return None;
        }
        self.alerts = missed;
        let since = wall::instant(Self::overdue_wall(c, missed - 1), tz);
        Some(CatchUp {
            cycles_missed: missed,
            since,
            lapsed: missed >= policy::ROUTINE_LAPSE_MISSED_CYCLES,
            expected_at: wall::instant(c.next_wall, tz),
            days_overdue: Self::days_overdue(c, since, tz, missed),
            period_days: c.period_days,
        })
    }

    /// The routine as it stands at `now` in zone `tz`, if the window holds
    /// one. `place_kind` and `merchant_id` are left empty for the caller.
    pub fn routine(&self, subject: RoutineSubject, now: Timestamp, tz: Tz) -> Option<Routine> {
        let c = self.cycle.as_ref()?;
        let missed = Self::missed_at(c, now, tz);
        let status = match missed {
            0 => RoutineStatus::OnTrack,
            m if m < policy::ROUTINE_LAPSE_MISSED_CYCLES => RoutineStatus::Overdue,
            _ => RoutineStatus::Lapsed,
        };
        let privacy: RoutinePrivacy = subject.privacy();
        Some(Routine {
            id: subject.id(),
            subject,
            place_kind: None,
            merchant_id: None,
            privacy,
            period_days: c.period_days,
            regularity: c.regularity,
            visits: self.visits,
            usual_weekday: c.usual_weekday,
            usual_time: LocalTime::from_hm(c.usual_minute / 60, c.usual_minute % 60).unwrap_or(LocalTime::MIDNIGHT),
            last_visit_at: self.occasions.iter().map(|o| o.at).max().unwrap_or_default(),
            next_expected_at: wall::instant(c.next_wall, tz),
            overdue_at: wall::instant(Self::overdue_wall(c, 0), tz),
            status,
            days_overdue: Self::days_overdue(c, now, tz, missed),
            cycles_missed: missed,
        })
    }
}

/// The routine in a window of occasions, if there is one.
fn cycle_of(occasions: &[Occasion]) -> Option<Cycle> {
    let days: Vec<f64> = occasions.iter().map(|o| wall::days(o.wall)).collect();
    let fit = fit::fit(&days)?;
    let on: Vec<i64> = fit.on_cycle.iter().map(|&i| occasions[i].wall).collect();
    let usual_minute = usual_minute(&on);
    let usual_weekday = usual_weekday(&on, fit.period);
    let next_wall = next_expected(&fit, wall::days(occasions.last()?.wall), usual_minute);
    Some(Cycle { period_days: fit.period, regularity: fit.regularity(), usual_minute, usual_weekday, next_wall })
}

/// The circular mean of the times of day, to five minutes.
fn usual_minute(walls: &[i64]) -> u32 {
    let (mut s, mut c) = (0.0, 0.0);
    for &w in walls {
        let t = wall::naive(w);
        let a = f64::from(t.hour() * 60 + t.minute()) / 1440.0 * std::f64::consts::TAU;
        s += a.sin();
        c += a.cos();
    }
    let minute = (s.atan2(c) / std::f64::consts::TAU * 1440.0).rem_euclid(1440.0);
    ((minute / 5.0).round() as u32 * 5) % 1440
}

/// The day of the week holding at least half the visits on the cycle, for
/// periods of whole weeks.
fn usual_weekday(walls: &[i64], period: f64) -> Option<DayOfWeek> {
    let weeks = (period / 7.0).round();
    if weeks < 1.0 || (period - 7.0 * weeks).abs() > 0.5 {
        return None;
    }
    let mut counts = [0usize; 7];
    for &w in walls {
        counts[wall::naive(w).weekday().num_days_from_monday() as usize] += 1;
    }
    let (day, &n) = counts.iter().enumerate().max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))?;
    (2 * n >= walls.len()).then(|| chrono::Weekday::try_from(day as u8).map(DayOfWeek::from).ok())?
}

/// The next expected visit after the latest occasion `last` (days).
fn next_expected(fit: &Fit, last: f64, usual_minute: u32) -> i64 {
    let (p, tol) = (fit.period, fit::tolerance(fit.period));
    let k = ((last + tol - fit.phase) / p).floor() + 1.0;
    let mut e = fit.phase + k * p;
    if (p - p.round()).abs() <= policy::ROUTINE_SNAP_WHOLE_DAYS {
        e += fit::wrap(f64::from(usual_minute) / 1440.0 - e.rem_euclid(1.0), 1.0);
        while e <= last + tol {
            e += p;
        }
    }
    wall::from_days(e)
}
