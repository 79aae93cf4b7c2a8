//! Every limit of the sync API, in one place. `docs/openapi.yaml` and
//! `docs/protocol.md` quote these numbers; a test checks they agree.

/// Largest request body on the wire, whatever its `Content-Encoding`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Largest summaries body once gunzipped.
pub const MAX_DECOMPRESSED_BYTES: usize = 1024 * 1024;

/// Largest body of the small JSON requests (installs, deletion requests).
pub const MAX_SMALL_BODY_BYTES: usize = 1024;

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
