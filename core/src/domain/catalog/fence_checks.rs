//! Checks of fence geometry, and how polygon longitudes are read.
//!
//! Coordinates are WGS84 degrees, latitude in `-90..=90`, longitude in
//! `-180..=180`. A polygon edge always takes the shorter way around the
//! globe: when two consecutive longitudes differ by more than 180°, the edge
//! crosses the antimeridian. [`unwrap_ring_longitudes`] gives the ring with
//! continuous longitudes (possibly beyond ±180), in which plain planar
//! geometry works; rings that would wind around a pole are refused.

use super::doc_path::DocPath;
use super::CatalogError;
use crate::domain::fences::FenceShape;
use crate::policy::{MAX_CIRCLE_RADIUS_M, MAX_POLYGON_HOLES, MAX_POLYGON_VERTICES, MIN_CIRCLE_RADIUS_M};

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

/// Checks a fence; `path` locates it in the document.
pub(crate) fn check_fence(fence: &FenceShape, path: &DocPath<'_>) -> Result<(), CatalogError> {
    match fence {
        FenceShape::Circle { lat, lon, radius_m } => {
            check_point(*lat, *lon, path)?;
            if !(radius_m.is_finite() && (MIN_CIRCLE_RADIUS_M..=MAX_CIRCLE_RADIUS_M).contains(radius_m)) {
                return Err(CatalogError::at(
                    path,
                    format!("radius_m {radius_m} is outside {MIN_CIRCLE_RADIUS_M}..={MAX_CIRCLE_RADIUS_M} m"),
                ));
            }
            Ok(())
        }
        FenceShape::Polygon { exterior, holes } => {
            check_ring(exterior, &path.key("exterior"))?;
            if holes.len() > MAX_POLYGON_HOLES {
                return Err(CatalogError::at(
                    path,
                    format!("{} holes, more than the limit of {MAX_POLYGON_HOLES}", holes.len()),
                ));
            }
            let holes_path = path.key("holes");
            for (i, hole) in holes.iter().enumerate() {
                check_ring(hole, &holes_path.item(i))?;
            }
            Ok(())
        }
    }
}

fn check_point(lat: f64, lon: f64, path: &DocPath<'_>) -> Result<(), CatalogError> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(CatalogError::at(path, format!("latitude {lat} is outside -90..=90")));
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(CatalogError::at(path, format!("longitude {lon} is outside -180..=180")));
    }
    Ok(())
}

/// A ring has at most the policy's vertices, valid coordinates, at least
/// three distinct points, some area, and does not wind around a pole.
fn check_ring(ring: &[[f64; 2]], path: &DocPath<'_>) -> Result<(), CatalogError> {
    if ring.len() > MAX_POLYGON_VERTICES {
        return Err(CatalogError::at(
            path,
            format!("{} vertices, more than the limit of {MAX_POLYGON_VERTICES}", ring.len()),
        ));
    }
    for (i, &[lat, lon]) in ring.iter().enumerate() {
        check_point(lat, lon, &path.item(i))?;
    }
    // The closing vertex, if given, repeats the first.
    let open = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    let mut distinct: Vec<(u64, u64)> = open.iter().map(|[a, b]| (a.to_bits(), b.to_bits())).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(CatalogError::at(
            path,
            format!("a ring needs at least 3 distinct points, this one has {}", distinct.len()),
        ));
    }
    let unwrapped = unwrap_ring_longitudes(open, open[0][1]);
    let last_lon = unwrapped[unwrapped.len() - 1][1];
    let closing = wrap_delta(open[0][1] - last_lon);
    if (last_lon + closing - unwrapped[0][1]).abs() > 180.0 {
        return Err(CatalogError::at(
            path,
            "the ring winds around a pole; split it into rings that do not".to_string(),
        ));
    }
    // Shoelace area in degrees², on the unwrapped ring.
    let twice_area: f64 = (0..unwrapped.len())
        .map(|i| {
            let [y1, x1] = unwrapped[i];
            let [y2, x2] = unwrapped[(i + 1) % unwrapped.len()];
            x1 * y2 - x2 * y1
        })
        .sum();
    if twice_area.abs() < 1e-12 {
        return Err(CatalogError::at(path, "the ring has no area (its points are collinear)".to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ring = [[-17.0, 179.5], [-17.0, -179.5], [-18.0, -179.5], [-18.0, 179.5]];
        let u = unwrap_ring_longitudes(&ring, 179.5);
        assert_eq!(u, vec![[-17.0, 179.5], [-17.0, 180.5], [-18.0, 180.5], [-18.0, 179.5]]);
        // A hole unwrapped against the exterior's first longitude joins its frame.
        let hole = unwrap_ring_longitudes(&[[-17.5, -179.9], [-17.5, -179.8], [-17.6, -179.8]], 179.5);
        assert!((hole[0][1] - 180.1).abs() < 1e-9, "{hole:?}");
        assert!(check_fence(&polygon(ring.to_vec()), &F).is_ok());
    }

    #[test]
    fn accepts_valid_shapes() {
        assert!(check_fence(&FenceShape::Circle { lat: 37.0, lon: -122.0, radius_m: 1.0 }, &F).is_ok());
        assert!(check_fence(&FenceShape::Circle { lat: 37.0, lon: -122.0, radius_m: 50_000.0 }, &F).is_ok());
        let closed = vec![[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]];
        let square_hole = vec![[0.1, 0.5], [0.1, 0.6], [0.2, 0.6]];
        assert!(check_fence(&FenceShape::Polygon { exterior: closed, holes: vec![square_hole] }, &F).is_ok());
    }

    #[test]
    fn refuses_bad_circles() {
        for r in [0.0, 0.5, 50_000.5, f64::NAN, f64::INFINITY] {
            let e = reason(&FenceShape::Circle { lat: 0.0, lon: 0.0, radius_m: r });
            assert!(e.starts_with("f: radius_m"), "{r}: {e}");
        }
        let e = reason(&FenceShape::Circle { lat: 91.0, lon: 0.0, radius_m: 10.0 });
        assert_eq!(e, "f: latitude 91 is outside -90..=90");
    }

    #[test]
    fn refuses_bad_polygons() {
        let e = reason(&polygon(vec![[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]));
        assert_eq!(e, "f.exterior: a ring needs at least 3 distinct points, this one has 2");
        let e = reason(&polygon(vec![[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 0.0]]));
        assert!(e.contains("at least 3 distinct points"), "{e}");
        let e = reason(&polygon(vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]));
        assert_eq!(e, "f.exterior: the ring has no area (its points are collinear)");
        let e = reason(&polygon(vec![[0.0, 0.0], [0.0, 181.0], [1.0, 1.0]]));
        assert_eq!(e, "f.exterior[1]: longitude 181 is outside -180..=180");
        // A band around the north pole: longitudes keep going one way.
        let e = reason(&polygon(vec![[80.0, 0.0], [80.0, 120.0], [80.0, -120.0]]));
        assert!(e.contains("winds around a pole"), "{e}");
        let hole = vec![[0.1, 0.5], [0.1, 0.5], [0.2, 0.6]];
        let e = reason(&FenceShape::Polygon { exterior: vec![[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]], holes: vec![hole] });
        assert!(e.starts_with("f.holes[0]: a ring needs at least 3"), "{e}");
        let many = (0..=MAX_POLYGON_VERTICES).map(|i| [0.0, i as f64 * 1e-4]).collect();
        assert!(reason(&polygon(many)).contains("more than the limit"));
    }
}
