//! The offer half of the public API: loading catalogs, listing claimable
//! offers, the lifecycle calls, and the regions to register with the OS.

use super::pipeline::Ctx;
use super::{ApiResult, Engine, Inner};
use crate::domain::catalog::{next_opening, signing_key_id, verify_for_storage_with, verify_stored_with, CatalogError};
use crate::domain::event::{Event, EventKind};
use crate::domain::offers::loaded::{LoadedCatalog, PendingCatalog};
use crate::domain::offers::loaded_read::{PlaceIds, ReadTables};
use crate::domain::offers::{OfferInstance, OfferState};
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};
use crate::store::{self, Connection};
use std::sync::Arc;
use std::sync::Mutex;

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

pub(super) fn info(c: &LoadedCatalog) -> CatalogInfo {
    CatalogInfo {
        version: c.version,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        merchants: c.merchant_count() as u64,
        offers: c.offer_count() as u64,
        fences: c.index.len() as u64,
    }
}

/// Gives the catalog's places their stable fence ids (read from, or new
/// ones written to, the database) and indexes its fences.
pub(super) fn prepare(conn: &Connection, pending: PendingCatalog) -> Result<LoadedCatalog> {
    let ids = store::catalog::fence_ids(conn, pending.place_ids())?;
    Ok(pending.number_fences(&ids)?)
}

/// [`prepare`] with the places looked up in `fence_ids` already, and
/// stores `stored` (the signed catalog, as [`verify_for_storage_with`]
/// gives it; `None` when already stored) as the catalog in force. A second
/// thread indexes the fences (under provisional ids) while this one stores
/// the new places' fence ids, then gives the index its ids while this one
/// writes the signed bytes if still needed.
pub(super) fn prepare_and_save(
    pending: PendingCatalog,
    fence_ids: store::catalog::FenceIdAssigner<'_>,
    stored: Option<&[u8]>,
    conn: &Connection,
    now: Timestamp,
) -> Result<LoadedCatalog> {
    let version = pending.version();
    let (ids, index) = std::thread::scope(|s| {
        let index = s.spawn(|| pending.provisional_index());
        let ids = fence_ids.finish(|i| pending.place_id(i));
        (ids, index.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let ids = ids?;
    std::thread::scope(|s| {
        let built = s.spawn(move || pending.number_fences_with(&ids, index));
        let saved = stored.map_or(Ok(()), |stored| store::catalog::save(conn, version, stored, now));
        let built = built.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        saved?;
        Ok(built?)
    })
}

/// Refuses a redemption while the instance's place is closed (by the
/// catalog in force; a place it no longer holds is not judged).
fn check_open(catalog: Option<&LoadedCatalog>, instance: &OfferInstance, now: Timestamp) -> Result<()> {
    let Some(place) = catalog.and_then(|c| c.place_by_id(&instance.place_id)) else { return Ok(()) };
    if place.is_open(now) {
        return Ok(());
    }
    let tz = place.merchant().time_zone();
    let reopens_at = next_opening(place.opening_hours(), now, instance.expires_at, tz);
    Err(Error::StoreClosed { id: instance.id, place_id: instance.place_id.clone(), reopens_at })
}

/// Moves instance `id` to `to` at `now` inside the caller's transaction,
/// or refuses with the reason (closed, out of its claim window, its place
/// closed for a redemption); asking for the state it is in changes nothing.
pub(super) fn transition_in(ctx: &mut Ctx<'_>, id: i64, to: OfferState, now: Timestamp) -> Result<OfferInstance> {
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
    if to == OfferState::Redeemed {
        check_open(ctx.catalog, &current, now)?;
    }
    store::offers::set_state(ctx.conn, id, to, now)?;
    Ok(OfferInstance { state: to, state_at: now, ..current })
}

impl Inner {
    /// Puts `catalog` in force, and makes the private places learned before
    /// it that its fences cover their merchants' (`PlaceBook::match_fences`:
    /// a shop added to the catalog, or a tile that arrived, after the
    /// shopper stayed in it). Every catalog comes into force here.
    pub(super) fn set_catalog(&mut self, catalog: Option<Arc<LoadedCatalog>>) {
        if let Some(cat) = &catalog {
            let mut hits = Vec::new();
            let matched = self.places.match_fences(|lat, lon| {
                cat.visit_hits(lat, lon, &mut hits);
                !hits.is_empty()
            });
            if !matched.is_empty() {
                tracing::info!(places = matched.len(), "places learned before their catalog fences are now merchants'");
            }
        }
        self.catalog = catalog;
    }

    /// Reloads the stored catalog at open. A stored catalog that no longer
    /// verifies (keys rotated away) or has expired is not used; offers then
    /// wait for the next catalog. A catalog that cannot be read fails the
    /// open, as any other unreadable row does.
    pub(super) fn restore_catalog(&mut self) -> Result<Option<Arc<LoadedCatalog>>> {
        let Some((stored, loaded_at)) = store::catalog::load(&self.conn)? else { return Ok(None) };
        // Judge its dates at the later of the engine clock and when it was
        // loaded (the clock may not have moved since).
        let now = self.st.clock.map_or(loaded_at, |c| c.max(loaded_at));
        match verify_stored_with(&stored, &self.keys, now, &ReadTables::default()) {
            Ok(pending) => match prepare(&self.conn, pending) {
                Ok(c) => Ok(Some(Arc::new(c))),
                // Its fences cannot be indexed (a catalog that verified when
                // loaded): it is unusable, as an expired one is.
                Err(e @ (Error::Fence(_) | Error::Catalog(_))) => {
                    tracing::warn!(error = %e, "stored catalog could not be prepared");
                    Ok(None)
                }
                Err(e) => Err(e),
            },
            Err(e) => {
                tracing::warn!(error = %e, "stored catalog is no longer usable");
                Ok(None)
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
        let keys = inner.keys.clone();
        // Tens of MB committed at once would make this commit copy them into
        // the database and sync the disk (SQLite's automatic checkpoint):
        // the next commit does it instead, off this call.
        let autocheckpoint = store::catalog::suspend_autocheckpoint(&inner.conn)?;
        let written = inner.write(|ctx| {
            // Once the signature holds, the signed bytes are written while
            // the document is still being read (when its version comes
            // first, as the backend writes it); anything refused later rolls
            // the write back with the rest.
            // The fence ids of the places read are looked up (new places
            // given theirs) meanwhile too.
            let (send_ids, place_ids) = std::sync::mpsc::channel();
            let reader = ReadTables { place_ids: Mutex::new(Some(send_ids)) };
            let conn = ctx.conn;
            let (pending, stored, (saved, fence_ids)) =
                verify_for_storage_with(envelope, &keys, now, &reader, |stored, version| {
                    let saved = version.map(|v| store::catalog::save(conn, v, stored, now).map(|()| v));
                    let fence_ids = store::catalog::FenceIdAssigner::new(conn).map(|mut ids| {
                        place_ids.iter().for_each(|batch: PlaceIds| ids.add(batch.iter()));
                        ids
                    });
                    (saved, fence_ids)
                })?;
            // A lower version than the one in force, or than the highest
            // ever loaded under the same key (remembered across restarts),
            // is a rollback; the same one a re-fetch.
            let key_id = signing_key_id(&stored).ok_or_else(|| CatalogError::MalformedEnvelope {
                reason: "the verified catalog does not name its key".into(),
            })?;
            let highest = store::catalog::highest_version(ctx.conn, key_id)?;
            let in_force = ctx.catalog.map(|c| c.version);
            if let Some(current) = highest.max(in_force) {
                if pending.version() < current {
                    return Err(CatalogError::Rollback { offered: pending.version(), current }.into());
                }
            }
            store::catalog::raise_highest_version(ctx.conn, key_id, pending.version())?;
            let saved = saved.transpose()?;
            let to_save = (saved != Some(pending.version())).then_some(&stored[..]);
            // Places the read did not send (a document read by the slow path).
            let mut fence_ids = fence_ids?;
            fence_ids.add(pending.place_ids().skip(fence_ids.len()));
            let loaded = prepare_and_save(pending, fence_ids, to_save, ctx.conn, now)?;
            store::tiles::clear(ctx.conn)?;
            let i = info(&loaded);
            ctx.emit(now, EventKind::CatalogLoaded { version: i.version, offers: i.offers, fences: i.fences });
            Ok(loaded)
        });
        store::catalog::resume_autocheckpoint(&inner.conn, autocheckpoint)?;
        let written = written?;
        let loaded = Arc::new(written.value);
        let summary = info(&loaded);
        inner.set_catalog(Some(loaded));
        // A single-document catalog replaces any tiles held.
        inner.tiles = None;
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

    /// The shopper redeemed the offer (within its claim window, while its
    /// place is open); it never fires again. Outside the place's opening
    /// hours it is refused with [`crate::KairosError::StoreClosed`] (saying
    /// when it reopens within the window), and the offer stays claimable.
    pub fn redeemed(&self, instance_id: i64, now: Timestamp) -> ApiResult<OfferInstance> {
        self.transition(instance_id, OfferState::Redeemed, now)
    }

    fn transition(&self, id: i64, to: OfferState, now: Timestamp) -> ApiResult<OfferInstance> {
        let mut inner = self.lock();
        let written = inner.write(|ctx| transition_in(ctx, id, to, now))?;
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
