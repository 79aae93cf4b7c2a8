//! The shape of a fence, as a catalog gives it.

use serde::{Deserialize, Serialize};

/// A fence: a circle, or a polygon with optional holes. Coordinates are
/// WGS84 degrees; polygons list `[lat, lon]` pairs and may be closed or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FenceShape {
    /// A circle around a centre.
    Circle {
        /// Centre latitude.
        lat: f64,
        /// Centre longitude.
        lon: f64,
        /// Radius in metres.
        radius_m: f64,
    },
    /// A polygon; `holes` are areas inside it that are not part of it.
    Polygon {
        /// Outer ring, `[lat, lon]` pairs.
        exterior: Vec<[f64; 2]>,
        /// Inner rings, each `[lat, lon]` pairs.
        #[serde(default)]
        holes: Vec<Vec<[f64; 2]>>,
    },
}
