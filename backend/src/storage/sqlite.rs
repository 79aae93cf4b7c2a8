//! [`Storage`] on one SQLite file (WAL), through rusqlite on tokio's
//! blocking pool.
//!
//! Why rusqlite rather than sqlx: the engine (`kairos-core`) already links
//! SQLite through rusqlite, and a Cargo build may hold only one
//! `libsqlite3-sys` (it `links = "sqlite3"`), so sqlx-sqlite would tie both
//! crates to whichever version sqlx pins; SQLite calls are short and
//! synchronous anyway. Writes go through one connection behind a mutex
//! (SQLite has one writer at a time; queueing in-process is cheaper than
//! `SQLITE_BUSY` retries); reads use a small pool of their own connections,
//! which WAL lets run beside the writer.

use super::sqlite_days::{day_text, parse_day};
use super::sqlite_schema::{configure, prepare};
use super::sqlite_social as social;
use super::types::{
    noise_of, CatalogIds, CatalogRecord, Deleted, DeletionRecord, FriendCount, HeldData, Ingest, IngestOutcome,
    InviteAcceptance, InviteCreated, InviteHash, KeyOutcome, LiftCell, RedemptionKey, RedemptionRecord, Registration,
    ReportCell, SocialMember, StorageError, TokenHash,
};
use super::{Storage, StorageFuture};
use crate::limits::{ReportEligibility, MAX_OFFER_ROWS_PER_DAY, MAX_VISIT_ROWS_PER_DAY};
use crate::summaries::{ActivitySummary, MerchantVisits, OfferOutcome, Purpose, SummaryData};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Most idle read connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// The SQLite storage. Cheap to clone (shares its connections).
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file at `path` and brings
    /// its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let mut writer = Connection::open(path)?;
        prepare(&mut writer)?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in one immediate transaction on the writer connection.
    pub(super) fn write<T, F>(&self, f: F) -> StorageFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StorageError> + Send + 'static,
    {
        let inner = self.inner.clone();
        Box::pin(async move {
            blocking(move || {
                let mut conn = lock(&inner.writer);
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            })
            .await
        })
    }

    /// Runs `f` on a read connection (in one deferred transaction, so it
    /// sees one snapshot).
    pub(super) fn read<T, F>(&self, f: F) -> StorageFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StorageError> + Send + 'static,
    {
        let inner = self.inner.clone();
        Box::pin(async move {
            blocking(move || {
                let pooled = lock(&inner.readers).pop();
                let mut conn = match pooled {
                    Some(conn) => conn,
                    None => {
                        let conn = Connection::open(&inner.path)?;
                        configure(&conn)?;
                        conn
                    }
                };
                let out = {
                    let tx = conn.transaction()?;
                    f(&tx)
                };
                let mut idle = lock(&inner.readers);
                if idle.len() < MAX_IDLE_READERS {
                    idle.push(conn);
                }
                out
            })
            .await
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock rolled its transaction back when the
    // `Transaction` dropped; the connection is still usable.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StorageError::Task(e.to_string()))?
}

impl Storage for SqliteStorage {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn health(&self) -> StorageFuture<'_, ()> {
        self.read(|tx| Ok(tx.query_row("SELECT 1", [], |_| Ok(()))?))
    }

    fn register_install(
        &self,
        install_id: String,
        token_hash: TokenHash,
        presented: Option<TokenHash>,
        today: NaiveDate,
    ) -> StorageFuture<'_, Registration> {
        self.write(move |tx| {
            let current: Option<Vec<u8>> = tx
                .query_row("SELECT token_hash FROM installs WHERE install_id = ?1", [&install_id], |r| r.get(0))
                .optional()?;
            Ok(match current {
                None => {
                    tx.execute(
                        "INSERT INTO installs (install_id, token_hash, registered_on, token_issued_on)
                         VALUES (?1, ?2, ?3, ?3)",
                        params![install_id, &token_hash[..], day_text(today)],
                    )?;
                    Registration::New
                }
                Some(current) if presented.is_some_and(|p| p[..] == current[..]) => {
                    tx.execute(
                        "UPDATE installs SET token_hash = ?2, token_issued_on = ?3 WHERE install_id = ?1",
                        params![install_id, &token_hash[..], day_text(today)],
                    )?;
                    Registration::Rotated
                }
                Some(_) => Registration::Refused,
            })
        })
    }

    fn authenticate(&self, token_hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        self.read(move |tx| {
            let mut statement = tx.prepare_cached("SELECT install_id FROM installs WHERE token_hash = ?1")?;
            Ok(statement.query_row([&token_hash[..]], |r| r.get(0)).optional()?)
        })
    }

    fn set_redemption_key(
        &self,
        install_id: String,
        key: RedemptionKey,
        today: NaiveDate,
    ) -> StorageFuture<'_, KeyOutcome> {
        self.write(move |tx| super::sqlite_redemptions::set_key(tx, &install_id, &key, &day_text(today)))
    }

    fn redemption_key_owner(&self, kid: String) -> StorageFuture<'_, Option<String>> {
        self.read(move |tx| super::sqlite_redemptions::key_owner(tx, &kid))
    }

    fn redemption_key(&self, kid: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        self.read(move |tx| super::sqlite_redemptions::public_key(tx, &kid))
    }

    fn add_merchant_key(&self, key_hash: TokenHash, merchant_id: String, today: NaiveDate) -> StorageFuture<'_, ()> {
        self.write(move |tx| super::sqlite_redemptions::add_merchant_key(tx, &key_hash, &merchant_id, &day_text(today)))
    }

    fn merchant_for_key(&self, key_hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        self.read(move |tx| super::sqlite_redemptions::merchant_for_key(tx, &key_hash))
    }

    fn record_redemption(&self, redemption: RedemptionRecord, today: NaiveDate) -> StorageFuture<'_, bool> {
        self.write(move |tx| super::sqlite_redemptions::record(tx, &redemption, &day_text(today)))
    }

    fn ingest(&self, ingest: Ingest) -> StorageFuture<'_, IngestOutcome> {
        self.write(move |tx| {
            let seen: Option<(Option<Vec<u8>>, u32)> = tx
                .prepare_cached("SELECT fingerprint, stored FROM idempotency_keys WHERE install_id = ?1 AND key = ?2")?
                .query_row(params![ingest.install_id, ingest.key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((fingerprint, stored)) = seen {
                return Ok(match fingerprint {
                    Some(f) if f != ingest.fingerprint => IngestOutcome::KeyReused,
                    _ => IngestOutcome::Duplicate(stored),
                });
            }
            if let Some(over) = over_quota(tx, &ingest)? {
                return Ok(over);
            }
            tx.prepare_cached(
                "UPDATE installs SET upload_days = upload_days + 1, last_upload_on = ?2
                 WHERE install_id = ?1 AND (last_upload_on IS NULL OR last_upload_on <> ?2)",
            )?
            .execute(params![ingest.install_id, day_text(ingest.today)])?;
            let stored = ingest.batch.items.len() as u32;
            tx.prepare_cached(
                "INSERT INTO idempotency_keys (install_id, key, fingerprint, stored, received_on)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                ingest.install_id,
                ingest.key,
                &ingest.fingerprint[..],
                stored,
                day_text(ingest.today)
            ])?;
            let install = &ingest.install_id;
            for item in &ingest.batch.items {
                let day = day_text(item.day);
                let epsilon = item.noise.map(|n| n.epsilon);
                match &item.data {
                    SummaryData::Activity(a) => {
                        tx.prepare_cached(
                            "INSERT INTO activity_days (install_id, day, steps, goal_met, epsilon)
                             VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT (install_id, day) DO UPDATE
                             SET steps = excluded.steps, goal_met = excluded.goal_met, epsilon = excluded.epsilon",
                        )?
                        .execute(params![install, day, a.steps, a.goal_met, epsilon])?;
                    }
                    SummaryData::Visits(rows) => {
                        let mut statement = tx.prepare_cached(
                            "INSERT INTO merchant_visits (install_id, day, merchant_id, visits, minutes, epsilon)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT (install_id, day, merchant_id) DO UPDATE
                             SET visits = excluded.visits, minutes = excluded.minutes, epsilon = excluded.epsilon",
                        )?;
                        for v in rows {
                            statement.execute(params![install, day, v.merchant_id, v.visits, v.minutes, epsilon])?;
                        }
                    }
                    SummaryData::Offers(rows) => {
                        let mut statement = tx.prepare_cached(
                            "INSERT INTO offer_outcomes
                             (install_id, day, offer_id, triggered, presented, redeemed, dismissed, held_out, epsilon)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                             ON CONFLICT (install_id, day, offer_id) DO UPDATE
                             SET triggered = excluded.triggered, presented = excluded.presented,
                                 redeemed = excluded.redeemed, dismissed = excluded.dismissed,
                                 held_out = excluded.held_out, epsilon = excluded.epsilon",
                        )?;
                        for o in rows {
                            statement.execute(params![
                                install,
                                day,
                                o.offer_id,
                                o.triggered,
                                o.presented,
                                o.redeemed,
                                o.dismissed,
                                o.held_out,
                                epsilon
                            ])?;
                        }
                    }
                }
            }
            Ok(IngestOutcome::Stored(stored))
        })
    }

    fn delete(&self, install_id: String, purpose: Option<Purpose>, today: NaiveDate) -> StorageFuture<'_, Deleted> {
        let inner = self.inner.clone();
        Box::pin(async move {
            blocking(move || {
                let mut conn = lock(&inner.writer);
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let deleted = delete_in(&tx, &install_id, purpose, today)?;
                tx.commit()?;
                if purpose.is_none() {
                    // Copy the zeroed pages into the file and empty the WAL,
                    // which still holds the rows as they were written. Best
                    // effort: a reader's snapshot may hold part of it back
                    // until the next checkpoint.
                    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                }
                Ok(deleted)
            })
            .await
        })
    }

    fn catalog(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        self.read(|tx| {
            let row = tx
                .prepare_cached("SELECT version, etag, body FROM catalog WHERE id = 1")?
                .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            Ok(row.map(|(version, etag, body)| CatalogRecord { version: version as u64, etag, body }))
        })
    }

    fn set_catalog(&self, catalog: CatalogRecord, ids: CatalogIds, today: NaiveDate) -> StorageFuture<'_, ()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO catalog (id, version, etag, body) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body",
                params![catalog.version as i64, catalog.etag, catalog.body],
            )?;
            tx.execute("UPDATE catalog_ids SET retired_on = ?1 WHERE retired_on IS NULL", [day_text(today)])?;
            let mut statement = tx.prepare_cached(
                "INSERT INTO catalog_ids (kind, id, retired_on) VALUES (?1, ?2, NULL)
                 ON CONFLICT (kind, id) DO UPDATE SET retired_on = NULL",
            )?;
            for (kind, list) in [("merchant", &ids.merchants), ("offer", &ids.offers)] {
                for id in list {
                    statement.execute(params![kind, id])?;
                }
            }
            Ok(())
        })
    }

    fn unknown_catalog_ids(&self, ids: CatalogIds, retired_since: NaiveDate) -> StorageFuture<'_, CatalogIds> {
        self.read(move |tx| {
            let mut unknown = CatalogIds::default();
            if tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM catalog_ids)", [], |r| r.get::<_, bool>(0))? {
                return Ok(unknown);
            }
            let since = day_text(retired_since);
            let mut known = tx.prepare_cached(
                "SELECT 1 FROM catalog_ids WHERE kind = ?1 AND id = ?2 AND (retired_on IS NULL OR retired_on >= ?3)",
            )?;
            for (kind, list, out) in
                [("merchant", ids.merchants, &mut unknown.merchants), ("offer", ids.offers, &mut unknown.offers)]
            {
                for id in list {
                    if known.query_row(params![kind, id, since], |_| Ok(())).optional()?.is_none() {
                        out.push(id);
                    }
                }
            }
            Ok(unknown)
        })
    }

    fn visit_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<ReportCell>> {
        self.read(move |tx| super::sqlite_reports::visit_cells(tx, eligible))
    }

    fn lift_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<LiftCell>> {
        self.read(move |tx| super::sqlite_reports::lift_cells(tx, eligible))
    }

    fn tile_header(&self) -> StorageFuture<'_, Option<CatalogRecord>> {
        self.read(super::sqlite_tiles::header)
    }

    fn tile_index(&self) -> StorageFuture<'_, super::TileIndex> {
        self.read(super::sqlite_tiles::index)
    }

    fn tile(&self, id: String) -> StorageFuture<'_, Option<(u64, String, Vec<u8>)>> {
        self.read(move |tx| super::sqlite_tiles::tile(tx, &id))
    }

    fn tile_answers(&self, wanted: Vec<(String, u64)>) -> StorageFuture<'_, Vec<super::TileAnswer>> {
        self.read(move |tx| super::sqlite_tiles::answers(tx, wanted))
    }

    fn set_tiles(&self, write: super::TilesWrite) -> StorageFuture<'_, ()> {
        self.write(move |tx| super::sqlite_tiles::set_tiles(tx, &write))
    }

    fn prune_idempotency_keys(&self, before: NaiveDate) -> StorageFuture<'_, u64> {
        self.write(move |tx| {
            Ok(tx.execute("DELETE FROM idempotency_keys WHERE received_on < ?1", [day_text(before)])? as u64)
        })
    }

    fn held_by(&self, install_id: String) -> StorageFuture<'_, HeldData> {
        self.read(move |tx| {
            let id = &install_id;
            let mut held = HeldData {
                registered: tx
                    .query_row("SELECT 1 FROM installs WHERE install_id = ?1", [id], |_| Ok(()))
                    .optional()?
                    .is_some(),
                ..HeldData::default()
            };
            let mut s = tx.prepare(
                "SELECT day, steps, goal_met, epsilon FROM activity_days WHERE install_id = ?1 ORDER BY day",
            )?;
            for row in s.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))? {
                let (day, steps, goal_met, epsilon) = row?;
                held.activity.push((parse_day(&day)?, ActivitySummary { steps, goal_met }, noise_of(epsilon)?));
            }
            let mut s = tx.prepare(
                "SELECT day, merchant_id, visits, minutes, epsilon FROM merchant_visits WHERE install_id = ?1
                 ORDER BY day, merchant_id",
            )?;
            let rows = s.query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, Option<f64>>(4)?))
            })?;
            for row in rows {
                let (day, merchant_id, visits, minutes, epsilon) = row?;
                held.visits.push((
                    parse_day(&day)?,
                    MerchantVisits { merchant_id, visits, minutes },
                    noise_of(epsilon)?,
                ));
            }
            let mut s = tx.prepare(
                "SELECT day, offer_id, triggered, presented, redeemed, dismissed, held_out, epsilon FROM offer_outcomes
                 WHERE install_id = ?1 ORDER BY day, offer_id",
            )?;
            let rows = s.query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    OfferOutcome {
                        offer_id: r.get(1)?,
                        triggered: r.get(2)?,
                        presented: r.get(3)?,
                        redeemed: r.get(4)?,
                        dismissed: r.get(5)?,
                        held_out: r.get(6)?,
                    },
                    r.get::<_, Option<f64>>(7)?,
                ))
            })?;
            for row in rows {
                let (day, outcome, epsilon) = row?;
                held.offers.push((parse_day(&day)?, outcome, noise_of(epsilon)?));
            }
            held.idempotency_keys =
                tx.query_row("SELECT COUNT(*) FROM idempotency_keys WHERE install_id = ?1", [id], |r| {
                    r.get::<_, i64>(0)
                })? as u64;
            let mut s = tx.prepare(
                "SELECT purpose, rows_deleted, received_on FROM deletion_requests WHERE install_id = ?1 ORDER BY id",
            )?;
            let rows = s.query_map([id], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
            })?;
            for row in rows {
                let (purpose, rows_deleted, received_on) = row?;
                let purpose = match purpose {
                    None => None,
                    Some(name) => {
                        Some(Purpose::parse(&name).ok_or_else(|| StorageError::Corrupt(format!("purpose {name:?}")))?)
                    }
                };
                held.deletion_requests.push(DeletionRecord {
                    purpose,
                    rows_deleted: rows_deleted as u64,
                    received_on: parse_day(&received_on)?,
                });
            }
            let (consented, friends, invites) = social::held(tx, id)?;
            held.social_consented_on = consented.as_deref().map(parse_day).transpose()?;
            (held.friends, held.invites) = (friends, invites);
            Ok(held)
        })
    }

    fn create_invite(
        &self,
        member: SocialMember,
        code: InviteHash,
        expires_on: NaiveDate,
    ) -> StorageFuture<'_, InviteCreated> {
        self.write(move |tx| social::create_invite(tx, &member, &code, expires_on))
    }

    fn accept_invite(&self, member: SocialMember, code: InviteHash) -> StorageFuture<'_, InviteAcceptance> {
        self.write(move |tx| social::accept_invite(tx, &member, &code))
    }

    fn friend_counts(
        &self,
        member: SocialMember,
        since: NaiveDate,
        min_friends: u32,
    ) -> StorageFuture<'_, Vec<FriendCount>> {
        self.write(move |tx| social::friend_counts(tx, &member, since, min_friends))
    }
}

/// The first (purpose, day) of the batch for which the install would hold
/// more rows than a day's quota, counting the rows it holds already.
fn over_quota(tx: &rusqlite::Transaction<'_>, ingest: &Ingest) -> Result<Option<IngestOutcome>, StorageError> {
    for item in &ingest.batch.items {
        let (table, column, limit, ids): (_, _, _, Vec<&str>) = match &item.data {
            SummaryData::Activity(_) => continue,
            SummaryData::Visits(rows) => (
                "merchant_visits",
                "merchant_id",
                MAX_VISIT_ROWS_PER_DAY,
                rows.iter().map(|v| v.merchant_id.as_str()).collect(),
            ),
            SummaryData::Offers(rows) => (
                "offer_outcomes",
                "offer_id",
                MAX_OFFER_ROWS_PER_DAY,
                rows.iter().map(|o| o.offer_id.as_str()).collect(),
            ),
        };
        // (No JSON functions in this build of SQLite: the ids are looked up one by one.)
        let day = day_text(item.day);
        let held: i64 = tx
            .prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE install_id = ?1 AND day = ?2"))?
            .query_row(params![ingest.install_id, day], |r| r.get(0))?;
        let mut exists =
            tx.prepare_cached(&format!("SELECT 1 FROM {table} WHERE install_id = ?1 AND day = ?2 AND {column} = ?3"))?;
        let mut rows = held;
        for id in ids {
            rows += i64::from(exists.query_row(params![ingest.install_id, day, id], |_| Ok(())).optional()?.is_none());
        }
        if rows as usize > limit {
            return Ok(Some(IngestOutcome::OverQuota {
                purpose: item.data.purpose(),
                day: item.day,
                rows: rows as usize,
                limit,
            }));
        }
    }
    Ok(None)
}

/// [`Storage::delete`]'s rows, in `tx`.
fn delete_in(
    tx: &rusqlite::Transaction<'_>,
    install_id: &str,
    purpose: Option<Purpose>,
    today: NaiveDate,
) -> Result<Deleted, StorageError> {
    let wanted = |p: Purpose| purpose.is_none_or(|only| only == p);
    let mut deleted = Deleted::default();
    if wanted(Purpose::Activity) {
        deleted.activity = tx.execute("DELETE FROM activity_days WHERE install_id = ?1", [install_id])? as u64;
    }
    if wanted(Purpose::Visits) {
        deleted.visits = tx.execute("DELETE FROM merchant_visits WHERE install_id = ?1", [install_id])? as u64;
    }
    if wanted(Purpose::Offers) {
        deleted.offers = tx.execute("DELETE FROM offer_outcomes WHERE install_id = ?1", [install_id])? as u64;
    }
    if wanted(Purpose::Social) {
        deleted.social = social::delete_social(tx, install_id)?;
    }
    // A full deletion forgets the install itself; its records stay, anonymous.
    let recorded_as = if purpose.is_none() {
        tx.execute("DELETE FROM idempotency_keys WHERE install_id = ?1", [install_id])?;
        super::sqlite_redemptions::forget_install(tx, install_id)?;
        tx.execute("DELETE FROM installs WHERE install_id = ?1", [install_id])?;
        tx.execute("UPDATE deletion_requests SET install_id = '' WHERE install_id = ?1", [install_id])?;
        ""
    } else {
        tx.execute("UPDATE idempotency_keys SET fingerprint = NULL WHERE install_id = ?1", [install_id])?;
        install_id
    };
    tx.execute(
        "INSERT INTO deletion_requests (install_id, purpose, rows_deleted, received_on) VALUES (?1, ?2, ?3, ?4)",
        params![recorded_as, purpose.map(Purpose::as_str), deleted.rows() as i64, day_text(today)],
    )?;
    Ok(deleted)
}
