//! [`Storage`] on PostgreSQL, through tokio-postgres and a deadpool pool.
//! Every server of a fleet can point at the same database: all state is
//! there (tokens, idempotency keys, the catalog), none in the process.
//!
//! Why tokio-postgres rather than sqlx: it is the async driver sqlx's own
//! PostgreSQL support competes with, smaller to build, with no compile-time
//! query checking to feed. Each batch is one statement whatever its size
//! (rows go in as arrays through `UNNEST`, in data-modifying CTEs), so one
//! round trip to the database.

use super::postgres_pool::{manager, PgPool};
use super::postgres_redemptions as redemptions;
use super::postgres_schema::migrate;
use super::postgres_social as social;
use super::types::{
    noise_of, CatalogIds, CatalogRecord, Deleted, DeletionRecord, FriendCount, HeldData, Ingest, IngestOutcome,
    InviteAcceptance, InviteCreated, InviteHash, KeyOutcome, LiftCell, RedemptionKey, RedemptionRecord, Registration,
    ReportCell, SocialMember, StorageError, TokenHash,
};
use super::{Storage, StorageFuture};
use crate::limits::{ReportEligibility, MAX_OFFER_ROWS_PER_DAY, MAX_VISIT_ROWS_PER_DAY};
use crate::summaries::{ActivitySummary, MerchantVisits, OfferOutcome, Purpose, SummaryData};
use chrono::NaiveDate;
use deadpool_postgres::Manager;
use std::path::Path;

/// A whole batch in one statement (one round trip, one implicit
/// transaction): claim the idempotency key, and only if this statement
/// claimed it, upsert every row. A concurrent statement with the same key
/// waits on the key's primary key until the first commits, then claims
/// nothing and so writes nothing.
const INGEST: &str = "
WITH claim AS (
    INSERT INTO idempotency_keys (install_id, key, fingerprint, stored, received_on)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (install_id, key) DO NOTHING
    RETURNING 1
), activity AS (
    INSERT INTO activity_days (install_id, day, steps, goal_met, epsilon)
    SELECT $1, a.* FROM UNNEST($6::date[], $7::int[], $8::bool[], $20::float8[]) AS a
    WHERE EXISTS (SELECT 1 FROM claim)
    ON CONFLICT (install_id, day) DO UPDATE
    SET steps = excluded.steps, goal_met = excluded.goal_met, epsilon = excluded.epsilon
), visits AS (
    INSERT INTO merchant_visits (install_id, day, merchant_id, visits, minutes, epsilon)
    SELECT $1, v.* FROM UNNEST($9::date[], $10::text[], $11::int[], $12::int[], $21::float8[]) AS v
    WHERE EXISTS (SELECT 1 FROM claim)
    ON CONFLICT (install_id, day, merchant_id) DO UPDATE
    SET visits = excluded.visits, minutes = excluded.minutes, epsilon = excluded.epsilon
), offers AS (
    INSERT INTO offer_outcomes (install_id, day, offer_id, triggered, presented, redeemed, dismissed, held_out, epsilon)
    SELECT $1, o.* FROM UNNEST($13::date[], $14::text[], $15::int[], $16::int[], $17::int[], $18::int[], $19::int[],
        $22::float8[]) AS o
    WHERE EXISTS (SELECT 1 FROM claim)
    ON CONFLICT (install_id, day, offer_id) DO UPDATE
    SET triggered = excluded.triggered, presented = excluded.presented, redeemed = excluded.redeemed,
        dismissed = excluded.dismissed, held_out = excluded.held_out, epsilon = excluded.epsilon
)
SELECT EXISTS (SELECT 1 FROM claim)";

/// The PostgreSQL storage. Cheap to clone (shares its pool).
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    /// Default pool size: connections per server process.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

    /// Connects to `url` (`postgres://user:password@host:port/db`, or
    /// key=value pairs), with [`PostgresStorage::DEFAULT_MAX_CONNECTIONS`], and brings the
    /// schema up to date. With `sslmode=require` in the URL the connection
    /// is TLS (rustls), the server's certificate checked against the Mozilla
    /// roots (or `ca_file`, a PEM bundle); otherwise (`disable`, and the
    /// driver's default `prefer`) it is plain: run it on a trusted network
    /// or a socket.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with_ca(url, None).await
    }

    /// [`PostgresStorage::connect`], trusting the CA certificates in
    /// `ca_file` (PEM) instead of the Mozilla roots for `sslmode=require`.
    pub async fn connect_with_ca(url: &str, ca_file: Option<&Path>) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = manager(config, ca_file)?;
        Self::with_manager(manager, Self::DEFAULT_MAX_CONNECTIONS).await
    }

    /// Like [`PostgresStorage::connect`], from a parsed configuration
    /// (which may set `options`, e.g. `-c search_path=...`).
    pub async fn with_config(config: tokio_postgres::Config, max_connections: usize) -> Result<Self, StorageError> {
        Self::with_manager(manager(config, None)?, max_connections).await
    }

    async fn with_manager(manager: Manager, max_connections: usize) -> Result<Self, StorageError> {
        let storage = PostgresStorage { pool: PgPool::new(manager, max_connections)? };
        migrate(&mut *storage.pool.client().await?).await?;
        Ok(storage)
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool.client().await
    }
}

fn count(n: u32) -> i32 {
    // Every count is validated far below i32::MAX.
    n as i32
}

impl Storage for PostgresStorage {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn health(&self) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.client().await?.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn register_install(
        &self,
        install_id: String,
        token_hash: TokenHash,
        presented: Option<TokenHash>,
        today: NaiveDate,
    ) -> StorageFuture<'_, Registration> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let current = tx
                .query_opt("SELECT token_hash FROM installs WHERE install_id = $1 FOR UPDATE", &[&install_id])
                .await?
                .map(|row| row.get::<_, Vec<u8>>(0));
            let outcome = match current {
                None => {
                    let inserted = tx
                        .execute(
                            "INSERT INTO installs (install_id, token_hash, registered_on, token_issued_on)
                             VALUES ($1, $2, $3, $3) ON CONFLICT (install_id) DO NOTHING",
                            &[&install_id, &&token_hash[..], &today],
                        )
                        .await?;
                    // Zero rows: registered meanwhile by another request.
                    if inserted == 1 {
                        Registration::New
                    } else {
                        Registration::Refused
                    }
                }
                Some(current) if presented.is_some_and(|p| p[..] == current[..]) => {
                    tx.execute(
                        "UPDATE installs SET token_hash = $2, token_issued_on = $3 WHERE install_id = $1",
                        &[&install_id, &&token_hash[..], &today],
                    )
                    .await?;
                    Registration::Rotated
                }
                Some(_) => Registration::Refused,
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    fn set_redemption_key(
        &self,
        install_id: String,
        key: RedemptionKey,
        today: NaiveDate,
    ) -> StorageFuture<'_, KeyOutcome> {
        Box::pin(redemptions::set_key(&self.pool, install_id, key, today))
    }

    fn redemption_key_owner(&self, kid: String) -> StorageFuture<'_, Option<String>> {
        Box::pin(redemptions::key_owner(&self.pool, kid))
    }

    fn redemption_key(&self, kid: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        Box::pin(redemptions::public_key(&self.pool, kid))
    }

    fn add_merchant_key(&self, key_hash: TokenHash, merchant_id: String, today: NaiveDate) -> StorageFuture<'_, ()> {
        Box::pin(redemptions::add_merchant(&self.pool, key_hash, merchant_id, today))
    }

    fn merchant_for_key(&self, key_hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        Box::pin(redemptions::merchant(&self.pool, key_hash))
    }

    fn record_redemption(&self, redemption: RedemptionRecord, today: NaiveDate) -> StorageFuture<'_, bool> {
        Box::pin(redemptions::record(&self.pool, redemption, today))
    }

    fn authenticate(&self, token_hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client.prepare_cached("SELECT install_id FROM installs WHERE token_hash = $1").await?;
            Ok(client.query_opt(&statement, &[&&token_hash[..]]).await?.map(|row| row.get(0)))
        })
    }

    fn ingest(&self, ingest: Ingest) -> StorageFuture<'_, IngestOutcome> {
        Box::pin(async move {
            let mut client = self.client().await?;
            // One install's batches go one at a time (the row lock), so that
            // the quota holds however they are sent.
            let tx = client.transaction().await?;
            tx.execute("SELECT 1 FROM installs WHERE install_id = $1 FOR UPDATE", &[&ingest.install_id]).await?;
            let stored = count(ingest.batch.items.len() as u32);
            let mut activity = (Vec::new(), Vec::new(), Vec::new());
            let mut visits = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut offers: (Vec<NaiveDate>, Vec<&str>, [Vec<i32>; 5]) = (Vec::new(), Vec::new(), Default::default());
            // The epsilon of each row's summary, per table (NULL: exact).
            let mut epsilons: [Vec<Option<f64>>; 3] = Default::default();
            for item in &ingest.batch.items {
                let epsilon = item.noise.map(|n| n.epsilon);
                match &item.data {
                    SummaryData::Activity(a) => {
                        activity.0.push(item.day);
                        activity.1.push(count(a.steps));
                        activity.2.push(a.goal_met);
                        epsilons[0].push(epsilon);
                    }
                    SummaryData::Visits(rows) => {
                        for v in rows {
                            visits.0.push(item.day);
                            visits.1.push(v.merchant_id.as_str());
                            visits.2.push(count(v.visits));
                            visits.3.push(count(v.minutes));
                            epsilons[1].push(epsilon);
                        }
                    }
                    SummaryData::Offers(rows) => {
                        for o in rows {
                            offers.0.push(item.day);
                            offers.1.push(o.offer_id.as_str());
                            epsilons[2].push(epsilon);
                            for (column, n) in
                                offers.2.iter_mut().zip([o.triggered, o.presented, o.redeemed, o.dismissed, o.held_out])
                            {
                                column.push(count(n));
                            }
                        }
                    }
                }
            }
            let seen = tx
                .query_opt(
                    "SELECT 1 FROM idempotency_keys WHERE install_id = $1 AND key = $2",
                    &[&ingest.install_id, &ingest.key],
                )
                .await?
                .is_some();
            if !seen {
                for (purpose, dates, ids, table, column, limit) in [
                    (Purpose::Visits, &visits.0, &visits.1, "merchant_visits", "merchant_id", MAX_VISIT_ROWS_PER_DAY),
                    (Purpose::Offers, &offers.0, &offers.1, "offer_outcomes", "offer_id", MAX_OFFER_ROWS_PER_DAY),
                ] {
                    if ids.is_empty() {
                        continue;
                    }
                    let over = tx
                        .query_opt(
                            &format!(
                                "SELECT d, COUNT(*)::BIGINT FROM (
                                     SELECT day AS d, {column} AS id FROM {table}
                                     WHERE install_id = $1 AND day = ANY($2)
                                     UNION SELECT * FROM UNNEST($2::date[], $3::text[])
                                 ) u GROUP BY d HAVING COUNT(*) > $4 ORDER BY d LIMIT 1"
                            ),
                            &[&ingest.install_id, dates, ids, &(limit as i64)],
                        )
                        .await?;
                    if let Some(row) = over {
                        tx.rollback().await?;
                        let rows = row.get::<_, i64>(1) as usize;
                        return Ok(IngestOutcome::OverQuota { purpose, day: row.get(0), rows, limit });
                    }
                }
            }
            let statement = tx.prepare_cached(INGEST).await?;
            let [t, p, r, d, h] = &offers.2;
            let claimed: bool = tx
                .query_one(
                    &statement,
                    &[
                        &ingest.install_id,
                        &ingest.key,
                        &&ingest.fingerprint[..],
                        &stored,
                        &ingest.today,
                        &activity.0,
                        &activity.1,
                        &activity.2,
                        &visits.0,
                        &visits.1,
                        &visits.2,
                        &visits.3,
                        &offers.0,
                        &offers.1,
                        t,
                        p,
                        r,
                        d,
                        h,
                        &epsilons[0],
                        &epsilons[1],
                        &epsilons[2],
                    ],
                )
                .await?
                .get(0);
            if claimed {
                tx.execute(
                    "UPDATE installs SET upload_days = upload_days + 1, last_upload_on = $2
                     WHERE install_id = $1 AND (last_upload_on IS NULL OR last_upload_on <> $2)",
                    &[&ingest.install_id, &ingest.today],
                )
                .await?;
                tx.commit().await?;
                return Ok(IngestOutcome::Stored(stored as u32));
            }
            let row = tx
                .query_one(
                    "SELECT fingerprint, stored FROM idempotency_keys WHERE install_id = $1 AND key = $2",
                    &[&ingest.install_id, &ingest.key],
                )
                .await?;
            tx.commit().await?;
            let fingerprint: Option<Vec<u8>> = row.get(0);
            let first: i32 = row.get(1);
            Ok(match fingerprint {
                Some(f) if f != ingest.fingerprint => IngestOutcome::KeyReused,
                _ => IngestOutcome::Duplicate(first as u32),
            })
        })
    }

    fn delete(&self, install_id: String, purpose: Option<Purpose>, today: NaiveDate) -> StorageFuture<'_, Deleted> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let wanted = |p: Purpose| purpose.is_none_or(|only| only == p);
            let mut deleted = Deleted::default();
            if wanted(Purpose::Activity) {
                deleted.activity =
                    tx.execute("DELETE FROM activity_days WHERE install_id = $1", &[&install_id]).await?;
            }
            if wanted(Purpose::Visits) {
                deleted.visits =
                    tx.execute("DELETE FROM merchant_visits WHERE install_id = $1", &[&install_id]).await?;
            }
            if wanted(Purpose::Offers) {
                deleted.offers = tx.execute("DELETE FROM offer_outcomes WHERE install_id = $1", &[&install_id]).await?;
            }
            if wanted(Purpose::Social) {
                deleted.social = social::delete_social(&tx, &install_id).await?;
            }
            // A full deletion forgets the install itself; its records stay, anonymous.
            let recorded_as = if purpose.is_none() {
                tx.execute("DELETE FROM idempotency_keys WHERE install_id = $1", &[&install_id]).await?;
                redemptions::forget_install(&tx, &install_id).await?;
                tx.execute("DELETE FROM installs WHERE install_id = $1", &[&install_id]).await?;
                tx.execute("UPDATE deletion_requests SET install_id = '' WHERE install_id = $1", &[&install_id])
                    .await?;
                ""
            } else {
                tx.execute("UPDATE idempotency_keys SET fingerprint = NULL WHERE install_id = $1", &[&install_id])
                    .await?;
                install_id.as_str()
            };
            let rows = deleted.rows() as i64;
            tx.execute(
                "INSERT INTO deletion_requests (install_id, purpose, rows_deleted, received_on) VALUES ($1, $2, $3, $4)",
                &[&recorded_as, &purpose.map(Purpose::as_str), &rows, &today],
            )
            .await?;
            tx.commit().await?;
            Ok(deleted)
        })
    }

    fn catalog(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client.prepare_cached("SELECT version, etag, body FROM catalog WHERE id = 1").await?;
            Ok(client.query_opt(&statement, &[]).await?.map(|row| CatalogRecord {
                version: row.get::<_, i64>(0) as u64,
                etag: row.get(1),
                body: row.get(2),
            }))
        })
    }

    fn set_catalog(&self, catalog: CatalogRecord, ids: CatalogIds, today: NaiveDate) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO catalog (id, version, etag, body) VALUES (1, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE
                 SET version = excluded.version, etag = excluded.etag, body = excluded.body",
                &[&(catalog.version as i64), &catalog.etag, &catalog.body],
            )
            .await?;
            tx.execute("UPDATE catalog_ids SET retired_on = $1 WHERE retired_on IS NULL", &[&today]).await?;
            for (kind, list) in [("merchant", &ids.merchants), ("offer", &ids.offers)] {
                tx.execute(
                    "INSERT INTO catalog_ids (kind, id, retired_on) SELECT $1, x, NULL FROM UNNEST($2::text[]) x
                     ON CONFLICT (kind, id) DO UPDATE SET retired_on = NULL",
                    &[&kind, list],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn unknown_catalog_ids(&self, ids: CatalogIds, retired_since: NaiveDate) -> StorageFuture<'_, CatalogIds> {
        Box::pin(async move {
            let client = self.client().await?;
            let mut unknown = CatalogIds::default();
            if !client.query_one("SELECT EXISTS (SELECT 1 FROM catalog_ids)", &[]).await?.get::<_, bool>(0) {
                return Ok(unknown);
            }
            for (kind, list, out) in
                [("merchant", ids.merchants, &mut unknown.merchants), ("offer", ids.offers, &mut unknown.offers)]
            {
                let rows = client
                    .query(
                        "SELECT x FROM UNNEST($2::text[]) WITH ORDINALITY AS u(x, n) WHERE NOT EXISTS (
                             SELECT 1 FROM catalog_ids c WHERE c.kind = $1 AND c.id = u.x
                             AND (c.retired_on IS NULL OR c.retired_on >= $3)) ORDER BY n",
                        &[&kind, &list, &retired_since],
                    )
                    .await?;
                out.extend(rows.iter().map(|row| row.get::<_, String>(0)));
            }
            Ok(unknown)
        })
    }

    fn visit_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<ReportCell>> {
        super::postgres_reports::visit_cells(&self.pool, eligible)
    }

    fn lift_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<LiftCell>> {
        super::postgres_reports::lift_cells(&self.pool, eligible)
    }

    fn tile_header(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        super::postgres_tiles::header(&self.pool)
    }

    fn tile_index(&self) -> StorageFuture<'_, super::TileIndex> {
        super::postgres_tiles::index(&self.pool)
    }

    fn tile(&self, id: String) -> StorageFuture<'_, Option<(u64, String, Vec<u8>)>> {
        super::postgres_tiles::tile(&self.pool, id)
    }

    fn tile_answers(&self, wanted: Vec<(String, u64)>) -> StorageFuture<'_, Vec<super::TileAnswer>> {
        super::postgres_tiles::answers(&self.pool, wanted)
    }

    fn set_tiles(&self, write: super::TilesWrite) -> StorageFuture<'_, ()> {
        super::postgres_tiles::set_tiles(&self.pool, write)
    }

    fn prune_idempotency_keys(&self, before: NaiveDate) -> StorageFuture<'_, u64> {
        Box::pin(async move {
            Ok(self.client().await?.execute("DELETE FROM idempotency_keys WHERE received_on < $1", &[&before]).await?)
        })
    }

    fn held_by(&self, install_id: String) -> StorageFuture<'_, HeldData> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .read_only(true)
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .start()
                .await?;
            let id = &install_id;
            let mut held = HeldData {
                registered: tx.query_opt("SELECT 1 FROM installs WHERE install_id = $1", &[id]).await?.is_some(),
                ..HeldData::default()
            };
            for row in tx
                .query(
                    "SELECT day, steps, goal_met, epsilon FROM activity_days WHERE install_id = $1 ORDER BY day",
                    &[id],
                )
                .await?
            {
                held.activity.push((
                    row.get(0),
                    ActivitySummary { steps: row.get::<_, i32>(1) as u32, goal_met: row.get(2) },
                    noise_of(row.get(3))?,
                ));
            }
            for row in tx
                .query(
                    "SELECT day, merchant_id, visits, minutes, epsilon FROM merchant_visits WHERE install_id = $1
                     ORDER BY day, merchant_id",
                    &[id],
                )
                .await?
            {
                held.visits.push((
                    row.get(0),
                    MerchantVisits {
                        merchant_id: row.get(1),
                        visits: row.get::<_, i32>(2) as u32,
                        minutes: row.get::<_, i32>(3) as u32,
                    },
                    noise_of(row.get(4))?,
                ));
            }
            for row in tx
                .query(
                    "SELECT day, offer_id, triggered, presented, redeemed, dismissed, held_out, epsilon
                     FROM offer_outcomes WHERE install_id = $1 ORDER BY day, offer_id",
                    &[id],
                )
                .await?
            {
                let n = |i: usize| row.get::<_, i32>(i) as u32;
                held.offers.push((
                    row.get(0),
                    OfferOutcome {
                        offer_id: row.get(1),
                        triggered: n(2),
                        presented: n(3),
                        redeemed: n(4),
                        dismissed: n(5),
                        held_out: n(6),
                    },
                    noise_of(row.get(7))?,
                ));
            }
            held.idempotency_keys = tx
                .query_one("SELECT COUNT(*) FROM idempotency_keys WHERE install_id = $1", &[id])
                .await?
                .get::<_, i64>(0) as u64;
            for row in tx
                .query(
                    "SELECT purpose, rows_deleted, received_on FROM deletion_requests WHERE install_id = $1 ORDER BY id",
                    &[id],
                )
                .await?
            {
                let purpose = match row.get::<_, Option<String>>(0) {
                    None => None,
                    Some(name) => Some(
                        Purpose::parse(&name).ok_or_else(|| StorageError::Corrupt(format!("purpose {name:?}")))?,
                    ),
                };
                held.deletion_requests.push(DeletionRecord {
                    purpose,
                    rows_deleted: row.get::<_, i64>(1) as u64,
                    received_on: row.get(2),
                });
            }
            (held.social_consented_on, held.friends, held.invites) = social::held(&tx, id).await?;
            tx.commit().await?;
            Ok(held)
        })
    }

    fn create_invite(
        &self,
        member: SocialMember,
        code: InviteHash,
        expires_on: NaiveDate,
    ) -> StorageFuture<'_, InviteCreated> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let out = social::create_invite(&tx, &member, &code, expires_on).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    fn accept_invite(&self, member: SocialMember, code: InviteHash) -> StorageFuture<'_, InviteAcceptance> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let out = social::accept_invite(&tx, &member, &code).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    fn friend_counts(
        &self,
        member: SocialMember,
        since: NaiveDate,
        min_friends: u32,
    ) -> StorageFuture<'_, Vec<FriendCount>> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let out = social::friend_counts(&tx, &member, since, min_friends).await?;
            tx.commit().await?;
            Ok(out)
        })
    }
}
