//! Compiled fence geometry: each [`FenceShape`] checked once and turned into
//! the form the hot path tests cheaply.
//!
//! * Points live on the unit sphere as 3-D vectors. A circle's distance is
//!   the exact great-circle distance from its centre (via the chord), so
//!   circles work the same at the antimeridian and near the poles.
//! * A polygon is projected once into a local flat frame (metres east and
//!   north of its centre) and tested there with `geo`: point-in-polygon
//!   with holes, and the distance to the nearest ring.
//!
//! Antimeridian rule for polygons: along each ring, every edge takes the
//! shorter way round in longitude (never more than 180 degrees), and each
//! hole starts within 180 degrees of the exterior's first vertex. A ring
//! listed as `[.., 179.9], [.., -179.9]` therefore crosses the antimeridian
//! (0.2 degrees), it does not wrap round the world. With the size limit of
//! [`policy::FENCE_MAX_POLYGON_RADIUS_M`] no real fence is affected by the
//! choice.
//!
//! [`Geometry::compile`] is the one check of a shape: the fence index
//! compiles every fence with it, and the catalog's validation runs it
//! through [`FenceShape::check`], so that a catalog that validates is a
//! catalog every phone can index.

use super::error::{RingId, ShapeAt, ShapeError, ShapeProblem};
use super::FenceShape;
use crate::domain::geo::{LocalFrame, EARTH_RADIUS_M};
use crate::policy;
use ::geo::{Area, Contains, Distance, Euclidean, Length, LineString, Point, Polygon};

/// A point on the unit sphere.
pub(crate) type Xyz = [f64; 3];

/// The unit vector of a WGS84 point (spherical Earth).
pub(crate) fn unit_vector(lat: f64, lon: f64) -> Xyz {
    let (slat, clat) = lat.to_radians().sin_cos();
    let (slon, clon) = lon.to_radians().sin_cos();
    [clat * clon, clat * slon, slat]
}

/// The chord on the unit sphere that spans a great-circle distance.
pub(crate) fn chord_for(distance_m: f64) -> f64 {
    let theta = (distance_m / EARTH_RADIUS_M).clamp(0.0, std::f64::consts::PI);
    2.0 * (theta / 2.0).sin()
}

/// The great-circle distance, in metres, spanned by a unit-sphere chord.
#[inline]
pub(crate) fn metres_for(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord / 2.0).clamp(0.0, 1.0).asin()
}

/// Signed distance in metres from `q` to the circle of `radius_m` around
/// `centre`: exact on the sphere.
#[inline]
pub(crate) fn circle_distance(q: &Xyz, centre: &Xyz, radius_m: f64) -> f64 {
    metres_for(chord_between(q, centre)) - radius_m
}

#[inline]
fn chord_between(a: &Xyz, b: &Xyz) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// A point being looked up, in both forms the tests need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Query {
    pub lat: f64,
    pub lon: f64,
    pub xyz: Xyz,
}

impl Query {
    pub fn new(lat: f64, lon: f64) -> Self {
        Query { lat, lon, xyz: unit_vector(lat, lon) }
    }
}

/// A fence ready for exact tests.
#[derive(Debug, Clone)]
pub(crate) enum Geometry {
    /// A spherical cap.
    Circle { centre: Xyz, radius_m: f64 },
    /// A polygon in its own flat frame (boxed: polygons are rare and large,
    /// circles common and small).
    Polygon(Box<PolygonFence>),
}

/// A polygon projected into a local frame.
#[derive(Debug, Clone)]
pub(crate) struct PolygonFence {
    frame: LocalFrame,
    shape: Polygon<f64>,
    centre: Xyz,
    /// Every point of the polygon is within this great-circle distance of
    /// `centre` (projection slack included).
    bound_m: f64,
    /// 2 x area / perimeter.
    radius_m: f64,
}

fn check_point(lat: f64, lon: f64, at: ShapeAt) -> Result<(), ShapeError> {
    if lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
        Ok(())
    } else {
        Err(ShapeError::new(at, ShapeProblem::InvalidCoordinate { lat, lon }))
    }
}

/// Checks the vertices of `ring` and drops the closing vertex and repeated
/// vertices; unwraps longitudes so that each edge spans at most 180
/// degrees, starting near `lon_ref`.
fn clean_ring(ring: &[[f64; 2]], id: RingId, lon_ref: f64) -> Result<Vec<[f64; 2]>, ShapeError> {
    if ring.len() > policy::FENCE_MAX_RING_VERTICES {
        return Err(ShapeError::new(ShapeAt::Ring(id), ShapeProblem::TooManyVertices { count: ring.len() }));
    }
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
    for (i, &[lat, lon]) in ring.iter().enumerate() {
        check_point(lat, lon, ShapeAt::Vertex(id, i))?;
        if lat.abs() > policy::FENCE_POLYGON_MAX_ABS_LAT {
            return Err(ShapeError::new(ShapeAt::Vertex(id, i), ShapeProblem::TooCloseToPole { lat }));
        }
        let prev = out.last().map_or(lon_ref, |p| p[1]);
        let mut lon = lon;
        while lon - prev > 180.0 {
            lon -= 360.0;
        }
        while lon - prev < -180.0 {
            lon += 360.0;
        }
        if out.last() != Some(&[lat, lon]) {
            out.push([lat, lon]);
        }
    }
    while out.len() > 1
        && (out[0][0] - out[out.len() - 1][0]).abs() < 1e-12
        && (out[0][1] - out[out.len() - 1][1]).abs() < 1e-9
    {
        out.pop();
    }
    if out.len() < 3 {
        return Err(ShapeError::new(ShapeAt::Ring(id), ShapeProblem::TooFewVertices { count: out.len() }));
    }
    Ok(out)
}

/// 2 x area / perimeter: the radius for a circle, the inscribed radius for
/// any polygon with an inscribed circle, between it and twice it for any
/// convex shape.
fn characteristic_radius(area: f64, perimeter: f64) -> f64 {
    if perimeter > 0.0 {
        2.0 * area / perimeter
    } else {
        0.0
    }
}

impl Geometry {
    /// Checks `shape` against every limit of [`crate::policy`] on fences
    /// and compiles it. The one check of a shape: see [`FenceShape::check`].
    pub fn compile(shape: &FenceShape) -> Result<Self, ShapeError> {
        match shape {
            FenceShape::Circle { lat, lon, radius_m } => {
                check_point(*lat, *lon, ShapeAt::Whole)?;
                let r = *radius_m;
                if !(r.is_finite() && (policy::FENCE_MIN_RADIUS_M..=policy::FENCE_MAX_CIRCLE_RADIUS_M).contains(&r)) {
                    return Err(ShapeError::new(ShapeAt::Radius, ShapeProblem::InvalidRadius { radius_m: r }));
                }
                Ok(Geometry::Circle { centre: unit_vector(*lat, *lon), radius_m: r })
            }
            FenceShape::Polygon { exterior, holes } => {
                if holes.len() > policy::FENCE_MAX_POLYGON_HOLES {
                    return Err(ShapeError::new(ShapeAt::Whole, ShapeProblem::TooManyHoles { count: holes.len() }));
                }
                let first_lon = exterior.first().map_or(0.0, |p| p[1]);
                let ext = clean_ring(exterior, RingId::Exterior, first_lon)?;
                let ext_ref = ext[0][1];
                let mut rings = vec![ext];
                for (i, hole) in holes.iter().enumerate() {
                    rings.push(clean_ring(hole, RingId::Hole(i), ext_ref)?);
                }
                Self::compile_polygon(&rings).map(|p| Geometry::Polygon(Box::new(p)))
            }
        }
    }

    fn compile_polygon(rings: &[Vec<[f64; 2]>]) -> Result<PolygonFence, ShapeError> {
        let (mut lat_lo, mut lat_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut lon_lo, mut lon_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &[lat, lon] in &rings[0] {
            lat_lo = lat_lo.min(lat);
            lat_hi = lat_hi.max(lat);
            lon_lo = lon_lo.min(lon);
            lon_hi = lon_hi.max(lon);
        }
        let mut lon0 = (lon_lo + lon_hi) / 2.0;
        while lon0 >= 180.0 {
            lon0 -= 360.0;
        }
        while lon0 < -180.0 {
            lon0 += 360.0;
        }
        let frame = LocalFrame::new((lat_lo + lat_hi) / 2.0, lon0);
        let mut far: f64 = 0.0;
        let mut project = |ring: &Vec<[f64; 2]>| -> LineString<f64> {
            ring.iter()
                .map(|&[lat, lon]| {
                    let (x, y) = frame.to_xy(lat, lon);
                    far = far.max(x.hypot(y));
                    (x, y)
                })
                .collect::<Vec<_>>()
                .into()
        };
        let exterior = project(&rings[0]);
        let interiors: Vec<LineString<f64>> = rings[1..].iter().map(&mut project).collect();
        let bound_m = far * (1.0 + policy::FENCE_PROJECTION_SLACK) + policy::FENCE_PROJECTION_SLACK_M;
        if bound_m > policy::FENCE_MAX_POLYGON_RADIUS_M {
            return Err(ShapeError::new(ShapeAt::Whole, ShapeProblem::TooLarge { radius_m: bound_m }));
        }
        for (i, hole) in interiors.iter().enumerate() {
            let h = Polygon::new(hole.clone(), vec![]);
            let r = characteristic_radius(h.unsigned_area(), Euclidean.length(h.exterior()));
            if r.is_nan() || r < policy::FENCE_MIN_RADIUS_M {
                return Err(ShapeError::new(ShapeAt::Ring(RingId::Hole(i)), ShapeProblem::TooThin { radius_m: r }));
            }
        }
        let shape = Polygon::new(exterior, interiors);
        let perimeter =
            Euclidean.length(shape.exterior()) + shape.interiors().iter().map(|h| Euclidean.length(h)).sum::<f64>();
        let outer = Polygon::new(shape.exterior().clone(), vec![]).unsigned_area();
        let holes: f64 = shape.interiors().iter().map(|h| Polygon::new(h.clone(), vec![]).unsigned_area()).sum();
        let radius_m = characteristic_radius(outer - holes, perimeter);
        if radius_m.is_nan() || radius_m < policy::FENCE_MIN_RADIUS_M {
            return Err(ShapeError::new(ShapeAt::Whole, ShapeProblem::TooThin { radius_m }));
        }
        Ok(PolygonFence { frame, shape, centre: unit_vector(frame.lat0, frame.lon0), bound_m, radius_m })
    }

    /// Signed distance in metres from the query point to the boundary:
    /// negative inside, positive outside. Exact (spherical) for circles; for
    /// polygons, measured in the polygon's flat frame (within a fraction of a
    /// percent near the fence, within a few percent kilometres away).
    #[inline]
    pub fn signed_distance(&self, q: &Query) -> f64 {
        match self {
            Geometry::Circle { centre, radius_m } => circle_distance(&q.xyz, centre, *radius_m),
            Geometry::Polygon(p) => {
                let (x, y) = p.frame.to_xy(q.lat, q.lon);
                let pt = Point::new(x, y);
                let mut d = Euclidean.distance(&pt, p.shape.exterior());
                for hole in p.shape.interiors() {
                    d = d.min(Euclidean.distance(&pt, hole));
                }
                if p.shape.contains(&pt) {
                    -d
                } else {
                    d
                }
            }
        }
    }

    /// The characteristic radius: a circle's radius, or 2 x area /
    /// perimeter for a polygon.
    #[inline]
    pub fn radius_m(&self) -> f64 {
        match self {
            Geometry::Circle { radius_m, .. } => *radius_m,
            Geometry::Polygon(p) => p.radius_m,
        }
    }

    /// A circle's radius; `None` for a polygon.
    pub fn circle_radius(&self) -> Option<f64> {
        match self {
            Geometry::Circle { radius_m, .. } => Some(*radius_m),
            Geometry::Polygon(_) => None,
        }
    }

    /// A centre and a great-circle radius enclosing the whole fence.
    pub fn bounding_cap(&self) -> (Xyz, f64) {
        match self {
            Geometry::Circle { centre, radius_m } => (*centre, *radius_m),
            Geometry::Polygon(p) => (p.centre, p.bound_m),
        }
    }

    /// Heap bytes owned by this geometry (the polygon box and its rings).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Geometry::Circle { .. } => 0,
            Geometry::Polygon(p) => {
                let ring = |ls: &LineString<f64>| ls.0.capacity() * std::mem::size_of::<::geo::Coord<f64>>();
                std::mem::size_of::<PolygonFence>()
                    + ring(p.shape.exterior())
                    + std::mem::size_of_val(p.shape.interiors())
                    + p.shape.interiors().iter().map(ring).sum::<usize>()
            }
        }
    }
}

impl FenceShape {
    /// Checks this shape against every limit on fences (coordinates, circle
    /// radius, vertices, holes, size, latitude band, degenerate rings): the
    /// very check [`super::FenceIndex::build`] makes, so a shape this accepts
    /// is one the index accepts. The catalog's validation calls it for every
    /// place.
    pub fn check(&self) -> Result<(), ShapeError> {
        Geometry::compile(self).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(lat: f64, lon: f64) -> Query {
        Query::new(lat, lon)
    }

    #[test]
    fn chord_and_metres_are_inverse() {
        for m in [0.0, 1.0, 50.0, 3_000.0, 1_000_000.0] {
            assert!((metres_for(chord_for(m)) - m).abs() < 1e-6 * m.max(1.0), "{m}");
        }
    }

    #[test]
    fn circle_distance_matches_haversine() {
        let g = Geometry::compile(&FenceShape::Circle { lat: 34.05, lon: -118.25, radius_m: 100.0 }).unwrap();
        let d = g.signed_distance(&q(34.052, -118.25));
        let expected = crate::domain::geo::distance_m(34.05, -118.25, 34.052, -118.25) - 100.0;
        assert!((d - expected).abs() < 0.01, "{d} vs {expected}");
        assert!(g.signed_distance(&q(34.05, -118.25)) < -99.9);
    }

    #[test]
    fn square_has_inscribed_radius() {
        // About 200 m x 200 m.
        let sq = FenceShape::Polygon {
            exterior: vec![[0.0, 0.0], [0.0, 0.0018], [0.0018, 0.0018], [0.0018, 0.0]],
            holes: vec![],
        };
        let g = Geometry::compile(&sq).unwrap();
        assert!((g.radius_m() - 100.0).abs() < 1.0, "{}", g.radius_m());
        // The centre is ~100 m inside; a point 100 m east of the east side is ~100 m out.
        assert!((g.signed_distance(&q(0.0009, 0.0009)) + 100.0).abs() < 1.0);
        assert!((g.signed_distance(&q(0.0009, 0.0027)) - 100.0).abs() < 1.0);
    }

    /// The problem `shape` is refused with, and where.
    fn refusal(shape: &FenceShape) -> (ShapeAt, ShapeProblem) {
        let e = Geometry::compile(shape).unwrap_err();
        (e.at, e.problem)
    }

    #[test]
    fn degenerate_shapes_are_refused_saying_where() {
        let c = |r| FenceShape::Circle { lat: 1.0, lon: 2.0, radius_m: r };
        for r in [0.0, -5.0, f64::NAN, f64::INFINITY, policy::FENCE_MAX_CIRCLE_RADIUS_M + 0.5] {
            assert!(matches!(refusal(&c(r)), (ShapeAt::Radius, ShapeProblem::InvalidRadius { .. })), "{r}");
        }
        let bad = FenceShape::Circle { lat: 95.0, lon: 0.0, radius_m: 10.0 };
        assert!(matches!(refusal(&bad), (ShapeAt::Whole, ShapeProblem::InvalidCoordinate { .. })));
        let two = FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 0.001], [0.0, 0.0]], holes: vec![] };
        let exterior = ShapeAt::Ring(RingId::Exterior);
        assert_eq!(refusal(&two), (exterior, ShapeProblem::TooFewVertices { count: 2 }));
        let line = FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 0.001], [0.0, 0.002]], holes: vec![] };
        assert!(matches!(refusal(&line), (ShapeAt::Whole, ShapeProblem::TooThin { .. })));
        let huge = FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]], holes: vec![] };
        assert!(matches!(refusal(&huge), (ShapeAt::Whole, ShapeProblem::TooLarge { .. })));
        let polar = FenceShape::Polygon { exterior: vec![[80.0, 0.0], [80.0, 0.01], [80.01, 0.0]], holes: vec![] };
        let vertex = ShapeAt::Vertex(RingId::Exterior, 2);
        assert_eq!(refusal(&polar), (vertex, ShapeProblem::TooCloseToPole { lat: 80.01 }));
        let far_south = vec![[-79.0, 0.0], [-79.0, 0.01], [-81.0, 0.0]];
        let hole = FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 0.01], [0.01, 0.0]], holes: vec![far_south] };
        let vertex = ShapeAt::Vertex(RingId::Hole(0), 2);
        assert_eq!(refusal(&hole), (vertex, ShapeProblem::TooCloseToPole { lat: -81.0 }));
    }

    #[test]
    fn vertex_and_hole_counts_are_limited() {
        let ring = |n: usize| -> Vec<[f64; 2]> {
            (0..n)
                .map(|i| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    [0.001 * a.sin(), 0.001 * a.cos()]
                })
                .collect()
        };
        let most = FenceShape::Polygon { exterior: ring(policy::FENCE_MAX_RING_VERTICES), holes: vec![] };
        assert!(most.check().is_ok());
        let count = policy::FENCE_MAX_RING_VERTICES + 1;
        let many = FenceShape::Polygon { exterior: ring(count), holes: vec![] };
        let exterior = ShapeAt::Ring(RingId::Exterior);
        assert_eq!(refusal(&many), (exterior, ShapeProblem::TooManyVertices { count }));
        let tiny = |k: usize| -> Vec<[f64; 2]> {
            let (lat, lon) = (0.0002 * (k / 8) as f64 - 0.0006, 0.0002 * (k % 8) as f64 - 0.0007);
            vec![[lat, lon], [lat, lon + 0.00005], [lat + 0.00005, lon + 0.00005]]
        };
        let holes = |n: usize| (0..n).map(tiny).collect::<Vec<_>>();
        let ok = FenceShape::Polygon { exterior: ring(64), holes: holes(policy::FENCE_MAX_POLYGON_HOLES) };
        assert!(ok.check().is_ok(), "{:?}", ok.check());
        let count = policy::FENCE_MAX_POLYGON_HOLES + 1;
        let too_many = FenceShape::Polygon { exterior: ring(64), holes: holes(count) };
        assert_eq!(refusal(&too_many), (ShapeAt::Whole, ShapeProblem::TooManyHoles { count }));
    }

    #[test]
    fn a_city_wide_circle_is_a_fence() {
        let city = FenceShape::Circle { lat: 48.8566, lon: 2.3522, radius_m: 30_000.0 };
        assert!(city.check().is_ok());
        let g = Geometry::compile(&city).unwrap();
        assert!((g.signed_distance(&q(48.8566, 2.3522)) + 30_000.0).abs() < 1e-6);
    }
}
