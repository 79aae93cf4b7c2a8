//! A place's fence, checked with the fence index's own check, and how
//! polygon longitudes are read.
//!
//! Every limit on a fence (coordinates, circle radius, vertices, holes,
//! size, latitude band, degenerate rings) is checked by
//! [`FenceShape::check`], the check [`crate::domain::fences::FenceIndex`]
//! makes when it indexes the fence: a catalog that validates is one every
//! phone can index. Here its refusal is only put in the document's terms:
//! the path of the offending value (and the caller adds the place's id).
//!
//! Coordinates are WGS84 degrees. A polygon edge always takes the shorter
//! way around the globe: when two consecutive longitudes differ by more than
//! 180°, the edge crosses the antimeridian. [`unwrap_ring_longitudes`] gives
//! the ring with continuous longitudes (possibly beyond ±180), in which
//! plain planar geometry works.

use super::doc_path::DocPath;
use super::CatalogError;
use crate::domain::fences::{FenceShape, RingId, ShapeAt};

/// The ring with continuous longitudes: each vertex's longitude is moved by
/// a multiple of 360° so that every edge spans at most 180°, and the first
/// vertex lies within 180° of `reference_lon` (pass the exterior's first
/// longitude when unwrapping a hole, so that holes and exterior share one
/// frame). Vertices stay `[lat, lon]`; a closing vertex equal to the first is
/// kept as given.
pub fn unwrap_ring_longitudes(ring: &[[f64; 2]], reference_lon: f64) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(ring.len());
    let mut previous = reference_lon;
    for &[lat, lon] in ring {
        let lon = previous + wrap_delta(lon - previous);
        out.push([lat, lon]);
        previous = lon;
    }
    out
}

/// `delta` brought into `[-180, 180)` by a multiple of 360.
fn wrap_delta(delta: f64) -> f64 {
    (delta + 180.0).rem_euclid(360.0) - 180.0
}

/// Checks a place's fence; `path` locates the fence in the document
/// (`merchants[3].places[1].fence`). A refusal gives the offending value's
/// path (`...fence.holes[0][4]`); the caller names the place.
pub(crate) fn check_fence(fence: &FenceShape, path: &DocPath<'_>) -> Result<(), CatalogError> {
    let Err(e) = fence.check() else { return Ok(()) };
    let reason = e.problem.to_string();
    let (exterior, holes) = (path.key("exterior"), path.key("holes"));
    let ring_path = |ring: RingId| match ring {
        RingId::Exterior => exterior,
        RingId::Hole(i) => holes.item(i),
    };
    Err(match e.at {
        ShapeAt::Whole => CatalogError::at(path, reason),
        ShapeAt::Radius => CatalogError::at(path.key("radius_m"), reason),
        ShapeAt::Ring(ring) => CatalogError::at(ring_path(ring), reason),
        ShapeAt::Vertex(ring, i) => CatalogError::at(ring_path(ring).item(i), reason),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{FENCE_MAX_CIRCLE_RADIUS_M, FENCE_MAX_RING_VERTICES};

    /// The fence's path in these tests.
    const F: DocPath<'static> = DocPath::Key(&DocPath::Root, "f");

    fn polygon(exterior: Vec<[f64; 2]>) -> FenceShape {
        FenceShape::Polygon { exterior, holes: vec![] }
    }

    fn reason(fence: &FenceShape) -> String {
        match check_fence(fence, &F).unwrap_err() {
            CatalogError::InvalidDocument { path, reason } => format!("{path}: {reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unwraps_across_the_antimeridian() {
        let ring = [[-17.0, 179.995], [-17.0, -179.995], [-17.01, -179.995], [-17.01, 179.995]];
        let u = unwrap_ring_longitudes(&ring, 179.995);
        assert_eq!(u, vec![[-17.0, 179.995], [-17.0, 180.005], [-17.01, 180.005], [-17.01, 179.995]]);
        // A hole unwrapped against the exterior's first longitude joins its frame.
        let hole = unwrap_ring_longitudes(&[[-17.5, -179.9], [-17.5, -179.8], [-17.6, -179.8]], 179.5);
        assert!((hole[0][1] - 180.1).abs() < 1e-9, "{hole:?}");
        assert!(check_fence(&polygon(ring.to_vec()), &F).is_ok());
    }

    #[test]
    fn accepts_valid_shapes() {
        assert!(check_fence(&FenceShape::Circle { lat: 37.0, lon: -122.0, radius_m: 1.0 }, &F).is_ok());
        let city = FenceShape::Circle { lat: 37.0, lon: -122.0, radius_m: FENCE_MAX_CIRCLE_RADIUS_M };
        assert!(check_fence(&city, &F).is_ok());
        let closed = vec![[0.0, 0.0], [0.0, 0.01], [0.01, 0.01], [0.0, 0.0]];
        let hole = vec![[0.001, 0.005], [0.001, 0.006], [0.002, 0.006]];
        assert!(check_fence(&FenceShape::Polygon { exterior: closed, holes: vec![hole] }, &F).is_ok());
    }

    #[test]
    fn refuses_bad_circles_at_the_radius() {
        for r in [0.0, 0.5, FENCE_MAX_CIRCLE_RADIUS_M + 0.5, f64::NAN, f64::INFINITY] {
            let e = reason(&FenceShape::Circle { lat: 0.0, lon: 0.0, radius_m: r });
            assert!(e.starts_with("f.radius_m: circle radius"), "{r}: {e}");
        }
        let e = reason(&FenceShape::Circle { lat: 91.0, lon: 0.0, radius_m: 10.0 });
        assert_eq!(e, "f: coordinate (91, 0) is not a latitude in -90..=90 and a longitude in -180..=180");
    }

    #[test]
    fn refuses_bad_polygons_at_the_offending_ring_or_vertex() {
        let e = reason(&polygon(vec![[0.0, 0.0], [0.0, 0.01], [0.0, 0.0]]));
        assert_eq!(e, "f.exterior: 2 distinct vertices, at least 3 are needed");
        let e = reason(&polygon(vec![[0.0, 0.0], [0.001, 0.001], [0.002, 0.002]]));
        assert!(e.starts_with("f: degenerate"), "{e}");
        let e = reason(&polygon(vec![[0.0, 0.0], [0.0, 181.0], [0.01, 0.01]]));
        assert!(e.starts_with("f.exterior[1]: coordinate (0, 181)"), "{e}");
        // A band around the north pole: beyond the latitude band, and far
        // larger than any fence anyway.
        let e = reason(&polygon(vec![[81.0, 0.0], [81.0, 120.0], [81.0, -120.0]]));
        assert_eq!(e, "f.exterior[0]: polygon vertex at latitude 81 is beyond ±80");
        let e = reason(&polygon(vec![[70.0, 0.0], [70.0, 120.0], [70.0, -120.0]]));
        assert!(e.starts_with("f: the polygon reaches"), "{e}");
        let hole = vec![[0.001, 0.005], [0.001, 0.005], [0.002, 0.006]];
        let e =
            reason(&FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 0.01], [0.01, 0.01]], holes: vec![hole] });
        assert_eq!(e, "f.holes[0]: 2 distinct vertices, at least 3 are needed");
        let many = (0..=FENCE_MAX_RING_VERTICES).map(|i| [0.0, i as f64 * 1e-6]).collect();
        assert!(reason(&polygon(many)).starts_with("f.exterior: 1001 vertices, more than the limit"));
    }
}
