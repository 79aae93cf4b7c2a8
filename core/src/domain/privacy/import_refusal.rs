//! Why an export or a backup was not imported: its own file, a leaf, so
//! that `error.rs` can carry it without an import cycle through the seal.

/// Why an export or a backup was not imported. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    /// The export was written by a newer engine (or the engine state it
    /// carries has a newer format).
    #[error("{what} format {found} is newer than this engine reads ({supported})")]
    NewerFormat {
        /// What carries the format (`export`, `engine state`, `backup`).
        what: String,
        /// The format found.
        found: String,
        /// The newest format this engine reads.
        supported: String,
    },
    /// The document is not an export this engine can import: not JSON,
    /// an unknown or older format, a missing field, a value of the wrong
    /// type.
    #[error("the export is damaged at {path}: {reason}")]
    Damaged {
        /// Where, as a JSON path (`visits[3].arrived_at`), or `$` for the
        /// whole document.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The document reads but contradicts itself (a visit of a place it
    /// does not hold, a duplicate id, an unknown state name).
    #[error("the export is inconsistent at {path}: {reason}")]
    Inconsistent {
        /// Where, as a JSON path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The profile already holds data: an import goes only into an empty
    /// profile (erase first to replace it).
    #[error("the profile is not empty ({table} holds rows): import only into a new or erased profile")]
    ProfileNotEmpty {
        /// The first table found with rows.
        table: String,
    },
    /// The bytes do not start with a Kairos backup header.
    #[error("not a Kairos backup (no KAIROSBK header)")]
    NotABackup,
    /// The backup key does not open the backup, or its bytes were altered
    /// (the two cannot be told apart, by design of the seal).
    #[error("the backup does not open with this key, or its bytes were altered")]
    BackupUnreadable,
}
