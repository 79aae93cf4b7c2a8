//! Privacy: sealing at rest, consent, the daily summaries that may leave
//! the device, and the outbox that holds them (export and erase are engine
//! calls, in `engine/privacy_api.rs`). `docs/privacy.md` is the inventory.
//!
//! | file | concern |
//! | --- | --- |
//! | `seal.rs` | AES-256-GCM sealing of raw fixes and place coordinates |
//! | `consent.rs` | purposes, the consent ledger's entries |
//! | `summaries.rs` | the per-day summaries of each purpose |
//! | `outbox.rs` | outbox items (summaries, deletion requests) and the local-privacy budget spent |
//! | `backup.rs` | the sealed backup envelope of an export |
//! | `import_refusal.rs` | why an import is refused (`ImportRefusal`) |
//! | `ldp.rs` | optional local differential privacy for the summaries' counts |

pub mod backup;
pub mod consent;
mod import_refusal;
pub mod ldp;
pub mod outbox;
pub mod seal;
pub mod social;
pub mod summaries;

pub use consent::{ConsentEntry, Consents, Purpose};
pub use import_refusal::ImportRefusal;
pub use ldp::{LocalPrivacy, LocalPrivacyError};
pub use outbox::{BudgetEntry, OutboxItem, OutboxKind};
pub use social::{FriendCounts, FriendInvite, InviteRefusal};
