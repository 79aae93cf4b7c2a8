//! A catalog in force, prepared for evaluation on every fix: its fence
//! index, and for each fence the place, merchant and offers it carries.

use crate::catalog::{Catalog, Merchant, MerchantPlace, Offer, Trigger};
use crate::fences::{FenceError, FenceId, FenceIndex, FenceShape};
use crate::geo::{distance_m, LocalFrame};
use std::collections::HashMap;

/// One fence of the catalog: which merchant place it is.
#[derive(Debug, Clone)]
pub struct FenceEntry {
    /// Index of the merchant in `catalog.merchants`.
    pub merchant: usize,
    /// Index of the place in that merchant's `places`.
    pub place: usize,
    /// Indices of the merchant's offers that apply at this place.
    pub offers: Vec<usize>,
    /// Shortest dwell trigger among those offers, in ms.
    pub dwell_ms: Option<i64>,
    /// Largest `nearby` radius among those offers, in metres.
    pub nearby_m: Option<f64>,
    /// A circle covering the fence, `(lat, lon, radius_m)`, for the OS.
    pub region: (f64, f64, f64),
}

/// A verified catalog with everything evaluation needs, built once per load.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The document.
    pub catalog: Catalog,
    /// The original signed envelope (persisted so a restart reloads it).
    pub envelope: Vec<u8>,
    /// Every fence.
    pub index: FenceIndex,
    /// Fence id → entry.
    pub fences: HashMap<FenceId, FenceEntry>,
    /// Largest nearby radius of any offer (lookup margin).
    pub max_nearby_m: f64,
}

/// A circle covering `shape`: its centre (the mean of a polygon's exterior
/// vertices) and the largest distance to a vertex.
fn covering_circle(shape: &FenceShape) -> (f64, f64, f64) {
    match shape {
        FenceShape::Circle { lat, lon, radius_m } => (*lat, *lon, *radius_m),
        FenceShape::Polygon { exterior, .. } => {
            let ring = crate::catalog::unwrap_ring_longitudes(exterior, exterior[0][1]);
            let n = ring.len() as f64;
            let lat = ring.iter().map(|p| p[0]).sum::<f64>() / n;
            let lon = ring.iter().map(|p| p[1]).sum::<f64>() / n;
            let frame = LocalFrame::new(lat, lon);
            let (lat, lon) = frame.to_lat_lon(0.0, 0.0);
            let r = ring.iter().map(|p| distance_m(lat, lon, p[0], p[1])).fold(0.0, f64::max);
            (lat, lon, r)
        }
    }
}

impl LoadedCatalog {
    /// Prepares `catalog`; `fence_id` gives each place id its stable fence
    /// id (the same across catalogs, so fence state survives a swap).
    pub fn build(
        catalog: Catalog,
        envelope: Vec<u8>,
        mut fence_id: impl FnMut(&str) -> FenceId,
    ) -> Result<Self, FenceError> {
        let mut fences = HashMap::new();
        let mut shapes = Vec::new();
        let mut max_nearby_m: f64 = 0.0;
        for (mi, m) in catalog.merchants.iter().enumerate() {
            for (pi, p) in m.places.iter().enumerate() {
                let offers: Vec<usize> =
                    m.offers.iter().enumerate().filter(|(_, o)| o.applies_at(&p.id)).map(|(i, _)| i).collect();
                let dwell_ms = offers
                    .iter()
                    .filter_map(|&i| match m.offers[i].trigger {
                        Trigger::Dwell { minutes } => Some(i64::from(minutes) * 60_000),
                        _ => None,
                    })
                    .min();
                let nearby_m = offers
                    .iter()
                    .filter_map(|&i| match m.offers[i].trigger {
                        Trigger::Nearby { radius_m } => Some(radius_m),
                        _ => None,
                    })
                    .reduce(f64::max);
                max_nearby_m = max_nearby_m.max(nearby_m.unwrap_or(0.0));
                let id = fence_id(&p.id);
                shapes.push((id, &p.fence));
                let region = covering_circle(&p.fence);
                fences.insert(id, FenceEntry { merchant: mi, place: pi, offers, dwell_ms, nearby_m, region });
            }
        }
        let index = FenceIndex::build(shapes)?;
        Ok(LoadedCatalog { catalog, envelope, index, fences, max_nearby_m })
    }

    /// The merchant, place and entry of a fence.
    pub fn place(&self, fence: FenceId) -> Option<(&Merchant, &MerchantPlace, &FenceEntry)> {
        let e = self.fences.get(&fence)?;
        let m = &self.catalog.merchants[e.merchant];
        Some((m, &m.places[e.place], e))
    }

    /// The offers of a fence, with their merchant.
    pub fn offers_at(&self, fence: FenceId) -> impl Iterator<Item = (&Merchant, &MerchantPlace, &Offer)> {
        self.place(fence)
            .into_iter()
            .flat_map(|(m, p, e)| e.offers.iter().map(move |&i| (m, p, &m.offers[i])))
    }

    /// Number of offers in the catalog.
    pub fn offer_count(&self) -> usize {
        self.catalog.merchants.iter().map(|m| m.offers.len()).sum()
    }
}
