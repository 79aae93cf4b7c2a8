//! The fixed tile grid (ADR 0012): cells of [`TILE_CELL_MICRODEG`] of
//! latitude and longitude, numbered by row from the south pole and by
//! column from the antimeridian. A tile id is written `r{row}c{col}`.

use crate::domain::fences::FenceShape;
use crate::policy::TILE_CELL_MICRODEG;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Metres per degree of latitude (mean), for bounding boxes.
const M_PER_DEG_LAT: f64 = 111_320.0;

/// One cell of the tile grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileId {
    /// Row, counted from the south pole (latitude −90°).
    pub row: u32,
    /// Column, counted eastwards from the antimeridian (longitude −180°).
    pub col: u32,
}

fn cell_deg() -> f64 {
    f64::from(TILE_CELL_MICRODEG) / 1e6
}

/// Number of rows of the grid.
fn rows() -> u32 {
    (180.0 / cell_deg()).round() as u32
}

/// Number of columns of the grid.
fn cols() -> u32 {
    (360.0 / cell_deg()).round() as u32
}

impl TileId {
    /// The tile holding the point `lat`, `lon` (degrees; longitudes wrap).
    pub fn of(lat: f64, lon: f64) -> TileId {
        TileId { row: row_of(lat), col: col_of(lon) }
    }

    /// Latitude and longitude of the tile's centre.
    pub fn centre(self) -> (f64, f64) {
        let d = cell_deg();
        (-90.0 + (f64::from(self.row) + 0.5) * d, -180.0 + (f64::from(self.col) + 0.5) * d)
    }
}

/// Degrees as whole millionths (about 0.1 m), so that a point on a cell
/// edge falls in the same cell on every platform.
fn microdeg(deg: f64) -> i64 {
    (deg * 1e6).round() as i64
}

fn row_of(lat: f64) -> u32 {
    let r = (microdeg(lat.clamp(-90.0, 90.0)) + 90_000_000).div_euclid(i64::from(TILE_CELL_MICRODEG));
    r.clamp(0, i64::from(rows()) - 1) as u32
}

/// The column of `lon`, not wrapped (a box's unwrapped longitudes).
fn col_unwrapped(lon: f64) -> i64 {
    (microdeg(lon) + 180_000_000).div_euclid(i64::from(TILE_CELL_MICRODEG))
}

fn col_of(lon: f64) -> u32 {
    col_unwrapped(lon).rem_euclid(i64::from(cols())) as u32
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}c{}", self.row, self.col)
    }
}

/// Why a string is not a tile id of this grid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a tile id (expected r<row>c<col> within the grid of {TILE_CELL_MICRODEG} µ°)")]
pub struct BadTileId(pub String);

impl FromStr for TileId {
    type Err = BadTileId;
    fn from_str(s: &str) -> Result<Self, BadTileId> {
        let bad = || BadTileId(s.chars().take(64).collect());
        let rest = s.strip_prefix('r').ok_or_else(bad)?;
        let (row, col) = rest.split_once('c').ok_or_else(bad)?;
        let digits = |t: &str| !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(row)
            || !digits(col)
            || (row.len() > 1 && row.starts_with('0'))
            || (col.len() > 1 && col.starts_with('0'))
        {
            return Err(bad());
        }
        let id = TileId { row: row.parse().map_err(|_| bad())?, col: col.parse().map_err(|_| bad())? };
        if id.row >= rows() || id.col >= cols() {
            return Err(bad());
        }
        Ok(id)
    }
}

impl Serialize for TileId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TileId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A box of latitudes and (unwrapped, so possibly beyond ±180°) longitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLonBox {
    /// Southern edge.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Eastern edge (≥ `min_lon`; may exceed 180° across the antimeridian).
    pub max_lon: f64,
}

impl LatLonBox {
    /// The box around `lat`, `lon` reaching `radius_m` each way.
    pub fn around(lat: f64, lon: f64, radius_m: f64) -> LatLonBox {
        let dlat = radius_m / M_PER_DEG_LAT;
        // Towards the poles a degree of longitude shrinks; past 89° the box
        // takes every longitude.
        let cos = lat.to_radians().cos().max(1e-9);
        let dlon = if lat.abs() > 89.0 { 180.0 } else { (radius_m / (M_PER_DEG_LAT * cos)).min(180.0) };
        LatLonBox { min_lat: lat - dlat, max_lat: lat + dlat, min_lon: lon - dlon, max_lon: lon + dlon }
    }

    /// The bounding box of a fence (a polygon's rings unwrapped across the
    /// antimeridian), grown by `margin_m` each way.
    pub fn of_fence(fence: &FenceShape, margin_m: f64) -> LatLonBox {
        match fence {
            FenceShape::Circle { lat, lon, radius_m } => LatLonBox::around(*lat, *lon, radius_m + margin_m),
            FenceShape::Polygon { exterior, .. } => {
                let reference = exterior.first().map_or(0.0, |p| p[1]);
                let ring = crate::domain::catalog::unwrap_ring_longitudes(exterior, reference);
                let mut b = LatLonBox { min_lat: 90.0, max_lat: -90.0, min_lon: f64::MAX, max_lon: f64::MIN };
                for [lat, lon] in ring {
                    b.min_lat = b.min_lat.min(lat);
                    b.max_lat = b.max_lat.max(lat);
                    b.min_lon = b.min_lon.min(lon);
                    b.max_lon = b.max_lon.max(lon);
                }
                // Holes lie inside the exterior: they add nothing.
                let mid = (b.min_lat + b.max_lat) / 2.0;
                let grown = LatLonBox::around(mid, 0.0, margin_m);
                LatLonBox {
                    min_lat: b.min_lat + grown.min_lat - mid,
                    max_lat: b.max_lat + grown.max_lat - mid,
                    min_lon: b.min_lon + grown.min_lon,
                    max_lon: b.max_lon + grown.max_lon,
                }
            }
        }
    }

    /// Every tile the box touches (its edges included), each once, in order.
    pub fn tiles(&self) -> Vec<TileId> {
        let (r0, r1) = (row_of(self.min_lat), row_of(self.max_lat));
        let (first, last) = (col_unwrapped(self.min_lon), col_unwrapped(self.max_lon));
        let n = i64::from(cols());
        let span = (last - first + 1).clamp(1, n);
        let mut out = Vec::with_capacity(((r1 - r0 + 1) as usize) * span as usize);
        for row in r0..=r1 {
            for k in 0..span {
                out.push(TileId { row, col: (first + k).rem_euclid(n) as u32 });
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_id_reads_back_as_written_and_refuses_what_is_not_in_the_grid() {
        let t = TileId::of(37.3318, -121.9387);
        assert_eq!(t.to_string().parse::<TileId>(), Ok(t));
        let (last_row, last_col) = (rows() - 1, cols() - 1);
        let beyond = [format!("r{}c0", last_row + 1), format!("r0c{}", last_col + 1)];
        for bad in ["", "r1", "c1r1", "r01c1", "r1c", "r-1c1", "r1c1x", "r1234567c1"]
            .into_iter()
            .chain(beyond.iter().map(String::as_str))
        {
            assert!(bad.parse::<TileId>().is_err(), "{bad}");
        }
        assert!(format!("r{last_row}c{last_col}").parse::<TileId>().is_ok());
    }

    #[test]
    fn a_point_on_a_cell_edge_belongs_to_the_cell_north_and_east_of_it() {
        let d = cell_deg();
        let t = TileId::of(d, d);
        assert_eq!((t.row, t.col), (rows() / 2 + 1, cols() / 2 + 1));
        assert_eq!(TileId::of(d - 0.000_001, d - 0.000_001), TileId { row: rows() / 2, col: cols() / 2 });
    }

    #[test]
    fn a_circle_across_a_tile_border_belongs_to_both_tiles() {
        let fence = FenceShape::Circle { lat: 37.33, lon: -121.96 + 0.000_1, radius_m: 50.0 };
        let tiles = LatLonBox::of_fence(&fence, 0.0).tiles();
        assert_eq!(tiles.len(), 2, "{tiles:?}");
        assert_eq!(tiles[0].row, tiles[1].row);
        let inside = FenceShape::Circle { lat: 37.33, lon: -121.93, radius_m: 50.0 };
        assert_eq!(LatLonBox::of_fence(&inside, 0.0).tiles().len(), 1);
    }

    #[test]
    fn a_polygon_across_the_antimeridian_touches_tiles_on_both_sides_not_the_whole_row() {
        let fence = FenceShape::Polygon {
            exterior: vec![[-17.0, 179.995], [-17.0, -179.995], [-17.01, -179.995], [-17.01, 179.995]],
            holes: vec![],
        };
        let tiles = LatLonBox::of_fence(&fence, 0.0).tiles();
        let cols: Vec<u32> = tiles.iter().map(|t| t.col).collect();
        assert!(cols.contains(&0) && cols.contains(&(super::cols() - 1)), "{tiles:?}");
        assert!(tiles.len() <= 4, "{tiles:?}");
    }

    #[test]
    fn the_box_around_a_point_covers_every_tile_within_the_radius() {
        let b = LatLonBox::around(45.0, 5.0, 2_000.0);
        let tiles = b.tiles();
        assert!(tiles.contains(&TileId::of(45.0 + 0.0179, 5.0)));
        assert!(tiles.contains(&TileId::of(45.0, 5.0 - 0.025)));
        assert!(tiles.len() <= 16, "{}", tiles.len());
    }
}
