//! The offer catalog: a signed, versioned JSON document of merchants, their
//! places (fences and opening hours) and their offers (trigger, schedule,
//! claim window, targeting, caps).
//!
//! | module | holds |
//! | --- | --- |
//! | `document` | the document's types, as read from JSON |
//! | `attribute` | attribute values of merchants and offers |
//! | `rule` | targeting rules, as read from JSON |
//! | `wall_clock` | local times of day, days of the week, hour windows |
//! | `validate` | reading a document and checking it whole |
//! | `doc_path` | paths of values in a document, written only for an error |
//! | `fence_checks` | a place's fence, checked by the fence index's own check; antimeridian handling |
//! | `envelope` | the signed envelope, keys, signing and verifying (as sent, or as stored) |
//! | `stored` | the layout of the signed catalog as the engine stores it |
//! | `stream` | reading a document merchant by merchant, for loading |
//! | `schedule` | when an offer may fire, until when it can be claimed |
//! | `closing` | when a place closes and reopens: claim windows end at closing |
//! | `targeting` | evaluating rules against the private profile |
//! | `tiles` | catalogs cut into tiles by area: grid, signed header, tiles signed on their own, per-entry delta packs, tiles held (ADR 0012) |
//!
//! A catalog is accepted whole or not at all: [`verify_and_parse`] returns
//! either a valid, current [`Catalog`] or a [`CatalogError`] saying
//! precisely what was wrong. `docs/catalog.md` documents the format.

mod attribute;
mod closing;
mod doc_path;
mod document;
mod envelope;
mod error;
mod fence_checks;
mod rule;
mod schedule;
mod signing_key;
mod stored;
mod stream;
mod targeting;
pub mod tiles;
mod validate;
mod wall_clock;
mod wire_formats;

#[cfg(test)]
mod document_rejection_tests;
#[cfg(test)]
mod envelope_rejection_tests;
#[cfg(test)]
mod test_fixtures;

pub use attribute::{AttributeValue, Attributes};
pub use closing::{claim_deadline, next_closing, next_opening};
pub use document::{Caps, Catalog, FallbackText, Merchant, MerchantPlace, Offer, OpeningHours, Schedule, Trigger};
pub use envelope::{
    generate_keypair, keypair_from_pkcs8, public_key_base64, sign, verify_and_parse, verify_for_storage, verify_stored,
    CatalogKeys, SignedEnvelope, ED25519_ALGORITHM, ED25519_PUBLIC_KEY_LEN,
};
pub(crate) use envelope::{verify_for_storage_with, verify_stored_with, ReadDocument};
pub use error::CatalogError;
pub use fence_checks::unwrap_ring_longitudes;
pub use ring::signature::Ed25519KeyPair;
pub use rule::{
    AttributeRule, CompareOp, FriendsVisitedRule, RoutineOverdueRule, Rule, ScopeRef, SpeedRule, StepsRule, VisitsRule,
};

/// The placeholder an offer's title or body may hold: replaced by how many
/// of the shopper's friends visited the merchant recently (purpose
/// `social`), or the whole text by the offer's `fallback_text` when that
/// count is unknown or below [`crate::policy::SOCIAL_MIN_FRIENDS`].
pub const FRIENDS_VISITED_PLACEHOLDER: &str = "{friends_visited}";

/// `text` with [`FRIENDS_VISITED_PLACEHOLDER`] replaced by `friends`, or
/// `fallback` when `text` holds the placeholder and the count is unknown
/// or below the threshold. Text without the placeholder is kept as it is.
pub fn with_friends_visited(text: &str, fallback: Option<&str>, friends: Option<u32>) -> String {
    if !text.contains(FRIENDS_VISITED_PLACEHOLDER) {
        return text.to_owned();
    }
    match friends.filter(|n| *n >= crate::policy::SOCIAL_MIN_FRIENDS) {
        Some(n) => text.replace(FRIENDS_VISITED_PLACEHOLDER, &n.to_string()),
        // Validation requires a fallback for such a text; an empty text
        // rather than a raw placeholder if a document skipped validation.
        None => fallback.unwrap_or_default().to_owned(),
    }
}
pub use schedule::is_open;
pub(crate) use signing_key::signing_key_id;
pub(crate) use stream::{peek_version, read_merchants};
pub(crate) use targeting::ProfileFacts;
pub use targeting::{Scope, Subject, TargetingContext};
pub use validate::{parse_document, validate};
pub use wall_clock::{DayOfWeek, LocalTime, TimeWindow};
