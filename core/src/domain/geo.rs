//! Small geodesy helpers for the hot path. Distances here are for the short
//! ranges the engine compares (metres to a few kilometres).

/// Mean Earth radius in metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 points (haversine).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let mut dl = (lon2 - lon1).to_radians();
    // Across the antimeridian, take the short way round.
    if dl > std::f64::consts::PI {
        dl -= 2.0 * std::f64::consts::PI;
    } else if dl < -std::f64::consts::PI {
        dl += 2.0 * std::f64::consts::PI;
    }
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A local equirectangular frame around an origin: metres east and north.
/// Accurate to well under a metre within a few kilometres of the origin.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LocalFrame {
    /// Origin latitude in degrees.
    pub lat0: f64,
    /// Origin longitude in degrees.
    pub lon0: f64,
    m_per_deg_lon: f64,
}

const M_PER_DEG_LAT: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

impl LocalFrame {
    /// A frame centred on `(lat0, lon0)`.
    pub fn new(lat0: f64, lon0: f64) -> Self {
        LocalFrame { lat0, lon0, m_per_deg_lon: M_PER_DEG_LAT * lat0.to_radians().cos() }
    }
    /// Projects a point to metres (east, north) from the origin.
    pub fn to_xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        let mut dlon = lon - self.lon0;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (dlon * self.m_per_deg_lon, (lat - self.lat0) * M_PER_DEG_LAT)
    }
    /// Back from metres to degrees (longitude wrapped into [-180, 180]).
    pub fn to_lat_lon(&self, x: f64, y: f64) -> (f64, f64) {
        let lat = self.lat0 + y / M_PER_DEG_LAT;
        let mut lon = self.lon0 + if self.m_per_deg_lon > 0.0 { x / self.m_per_deg_lon } else { 0.0 };
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        (lat, lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distance() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn antimeridian_is_short() {
        let d = distance_m(0.0, 179.9995, 0.0, -179.9995);
        assert!(d < 120.0, "{d}");
    }

    #[test]
    fn frame_round_trip_and_matches_haversine() {
        let f = LocalFrame::new(34.05, -118.25);
        let (x, y) = f.to_xy(34.051, -118.249);
        let (lat, lon) = f.to_lat_lon(x, y);
        assert!((lat - 34.051).abs() < 1e-9 && (lon + 118.249).abs() < 1e-9);
        let planar = (x * x + y * y).sqrt();
        let hav = distance_m(34.05, -118.25, 34.051, -118.249);
        assert!((planar - hav).abs() < 0.5, "{planar} vs {hav}");
    }
}
