//! Offer instances: each time an offer triggers (or would have, for a
//! held-out install), one row that then moves through its lifecycle.

use crate::domain::offers::{OfferHistory, OfferInstance, OfferState};
use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A stored state name that no [`OfferState`] has.
#[derive(Debug, thiserror::Error)]
#[error("unknown offer state {0:?}")]
struct UnknownState(String);

impl FromSql for OfferState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        OfferState::parse(name).ok_or_else(|| FromSqlError::Other(Box::new(UnknownState(name.to_owned()))))
    }
}

/// A new instance to record.
pub struct NewInstance<'a> {
    /// The catalog offer.
    pub offer_id: &'a str,
    /// Its merchant.
    pub merchant_id: &'a str,
    /// The place that triggered it.
    pub place_id: &'a str,
    /// Catalog version in force.
    pub catalog_version: u64,
    /// Trigger kind (`enter`, `dwell`, `exit`, `nearby`).
    pub trigger: &'a str,
    /// When it triggered.
    pub at: Timestamp,
    /// Local day of `at` on the device.
    pub local_day: &'a str,
    /// End of the claim window.
    pub expires_at: Timestamp,
    /// `Triggered` or `HeldOut`.
    pub state: OfferState,
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a str,
}

const COLUMNS: &str =
    "id, offer_id, merchant_id, catalog_place_id, title, body, triggered_at, expires_at, state, state_at";

fn instance(r: &Row<'_>) -> rusqlite::Result<OfferInstance> {
    Ok(OfferInstance {
        id: r.get(0)?,
        offer_id: r.get(1)?,
        merchant_id: r.get(2)?,
        place_id: r.get(3)?,
        title: r.get(4)?,
        body: r.get(5)?,
        triggered_at: Timestamp(r.get(6)?),
        expires_at: Timestamp(r.get(7)?),
        state: r.get(8)?,
        state_at: Timestamp(r.get(9)?),
    })
}

/// Records a new instance; returns its id.
pub fn insert(conn: &Connection, n: &NewInstance<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO offer_instances (offer_id, merchant_id, catalog_place_id, catalog_version, trigger,
             triggered_at, local_day, expires_at, state, state_at, title, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6, ?10, ?11)",
    )?
    .execute(params![
        n.offer_id,
        n.merchant_id,
        n.place_id,
        n.catalog_version as i64,
        n.trigger,
        n.at.0,
        n.local_day,
        n.expires_at.0,
        n.state.as_str(),
        n.title,
        n.body
    ])?;
    Ok(conn.last_insert_rowid())
}

/// One instance by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<OfferInstance>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM offer_instances WHERE id = ?1"))?
        .query_row([id], instance)
        .optional()?)
}

/// Moves an instance to `state` at `at` (and remembers when it was first
/// presented).
pub fn set_state(conn: &Connection, id: i64, state: OfferState, at: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "UPDATE offer_instances SET state = ?2, state_at = ?3,
             presented_at = CASE WHEN ?2 = 'presented' THEN COALESCE(presented_at, ?3) ELSE presented_at END
         WHERE id = ?1",
    )?
    .execute(params![id, state.as_str(), at.0])?;
    Ok(())
}

/// Open instances whose claim window ends after `now`, soonest first.
pub fn claimable(conn: &Connection, now: Timestamp) -> Result<Vec<OfferInstance>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM offer_instances
         WHERE state IN ('triggered', 'presented') AND expires_at > ?1 ORDER BY expires_at, id"
    ))?;
    let rows = st.query_map([now.0], instance)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open instances whose claim window has ended by `now`, in order.
pub fn due_expiries(conn: &Connection, now: Timestamp) -> Result<Vec<OfferInstance>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM offer_instances
         WHERE state IN ('triggered', 'presented') AND expires_at <= ?1 ORDER BY expires_at, id"
    ))?;
    let rows = st.query_map([now.0], instance)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every instance triggered in `[from, to)`, in order (for export and
/// summaries).
pub fn in_range(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<OfferInstance>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM offer_instances WHERE triggered_at >= ?1 AND triggered_at < ?2 ORDER BY triggered_at, id"
    ))?;
    let rows = st.query_map([from.0, to.0], instance)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Cap history of `offer_id`, with `day` as today, as seen at `now`: the
/// latest trigger and dismissal are those at or before `now`. An instance
/// stamped later was stamped by a device clock since corrected (ADR 0009):
/// it still counts towards the totals, but holds no gap or cooldown against
/// the present (else it would hold it until its future instant).
pub fn offer_history(conn: &Connection, offer_id: &str, day: &str, now: Timestamp) -> Result<OfferHistory> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*),
                    COALESCE(SUM(local_day = ?2), 0),
                    MAX(CASE WHEN triggered_at <= ?3 THEN triggered_at END),
                    MAX(CASE WHEN state = 'dismissed' AND state_at <= ?3 THEN state_at END),
                    COALESCE(MAX(state = 'redeemed'), 0)
             FROM offer_instances WHERE offer_id = ?1",
        )?
        .query_row(params![offer_id, day, now.0], |r| {
            Ok(OfferHistory {
                total: r.get(0)?,
                today: r.get(1)?,
                last_at: r.get::<_, Option<i64>>(2)?.map(Timestamp),
                last_dismissed_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                redeemed: r.get::<_, i64>(4)? != 0,
            })
        })?)
}

/// Offers shown (not held out) on local day `day`, in all and for
/// `merchant_id`, and the latest shown offer's trigger time at or before
/// `now` (a later one was stamped by a corrected device clock: see
/// [`offer_history`]).
pub fn shown_counts(
    conn: &Connection,
    day: &str,
    merchant_id: &str,
    now: Timestamp,
) -> Result<(u32, u32, Option<Timestamp>)> {
    let (all, merchant): (u32, u32) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(merchant_id = ?2), 0) FROM offer_instances
             WHERE local_day = ?1 AND state != 'held_out'",
        )?
        .query_row(params![day, merchant_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let last: Option<i64> = conn
        .prepare_cached(
            "SELECT MAX(triggered_at) FROM offer_instances WHERE state != 'held_out' AND triggered_at <= ?1",
        )?
        .query_row([now.0], |r| r.get(0))?;
    Ok((all, merchant, last.map(Timestamp)))
}

/// The shopper's outcomes of shown offers (never held-out ones), per
/// merchant, in merchant order: what the next best action learns from
/// (`domain::offers::relevance`). Offers still open count for nothing yet.
pub fn outcomes_by_merchant(conn: &Connection) -> Result<Vec<(String, crate::domain::offers::relevance::Outcomes)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT merchant_id,
                COALESCE(SUM(state = 'redeemed'), 0),
                COALESCE(SUM(state = 'dismissed'), 0),
                COALESCE(SUM(state = 'expired' AND presented_at IS NOT NULL), 0),
                COALESCE(SUM(state = 'expired' AND presented_at IS NULL), 0)
         FROM offer_instances WHERE state IN ('redeemed', 'dismissed', 'expired')
         GROUP BY merchant_id ORDER BY merchant_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            crate::domain::offers::relevance::Outcomes {
                redeemed: r.get(1)?,
                dismissed: r.get(2)?,
                expired_opened: r.get(3)?,
                expired_unopened: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The offer ledger (`domain::offers::decide::Ledger`) over the call's
/// transaction: what was shown, per offer and per merchant, on a day, as
/// seen at the decision's instant (`.1`): gaps and cooldowns are bounded by
/// it, so that an instance stamped by a wrong device clock, since corrected,
/// holds nothing against the present (ADR 0009).
pub struct StoreLedger<'a>(pub &'a Connection, pub Timestamp);

impl crate::domain::offers::decide::Ledger for StoreLedger<'_> {
    fn own(&self, offer_id: &str, day: &str) -> Result<OfferHistory> {
        offer_history(self.0, offer_id, day, self.1)
    }
    fn shared(&self, merchant_id: &str, day: &str) -> Result<crate::domain::offers::manners::SharedHistory> {
        let (shown_today, shown_today_merchant, last_shown_at) = shown_counts(self.0, day, merchant_id, self.1)?;
        Ok(crate::domain::offers::manners::SharedHistory { shown_today, shown_today_merchant, last_shown_at })
    }
}

/// The earliest end of a claim window still open, for the engine's next
/// deadline.
pub fn next_expiry(conn: &Connection) -> Result<Option<Timestamp>> {
    let t: Option<i64> = conn
        .prepare_cached("SELECT MIN(expires_at) FROM offer_instances WHERE state IN ('triggered', 'presented')")?
        .query_row([], |r| r.get(0))?;
    Ok(t.map(Timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn new<'a>(offer: &'a str, at: i64, state: OfferState) -> NewInstance<'a> {
        NewInstance {
            offer_id: offer,
            merchant_id: "m1",
            place_id: "p1",
            catalog_version: 1,
            trigger: "enter",
            at: Timestamp(at),
            local_day: "2026-11-24",
            expires_at: Timestamp(at + 1000),
            state,
            title: "t",
            body: "b",
        }
    }

    #[test]
    fn lifecycle_and_history() {
        let mut c = Connection::open_in_memory().unwrap();
        schema::migrate(&mut c, &crate::domain::privacy::seal::Sealer::new(&[1; 32]).unwrap()).unwrap();
        let a = insert(&c, &new("o1", 100, OfferState::Triggered)).unwrap();
        insert(&c, &new("o1", 200, OfferState::HeldOut)).unwrap();
        insert(&c, &new("o2", 300, OfferState::Triggered)).unwrap();
        assert_eq!(claimable(&c, Timestamp(1150)).unwrap().len(), 1);
        assert_eq!(due_expiries(&c, Timestamp(1150)).unwrap()[0].id, a);
        set_state(&c, a, OfferState::Dismissed, Timestamp(150)).unwrap();
        let h = offer_history(&c, "o1", "2026-11-24", Timestamp(1150)).unwrap();
        assert_eq!(
            (h.total, h.today, h.last_at, h.last_dismissed_at, h.redeemed),
            (2, 2, Some(Timestamp(200)), Some(Timestamp(150)), false)
        );
        assert_eq!(shown_counts(&c, "2026-11-24", "m1", Timestamp(1150)).unwrap(), (2, 2, Some(Timestamp(300))));
    }

    #[test]
    fn instances_stamped_after_now_hold_no_gap_or_cooldown_but_still_count() {
        let mut c = Connection::open_in_memory().unwrap();
        schema::migrate(&mut c, &crate::domain::privacy::seal::Sealer::new(&[1; 32]).unwrap()).unwrap();
        insert(&c, &new("o1", 100, OfferState::Triggered)).unwrap();
        // Stamped by a device clock far ahead, since corrected; dismissed
        // while the clock was still wrong.
        let future = insert(&c, &new("o1", 5_000_000, OfferState::Triggered)).unwrap();
        set_state(&c, future, OfferState::Dismissed, Timestamp(5_000_100)).unwrap();
        let h = offer_history(&c, "o1", "2026-11-24", Timestamp(1_000)).unwrap();
        assert_eq!((h.total, h.today, h.last_at, h.last_dismissed_at), (2, 2, Some(Timestamp(100)), None));
        assert_eq!(shown_counts(&c, "2026-11-24", "m1", Timestamp(1_000)).unwrap(), (2, 2, Some(Timestamp(100))));
    }

    #[test]
    fn an_unknown_stored_state_is_an_error_not_an_expired_offer() {
        let mut c = Connection::open_in_memory().unwrap();
        schema::migrate(&mut c, &crate::domain::privacy::seal::Sealer::new(&[1; 32]).unwrap()).unwrap();
        let a = insert(&c, &new("o1", 100, OfferState::Triggered)).unwrap();
        assert_eq!(get(&c, a).unwrap().unwrap().state, OfferState::Triggered);
        c.execute("UPDATE offer_instances SET state = 'lost'", []).unwrap();
        let err = get(&c, a).unwrap_err().to_string();
        assert!(err.contains("unknown offer state \"lost\""), "{err}");
    }
}
