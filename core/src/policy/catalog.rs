//! Catalogs: sizes, signatures, refresh.

use super::geofences::FENCE_LOOKUP_MAX_MARGIN_M;
use crate::domain::time::DAY_MS;

// ---- Catalog ----------------------------------------------------------------

/// Largest signed envelope accepted, in bytes (the document, base64-encoded,
/// plus a little room for the other fields).
pub const MAX_CATALOG_ENVELOPE_BYTES: usize = MAX_CATALOG_DOCUMENT_BYTES / 3 * 4 + 4_096;
/// Largest catalog document accepted, in bytes (64 MiB: a metropolitan
/// catalog of 100,000 places and offers is about 30 MB of JSON).
pub const MAX_CATALOG_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// A catalog whose `issued_at` is later than now by more than this is
/// refused as not yet valid; less is accepted as clock skew.
pub const MAX_CATALOG_ISSUE_SKEW_MS: i64 = DAY_MS;
/// Most merchants in one catalog.
pub const MAX_CATALOG_MERCHANTS: usize = 20_000;
/// Most places in one catalog, all merchants together.
pub const MAX_CATALOG_PLACES: usize = 100_000;
/// Most offers in one catalog, all merchants together.
pub const MAX_CATALOG_OFFERS: usize = 100_000;
/// Most places of one merchant.
pub const MAX_PLACES_PER_MERCHANT: usize = 5_000;
/// Most offers of one merchant.
pub const MAX_OFFERS_PER_MERCHANT: usize = 500;
// A place's fence is checked against the limits under "Geofences"
// (`FENCE_*`), by the check the fence index makes: one limit, one place.
/// Largest `nearby` trigger radius, in metres: "on the way" means close.
pub const MAX_NEARBY_RADIUS_M: f64 = 5_000.0;
/// Longest dwell trigger, in minutes (one day).
pub const MAX_DWELL_MINUTES: u32 = 24 * 60;
/// Longest claim window, in minutes (30 days).
pub const MAX_CLAIM_WINDOW_MINUTES: u32 = 30 * 24 * 60;
/// Most opening-hours rules of one place.
pub const MAX_OPENING_HOURS_RULES: usize = 64;
/// Most hour windows in one offer schedule.
pub const MAX_SCHEDULE_WINDOWS: usize = 32;
/// Most attributes of one merchant or offer.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest id (merchant, place, offer) or attribute name, in bytes.
pub const MAX_CATALOG_ID_BYTES: usize = 128;
/// Longest name, category, title or string attribute value, in bytes.
pub const MAX_CATALOG_SHORT_TEXT_BYTES: usize = 256;
/// Longest offer body, in bytes.
pub const MAX_OFFER_BODY_BYTES: usize = 4_096;
/// Deepest nesting of targeting rules (`all`/`any`/`not`).
pub const MAX_RULE_DEPTH: usize = 16;
/// Most predicates and combinators in one offer's targeting rule.
pub const MAX_RULE_NODES: usize = 256;
/// Longest look-back of a `visits` rule, in days (about ten years).
pub const MAX_RULE_WITHIN_DAYS: u32 = 3_660;
/// A `nearby` offer needs the shopper moving at least this fast (m/s).
pub const NEARBY_MIN_SPEED_MPS: f64 = 0.8;
/// A `nearby` approach is over once the phone is this far beyond the
/// offer's radius; the next approach may fire again (caps permitting).
pub const NEARBY_RELEASE_M: f64 = 50.0;
/// A private place (home, work, any learned place that is not a catalog
/// merchant's) keeps stays whose centre lies within this distance of its
/// own centre, even inside a catalog fence: they are never a merchant's.
/// A stay's centre is the mean of minutes of fixes, and the centres of one
/// home's nights scatter by 10 to 30 m (indoor multipath, a different room);
/// 50 m holds that scatter with a margin, and is half the place merge
/// radius, so a shop whose aisles lie beyond it can still be told apart
/// from the flat above it. A fence that comes within this distance of a
/// private place's centre is entered only during a visit to its merchant.
pub const PRIVATE_PLACE_RADIUS_M: f64 = 50.0;

// A `nearby` offer the catalog accepts must be one the engine can see: its
// radius (and the release beyond it) within the margin a fence lookup
// honours, which clamps larger margins.
const _: () = assert!(MAX_NEARBY_RADIUS_M + NEARBY_RELEASE_M <= FENCE_LOOKUP_MAX_MARGIN_M);
/// A visit whose centre is within this distance of a catalog place's fence
/// counts as a visit to that merchant.
pub const MERCHANT_VISIT_MARGIN_M: f64 = 25.0;
