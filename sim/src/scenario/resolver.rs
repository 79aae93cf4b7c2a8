//! Names and times resolved while a scenario file is read: below the
//! reader and the track generators, which all take a [`Resolver`].

use super::catalog::{self, CatalogPlan};
use super::clock::Clock;
use super::file::PlaceRef;
use kairos_core::Timestamp;
use std::collections::BTreeMap;

/// Resolves names and times while a scenario file is read.
pub struct Resolver<'a> {
    pub(super) clock: Clock,
    pub(super) places: &'a BTreeMap<String, (f64, f64)>,
    pub(super) catalog: Option<&'a CatalogPlan>,
}

impl Resolver<'_> {
    /// A scenario time.
    pub fn time(&self, s: &str) -> Result<Timestamp, String> {
        self.clock.parse(s)
    }

    /// An instant in local time, for messages.
    pub fn show(&self, t: Timestamp) -> String {
        t.in_tz(self.clock.tz).format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// A place's point.
    pub fn place(&self, p: &PlaceRef) -> Result<(f64, f64), String> {
        match p {
            PlaceRef::Point(ll) => check_point(ll.lat, ll.lon),
            PlaceRef::Named(name) => {
                if let Some(&p) = self.places.get(name) {
                    return Ok(p);
                }
                if let Some(p) = self.catalog.and_then(|c| catalog::place_centre(&c.catalog, name)) {
                    return Ok(p);
                }
                let known: Vec<&str> = self.places.keys().map(String::as_str).collect();
                Err(format!(
                    "unknown place {name:?}: not in [places] ({}) nor a catalog place id",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            }
        }
    }
}

pub(super) fn check_point(lat: f64, lon: f64) -> Result<(f64, f64), String> {
    if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
        Ok((lat, lon))
    } else {
        Err(format!("({lat}, {lon}) is not a point (latitude within ±90, longitude within ±180)"))
    }
}
