//! Geofences: shapes, the spatial index over every fence, and the
//! per-fence transition tracker (enter, dwell, exit with hysteresis).
//!
//! | item | concern |
//! | --- | --- |
//! | [`FenceShape`] | a circle or a polygon with holes, as a catalog gives it; [`FenceShape::check`], the one check of every limit on a fence |
//! | [`ShapeError`], [`FenceError`] | why a shape, or a set of fences, was refused |
//! | [`FenceIndex`] | every fence of a catalog in an R-tree; exact lookups per fix, nearest fences for OS wake regions |
//! | [`FenceTracker`] | which fences the phone is in; [`FenceEvent`]s with accuracy-sized hysteresis |
//!
//! `docs/geofencing.md` describes the rules and their reasons; the
//! thresholds are in [`crate::policy`] under "Geofences".

mod error;
mod geom;
mod index;
#[cfg(test)]
mod index_tests;
mod shape;
mod tracker;
#[cfg(test)]
mod tracker_tests;

pub use error::{FenceError, RingId, ShapeAt, ShapeError, ShapeProblem};
pub use index::{FenceHit, FenceIndex};
pub use shape::FenceShape;
pub use tracker::{FenceEvent, FenceTracker};

/// A fence's id, unique within a catalog.
pub type FenceId = u32;
