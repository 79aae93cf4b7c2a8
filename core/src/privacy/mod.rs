//! Privacy: sealing at rest, consent, the daily summaries that may leave
//! the device, the outbox that holds them, export and erase.
//!
//! | file | concern |
//! | --- | --- |
//! | `seal.rs` | AES-256-GCM sealing of raw fixes and place coordinates |

pub mod seal;
