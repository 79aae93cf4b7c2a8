//! The facts of a closed day that its summaries are made of
//! ([`DayFacts`]): steps from `step_days`, merchant visits (with their
//! lengths from `visits`), offer outcomes from `offer_instances`.

use crate::domain::privacy::summaries::{DayFacts, MerchantDay, OfferDay};
use crate::domain::time::Timestamp;
use crate::error::Error;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

/// Reads a day's facts from the profile store.
pub struct DayReader<'a>(pub &'a Connection);

impl DayFacts for DayReader<'_> {
    type Error = Error;

    fn steps_on(&self, day: NaiveDate) -> Result<Option<i64>, Error> {
        Ok(self
            .0
            .prepare_cached("SELECT steps FROM step_days WHERE day = ?1")?
            .query_row([day.to_string()], |r| r.get(0))
            .optional()?)
    }

    fn merchant_visits(&self, from: Timestamp, to: Timestamp) -> Result<Vec<MerchantDay>, Error> {
        let mut st = self.0.prepare_cached(
            "SELECT m.merchant_id, COUNT(*), COALESCE(SUM(COALESCE(m.departed_at, m.arrived_at) - m.arrived_at), 0)
             FROM merchant_visits m
             WHERE m.arrived_at >= ?1 AND m.arrived_at < ?2
             GROUP BY m.merchant_id ORDER BY m.merchant_id",
        )?;
        let rows = st.query_map([from.0, to.0], |r| {
            Ok(MerchantDay { merchant_id: r.get(0)?, visits: r.get(1)?, duration_ms: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn offer_outcomes(&self, day: NaiveDate) -> Result<Vec<OfferDay>, Error> {
        let mut st = self.0.prepare_cached(
            "SELECT offer_id,
                    SUM(state != 'held_out'), SUM(presented_at IS NOT NULL), SUM(state = 'redeemed'),
                    SUM(state = 'dismissed'), SUM(state = 'held_out')
             FROM offer_instances WHERE local_day = ?1 GROUP BY offer_id ORDER BY offer_id",
        )?;
        let rows = st.query_map([day.to_string()], |r| {
            Ok(OfferDay {
                offer_id: r.get(0)?,
                triggered: r.get(1)?,
                presented: r.get(2)?,
                redeemed: r.get(3)?,
                dismissed: r.get(4)?,
                held_out: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
