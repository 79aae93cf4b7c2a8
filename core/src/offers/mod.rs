//! The offer engine: which catalog offer fires where and when, and what
//! becomes of it.

pub mod holdout;
pub mod manners;

pub use crate::store::offers::{OfferInstance, OfferState};
