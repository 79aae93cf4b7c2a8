//! # kairos-backend
//!
//! The Kairos reference backend. For now it holds the catalog tools: key
//! generation and catalog signing, driven by the `kairos-backend` binary
//! ([`cli`]) and usable as a library ([`catalog_signing`]).

pub mod catalog_signing;
pub mod cli;

pub use catalog_signing::{keygen, sign_catalog, BackendError, KeygenOutput, SignOutput};
