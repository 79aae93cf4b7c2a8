//! Offers: the catalog in force, the offer instances the shopper can claim
//! (and their lifecycle), and the regions an app registers with the OS to be
//! woken near catalog places.

use crate::time::from_core;
use std::time::SystemTime;

/// The catalog in force, in brief (`Engine.loadCatalog`, `Engine.catalogInfo`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CatalogInfo {
    /// Its version (increases with every catalog; an older one is refused).
    pub version: i64,
    /// When the backend issued it.
    pub issued_at: SystemTime,
    /// When it expires; from then on its offers no longer fire. Fetch a
    /// fresh one before.
    pub expires_at: SystemTime,
    /// Merchants it holds.
    pub merchants: i64,
    /// Offers it holds.
    pub offers: i64,
    /// Fences (merchant places) it holds.
    pub fences: i64,
}

impl From<kairos_core::catalog::CatalogInfo> for CatalogInfo {
    fn from(c: kairos_core::catalog::CatalogInfo) -> Self {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        CatalogInfo {
            version: count(c.version),
            issued_at: from_core(c.issued_at),
            expires_at: from_core(c.expires_at),
            merchants: count(c.merchants),
            offers: count(c.offers),
            fences: count(c.fences),
        }
    }
}

/// The catalog tiles the phone holds, when the catalog in force is tiled (a
/// national catalog; `Engine.catalogTiles`). The engine chooses them
/// itself at each sync (around the current position, home, work and
/// routine places, within `EngineConfig.tileRadiusM` and a memory budget);
/// the app has nothing to do but sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CatalogTilesInfo {
    /// The version of the signed catalog header the tiles are held under
    /// (no tile is newer).
    pub header_version: i64,
    /// The ids of the tiles held (`r<row>c<col>` cells of a fixed grid), in order.
    pub held: Vec<String>,
    /// Bytes of the tiles held, kept in the profile database (not in memory).
    pub tile_bytes: i64,
    /// Memory the catalog the engine evaluates takes, in bytes.
    pub catalog_memory_bytes: i64,
}

impl From<kairos_core::catalog::TilesInfo> for CatalogTilesInfo {
    fn from(t: kairos_core::catalog::TilesInfo) -> Self {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        CatalogTilesInfo {
            header_version: count(t.header_version),
            held: t.held,
            tile_bytes: count(t.document_bytes),
            catalog_memory_bytes: count(t.catalog_memory_bytes),
        }
    }
}

/// Where an offer instance is in its lifecycle. `Triggered` and `Presented`
/// are open (claimable); from either, `redeemed` or `dismissed` closes it,
/// and the end of the claim window expires it. `HeldOut` is never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OfferState {
    /// Triggered and claimable; the app has not shown it yet.
    Triggered,
    /// Shown to the shopper (`presented`); still claimable.
    Presented,
    /// Redeemed (final).
    Redeemed,
    /// Dismissed by the shopper (final; the offer stays silent for the
    /// dismissal cooldown).
    Dismissed,
    /// The claim window ended unused (final).
    Expired,
    /// Would have triggered, but this install is in the offer's holdout:
    /// recorded to measure lift, never shown (final).
    HeldOut,
}

impl From<kairos_core::offers::OfferState> for OfferState {
    fn from(s: kairos_core::offers::OfferState) -> Self {
        use kairos_core::offers::OfferState as C;
        match s {
            C::Triggered => OfferState::Triggered,
            C::Presented => OfferState::Presented,
            C::Redeemed => OfferState::Redeemed,
            C::Dismissed => OfferState::Dismissed,
            C::Expired => OfferState::Expired,
            C::HeldOut => OfferState::HeldOut,
        }
    }
}

/// One triggered offer, as the app lists it and acts on it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OfferInstance {
    /// Id of this instance: pass it to `presented`, `dismissed` and
    /// `redeemed` (the `instanceId` of `OfferTriggered`).
    pub id: i64,
    /// The catalog offer.
    pub offer_id: String,
    /// Its merchant.
    pub merchant_id: String,
    /// The catalog place whose fence triggered it.
    pub place_id: String,
    /// Headline to show, from the catalog.
    pub title: String,
    /// Text to show, from the catalog.
    pub body: String,
    /// When it triggered: the claim window starts here.
    pub triggered_at: SystemTime,
    /// End of the claim window (the catalog's `claim_window_minutes` after
    /// `triggered_at`).
    pub expires_at: SystemTime,
    /// Lifecycle state.
    pub state: OfferState,
    /// When it entered that state.
    pub state_at: SystemTime,
}

impl From<kairos_core::offers::OfferInstance> for OfferInstance {
    fn from(o: kairos_core::offers::OfferInstance) -> Self {
        OfferInstance {
            id: o.id,
            offer_id: o.offer_id,
            merchant_id: o.merchant_id,
            place_id: o.place_id,
            title: o.title,
            body: o.body,
            triggered_at: from_core(o.triggered_at),
            expires_at: from_core(o.expires_at),
            state: o.state.into(),
            state_at: from_core(o.state_at),
        }
    }
}

/// A circle around a catalog place for the app to register with the OS,
/// so that it is woken near the place: `CLCircularRegion` with
/// `CLLocationManager.startMonitoring(for:)` on iOS, a `Geofence` with
/// `GeofencingClient.addGeofences` on Android. The engine evaluates every
/// fence itself; these only wake the app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WakeRegion {
    /// The catalog place (use it as the region identifier / geofence request id).
    pub place_id: String,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Radius in metres; the circle covers the whole fence.
    pub radius_m: f64,
    /// Distance from the asking position to the fence, in metres (0 inside).
    pub distance_m: f64,
}

impl From<kairos_core::fences::WakeRegion> for WakeRegion {
    fn from(w: kairos_core::fences::WakeRegion) -> Self {
        WakeRegion { place_id: w.place_id, lat: w.lat, lon: w.lon, radius_m: w.radius_m, distance_m: w.distance_m }
    }
}
