//! Every limit and default of the engine, in one place: this folder, one
//! file an area.
//!
//! Values a host app may tune are defaults of [`crate::EngineConfig`]; the
//! rest are fixed rules of the engine, documented here so that a reviewer
//! can see every threshold at once. Each constant's doc comment gives its
//! reason; the documents it cites (`docs/geofencing.md`, `docs/catalog.md`,
//! `docs/privacy.md`, `docs/protocol.md`, `docs/RELIABILITY.md`) describe
//! the behaviour each bounds.
//!
//! Every constant is re-exported here, so code names it
//! `policy::NAME` whatever its file.

mod catalog;
mod fixes;
mod geofences;
mod offers;
mod privacy;
mod profile;
mod store;
mod sync;
mod tiles;

pub use catalog::*;
pub use fixes::*;
pub use geofences::*;
pub use offers::*;
pub use privacy::*;
pub use profile::*;
pub use store::*;
pub use sync::*;
pub use tiles::*;
