//! Where the server keeps installs, summaries, idempotency keys, deletion
//! records and the catalog: the [`Storage`] trait and its two
//! implementations, [`SqliteStorage`] (one file, the default) and
//! [`PostgresStorage`] (a shared database, for stateless servers behind a
//! load balancer). Both pass the same conformance tests
//! (`tests/storage_conformance.rs`).

mod postgres;
mod postgres_pool;
mod postgres_redemptions;
mod postgres_reports;
mod postgres_schema;
mod postgres_social;
mod postgres_tiles;
mod sqlite;
mod sqlite_days;
mod sqlite_redemptions;
mod sqlite_reports;
mod sqlite_schema;
mod sqlite_social;
mod sqlite_tiles;
mod tile_types;
mod types;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;
pub use tile_types::{EntryRow, EntryState, Owed, TileAnswer, TileIndex, TileRow, TilesWrite};
pub use types::{
    CatalogIds, CatalogRecord, Deleted, DeletionRecord, FriendCount, HeldData, Ingest, IngestOutcome, InviteAcceptance,
    InviteCreated, InviteHash, KeyOutcome, LiftCell, RedemptionKey, RedemptionRecord, Registration, ReportCell,
    SocialDeleted, SocialMember, StorageError, TokenHash,
};

use crate::limits::ReportEligibility;
use crate::summaries::Purpose;
use chrono::NaiveDate;
use std::future::Future;
use std::pin::Pin;

/// The future every [`Storage`] method returns.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// The server's persistence. Every method is one transaction: a request
/// either happens whole or not at all, so a client may retry any request
/// whose answer it did not get.
pub trait Storage: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn kind(&self) -> &'static str;

    /// Checks the database answers.
    fn health(&self) -> StorageFuture<'_, ()>;

    /// Registers `install_id` with `token_hash` as its token, or, when it
    /// is registered already, makes `token_hash` its only valid token if
    /// `presented` is the hash of its current one ([`Registration::Rotated`],
    /// the previous token stops working), else changes nothing
    /// ([`Registration::Refused`]).
    fn register_install(
        &self,
        install_id: String,
        token_hash: TokenHash,
        presented: Option<TokenHash>,
        today: NaiveDate,
    ) -> StorageFuture<'_, Registration>;

    /// The install whose current token hashes to `token_hash`, if any.
    fn authenticate(&self, token_hash: TokenHash) -> StorageFuture<'_, Option<String>>;

    /// Makes `key` the registered install's redemption key (replacing any
    /// earlier one: tokens signed by that one stop verifying), unless
    /// another install holds a key of the same id.
    fn set_redemption_key(
        &self,
        install_id: String,
        key: RedemptionKey,
        today: NaiveDate,
    ) -> StorageFuture<'_, KeyOutcome>;

    /// The owner (install id) of the key with this key id, if any (a
    /// registration checks it before registering).
    fn redemption_key_owner(&self, kid: String) -> StorageFuture<'_, Option<String>>;

    /// The raw public key registered under the key id `kid`, if any.
    fn redemption_key(&self, kid: String) -> StorageFuture<'_, Option<Vec<u8>>>;

    /// Records a merchant API key (by its SHA-256) for `merchant_id`.
    fn add_merchant_key(&self, key_hash: TokenHash, merchant_id: String, today: NaiveDate) -> StorageFuture<'_, ()>;

    /// The merchant whose API key hashes to `key_hash`, if any.
    fn merchant_for_key(&self, key_hash: TokenHash) -> StorageFuture<'_, Option<String>>;

    /// Records a verified redemption once: `true` the first time for its
    /// (key id, instance), `false` (nothing changed) after.
    fn record_redemption(&self, redemption: RedemptionRecord, today: NaiveDate) -> StorageFuture<'_, bool>;

    /// Stores a batch once per idempotency key: upserts every row per
    /// (install, purpose, day, merchant or offer) and remembers the key,
    /// or, when the key was seen, stores nothing and answers as the first
    /// time (or [`IngestOutcome::KeyReused`] if the body differs). A batch
    /// that would exceed the install's daily quota stores nothing
    /// ([`IngestOutcome::OverQuota`]). A stored batch counts the server's
    /// day (`today`) among the install's upload days.
    fn ingest(&self, ingest: Ingest) -> StorageFuture<'_, IngestOutcome>;

    /// Deletes what the install holds for `purpose`, records the request
    /// with its counts only, and forgets the fingerprints of its
    /// idempotency keys (a replayed key still answers `duplicate` and
    /// stores nothing). With `None` (everything) it also deletes the
    /// install itself: its registration and token hash, its idempotency
    /// keys, its redemption key and the redemptions recorded under it, and
    /// its id from every deletion record (kept, anonymous, with
    /// counts only); SQLite then checkpoints its WAL so that no copy of
    /// the deleted rows is left in it.
    fn delete(&self, install_id: String, purpose: Option<Purpose>, today: NaiveDate) -> StorageFuture<'_, Deleted>;

    /// The current catalog, if one was published.
    fn catalog(&self) -> StorageFuture<'_, Option<CatalogRecord>>;

    /// Makes `catalog` the current one, and `ids` the current catalog ids
    /// (the ids of the previous catalog not in it are retired `today`).
    fn set_catalog(&self, catalog: CatalogRecord, ids: CatalogIds, today: NaiveDate) -> StorageFuture<'_, ()>;

    /// The ids of `ids` that are in no catalog current or retired on or
    /// after `retired_since`. Empty when no catalog ids are known at all
    /// (no catalog published since the server's upgrade).
    fn unknown_catalog_ids(&self, ids: CatalogIds, retired_since: NaiveDate) -> StorageFuture<'_, CatalogIds>;

    /// Merchant visits per (day, merchant) over the installs `eligible`
    /// for that day: the number of distinct installs with at least one
    /// visit, and the sums. Not suppressed: [`crate::report`] does that.
    fn visit_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<ReportCell>>;

    /// Per offer, its exposed and held-out installs and how many of each
    /// redeemed it, over the offer-outcome rows of days for which the
    /// install is `eligible`, sorted by offer id. Not suppressed:
    /// [`crate::report::lift`] does that.
    fn lift_cells(&self, eligible: ReportEligibility) -> StorageFuture<'_, Vec<LiftCell>>;

    /// The signed catalog header in force (its envelope and strong ETag),
    /// if tiles were published.
    fn tile_header(&self) -> StorageFuture<'_, Option<CatalogRecord>>;

    /// What is published, for the publisher to compare a new catalog with.
    fn tile_index(&self) -> StorageFuture<'_, TileIndex>;

    /// One tile whole: its version, strong ETag and precompressed pack
    /// member.
    fn tile(&self, id: String) -> StorageFuture<'_, Option<(u64, String, Vec<u8>)>>;

    /// What `wanted` tiles (each with the version the client holds, 0 for
    /// none) owe the client, by [`Owed::of`]: tiles not published and
    /// tiles owing nothing are left out. In id order.
    fn tile_answers(&self, wanted: Vec<(String, u64)>) -> StorageFuture<'_, Vec<TileAnswer>>;

    /// Publishes in one transaction: the header becomes the one in force,
    /// tiles and entries are stored (replacing those of the same ids),
    /// pruned tombstones deleted. Everything else is kept as it was.
    fn set_tiles(&self, write: TilesWrite) -> StorageFuture<'_, ()>;

    /// Forgets idempotency keys received before `before`; returns how many.
    fn prune_idempotency_keys(&self, before: NaiveDate) -> StorageFuture<'_, u64>;

    /// Everything held about one install (for tests and a future export).
    fn held_by(&self, install_id: String) -> StorageFuture<'_, HeldData>;

    // ---- Social proof (purpose `social`; `docs/privacy.md`) ----------------

    /// Records `member`'s membership, then stores the invite code hashed to
    /// `code`, acceptable through `expires_on`, unless the member holds
    /// [`crate::limits::MAX_OPEN_INVITES`] open codes already.
    fn create_invite(
        &self,
        member: SocialMember,
        code: InviteHash,
        expires_on: NaiveDate,
    ) -> StorageFuture<'_, InviteCreated>;

    /// Records `member`'s membership, then accepts the invite hashed to
    /// `code`: links its creator and the member (symmetric; once), and
    /// uses the code up. A refused code changes nothing but the membership.
    fn accept_invite(&self, member: SocialMember, code: InviteHash) -> StorageFuture<'_, InviteAcceptance>;

    /// Records `member`'s membership, then counts, per catalog merchant,
    /// the member's distinct friends with a `visits` row of a day in
    /// `since..=member.today` (friends hold `social` by construction: a
    /// link needs both, a withdrawal removes it). Only counts of at least
    /// `min_friends` are returned, sorted by merchant id; never who.
    fn friend_counts(
        &self,
        member: SocialMember,
        since: NaiveDate,
        min_friends: u32,
    ) -> StorageFuture<'_, Vec<FriendCount>>;
}
