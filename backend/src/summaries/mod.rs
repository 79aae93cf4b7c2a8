//! Daily summaries as the engine uploads them: the types ([`model`]), the
//! strict JSON reader that refuses duplicate keys ([`strict_json`]), the
//! names that may never appear ([`field_names`]) and the validation of a
//! batch ([`validate`]).

pub mod field_names;
pub mod model;
pub mod strict_json;
pub mod validate;

pub use model::{ActivitySummary, Batch, MerchantVisits, Noise, OfferOutcome, Purpose, SummaryData, SummaryItem};
pub use validate::{parse_batch, Rejection};
