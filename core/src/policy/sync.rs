//! Sync: uploads, retries, and what answers may hold.

use crate::domain::time::{DAY_MS, MINUTE_MS};

// ---- Sync -------------------------------------------------------------------

/// Largest compressed request body of one summary batch.
pub const SYNC_MAX_BATCH_BYTES: usize = 64 * 1024;
/// Most summaries in one batch (the reference backend's limit).
pub const SYNC_MAX_BATCH_ITEMS: usize = 100;
/// Timeout of one sync request.
pub const SYNC_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Backoff after a failed sync: a uniformly random delay in
/// `[floor, max(floor + 1, min(cap, base × 2^failures)))` ("full jitter" with a
/// floor, so an unlucky draw never retries a failing server at once).
pub const SYNC_BACKOFF_BASE_MS: i64 = 30_000;
/// Shortest backoff after a failed sync (5 seconds).
pub const SYNC_BACKOFF_FLOOR_MS: i64 = 5_000;
/// Upper bound of the backoff delay (6 hours).
pub const SYNC_BACKOFF_CAP_MS: i64 = 6 * 60 * MINUTE_MS;
/// The catalog is fetched when the last fetch is older than this...
pub const CATALOG_REFRESH_MS: i64 = DAY_MS;
/// ...or when the catalog in force expires within this.
pub const CATALOG_EXPIRY_MARGIN_MS: i64 = 2 * DAY_MS;

// ---- Sync answers (issue #19) --------------------------------------------------

/// Largest answer body the sync client reads to any request but the catalog
/// fetch (which is capped by [`MAX_CATALOG_ENVELOPE_BYTES`](crate::policy::MAX_CATALOG_ENVELOPE_BYTES)). The backend's
/// answers are a registration (about 150 bytes), a batch or deletion
/// receipt and error bodies, all under 1 KB; 64 KiB leaves room for
/// growth while keeping a hostile or broken server (or proxy) from making
/// the phone hold more than that.
pub const SYNC_MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// How long the native (`reqwest`) transport keeps an idle connection for
/// reuse: below the backend's 10 s head timeout (which also ends an idle
/// keep-alive connection), so the client never sends a request on a
/// connection the server is closing at that moment.
pub const SYNC_IDLE_CONNECTION_MS: u64 = 5_000;
/// Most registrations one sync makes: the first, and one more with a fresh
/// install id after a 409 `install_id_taken` or a 401. A server answering
/// that way again is broken; the sync stops and backs off.
pub const SYNC_MAX_REGISTRATIONS: u32 = 2;

/// Longest redemption token, in bytes (its compact form; the QR payload
/// adds its 9-byte prefix). A version-20 QR code at error correction M
/// holds 666 bytes in byte mode, which a till's scanner still reads from a
/// phone screen at arm's length; 600 leaves room for the prefix. Catalog
/// ids are short, so a real token is about 300 bytes.
pub const REDEMPTION_TOKEN_MAX_BYTES: usize = 600;
