//! The offer engine: which catalog offer fires where and when, and what
//! becomes of it.
//!
//! | file | concern |
//! | --- | --- |
//! | `loaded.rs` | a catalog in force, prepared for evaluation (fence index, offers per fence) |
//! | `loaded_read.rs` | reading a document straight into those tables, for a load |
//! | `loaded_patch.rs` | the next catalog built from the one in force, merchant by merchant (each copied or read anew), for a tiled load |
//! | `loaded_views.rs` | its merchants, places and offers, as evaluation reads them |
//! | `text.rs` | the loaded catalog's strings, in one buffer |
//! | `budget.rs` | one notification budget for offers, reminders, goal messages and nudges |
//! | `decide.rs` | schedule, targeting, caps, ranking, holdout: which offer fires |
//! | `manners.rs` | caps and manners, and every suppression reason |
//! | `relevance.rs` | the next best action: the shopper's learned chance of redeeming (Beta posterior per category and merchant), Thompson draws, the floor |
//! | `holdout.rs` | deterministic per-install holdout buckets |
//! | `redemption_token.rs` | the signed redemption token a merchant's till verifies: format, issue, parse, verify |
//! | `instance.rs` | offer instances, their lifecycle states, and an offer's cap history |
//! | `profile.rs` | the private profile as targeting sees it |

pub mod budget;
pub mod decide;
pub mod held;
pub mod holdout;
mod instance;
pub mod loaded;
pub(crate) mod loaded_patch;
pub mod loaded_read;
#[cfg(test)]
mod loaded_tests;
mod loaded_views;
pub mod manners;
pub mod profile;
pub mod redemption_token;
pub mod relevance;
mod text;

pub use budget::{BudgetHold, BudgetLimit, BudgetPolicy, MessageBudget, MessageKind, RetryOutcome};
pub use instance::{OfferHistory, OfferInstance, OfferState};
pub use manners::{OfferPolicy, Suppression};
pub use relevance::{Ranking, RelevanceModel, RelevancePolicy};
