//! The consent ledger and the outbox of summaries and deletion requests.

use crate::domain::privacy::consent::{ConsentEntry, Consents, Purpose};
use crate::domain::privacy::outbox::{BudgetEntry, OutboxItem, OutboxKind};
use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};

/// A stored name that no value of a closed set has: a row this engine did
/// not write, read as an error rather than skipped or guessed.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {name:?}")]
struct UnknownName {
    what: &'static str,
    name: String,
}

fn parse_name<T>(value: ValueRef<'_>, what: &'static str, parse: fn(&str) -> Option<T>) -> FromSqlResult<T> {
    let name = value.as_str()?;
    parse(name).ok_or_else(|| FromSqlError::Other(Box::new(UnknownName { what, name: name.to_owned() })))
}

impl FromSql for Purpose {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        parse_name(value, "consent purpose", Purpose::parse)
    }
}

impl FromSql for OutboxKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        parse_name(value, "outbox item kind", OutboxKind::parse)
    }
}

/// Appends a consent choice.
pub fn append_consent(conn: &Connection, e: &ConsentEntry) -> Result<()> {
    conn.prepare_cached("INSERT INTO consent_ledger (purpose, granted, policy_version, at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![e.purpose.as_str(), e.granted, e.policy_version, e.at.0])?;
    Ok(())
}

/// The ledger and the current choice per purpose.
pub fn consents(conn: &Connection) -> Result<Consents> {
    let mut st = conn.prepare_cached("SELECT purpose, granted, policy_version, at FROM consent_ledger ORDER BY id")?;
    let ledger: Vec<ConsentEntry> = st
        .query_map([], |r| {
            Ok(ConsentEntry {
                purpose: r.get(0)?,
                granted: r.get(1)?,
                policy_version: r.get(2)?,
                at: Timestamp(r.get(3)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let current = Purpose::ALL.iter().filter_map(|p| ledger.iter().rev().find(|e| e.purpose == *p).cloned()).collect();
    Ok(Consents { current, ledger })
}

/// Whether `purpose` is granted now: its latest ledger entry says so. Reads
/// one row from the end of the ledger, whatever its length (the day close
/// and every sync batch ask).
pub fn is_granted(conn: &Connection, purpose: Purpose) -> Result<bool> {
    let mut st =
        conn.prepare_cached("SELECT granted FROM consent_ledger WHERE purpose = ?1 ORDER BY id DESC LIMIT 1")?;
    Ok(st.query_row([purpose.as_str()], |r| r.get::<_, bool>(0)).optional()?.unwrap_or(false))
}

/// The purposes granted now, in [`Purpose::ALL`]'s order.
pub fn granted_purposes(conn: &Connection) -> Result<Vec<Purpose>> {
    let mut granted = Vec::new();
    for purpose in Purpose::ALL {
        if is_granted(conn, purpose)? {
            granted.push(purpose);
        }
    }
    Ok(granted)
}

/// Queues an item.
pub fn enqueue(
    conn: &Connection,
    kind: OutboxKind,
    purpose: Option<Purpose>,
    day: Option<&str>,
    payload: &str,
    at: Timestamp,
) -> Result<()> {
    conn.prepare_cached("INSERT INTO outbox (kind, purpose, day, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![kind.as_str(), purpose.map(Purpose::as_str), day, payload, at.0])?;
    Ok(())
}

/// Every queued item, oldest first.
pub fn outbox(conn: &Connection) -> Result<Vec<OutboxItem>> {
    let mut st =
        conn.prepare_cached("SELECT id, kind, purpose, day, payload, created_at, batch_key FROM outbox ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok(OutboxItem {
            id: r.get(0)?,
            kind: r.get(1)?,
            purpose: r.get(2)?,
            day: r.get(3)?,
            payload: r.get(4)?,
            created_at: Timestamp(r.get(5)?),
            batch_key: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Gives items the idempotency key of the batch they are about to be sent in.
pub fn set_batch_key(conn: &Connection, ids: &[i64], key: &str) -> Result<()> {
    let mut st = conn.prepare_cached("UPDATE outbox SET batch_key = ?2 WHERE id = ?1")?;
    for id in ids {
        st.execute(params![id, key])?;
    }
    Ok(())
}

/// Removes items by id (delivered, or dropped).
pub fn remove(conn: &Connection, ids: &[i64]) -> Result<()> {
    let mut st = conn.prepare_cached("DELETE FROM outbox WHERE id = ?1")?;
    for id in ids {
        st.execute([id])?;
    }
    Ok(())
}

/// Removes the queued summaries of `purpose`; returns how many.
pub fn remove_summaries_of(conn: &Connection, purpose: Purpose) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE kind = 'summary' AND purpose = ?1")?
        .execute([purpose.as_str()])?)
}

/// Removes the summaries of local days `first_day` (`YYYY-MM-DD`) and later
/// that were never sent (no batch key yet), with the privacy budget they
/// recorded: after a device clock correction (ADR 0009) they describe days
/// that had not happened, or not ended; those days are summarised again
/// when they really close. A summary already in a batch stays: its batch
/// may have reached the backend, and is retried as it was. Returns how many
/// were removed.
pub fn remove_unsent_summaries_from(conn: &Connection, first_day: &str) -> Result<usize> {
    conn.prepare_cached(
        "DELETE FROM privacy_budget WHERE day >= ?1 AND (day, purpose) IN
             (SELECT day, purpose FROM outbox WHERE kind = 'summary' AND day >= ?1 AND batch_key IS NULL)",
    )?
    .execute([first_day])?;
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE kind = 'summary' AND day >= ?1 AND batch_key IS NULL")?
        .execute([first_day])?)
}

/// Enforces the outbox limits: drops items older than `max_age_ms` and
/// then the oldest beyond `max_items`; returns how many were dropped.
pub fn enforce_limits(conn: &Connection, now: Timestamp, max_items: usize, max_age_ms: i64) -> Result<usize> {
    let old = conn
        .prepare_cached("DELETE FROM outbox WHERE kind = 'summary' AND created_at < ?1")?
        .execute([now.0 - max_age_ms])?;
    let over = conn
        .prepare_cached(
            "DELETE FROM outbox WHERE kind = 'summary' AND id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT -1 OFFSET ?1)",
        )?
        .execute([max_items as i64])?;
    Ok(old + over)
}

/// Records the budget a noised summary spent. A purpose-day is summarised
/// once, so a second entry for it is an error.
pub fn record_budget(conn: &Connection, e: &BudgetEntry) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO privacy_budget (day, purpose, mechanism, epsilon, spent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![e.day, e.purpose.as_str(), e.mechanism, e.epsilon, e.spent_at.0])?;
    Ok(())
}

/// The budget entries of local days `from..=to` (`YYYY-MM-DD`), by day and
/// purpose.
pub fn budget(conn: &Connection, from: &str, to: &str) -> Result<Vec<BudgetEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT day, purpose, mechanism, epsilon, spent_at FROM privacy_budget
         WHERE day >= ?1 AND day <= ?2 ORDER BY day, purpose",
    )?;
    let rows = st.query_map([from, to], |r| {
        Ok(BudgetEntry {
            day: r.get(0)?,
            purpose: r.get(1)?,
            mechanism: r.get(2)?,
            epsilon: r.get(3)?,
            spent_at: Timestamp(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c, &crate::domain::privacy::seal::Sealer::new(&[1; 32]).unwrap()).unwrap();
        c
    }

    #[test]
    fn outbox_items_read_back_with_their_kind_and_purpose() {
        let c = store();
        enqueue(&c, OutboxKind::Summary, Some(Purpose::Activity), Some("2026-11-24"), "{}", Timestamp(1)).unwrap();
        enqueue(&c, OutboxKind::Deletion, None, None, "{}", Timestamp(2)).unwrap();
        let items = outbox(&c).unwrap();
        let read: Vec<_> = items.iter().map(|i| (i.kind, i.purpose)).collect();
        assert_eq!(read, [(OutboxKind::Summary, Some(Purpose::Activity)), (OutboxKind::Deletion, None)]);
    }

    #[test]
    fn an_unknown_stored_purpose_fails_the_read_instead_of_reading_as_a_deletion_of_everything() {
        let c = store();
        enqueue(&c, OutboxKind::Deletion, Some(Purpose::Visits), None, "{}", Timestamp(1)).unwrap();
        c.execute("UPDATE outbox SET purpose = 'weather'", []).unwrap();
        let err = outbox(&c).unwrap_err().to_string();
        assert!(err.contains("unknown consent purpose \"weather\""), "{err}");
    }

    #[test]
    fn an_unknown_stored_kind_or_purpose_fails_the_ledger_and_budget_reads() {
        let c = store();
        enqueue(&c, OutboxKind::Summary, Some(Purpose::Activity), Some("2026-11-24"), "{}", Timestamp(1)).unwrap();
        c.execute("UPDATE outbox SET kind = 'gossip'", []).unwrap();
        assert!(outbox(&c).unwrap_err().to_string().contains("unknown outbox item kind \"gossip\""));
        let entry =
            ConsentEntry { purpose: Purpose::Offers, granted: true, policy_version: "p".into(), at: Timestamp(1) };
        append_consent(&c, &entry).unwrap();
        let spent = BudgetEntry {
            day: "2026-11-24".into(),
            purpose: Purpose::Offers,
            mechanism: "geometric".into(),
            epsilon: 1.0,
            spent_at: Timestamp(1),
        };
        record_budget(&c, &spent).unwrap();
        assert_eq!(consents(&c).unwrap().ledger, [entry]);
        assert_eq!(budget(&c, "2026-11-24", "2026-11-24").unwrap(), [spent]);
        c.execute("UPDATE consent_ledger SET purpose = 'weather'", []).unwrap();
        c.execute("UPDATE privacy_budget SET purpose = 'weather'", []).unwrap();
        assert!(consents(&c).is_err(), "an unknown purpose is not skipped");
        assert!(budget(&c, "2026-11-24", "2026-11-24").is_err(), "an unknown purpose is not skipped");
    }

    #[test]
    fn unsent_summaries_from_a_day_go_with_their_budget_and_sent_or_earlier_ones_stay() {
        let c = store();
        let spend = |day: &str| BudgetEntry {
            day: day.into(),
            purpose: Purpose::Activity,
            mechanism: "geometric".into(),
            epsilon: 1.0,
            spent_at: Timestamp(1),
        };
        for day in ["2026-11-11", "2026-11-12", "2026-11-13", "2090-11-11"] {
            enqueue(&c, OutboxKind::Summary, Some(Purpose::Activity), Some(day), "{}", Timestamp(1)).unwrap();
            record_budget(&c, &spend(day)).unwrap();
        }
        enqueue(&c, OutboxKind::Deletion, None, None, "{}", Timestamp(2)).unwrap();
        // The 13th is in a batch already sent once: it stays, as sent.
        let in_flight = outbox(&c).unwrap()[2].id;
        set_batch_key(&c, &[in_flight], "k").unwrap();
        assert_eq!(remove_unsent_summaries_from(&c, "2026-11-12").unwrap(), 2);
        let left: Vec<_> = outbox(&c).unwrap().into_iter().map(|i| i.day).collect();
        assert_eq!(left, [Some("2026-11-11".into()), Some("2026-11-13".into()), None]);
        let spent: Vec<_> = budget(&c, "2000-01-01", "2099-12-31").unwrap().into_iter().map(|b| b.day).collect();
        assert_eq!(spent, ["2026-11-11", "2026-11-13"]);
    }
}
