//! The offer half of the public API: loading catalogs, listing claimable
//! offers, the lifecycle calls, and the regions to register with the OS.

use super::{ApiResult, Engine, Inner};
use crate::catalog::{verify_for_storage, verify_stored, Catalog};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::offers::loaded::LoadedCatalog;
use crate::offers::{OfferInstance, OfferState};
use crate::store;
use crate::time::Timestamp;
use std::sync::Arc;

/// The catalog in force, in brief.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogInfo {
    /// Its version.
    pub version: u64,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Merchants it holds.
    pub merchants: u64,
    /// Offers it holds.
    pub offers: u64,
    /// Fences (merchant places) it holds.
    pub fences: u64,
}

/// A circle for the app to register with the OS (CLCircularRegion,
/// GeofencingRequest) so the OS wakes it near a catalog place.
#[derive(Debug, Clone, PartialEq)]
pub struct WakeRegion {
    /// The catalog place.
    pub place_id: String,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Radius in metres (covers the whole fence).
    pub radius_m: f64,
    /// Distance from the asking position to the fence, metres (0 inside).
    pub distance_m: f64,
}

fn info(c: &LoadedCatalog) -> CatalogInfo {
    CatalogInfo {
        version: c.version,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        merchants: c.merchant_count() as u64,
        offers: c.offer_count() as u64,
        fences: c.index.len() as u64,
    }
}

/// The stable fence id of each of the catalog's places, in document order.
fn fence_ids(conn: &rusqlite::Connection, catalog: &Catalog) -> Result<Vec<crate::fences::FenceId>> {
    store::catalog::fence_ids(conn, catalog.merchants.iter().flat_map(|m| m.places.iter().map(|p| p.id.as_str())))
}

/// Gives the catalog's places their fence ids and builds what evaluation
/// needs; the document itself is not kept.
fn prepare(conn: &rusqlite::Connection, catalog: Catalog) -> Result<LoadedCatalog> {
    let ids = fence_ids(conn, &catalog)?;
    Ok(LoadedCatalog::build(&catalog, &ids)?)
}

/// [`prepare`], and stores `stored` (the signed catalog, as
/// [`verify_for_storage`] gives it) as the catalog in force. A thread of
/// `scope` builds the tables (CPU only) while this one reads the fence ids
/// from the database, then the fence index while this one writes the signed
/// bytes (tens of MB), and last frees the parsed document while this one
/// goes on to the commit.
fn prepare_and_save<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    conn: &rusqlite::Connection,
    catalog: Catalog,
    stored: &[u8],
    now: Timestamp,
) -> Result<LoadedCatalog> {
    use std::sync::{mpsc, Arc};
    let (version, catalog) = (catalog.version, Arc::new(catalog));
    let (send_ids, receive_ids) = mpsc::channel::<Vec<crate::fences::FenceId>>();
    let (send_built, receive_built) = mpsc::channel();
    let for_build = Arc::clone(&catalog);
    scope.spawn(move || {
        let mut built = LoadedCatalog::build_tables(&for_build);
        // No ids: reading them failed, and the load is abandoned.
        let Ok(ids) = receive_ids.recv() else { return };
        let built = built.attach_fences(&for_build, &ids).map(|()| built);
        let _ = send_built.send(built);
        drop(for_build);
    });
    let ids = fence_ids(conn, &catalog);
    drop(catalog);
    let _ = send_ids.send(ids?);
    let saved = store::catalog::save(conn, version, stored, now);
    // A panic in the build thread drops the sender: the scope re-raises
    // that panic when it ends.
    let built = receive_built.recv().map_err(|_| Error::InvalidConfig("the catalog build failed".into()))?;
    saved?;
    Ok(built?)
}

impl Inner {
    /// Reloads the stored catalog at open. A stored catalog that no longer
    /// verifies (keys rotated away) or has expired is not used; offers then
    /// wait for the next catalog.
    pub(super) fn restore_catalog(&mut self) -> Option<Arc<LoadedCatalog>> {
        let (stored, loaded_at) = store::catalog::load(&self.conn).ok()??;
        // Judge its dates at the later of the engine clock and when it was
        // loaded (the clock may not have moved since).
        let now = self.st.clock.map_or(loaded_at, |c| c.max(loaded_at));
        match verify_stored(&stored, &self.keys, now) {
            Ok(catalog) => match prepare(&self.conn, catalog) {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    tracing::warn!(error = %e, "stored catalog could not be prepared");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "stored catalog is no longer usable");
                None
            }
        }
    }
}

impl Engine {
    /// Verifies a signed catalog envelope and puts it in force, atomically.
    /// An invalid, unsigned, wrongly signed, expired or older catalog is
    /// refused whole with [`crate::KairosError::InvalidCatalog`], and the
    /// catalog in force stays. Fence state carries over for places the new
    /// catalog keeps.
    pub fn load_catalog(&self, envelope: &[u8], now: Timestamp) -> ApiResult<CatalogInfo> {
        let mut inner = self.lock();
        let (catalog, stored) = verify_for_storage(envelope, &inner.keys, now).map_err(Error::from)?;
        catalog.check_may_replace_version(inner.catalog.as_deref().map(|c| c.version)).map_err(Error::from)?;
        let written = std::thread::scope(|s| {
            inner.write(|ctx| {
                let loaded = prepare_and_save(s, ctx.conn, catalog, &stored, now)?;
                let i = info(&loaded);
                ctx.emit(now, EventKind::CatalogLoaded { version: i.version, offers: i.offers, fences: i.fences });
                Ok(loaded)
            })
        })?;
        let loaded = Arc::new(written.value);
        let summary = info(&loaded);
        inner.catalog = Some(loaded);
        inner.pending.extend(written.events);
        Ok(summary)
    }

    /// The catalog in force, if any.
    pub fn catalog_info(&self) -> Option<CatalogInfo> {
        self.lock().catalog.as_deref().map(info)
    }

    /// Offers the shopper can claim at `now`, soonest expiry first.
    pub fn offers(&self, now: Timestamp) -> ApiResult<Vec<OfferInstance>> {
        Ok(store::offers::claimable(&self.lock().conn, now)?)
    }

    /// Every offer instance triggered in `[from, to)`, whatever its state.
    pub fn offer_history(&self, from: Timestamp, to: Timestamp) -> ApiResult<Vec<OfferInstance>> {
        Ok(store::offers::in_range(&self.lock().conn, from, to)?)
    }

    /// The app showed the offer. Allowed while it is claimable; repeating
    /// it is harmless.
    pub fn presented(&self, instance_id: i64, now: Timestamp) -> ApiResult<OfferInstance> {
        self.transition(instance_id, OfferState::Presented, now)
    }

    /// The shopper dismissed the offer: it closes, and the offer stays
    /// silent for the dismissal cooldown.
    pub fn dismissed(&self, instance_id: i64, now: Timestamp) -> ApiResult<OfferInstance> {
        self.transition(instance_id, OfferState::Dismissed, now)
    }

    /// The shopper redeemed the offer (within its claim window); it never
    /// fires again.
    pub fn redeemed(&self, instance_id: i64, now: Timestamp) -> ApiResult<OfferInstance> {
        self.transition(instance_id, OfferState::Redeemed, now)
    }

    fn transition(&self, id: i64, to: OfferState, now: Timestamp) -> ApiResult<OfferInstance> {
        let mut inner = self.lock();
        let written = inner.write(|ctx| {
            let current = store::offers::get(ctx.conn, id)?.ok_or(Error::UnknownOffer(id))?;
            let refuse = |reason: String| Error::OfferTransition { id, to: to.as_str(), reason };
            if !current.state.is_open() {
                return Err(refuse(format!("it is already {}", current.state.as_str())));
            }
            if now >= current.expires_at {
                return Err(refuse(format!("its claim window ended at {}", current.expires_at)));
            }
            if now < current.triggered_at {
                return Err(refuse(format!("{now} is before it triggered at {}", current.triggered_at)));
            }
            if current.state == to {
                return Ok(current);
            }
            store::offers::set_state(ctx.conn, id, to, now)?;
            Ok(OfferInstance { state: to, state_at: now, ..current })
        })?;
        inner.pending.extend(written.events);
        Ok(written.value)
    }

    /// The `n` catalog places nearest to `(lat, lon)`, as circles for the
    /// app to register with the OS (20 on iOS, up to 100 on Android) so it
    /// is woken near them. Empty without a catalog.
    pub fn wake_regions(&self, lat: f64, lon: f64, n: u32) -> ApiResult<Vec<WakeRegion>> {
        crate::LocationFix::new(Timestamp(crate::policy::MIN_INPUT_TIME_MS), lat, lon, 1.0)
            .validate()
            .map_err(|rejection| crate::KairosError::InvalidFix { rejection })?;
        let inner = self.lock();
        let Some(cat) = inner.catalog.as_deref() else { return Ok(Vec::new()) };
        Ok(cat
            .index
            .nearest(lat, lon, n as usize)
            .into_iter()
            .filter_map(|(fence, distance_m)| {
                let place = cat.place(fence)?;
                let (clat, clon, radius_m) = place.region();
                Some(WakeRegion {
                    place_id: place.id().to_owned(),
                    lat: clat,
                    lon: clon,
                    radius_m,
                    distance_m: distance_m.max(0.0),
                })
            })
            .collect())
    }

    /// Events waiting for the next call (from `load_catalog` and the
    /// lifecycle calls, which return their own values).
    pub fn take_pending_events(&self) -> Vec<Event> {
        std::mem::take(&mut self.lock().pending)
    }
}
