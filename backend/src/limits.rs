//! Every limit of the sync API, in one place. `docs/openapi.yaml` and
//! `docs/protocol.md` quote these numbers; a test checks they agree.

use std::time::Duration;

/// Largest request body on the wire, whatever its `Content-Encoding`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Largest summaries body once gunzipped.
pub const MAX_DECOMPRESSED_BYTES: usize = 1024 * 1024;

/// Largest body of the small JSON requests (installs, deletion requests).
pub const MAX_SMALL_BODY_BYTES: usize = 1024;

/// Most tiles one delta request may name (`POST /v1/catalog/tiles`): a
/// phone's region is a few dozen tiles and it asks at most
/// `kairos_core::policy::TILE_REQUEST_BATCH` (128) at once; more is a
/// client scraping the catalog, or a request too costly to answer at once.
pub const MAX_TILES_PER_REQUEST: usize = 256;

/// Largest body of a delta request: [`MAX_TILES_PER_REQUEST`] entries of
/// `"r1234c1234": 18446744073709551615,` (36 bytes) with room to spare.
pub const MAX_TILE_REQUEST_BYTES: usize = 16 * 1024;

/// How many catalog versions of tombstones (removed tile entries) a
/// publication keeps: a phone holding a tile older than that gets it whole
/// instead of a delta. With a publication a day, a phone that has not
/// synced for three months pays one whole download of its region.
pub const TILE_DELTA_HISTORY_VERSIONS: u64 = 90;

/// Most entries in one summaries batch.
pub const MAX_BATCH_ITEMS: usize = 100;

/// Most merchants in one `visits` entry, and most offers in one `offers` entry.
pub const MAX_ROWS_PER_ITEM: usize = 500;

/// Longest merchant or offer id, in bytes (the catalog's own limit).
pub const MAX_ID_BYTES: usize = kairos_core::policy::MAX_CATALOG_ID_BYTES;

/// Step totals are rounded to this many steps.
pub const STEPS_QUANTUM: u64 = 100;

/// Largest step total of a day.
pub const MAX_STEPS: u64 = 1_000_000;

/// Visit durations are rounded to this many minutes.
pub const MINUTES_QUANTUM: u64 = 15;

/// Longest visit duration in a day, in minutes.
pub const MAX_MINUTES: u64 = 24 * 60;

/// Largest visit or offer-outcome count of a day.
pub const MAX_COUNT: u64 = 1_000;

/// The only noise mechanism a summary may declare (`data.noise.mechanism`):
/// the engine's two-sided geometric mechanism (`docs/privacy.md`).
pub const NOISE_MECHANISM: &str = kairos_core::privacy::LDP_MECHANISM;

/// Largest epsilon a noised summary may declare (`data.noise.epsilon`, which
/// must also be finite and above 0): the engine's own ceiling.
pub const MAX_EPSILON: f64 = kairos_core::policy::LDP_MAX_EPSILON;

/// Earliest day a summary may be for.
pub const MIN_DAY: &str = "2020-01-01";

/// Latest day a summary may be for.
pub const MAX_DAY: &str = "2100-12-31";

/// Longest `Idempotency-Key`, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

/// Days an idempotency key is remembered (a replay within them answers
/// `duplicate: true`).
pub const IDEMPOTENCY_RETENTION_DAYS: u32 = 30;

/// Fewest distinct installs a cell of `report` must have to be shown.
pub const DEFAULT_MIN_INSTALLS: u32 = 5;

/// `report --min-installs` below this is refused.
pub const MIN_MIN_INSTALLS: u32 = 2;

/// The standard normal quantile of `report lift`'s two-sided 95% intervals
/// (Wilson per arm, Newcombe's hybrid score for the difference): 95% is
/// the conventional level an analyst reads without being told.
pub const LIFT_Z_95: f64 = 1.959_963_984_540_054;

// ---- Abuse limits (issue #19) ---------------------------------------------
//
// One real device registers once, then makes a few requests a day: one
// nightly upload (a few after days offline), one catalog fetch, now and then
// a deletion request. Every limit below is sized from that, with a wide
// margin, so that a normal client never meets one; `docs/protocol.md`
// quotes each with its reason.

/// Most `visits` rows one install may hold for one local day: one per
/// catalog merchant visited. A shopper visits a handful of merchants a day;
/// a few hundred is already a mall crawl every hour of the day.
pub const MAX_VISIT_ROWS_PER_DAY: usize = 200;

/// Most `offers` rows one install may hold for one local day: one per
/// catalog offer with an outcome. The engine's global daily notification
/// budget keeps real days to a few dozen (triggered and held-out included).
pub const MAX_OFFER_ROWS_PER_DAY: usize = 200;

/// Days a superseded catalog's merchant and offer ids stay valid in
/// uploads: a device offline for a while still uploads the days it spent
/// under the older catalog (the same horizon as idempotency keys).
pub const CATALOG_ID_RETENTION_DAYS: u32 = IDEMPOTENCY_RETENTION_DAYS;

/// `report`: a cell counts only installs registered at least this many
/// days before the cell's day (sybils made today cannot fill this week's
/// cells, nor any earlier day's).
pub const DEFAULT_MIN_INSTALL_AGE_DAYS: u32 = 7;

/// `report`: a cell counts only installs that uploaded on at least this
/// many distinct (server UTC) days: a real device syncs nightly.
pub const DEFAULT_MIN_UPLOAD_DAYS: u32 = 3;

// ---- Social proof (purpose `social`, issue #16) ----------------------------

/// Fewest distinct friends with a visit that make a count the server
/// releases to an install (`POST /v1/social/counts`). A count of 1 would
/// tell the shopper which friend went there whenever she knows only one
/// linked friend shops at that merchant (or has only one friend): "one of
/// your friends" names him. From 2 on, each friend hides among the others,
/// and the shopper cannot learn one friend's visit by differencing two
/// answers without unlinking a friend (which needs a new invitation to
/// undo). The engine treats anything lower as unknown too (it shows the
/// fallback text).
pub const SOCIAL_MIN_FRIENDS: u32 = kairos_core::policy::SOCIAL_MIN_FRIENDS;

/// Days a friend's merchant visit counts towards social proof ("visited
/// recently"): the product's promise, and the horizon over which catalog
/// ids stay valid in uploads.
pub const SOCIAL_WINDOW_DAYS: u32 = 30;

/// Days an invite code can be accepted after the (server UTC) day it was
/// created: long enough to pass a code on by message and accept it the
/// next weekend, short enough that a leaked old code is dead.
pub const INVITE_VALID_DAYS: u32 = 7;

/// Characters of an invite code (Crockford base32, 5 bits each: 60 bits).
/// A code is read aloud or typed, so it is short; guessing one of the open
/// codes takes about 2^60 / open codes tries, against a per-install rate of
/// 120 requests an hour.
pub const INVITE_CODE_LEN: usize = 12;

/// Most open (unaccepted, unexpired) invite codes one install may hold: a
/// shopper invites a few friends a week; a script minting codes does not
/// get to fill the table.
pub const MAX_OPEN_INVITES: usize = 20;

/// Most friends one install may link: a real circle of friends who use the
/// same shopping app is dozens; the bound keeps the count query and the
/// social graph an attacker can build with one install small.
pub const MAX_FRIENDS: usize = 200;

/// A token bucket: `burst` requests at once, then one more every `refill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed back to back (the bucket's size).
    pub burst: u32,
    /// Time for one request to come back into the bucket.
    pub refill: Duration,
}

impl RateLimit {
    /// `per_minute` requests a minute, with a burst of `burst`.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        RateLimit { burst, refill: Duration::from_secs(60) / per_minute.max(1) }
    }

    /// `per_hour` requests an hour, with a burst of `burst`.
    pub fn per_hour(per_hour: u32, burst: u32) -> Self {
        RateLimit { burst, refill: Duration::from_secs(3600) / per_hour.max(1) }
    }
}

/// The server's configurable abuse limits (`serve` flags; tests may set
/// short ones). [`ServerLimits::default`] is production's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// `POST /v1/installs` per client address. Default 20 a minute, burst
    /// 20: a phone registers once; a carrier NAT's worth of phones
    /// installing at once still fits; 2,000 in a second does not.
    pub registrations: RateLimit,
    /// Authenticated `/v1` requests per install (token). Default 120 an
    /// hour, burst 60: a device makes a few a day, a retry storm after an
    /// outage a few dozen.
    pub requests_per_install: RateLimit,
    /// `POST /v1/redemptions/verify` per merchant API key. Default 30 a
    /// minute, burst 60: a till verifies one token per sale, a busy one a
    /// few a minute; a script trying tokens is slowed to a trickle.
    pub verifications_per_merchant_key: RateLimit,
    /// Time a client has to send a request's whole head (request line and
    /// headers), counted from when the server starts waiting for it: the
    /// connection's opening, or the previous answer on a keep-alive
    /// connection (so it is also how long an idle keep-alive connection is
    /// kept). Also the TLS handshake's deadline. Default 10 s.
    pub header_timeout: Duration,
    /// Time a client has to send a request's whole body. Default 30 s
    /// (64 KiB at the slowest mobile link is a few seconds).
    pub body_timeout: Duration,
    /// A connection on which nothing is read or written for this long,
    /// while no request is being handled, is closed (a client that stops
    /// reading its answer). Default 60 s.
    pub idle_timeout: Duration,
    /// Open connections in all. Default 4,096; more are closed at once.
    pub max_connections: usize,
    /// Open connections from one client address. Default 64 (a carrier
    /// NAT); more from that address are closed at once.
    pub max_connections_per_address: usize,
    /// Most client addresses (or installs) a rate limiter tracks at once:
    /// bounds its memory. Default 100,000; past it, new keys are refused
    /// (429) until idle ones are forgotten.
    pub max_tracked_keys: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            registrations: RateLimit::per_minute(20, 20),
            requests_per_install: RateLimit::per_hour(120, 60),
            verifications_per_merchant_key: RateLimit::per_minute(30, 60),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_connections_per_address: 64,
            max_tracked_keys: 100_000,
        }
    }
}

impl ServerLimits {
    /// Limits that never get in the way of a measurement on loopback
    /// (`load`): rates and caps far above anything it sends. Timeouts are
    /// the defaults.
    pub fn unmetered() -> Self {
        let wide = RateLimit { burst: u32::MAX / 2, refill: Duration::from_micros(1) };
        ServerLimits {
            registrations: wide,
            requests_per_install: wide,
            verifications_per_merchant_key: wide,
            max_connections: 100_000,
            max_connections_per_address: 100_000,
            ..ServerLimits::default()
        }
    }
}

/// Which installs a `report` cell counts (the sybil rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportEligibility {
    /// Registered at least this many days before the cell's day.
    pub min_install_age_days: u32,
    /// Uploaded on at least this many distinct days.
    pub min_upload_days: u32,
}

impl Default for ReportEligibility {
    fn default() -> Self {
        ReportEligibility {
            min_install_age_days: DEFAULT_MIN_INSTALL_AGE_DAYS,
            min_upload_days: DEFAULT_MIN_UPLOAD_DAYS,
        }
    }
}

impl ReportEligibility {
    /// Every install counts (the rule off; tests of the aggregate alone).
    pub const EVERY_INSTALL: ReportEligibility = ReportEligibility { min_install_age_days: 0, min_upload_days: 0 };
}
