//! Geofences: shapes, the spatial index over every fence, and the
//! per-fence transition tracker (enter, dwell, exit with hysteresis).

mod shape;

pub use shape::FenceShape;
