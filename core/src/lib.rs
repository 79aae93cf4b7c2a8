//! # kairos-core
//!
//! The Kairos on-device engine: a private local profile (steps, visits,
//! places, routines) kept in SQLite, geofenced offers evaluated on the
//! device, and consented summaries synced to a backend. No FFI types and no
//! platform code live here; the `kairos-ffi` crate wraps [`Engine`] for
//! Kotlin and Swift.
//!
//! ## Three layers (ADR 0010)
//!
//! | folder | layer | may use |
//! | --- | --- | --- |
//! | `domain/` | pure types and logic: time, geometry, fixes, visits, places, steps, routines, fences, catalog, offers, privacy rules, events, track files. No SQL, no I/O. | `policy`, `error` |
//! | `store/` | the only code that speaks SQL or writes a file: open, recover, migrate, one file per table group. Private to the crate. | `domain` |
//! | `engine/` | the facade ([`Engine`]), the pipeline that orders each call's work in one transaction, sync, replay | `domain`, `store` |
//!
//! `policy/` holds every limit and default, `error.rs` the internal
//! `Error` and the public [`KairosError`]. Every module is private; what an
//! outside crate (the bindings, the simulator, the backend, tests) needs is
//! re-exported below, at the root or in a small facade module.

// Layers.
mod domain;
mod engine;
mod store;

// Cross-cutting.
mod error;
pub mod policy;

pub use domain::event::{Event, EventKind, HoldReason, OfferTrigger};
pub use domain::location::{FixRejection, LocationFix};
pub use domain::routines::{Routine, RoutinePrivacy, RoutineStatus, RoutineSubject};
pub use domain::steps::{DaySteps, DaySummary, StepSample, WeekSummary};
pub use domain::time::Timestamp;
pub use domain::visits::{Place, PlaceKind, Visit};
pub use engine::config::EngineConfig;
pub use engine::{ApiResult, Engine, IngestReport};
pub use error::KairosError;
pub use store::DB_FILE;

/// Timestamps, local days (DST-correct) and the millisecond constants.
pub mod time {
    pub use crate::domain::time::*;
}

/// Distances on the sphere and a local metric frame.
pub mod geo {
    pub use crate::domain::geo::*;
}

/// Track files (CSV, GPX, GeoJSON) and synthetic tracks with ground truth,
/// for the simulator, the demos' QA mode and tests.
pub mod track {
    pub use crate::domain::track::*;
}

/// The replay driver shared by the simulator and the apps.
pub mod replay {
    pub use crate::engine::replay::*;
}

/// The signed offer catalog: its document, envelope, signing and
/// verification, schedules and targeting rules.
pub mod catalog {
    pub use crate::domain::catalog::{
        generate_keypair, is_open, keypair_from_pkcs8, next_closing, next_opening, parse_document, public_key_base64,
        sign, unwrap_ring_longitudes, validate, verify_and_parse, verify_for_storage, verify_stored, AttributeRule,
        AttributeValue, Attributes, Caps, Catalog, CatalogError, CatalogKeys, CompareOp, DayOfWeek, Ed25519KeyPair,
        LocalTime, Merchant, MerchantPlace, Offer, OpeningHours, RoutineOverdueRule, Rule, Schedule, Scope, ScopeRef,
        SignedEnvelope, SpeedRule, StepsRule, Subject, TargetingContext, TimeWindow, Trigger, VisitsRule,
        ED25519_ALGORITHM, ED25519_PUBLIC_KEY_LEN,
    };
    pub use crate::domain::catalog::{
        with_friends_visited, FallbackText, FriendsVisitedRule, FRIENDS_VISITED_PLACEHOLDER,
    };
    pub use crate::engine::{CatalogInfo, TilesInfo};
    /// Catalogs cut into tiles by area (ADR 0012): the grid, the signed
    /// manifest, tile packs, and cutting and merging.
    pub mod tiles {
        pub use crate::domain::catalog::tiles::*;
    }
}

/// Geofences: shapes, the R-tree index over every fence, and the
/// enter/dwell/exit tracker with hysteresis.
pub mod fences {
    pub use crate::domain::fences::{
        FenceError, FenceEvent, FenceHit, FenceId, FenceIndex, FenceShape, FenceTracker, RingId, ShapeAt, ShapeError,
        ShapeProblem,
    };
    pub use crate::engine::WakeRegion;
}

/// Offers: the catalog in force, offer instances and their states, caps and
/// manners.
pub mod offers {
    pub use crate::domain::offers::loaded::LoadedCatalog;
    pub use crate::domain::offers::{
        BudgetHold, BudgetLimit, BudgetPolicy, MessageBudget, MessageKind, OfferInstance, OfferPolicy, OfferState,
        Ranking, RelevanceModel, RelevancePolicy, RetryOutcome, Suppression,
    };
    /// The next best action's model: outcomes, Beta posteriors, Thompson
    /// draws from a deterministic stream.
    pub mod relevance {
        pub use crate::domain::offers::relevance::{score, Beta, DrawStream, Outcome, Outcomes, Scored};
    }
    /// The signed redemption token a merchant's till verifies: issued on
    /// the device, parsed and verified by the backend (`docs/protocol.md`,
    /// section 5).
    pub mod redemption_token {
        pub use crate::domain::offers::redemption_token::{
            issue, key_id, parse, ParsedToken, RedemptionClaims, RedemptionToken, TokenError, QR_PREFIX, TOKEN_PREFIX,
        };
        pub use crate::engine::Redemption;
    }
}

/// The sensing plan: what the engine asks of the platform's location
/// services next (`docs/geofencing.md`, "The sensing plan").
pub mod sensing {
    pub use crate::domain::sensing::{need_changed, plan, Accuracy, SensingInput, SensingNeed, SensingReason};
    pub use crate::engine::SensingPlan;
}

/// Routines: regular visits, their fitting and status.
pub mod routines {
    pub use crate::domain::routines::{overdue_tolerance_days, RoutineTrack, VisitEffect};
}

/// Consent purposes, the outbox of summaries, local differential privacy.
pub mod privacy {
    pub use crate::domain::privacy::backup::{BACKUP_FORMAT, BACKUP_MAGIC};
    pub use crate::domain::privacy::ldp::MECHANISM as LDP_MECHANISM;
    pub use crate::domain::privacy::{
        BudgetEntry, ConsentEntry, Consents, FriendCounts, FriendInvite, ImportRefusal, InviteRefusal, LocalPrivacy,
        LocalPrivacyError, OutboxItem, OutboxKind, Purpose,
    };
    pub use crate::engine::ConsentChange;
    pub use crate::engine::EXPORT_FORMAT;
}

/// The sync client and the HTTP transport the host app supplies.
pub mod sync {
    #[cfg(feature = "reqwest")]
    pub use crate::engine::sync::ReqwestTransport;
    pub use crate::engine::sync::{
        check_base_url, HttpMethod, HttpRequest, HttpResponse, HttpTransport, Refusal, RefusalAction, RefusalCode,
        RefusedRequest, SyncOptions, SyncReport, TransportError, TransportFuture,
    };
}

/// Internals for the crate's own diagnostics (`examples/catalog_load_phases`),
/// behind the `internals` feature. Not part of the API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::domain::offers::loaded_read::read_document;
    pub use crate::domain::privacy::seal::Sealer;
    pub use crate::store::catalog::{fence_ids, save as save_catalog};
    pub use crate::store::open as open_store;
}
