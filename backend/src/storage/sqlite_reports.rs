//! The backend's report queries on SQLite, as `postgres_reports.rs`: the
//! visits per merchant and day and the lift arms per offer, over the
//! installs the sybil rule ([`ReportEligibility`]) lets count.

use super::sqlite_days::parse_day;
use super::types::StorageError;
use super::types::{LiftCell, ReportCell};
use crate::limits::ReportEligibility;
use rusqlite::{params, Transaction};

/// [`super::Storage::visit_cells`]: per day and merchant, the distinct
/// eligible installs with a visit, their visits, minutes and noised rows.
pub(super) fn visit_cells(tx: &Transaction<'_>, eligible: ReportEligibility) -> Result<Vec<ReportCell>, StorageError> {
    let mut statement = tx.prepare(
        "SELECT day, merchant_id, COUNT(DISTINCT install_id), SUM(visits), SUM(minutes), COUNT(epsilon)
         FROM merchant_visits v WHERE visits > 0
         AND ((?1 = 0 AND ?2 = 0) OR EXISTS (
             SELECT 1 FROM installs i WHERE i.install_id = v.install_id
             AND i.registered_on <= date(v.day, '-' || ?1 || ' days') AND i.upload_days >= ?2))
         GROUP BY day, merchant_id ORDER BY day, merchant_id",
    )?;
    let rule = params![eligible.min_install_age_days, eligible.min_upload_days];
    let rows = statement.query_map(rule, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (day, merchant_id, installs, visits, minutes, noised) = row?;
        Ok(ReportCell {
            day: parse_day(&day)?,
            merchant_id,
            installs: installs as u64,
            visits: visits as u64,
            minutes: minutes as u64,
            noised: noised as u64,
        })
    })
    .collect()
}

/// [`super::Storage::lift_cells`]: per offer, the eligible installs only
/// exposed and only held out, and how many of each redeemed.
pub(super) fn lift_cells(tx: &Transaction<'_>, eligible: ReportEligibility) -> Result<Vec<LiftCell>, StorageError> {
    let mut statement = tx.prepare(
        "SELECT offer_id,
            SUM(t > 0 AND h = 0), SUM(t > 0 AND h = 0 AND r > 0),
            SUM(h > 0 AND t = 0), SUM(h > 0 AND t = 0 AND r > 0)
         FROM (SELECT install_id, offer_id, SUM(triggered) AS t, SUM(held_out) AS h, SUM(redeemed) AS r
               FROM offer_outcomes o WHERE ((?1 = 0 AND ?2 = 0) OR EXISTS (
                   SELECT 1 FROM installs i WHERE i.install_id = o.install_id
                   AND i.registered_on <= date(o.day, '-' || ?1 || ' days') AND i.upload_days >= ?2))
               GROUP BY install_id, offer_id)
         GROUP BY offer_id ORDER BY offer_id",
    )?;
    let rule = params![eligible.min_install_age_days, eligible.min_upload_days];
    let rows = statement.query_map(rule, |r| {
        Ok(LiftCell {
            offer_id: r.get(0)?,
            exposed: r.get::<_, i64>(1)? as u64,
            exposed_redeemed: r.get::<_, i64>(2)? as u64,
            held_out: r.get::<_, i64>(3)? as u64,
            held_out_redeemed: r.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
