//! The backend's report queries on PostgreSQL, as `sqlite_reports.rs`: the
//! visits per merchant and day and the lift arms per offer, over the
//! installs the sybil rule ([`ReportEligibility`]) lets count.

use super::postgres_pool::PgPool;
use super::types::{LiftCell, ReportCell, StorageError};
use super::StorageFuture;
use crate::limits::ReportEligibility;
use tokio_postgres::Row;

/// The rows of `sql`, whose `$1` and `$2` are the sybil rule's
/// [`ReportEligibility::min_install_age_days`] and
/// [`ReportEligibility::min_upload_days`].
async fn eligible_rows(s: &PgPool, eligible: ReportEligibility, sql: &str) -> Result<Vec<Row>, StorageError> {
    let (age, days) = (eligible.min_install_age_days as i32, eligible.min_upload_days as i32);
    Ok(s.client().await?.query(sql, &[&age, &days]).await?)
}

/// [`super::Storage::visit_cells`]: per day and merchant, the distinct
/// eligible installs with a visit, their visits, minutes and noised rows.
pub(super) fn visit_cells(s: &PgPool, eligible: ReportEligibility) -> StorageFuture<'_, Vec<ReportCell>> {
    Box::pin(async move {
        let rows = eligible_rows(
            s,
            eligible,
            "SELECT day, merchant_id, COUNT(DISTINCT install_id)::BIGINT, SUM(visits)::BIGINT,
                    SUM(minutes)::BIGINT, COUNT(epsilon)::BIGINT
             FROM merchant_visits v WHERE visits > 0
             AND (($1 = 0 AND $2 = 0) OR EXISTS (
                 SELECT 1 FROM installs i WHERE i.install_id = v.install_id
                 AND i.registered_on <= v.day - $1 AND i.upload_days >= $2))
             GROUP BY day, merchant_id ORDER BY day, merchant_id",
        )
        .await?;
        Ok(rows
            .iter()
            .map(|row| ReportCell {
                day: row.get(0),
                merchant_id: row.get(1),
                installs: row.get::<_, i64>(2) as u64,
                visits: row.get::<_, i64>(3) as u64,
                minutes: row.get::<_, i64>(4) as u64,
                noised: row.get::<_, i64>(5) as u64,
            })
            .collect())
    })
}

/// [`super::Storage::lift_cells`]: per offer, the eligible installs only
/// exposed and only held out, and how many of each redeemed.
pub(super) fn lift_cells(s: &PgPool, eligible: ReportEligibility) -> StorageFuture<'_, Vec<LiftCell>> {
    Box::pin(async move {
        let rows = eligible_rows(
            s,
            eligible,
            "SELECT offer_id,
                COUNT(*) FILTER (WHERE t > 0 AND h = 0), COUNT(*) FILTER (WHERE t > 0 AND h = 0 AND r > 0),
                COUNT(*) FILTER (WHERE h > 0 AND t = 0), COUNT(*) FILTER (WHERE h > 0 AND t = 0 AND r > 0)
             FROM (SELECT install_id, offer_id, SUM(triggered) AS t, SUM(held_out) AS h, SUM(redeemed) AS r
                   FROM offer_outcomes o WHERE (($1 = 0 AND $2 = 0) OR EXISTS (
                       SELECT 1 FROM installs i WHERE i.install_id = o.install_id
                       AND i.registered_on <= o.day - $1 AND i.upload_days >= $2))
                   GROUP BY install_id, offer_id) per_install
             GROUP BY offer_id ORDER BY offer_id",
        )
        .await?;
        Ok(rows
            .iter()
            .map(|row| LiftCell {
                offer_id: row.get(0),
                exposed: row.get::<_, i64>(1) as u64,
                exposed_redeemed: row.get::<_, i64>(2) as u64,
                held_out: row.get::<_, i64>(3) as u64,
                held_out_redeemed: row.get::<_, i64>(4) as u64,
            })
            .collect())
    })
}
