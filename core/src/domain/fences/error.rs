//! Why a fence was refused: [`ShapeError`] for a shape on its own (what
//! [`super::FenceShape::check`] reports, wherever the shape comes from), and
//! [`FenceError`] for a set of fences being indexed (the shape's error with
//! the fence's id, or a repeated id).

use super::FenceId;
use crate::policy;
use std::fmt;

/// A ring of a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingId {
    /// The outer ring.
    Exterior,
    /// Hole `i` (counted from 0, as listed).
    Hole(usize),
}

/// Where in a shape a problem lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeAt {
    /// The shape as a whole: a circle's centre, a polygon's size or its
    /// list of holes.
    Whole,
    /// A circle's radius.
    Radius,
    /// A ring of a polygon.
    Ring(RingId),
    /// A vertex of a ring (counted from 0, as listed).
    Vertex(RingId, usize),
}

/// What is wrong with a shape. Every limit named here is a constant of
/// [`crate::policy`] ("Geofences"), checked in one place for the catalog's
/// validation and the fence index alike.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeProblem {
    /// A latitude or longitude is not finite or out of range.
    #[error("coordinate ({lat}, {lon}) is not a latitude in -90..=90 and a longitude in -180..=180")]
    InvalidCoordinate {
        /// The latitude given.
        lat: f64,
        /// The longitude given.
        lon: f64,
    },
    /// A circle's radius is not finite or outside the accepted range.
    #[error(
        "circle radius {radius_m} m is outside {}..={} m",
        policy::FENCE_MIN_RADIUS_M,
        policy::FENCE_MAX_CIRCLE_RADIUS_M
    )]
    InvalidRadius {
        /// The radius given.
        radius_m: f64,
    },
    /// A ring lists more vertices than the limit.
    #[error("{count} vertices, more than the limit of {}", policy::FENCE_MAX_RING_VERTICES)]
    TooManyVertices {
        /// Vertices listed.
        count: usize,
    },
    /// A polygon lists more holes than the limit.
    #[error("{count} holes, more than the limit of {}", policy::FENCE_MAX_POLYGON_HOLES)]
    TooManyHoles {
        /// Holes listed.
        count: usize,
    },
    /// A ring has fewer than three distinct vertices.
    #[error("{count} distinct vertices, at least 3 are needed")]
    TooFewVertices {
        /// Distinct vertices found.
        count: usize,
    },
    /// A polygon, or one of its holes, encloses (almost) no area: its
    /// characteristic radius, 2 x area / perimeter, is below the minimum.
    #[error(
        "degenerate (2 x area / perimeter = {radius_m:.3} m, minimum {} m): a line or a sliver",
        policy::FENCE_MIN_RADIUS_M
    )]
    TooThin {
        /// Its characteristic radius in metres.
        radius_m: f64,
    },
    /// A polygon is larger than the limit.
    #[error(
        "the polygon reaches {radius_m:.0} m from its centre, more than the limit of {} m",
        policy::FENCE_MAX_POLYGON_RADIUS_M
    )]
    TooLarge {
        /// Its bounding radius in metres.
        radius_m: f64,
    },
    /// A polygon vertex lies too close to a pole.
    #[error("polygon vertex at latitude {lat} is beyond ±{}", policy::FENCE_POLYGON_MAX_ABS_LAT)]
    TooCloseToPole {
        /// The latitude given.
        lat: f64,
    },
}

/// Why a shape was refused: the problem and where it lies.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError {
    /// Where in the shape.
    pub at: ShapeAt,
    /// What is wrong there.
    pub problem: ShapeProblem,
}

impl ShapeError {
    pub(super) fn new(at: ShapeAt, problem: ShapeProblem) -> Self {
        ShapeError { at, problem }
    }
}

impl fmt::Display for RingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingId::Exterior => f.write_str("exterior"),
            RingId::Hole(i) => write!(f, "hole {i}"),
        }
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            ShapeAt::Whole => write!(f, "{}", self.problem),
            ShapeAt::Radius => write!(f, "radius: {}", self.problem),
            ShapeAt::Ring(ring) => write!(f, "{ring}: {}", self.problem),
            ShapeAt::Vertex(ring, i) => write!(f, "{ring} vertex {i}: {}", self.problem),
        }
    }
}

impl std::error::Error for ShapeError {}

/// Why a set of fences could not be indexed. Each names the fence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FenceError {
    /// Two fences share an id.
    #[error("fence {fence}: the id is used twice")]
    DuplicateId {
        /// The repeated id.
        fence: FenceId,
    },
    /// A fence's shape is refused (as [`super::FenceShape::check`] refuses it).
    #[error("fence {fence}: {error}")]
    Shape {
        /// The fence.
        fence: FenceId,
        /// What is wrong with its shape.
        error: ShapeError,
    },
}
