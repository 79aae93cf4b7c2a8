//! [`Storage`] on PostgreSQL, through tokio-postgres and a deadpool pool.
//! Every server of a fleet can point at the same database: all state is
//! there (tokens, idempotency keys, the catalog), none in the process.
//!
//! Why tokio-postgres rather than sqlx: it is the async driver sqlx's own
//! PostgreSQL support competes with, smaller to build, with no compile-time
//! query checking to feed. Each batch is one statement whatever its size
//! (rows go in as arrays through `UNNEST`, in data-modifying CTEs), so one
//! round trip to the database.

use super::postgres_schema::migrate;
use super::types::{
    noise_of, CatalogRecord, Deleted, DeletionRecord, HeldData, Ingest, IngestOutcome, ReportCell, StorageError,
    TokenHash,
};
use super::{Storage, StorageFuture};
use crate::summaries::{ActivitySummary, MerchantVisits, OfferOutcome, Purpose, SummaryData};
use chrono::NaiveDate;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

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
    pool: Pool,
}

impl PostgresStorage {
    /// Default pool size: connections per server process.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

    /// Connects to `url` (`postgres://user:password@host:port/db`, or
    /// key=value pairs), with [`PostgresStorage::DEFAULT_MAX_CONNECTIONS`], and brings the
    /// schema up to date. No TLS: run it on a trusted network or a socket.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url.parse()?;
        Self::with_config(config, Self::DEFAULT_MAX_CONNECTIONS).await
    }

    /// Like [`PostgresStorage::connect`], from a parsed configuration
    /// (which may set `options`, e.g. `-c search_path=...`).
    pub async fn with_config(config: tokio_postgres::Config, max_connections: usize) -> Result<Self, StorageError> {
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool =
            Pool::builder(manager).max_size(max_connections).build().map_err(|e| StorageError::Pool(e.to_string()))?;
        let storage = PostgresStorage { pool };
        let mut client = storage.pool.get().await.map_err(pool_error)?;
        migrate(&mut client).await?;
        Ok(storage)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pool.get().await.map_err(pool_error)
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StorageError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => StorageError::Postgres(e),
        other => StorageError::Pool(other.to_string()),
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

    fn register_install(&self, install_id: String, token_hash: TokenHash, today: NaiveDate) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "INSERT INTO installs (install_id, token_hash, registered_on, token_issued_on)
                     VALUES ($1, $2, $3, $3)
                     ON CONFLICT (install_id) DO UPDATE
                     SET token_hash = excluded.token_hash, token_issued_on = excluded.token_issued_on",
                )
                .await?;
            client.execute(&statement, &[&install_id, &&token_hash[..], &today]).await?;
            Ok(())
        })
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
            let client = self.client().await?;
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
            let statement = client.prepare_cached(INGEST).await?;
            let [t, p, r, d, h] = &offers.2;
            let claimed: bool = client
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
                return Ok(IngestOutcome::Stored(stored as u32));
            }
            let row = client
                .query_one(
                    "SELECT fingerprint, stored FROM idempotency_keys WHERE install_id = $1 AND key = $2",
                    &[&ingest.install_id, &ingest.key],
                )
                .await?;
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
            tx.execute("UPDATE idempotency_keys SET fingerprint = NULL WHERE install_id = $1", &[&install_id]).await?;
            let rows = (deleted.activity + deleted.visits + deleted.offers) as i64;
            tx.execute(
                "INSERT INTO deletion_requests (install_id, purpose, rows_deleted, received_on) VALUES ($1, $2, $3, $4)",
                &[&install_id, &purpose.map(Purpose::as_str), &rows, &today],
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

    fn set_catalog(&self, catalog: CatalogRecord) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "INSERT INTO catalog (id, version, etag, body) VALUES (1, $1, $2, $3)
                     ON CONFLICT (id) DO UPDATE
                     SET version = excluded.version, etag = excluded.etag, body = excluded.body",
                    &[&(catalog.version as i64), &catalog.etag, &catalog.body],
                )
                .await?;
            Ok(())
        })
    }

    fn visit_cells(&self) -> StorageFuture<'_, Vec<ReportCell>> {
        Box::pin(async move {
            let rows = self
                .client()
                .await?
                .query(
                    "SELECT day, merchant_id, COUNT(DISTINCT install_id)::BIGINT, SUM(visits)::BIGINT,
                            SUM(minutes)::BIGINT, COUNT(epsilon)::BIGINT
                     FROM merchant_visits WHERE visits > 0
                     GROUP BY day, merchant_id ORDER BY day, merchant_id",
                    &[],
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
            tx.commit().await?;
            Ok(held)
        })
    }
}
