//! The closed sets of refusals that errors and reports carry: why a fix,
//! an import or a friend invite was refused. They sit below every other
//! module of the FFI (they import only the core), so that `error.rs` can
//! carry them without importing the modules that use `KairosError`.

use kairos_core::privacy as core;

/// Why a fix was refused.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum FixRejection {
    /// Latitude or longitude is NaN or infinite.
    NonFiniteCoordinate,
    /// Latitude outside [-90, 90].
    LatitudeOutOfRange {
        /// The value given.
        lat: f64,
    },
    /// Longitude outside [-180, 180].
    LongitudeOutOfRange {
        /// The value given.
        lon: f64,
    },
    /// Accuracy is not a positive finite number, or is beyond 50 km.
    InvalidAccuracy {
        /// The value given.
        accuracy_m: f64,
    },
    /// Speed is negative or not finite.
    InvalidSpeed {
        /// The value given.
        speed_mps: f64,
    },
    /// The timestamp is before 2000 or after 2100.
    TimestampOutOfRange {
        /// The value given, in milliseconds since the epoch.
        at_ms: i64,
    },
    /// The fix is older than the newest accepted fix by more than the
    /// reorder window (60 s).
    OutOfOrder {
        /// How far behind the newest accepted fix it is, in milliseconds.
        behind_ms: i64,
    },
    /// The fix implied an impossible speed from its neighbours and the next
    /// fix did not confirm it.
    ImplausibleJump {
        /// The implied speed, in metres per second.
        implied_speed_mps: f64,
    },
}

impl From<kairos_core::FixRejection> for FixRejection {
    fn from(r: kairos_core::FixRejection) -> Self {
        use kairos_core::FixRejection as C;
        match r {
            C::NonFiniteCoordinate => FixRejection::NonFiniteCoordinate,
            C::LatitudeOutOfRange { lat } => FixRejection::LatitudeOutOfRange { lat },
            C::LongitudeOutOfRange { lon } => FixRejection::LongitudeOutOfRange { lon },
            C::InvalidAccuracy { accuracy_m } => FixRejection::InvalidAccuracy { accuracy_m },
            C::InvalidSpeed { speed_mps } => FixRejection::InvalidSpeed { speed_mps },
            C::TimestampOutOfRange { at_ms } => FixRejection::TimestampOutOfRange { at_ms },
            C::OutOfOrder { behind_ms } => FixRejection::OutOfOrder { behind_ms },
            C::ImplausibleJump { implied_speed_mps } => FixRejection::ImplausibleJump { implied_speed_mps },
        }
    }
}

/// Why an export or a backup was not imported. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportRefusal {
    /// Written by a newer engine: `what` (`export`, `engine state`,
    /// `backup`) has format `found`; this engine reads up to `supported`.
    NewerFormat {
        /// What carries the format.
        what: String,
        /// The format found.
        found: String,
        /// The newest this engine reads.
        supported: String,
    },
    /// Not an importable export: not JSON, an older or unknown format, a
    /// missing field or a value of the wrong type, at `path` (a JSON path
    /// such as `visits[3].arrived_at`, `$` for the whole document).
    Damaged {
        /// Where.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The export contradicts itself at `path` (a visit of a place it does
    /// not hold, a duplicate id, an unknown state name).
    Inconsistent {
        /// Where.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The profile already holds data (`table` has rows): import only
    /// into a new or erased profile.
    ProfileNotEmpty {
        /// The first table found with rows.
        table: String,
    },
    /// The bytes are not a Kairos backup.
    NotABackup,
    /// The backup key does not open the backup, or its bytes were altered.
    BackupUnreadable,
}

impl From<core::ImportRefusal> for ImportRefusal {
    fn from(r: core::ImportRefusal) -> Self {
        use core::ImportRefusal as C;
        match r {
            C::NewerFormat { what, found, supported } => ImportRefusal::NewerFormat { what, found, supported },
            C::Damaged { path, reason } => ImportRefusal::Damaged { path, detail: reason },
            C::Inconsistent { path, reason } => ImportRefusal::Inconsistent { path, detail: reason },
            C::ProfileNotEmpty { table } => ImportRefusal::ProfileNotEmpty { table },
            C::NotABackup => ImportRefusal::NotABackup,
            C::BackupUnreadable => ImportRefusal::BackupUnreadable,
        }
    }
}

/// Why the backend refused a friend invite (`KairosError.FriendInviteRefused`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InviteRefusal {
    /// No such code (mistyped, or its creator withdrew `social`).
    Unknown,
    /// The code's last day has passed.
    Expired,
    /// The code was accepted already (a code is single use).
    Used,
    /// The code is this install's own.
    OwnInvite,
    /// Not a code at all.
    Malformed,
    /// One of the two has as many friends as the backend allows.
    TooManyFriends,
    /// This install holds as many open codes as the backend allows.
    TooManyInvites,
}

impl From<core::InviteRefusal> for InviteRefusal {
    fn from(r: core::InviteRefusal) -> Self {
        match r {
            core::InviteRefusal::Unknown => InviteRefusal::Unknown,
            core::InviteRefusal::Expired => InviteRefusal::Expired,
            core::InviteRefusal::Used => InviteRefusal::Used,
            core::InviteRefusal::OwnInvite => InviteRefusal::OwnInvite,
            core::InviteRefusal::Malformed => InviteRefusal::Malformed,
            core::InviteRefusal::TooManyFriends => InviteRefusal::TooManyFriends,
            core::InviteRefusal::TooManyInvites => InviteRefusal::TooManyInvites,
        }
    }
}
