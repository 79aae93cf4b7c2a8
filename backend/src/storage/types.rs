//! The values that go in and out of a [`super::Storage`].

use crate::summaries::{ActivitySummary, Batch, MerchantVisits, Noise, OfferOutcome, Purpose};
use chrono::NaiveDate;

/// SHA-256 of a bearer token: all the server keeps of it.
pub type TokenHash = [u8; 32];

/// Why storage failed. The API answers 503 `storage_unavailable` to all of
/// these; the client retries.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// The database holds something this server cannot read (a newer
    /// schema, a corrupt value).
    #[error("database content: {0}")]
    Corrupt(String),
    /// The blocking task running a SQLite call died.
    #[error("storage task: {0}")]
    Task(String),
}

/// One summaries request to store.
#[derive(Debug, Clone)]
pub struct Ingest {
    /// The authenticated install.
    pub install_id: String,
    /// The request's `Idempotency-Key`.
    pub key: String,
    /// SHA-256 of the decompressed body: a key reused with another body is
    /// told apart from a replay.
    pub fingerprint: [u8; 32],
    /// The validated batch.
    pub batch: Batch,
    /// The server's UTC day, kept with the key for pruning.
    pub today: NaiveDate,
}

/// What [`super::Storage::ingest`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// First time this key was seen: `n` entries stored.
    Stored(u32),
    /// The key was seen before with the same body (or before a deletion
    /// request): nothing stored now; `n` is what the first request stored.
    Duplicate(u32),
    /// The key was seen before with a different body: nothing stored.
    KeyReused,
    /// Storing the batch would leave the install more rows for `purpose`
    /// on `day` than a device produces in a day
    /// ([`crate::limits::MAX_VISIT_ROWS_PER_DAY`],
    /// [`crate::limits::MAX_OFFER_ROWS_PER_DAY`]): nothing stored.
    OverQuota {
        /// The purpose whose quota is exceeded.
        purpose: Purpose,
        /// The local day.
        day: NaiveDate,
        /// The rows the install would hold for that day.
        rows: usize,
        /// The quota.
        limit: usize,
    },
}

/// What [`super::Storage::register_install`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// A new install, with its first token.
    New,
    /// A registered install whose current token was presented: the new
    /// token replaces it.
    Rotated,
    /// A registered install, without its current token: nothing changed.
    Refused,
}

/// An install's redemption key: the raw 32-byte Ed25519 public key and
/// its key id (what tokens name it by, `docs/protocol.md` section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionKey {
    /// Base64url of the first 16 bytes of the key's SHA-256.
    pub kid: String,
    /// The raw public key.
    pub public_key: Vec<u8>,
}

/// What [`super::Storage::set_redemption_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// The install's key is now this one (new, replaced or unchanged).
    Stored,
    /// Another install holds a key with this id: nothing changed.
    Taken,
    /// The install is not registered: nothing changed.
    UnknownInstall,
}

/// A verified redemption, recorded once per (key id, instance): what the
/// server keeps of it (the day, never the time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionRecord {
    /// The signing key's id.
    pub kid: String,
    /// The device's instance number.
    pub instance: i64,
    /// The offer redeemed.
    pub offer_id: String,
    /// Its merchant (the till's).
    pub merchant_id: String,
}

/// Merchant and offer ids of a catalog (or of an upload).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogIds {
    /// Merchant ids.
    pub merchants: Vec<String>,
    /// Offer ids.
    pub offers: Vec<String>,
}

impl CatalogIds {
    /// Whether there is no id at all.
    pub fn is_empty(&self) -> bool {
        self.merchants.is_empty() && self.offers.is_empty()
    }
}

/// Rows deleted by a deletion request, per purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deleted {
    /// Days of steps.
    pub activity: u64,
    /// (day, merchant) rows.
    pub visits: u64,
    /// (day, offer) rows.
    pub offers: u64,
    /// Friend links and invite codes (purpose `social`).
    pub social: SocialDeleted,
}

impl Deleted {
    /// Rows deleted, all purposes together.
    pub fn rows(&self) -> u64 {
        self.activity + self.visits + self.offers + self.social.links + self.social.invites
    }
}

/// The record kept of a deletion request: counts only, no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRecord {
    /// The purpose named, or `None` for everything.
    pub purpose: Option<Purpose>,
    /// Rows deleted, all purposes together.
    pub rows_deleted: u64,
    /// The server's UTC day the request came.
    pub received_on: NaiveDate,
}

/// A published catalog envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRecord {
    /// The catalog document's version.
    pub version: u64,
    /// The strong ETag served with it, quotes included.
    pub etag: String,
    /// The envelope's bytes, served as they are.
    pub body: Vec<u8>,
}

/// One (day, merchant) cell of the visits aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCell {
    /// The local day.
    pub day: NaiveDate,
    /// The catalog merchant.
    pub merchant_id: String,
    /// Distinct installs with at least one visit.
    pub installs: u64,
    /// Visits, all installs together.
    pub visits: u64,
    /// Minutes, all installs together.
    pub minutes: u64,
    /// How many of the rows summed were noised on the device (local
    /// differential privacy): their counts are not exact.
    pub noised: u64,
}

/// One offer's installs in the lift aggregate, per arm: an install is
/// *exposed* when the offer fired for it and was not held out on any
/// eligible day, *held out* when it was only ever held out; an install
/// with both (the offer's holdout share changed) is in neither arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiftCell {
    /// The catalog offer.
    pub offer_id: String,
    /// Exposed installs.
    pub exposed: u64,
    /// Exposed installs with at least one redemption.
    pub exposed_redeemed: u64,
    /// Held-out installs.
    pub held_out: u64,
    /// Held-out installs with at least one redemption.
    pub held_out_redeemed: u64,
}

/// Everything held about one install, sorted by day then id. Each row
/// carries the noise of the summary it came from (`None`: exact counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldData {
    /// Whether the install is registered.
    pub registered: bool,
    /// Steps per day.
    pub activity: Vec<(NaiveDate, ActivitySummary, Option<Noise>)>,
    /// Visits per day and merchant.
    pub visits: Vec<(NaiveDate, MerchantVisits, Option<Noise>)>,
    /// Offer outcomes per day and offer.
    pub offers: Vec<(NaiveDate, OfferOutcome, Option<Noise>)>,
    /// Idempotency keys remembered.
    pub idempotency_keys: u64,
    /// Deletion requests recorded.
    pub deletion_requests: Vec<DeletionRecord>,
    /// The day it stated it granted `social`, while it holds it.
    pub social_consented_on: Option<NaiveDate>,
    /// Its friends (install ids), sorted.
    pub friends: Vec<String>,
    /// Invite codes it created (open or used), not yet pruned.
    pub invites: u64,
}

/// The noise of a stored epsilon column: `None` for NULL, an error for a
/// value no validated summary could have carried.
pub(super) fn noise_of(epsilon: Option<f64>) -> Result<Option<Noise>, StorageError> {
    match epsilon {
        None => Ok(None),
        Some(e) if e.is_finite() && e > 0.0 => Ok(Some(Noise { epsilon: e })),
        Some(e) => Err(StorageError::Corrupt(format!("epsilon {e}"))),
    }
}

impl HeldData {
    /// Summary rows held, all purposes together.
    pub fn rows(&self) -> usize {
        self.activity.len() + self.visits.len() + self.offers.len()
    }
}

/// SHA-256 of an invite code: all the server keeps of it (a code is a
/// bearer secret until accepted).
pub type InviteHash = [u8; 32];

/// A request of an install holding `social`: who, since when (the day of
/// its consent ledger entry, as the client states it), and the server's
/// day. Every social storage call records the membership first, so an
/// install holds `social` on the server exactly while it has called a
/// social endpoint and not withdrawn since (a `social` deletion request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialMember {
    /// The authenticated install.
    pub install_id: String,
    /// The local day the shopper granted `social` (the ledger entry's day).
    pub consented_on: NaiveDate,
    /// The server's UTC day (or its fixed day, in simulations).
    pub today: NaiveDate,
}

/// What [`super::Storage::create_invite`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteCreated {
    /// The code is stored; it can be accepted through `expires_on`.
    Created,
    /// The install holds [`crate::limits::MAX_OPEN_INVITES`] open codes
    /// already: nothing stored.
    TooManyOpen,
}

/// What [`super::Storage::accept_invite`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteAcceptance {
    /// The two installs are friends now (or already were: the code is used
    /// up either way).
    Linked,
    /// No such code (never created, or its creator withdrew `social`).
    Unknown,
    /// The code's last day has passed.
    Expired,
    /// The code was accepted before (single use).
    Used,
    /// The code is the accepting install's own.
    OwnInvite,
    /// One of the two installs has [`crate::limits::MAX_FRIENDS`] friends
    /// already.
    TooManyFriends,
}

/// Social rows deleted by a deletion request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocialDeleted {
    /// Friend links (each counted once).
    pub links: u64,
    /// Invite codes the install had created.
    pub invites: u64,
}

/// A merchant and how many distinct friends visited it in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendCount {
    /// The catalog merchant.
    pub merchant_id: String,
    /// Distinct linked friends with a visit, at least the threshold.
    pub friends: u32,
}
