//! Steps per minute (for activity and de-duplication) and per local day
//! (the totals that are kept).

use crate::domain::steps::WeekSummary;
use crate::domain::time::Timestamp;
use crate::error::Result;
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};

/// Sum of the per-minute counts in `[m0, m1)`.
pub fn sum_minutes(conn: &Connection, m0: i64, m1: i64) -> Result<u64> {
    let sum: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(steps), 0) FROM step_minutes WHERE minute >= ?1 AND minute < ?2")?
        .query_row([m0, m1], |r| r.get(0))?;
    Ok(sum as u64)
}

/// Adds per-minute counts, and each to the local day (in `tz`) of its
/// minute. Returns the minutes whose new count is at least
/// `active_threshold`, and the days touched.
pub fn add_minutes(
    conn: &Connection,
    minutes: &[(i64, u64)],
    tz: Tz,
    active_threshold: u64,
) -> Result<(Vec<i64>, Vec<String>)> {
    let mut add_min = conn.prepare_cached(
        "INSERT INTO step_minutes (minute, steps) VALUES (?1, ?2)
         ON CONFLICT(minute) DO UPDATE SET steps = steps + excluded.steps RETURNING steps",
    )?;
    let mut add_day = conn.prepare_cached(
        "INSERT INTO step_days (day, steps) VALUES (?1, ?2)
         ON CONFLICT(day) DO UPDATE SET steps = steps + excluded.steps",
    )?;
    let (mut active, mut days) = (Vec::new(), Vec::<String>::new());
    let mut current: Option<(Timestamp, Timestamp, String)> = None;
    for &(minute, steps) in minutes {
        let total = add_min.query_row(params![minute, steps as i64], |r| r.get::<_, i64>(0))? as u64;
        if total >= active_threshold {
            active.push(minute);
        }
        let t = Timestamp(minute);
        let day = match &current {
            Some((a, b, d)) if t >= *a && t < *b => d.clone(),
            _ => {
                let date = t.local_day(tz);
                let (a, b) = crate::domain::time::local_day_bounds(date, tz);
                let d = date.to_string();
                current = Some((a, b, d.clone()));
                d
            }
        };
        add_day.execute(params![day, steps as i64])?;
        if days.last() != Some(&day) {
            days.push(day);
        }
    }
    Ok((active, days))
}

/// The day's total and when its goal was first reached.
pub fn day(conn: &Connection, day: &str) -> Result<(u64, Option<Timestamp>)> {
    Ok(conn
        .prepare_cached("SELECT steps, goal_reached_at FROM step_days WHERE day = ?1")?
        .query_row([day], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Option<i64>>(1)?.map(Timestamp))))
        .optional()?
        .unwrap_or((0, None)))
}

/// `(day, steps)` for the stored days from `first` to `last` inclusive
/// (`YYYY-MM-DD`, which sorts as dates do), by day.
pub fn days_between(conn: &Connection, first: &str, last: &str) -> Result<Vec<(String, u64)>> {
    let mut st = conn.prepare_cached("SELECT day, steps FROM step_days WHERE day >= ?1 AND day <= ?2 ORDER BY day")?;
    let rows = st.query_map([first, last], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The seven local days ending with `now`'s day in `tz`, judged against
/// `goal`.
pub fn week(conn: &Connection, now: Timestamp, tz: Tz, goal: u32) -> Result<WeekSummary> {
    let (first, last) = WeekSummary::window(now, tz);
    let stored = days_between(conn, &first.to_string(), &last.to_string())?;
    Ok(WeekSummary::from_totals(first, &stored, goal))
}

/// Marks the day's goal as reached at `at`.
pub fn mark_goal_reached(conn: &Connection, day: &str, at: Timestamp) -> Result<()> {
    conn.prepare_cached("UPDATE step_days SET goal_reached_at = ?2 WHERE day = ?1")?.execute(params![day, at.0])?;
    Ok(())
}

/// Drops per-minute counts before `before` (daily totals stay).
pub fn purge_minutes_before(conn: &Connection, before: Timestamp) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM step_minutes WHERE minute < ?1")?.execute([before.0])?)
}

/// The oldest step minute held, for the next retention purge.
pub fn oldest_minute(conn: &Connection) -> Result<Option<Timestamp>> {
    let t: Option<i64> = conn.prepare_cached("SELECT MIN(minute) FROM step_minutes")?.query_row([], |r| r.get(0))?;
    Ok(t.map(Timestamp))
}
