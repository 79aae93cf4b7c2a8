//! The daily summaries that may leave the device, one per consented
//! purpose and closed local day. They hold counts per local day and catalog
//! ids only: never a coordinate, a learned place, or a time finer than the
//! day.
//!
//! * `activity`: `{"steps": N, "goal_met": bool}`, steps rounded to the
//!   nearest 100.
//! * `visits`: `{"merchants": [{"merchant_id", "visits", "minutes"}]}` per
//!   catalog merchant, minutes rounded to the nearest 15.
//! * `offers`: `{"offers": [{"offer_id", "triggered", "presented",
//!   "redeemed", "dismissed", "held_out"}]}` per offer triggered that day.

use super::consent::Purpose;
use crate::domain::time::{local_day_bounds, MINUTE_MS};
use crate::error::Result;
use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::Connection;
use serde_json::{json, Value};

/// Steps are shared rounded to this.
pub(crate) const STEPS_QUANTUM: i64 = 100;
/// Minutes at a merchant are shared rounded to this.
pub(crate) const MINUTES_QUANTUM: i64 = 15;

fn round_to(n: i64, step: i64) -> i64 {
    ((n + step / 2).div_euclid(step)) * step
}

/// The summary of `purpose` for local `day`, or `None` when there is
/// nothing to say (no steps counted, no merchant visit, no offer).
pub fn build(conn: &Connection, purpose: Purpose, day: NaiveDate, tz: Tz, goal: u32) -> Result<Option<Value>> {
    let day_s = day.to_string();
    Ok(match purpose {
        Purpose::Activity => {
            let steps: Option<i64> =
                conn.query_row("SELECT steps FROM step_days WHERE day = ?1", [&day_s], |r| r.get(0)).ok();
            steps.map(|s| json!({"steps": round_to(s, STEPS_QUANTUM), "goal_met": s >= i64::from(goal)}))
        }
        Purpose::Visits => {
            let (from, to) = local_day_bounds(day, tz);
            let mut st = conn.prepare_cached(
                "SELECT m.merchant_id, COUNT(*), COALESCE(SUM(COALESCE(v.departed_at, v.arrived_at) - v.arrived_at), 0)
                 FROM merchant_visits m JOIN visits v ON v.id = m.visit_id
                 WHERE m.arrived_at >= ?1 AND m.arrived_at < ?2
                 GROUP BY m.merchant_id ORDER BY m.merchant_id",
            )?;
            let merchants: Vec<Value> = st
                .query_map([from.0, to.0], |r| {
                    let ms: i64 = r.get(2)?;
                    Ok(json!({"merchant_id": r.get::<_, String>(0)?, "visits": r.get::<_, i64>(1)?,
                              "minutes": round_to(ms / MINUTE_MS, MINUTES_QUANTUM)}))
                })?
                .collect::<rusqlite::Result<_>>()?;
            (!merchants.is_empty()).then(|| json!({ "merchants": merchants }))
        }
        Purpose::Offers => {
            let mut st = conn.prepare_cached(
                "SELECT offer_id,
                        SUM(state != 'held_out'), SUM(presented_at IS NOT NULL), SUM(state = 'redeemed'),
                        SUM(state = 'dismissed'), SUM(state = 'held_out')
                 FROM offer_instances WHERE local_day = ?1 GROUP BY offer_id ORDER BY offer_id",
            )?;
            let offers: Vec<Value> = st
                .query_map([&day_s], |r| {
                    Ok(json!({"offer_id": r.get::<_, String>(0)?, "triggered": r.get::<_, i64>(1)?,
                              "presented": r.get::<_, i64>(2)?, "redeemed": r.get::<_, i64>(3)?,
                              "dismissed": r.get::<_, i64>(4)?, "held_out": r.get::<_, i64>(5)?}))
                })?
                .collect::<rusqlite::Result<_>>()?;
            (!offers.is_empty()).then(|| json!({ "offers": offers }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn rounding() {
        assert_eq!(round_to(1430, 100), 1400);
        assert_eq!(round_to(1450, 100), 1500);
        assert_eq!(round_to(22, 15), 15);
        assert_eq!(round_to(23, 15), 30);
        assert_eq!(round_to(0, 15), 0);
    }
}
