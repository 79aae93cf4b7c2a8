//! The `Engine` object: the whole API of Kairos for Kotlin and Swift.
//!
//! Every method is a thin wrapper: convert the arguments, run the core call
//! through `Engine::core_call` (crate-private: panic guard, error mapping),
//! convert the result, and hand any events to the listeners through
//! `Engine::publish`.

use crate::config::EngineConfig;
use crate::error::{guard, KairosError};
use crate::event::KairosEvent;
use crate::fix::{IngestReport, LocationFix};
use crate::listener::{EventListener, Listeners, Subscription};
use crate::local_day::LocalDay;
use crate::offers::{CatalogInfo, CatalogTilesInfo, OfferInstance, WakeRegion};
use crate::privacy::{BudgetEntry, ConsentChange, Consents, OutboxItem};
use crate::purpose::Purpose;
use crate::replay::ReplaySummary;
use crate::routines::Routine;
use crate::runtime::{self, run_blocking};
use crate::sensing::SensingPlan;
use crate::steps::{DaySummary, StepSample, WeekSummary};
use crate::sync::{SyncOptions, SyncReport};
use crate::time::{from_core, to_core};
use crate::transport::{Foreign, HttpTransport};
use crate::visits::{Place, Visit};
use std::sync::Arc;
use std::time::SystemTime;

/// The Kairos engine over one profile database.
///
/// Thread-safe: share one instance across the app; calls from several
/// threads are serialised. Each call blocks briefly on SQLite, so call it
/// from a background dispatcher or queue, or use the `async` variants.
/// Times always come from the inputs or from `tick(now)`: the engine never
/// reads the clock. Every method throws `KairosError` (Kotlin:
/// `KairosException`), never crashes the app.
#[derive(uniffi::Object)]
pub struct Engine {
    pub(crate) core: Arc<kairos_core::Engine>,
    listeners: Arc<Listeners>,
    /// Syncs of this engine run one at a time (friend invites too).
    pub(crate) sync_lock: Arc<futures_util::lock::Mutex<()>>,
}

impl Engine {
    /// Runs `f` on the core engine with the panic guard, mapping core errors.
    pub(crate) fn core_call<T>(
        &self,
        f: impl FnOnce(&kairos_core::Engine) -> kairos_core::ApiResult<T>,
    ) -> Result<T, KairosError> {
        guard(|| f(&self.core).map_err(KairosError::from))
    }

    /// Converts the core's events, delivers them to the listeners and
    /// returns them.
    fn publish(&self, events: Vec<kairos_core::Event>) -> Vec<KairosEvent> {
        let events: Vec<KairosEvent> = events.into_iter().map(KairosEvent::from).collect();
        self.listeners.deliver(&events);
        events
    }

    /// Delivers the events the core keeps for the next call (those of calls
    /// that return a value instead of events: `load_catalog`, the offer
    /// lifecycle calls), so that listeners see them at once.
    pub(crate) fn publish_pending(&self) -> Result<(), KairosError> {
        let events = guard(|| Ok(self.core.take_pending_events()))?;
        self.publish(events);
        Ok(())
    }

    /// Runs an offer lifecycle call and publishes what it left pending.
    fn offer_transition(
        &self,
        f: impl FnOnce(&kairos_core::Engine) -> kairos_core::ApiResult<kairos_core::offers::OfferInstance>,
    ) -> Result<OfferInstance, KairosError> {
        let instance = self.core_call(f)?;
        self.publish_pending()?;
        Ok(instance.into())
    }
}

#[uniffi::export]
impl Engine {
    /// Opens (or creates) the profile in `config.dataDir`. Throws
    /// `InvalidInput` for an unusable configuration (for example an unknown
    /// time zone) and `Storage` when the directory cannot be used. A corrupt
    /// database is moved aside and replaced; the first call that returns
    /// events then reports `DatabaseRecovered`.
    #[uniffi::constructor]
    pub fn open(config: EngineConfig) -> Result<Arc<Self>, KairosError> {
        guard(|| {
            let core = kairos_core::Engine::open(config.try_into()?)?;
            Ok(Arc::new(Engine { core: Arc::new(core), listeners: Arc::default(), sync_lock: Arc::default() }))
        })
    }

    /// Records one fix and returns the events it caused. Throws `InvalidFix`
    /// for a fix that is invalid on its own or refused by the filter (too
    /// old, an unconfirmed jump); a duplicate returns no events.
    pub fn record_location(&self, fix: LocationFix) -> Result<Vec<KairosEvent>, KairosError> {
        let events = self.core_call(|core| core.record_location(fix.into()))?;
        Ok(self.publish(events))
    }

    /// Records a batch of fixes (any order; up to 100,000) in one
    /// transaction. Invalid fixes do not fail the batch: the report lists
    /// them with their reason.
    pub fn record_locations(&self, fixes: Vec<LocationFix>) -> Result<IngestReport, KairosError> {
        let fixes: Vec<kairos_core::LocationFix> = fixes.into_iter().map(Into::into).collect();
        let mut report = self.core_call(|core| core.record_locations(&fixes))?;
        let events = std::mem::take(&mut report.events);
        let mut report = IngestReport::from(report);
        report.events = self.publish(events);
        Ok(report)
    }

    /// `recordLocations` without blocking the caller: a Kotlin `suspend`
    /// function, a Swift `async` method. The work runs on a Kairos thread,
    /// where listeners are called too.
    pub async fn record_locations_async(self: Arc<Self>, fixes: Vec<LocationFix>) -> Result<IngestReport, KairosError> {
        run_blocking(move || self.record_locations(fixes)).await
    }

    /// Records one step sample and returns the events it caused.
    pub fn record_steps(&self, sample: StepSample) -> Result<Vec<KairosEvent>, KairosError> {
        self.record_step_samples(vec![sample])
    }

    /// Records a burst of step samples in one transaction. If any sample is
    /// invalid the whole burst is refused (`InvalidInput`) and nothing is
    /// recorded.
    pub fn record_step_samples(&self, samples: Vec<StepSample>) -> Result<Vec<KairosEvent>, KairosError> {
        let samples =
            samples.into_iter().map(TryInto::try_into).collect::<Result<Vec<kairos_core::StepSample>, _>>()?;
        let events = self.core_call(|core| core.record_step_samples(&samples))?;
        Ok(self.publish(events))
    }

    /// Advances engine time to `now` and returns the events due (inactivity
    /// nudges; retention purges run). Call it from a periodic background
    /// task. A `now` earlier than the engine's clock changes nothing.
    pub fn tick(&self, now: SystemTime) -> Result<Vec<KairosEvent>, KairosError> {
        let events = self.core_call(|core| core.tick(to_core(now)))?;
        Ok(self.publish(events))
    }

    /// Moves the engine to the IANA zone `time_zone` (e.g. `Europe/Paris`)
    /// when the device's zone changes (a shopper who travels): local days
    /// are cut in it from now on, routines follow on the wall clock, and the
    /// zone is kept in the profile. Days already counted stay as they were.
    /// Call it on Android's `ACTION_TIMEZONE_CHANGED`, iOS's
    /// `NSSystemTimeZoneDidChange`. Throws `InvalidInput` naming an unknown
    /// zone; the zone in force then stays.
    pub fn set_time_zone(&self, time_zone: String) -> Result<Vec<KairosEvent>, KairosError> {
        let events = self.core_call(|core| core.set_time_zone(&time_zone))?;
        Ok(self.publish(events))
    }

    /// The steps of the local day containing `now`, against the goal.
    pub fn today(&self, now: SystemTime) -> Result<DaySummary, KairosError> {
        self.core_call(|core| core.today(to_core(now)))?.try_into()
    }

    /// Steps per local day for the seven local days ending with the day of
    /// `now`, oldest first, with the week's total and the days the current
    /// goal was met.
    pub fn week(&self, now: SystemTime) -> Result<WeekSummary, KairosError> {
        self.core_call(|core| core.week(to_core(now)))?.try_into()
    }

    /// Visits overlapping `[from, to)`, by arrival; a visit under way has no
    /// departure.
    pub fn visits(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Visit>, KairosError> {
        let visits = self.core_call(|core| core.visits(to_core(from), to_core(to)))?;
        Ok(visits.into_iter().map(Into::into).collect())
    }

    /// Every learned place (all private to the device).
    pub fn places(&self) -> Result<Vec<Place>, KairosError> {
        let places = self.core_call(|core| core.places())?;
        Ok(places.into_iter().map(Into::into).collect())
    }

    /// Raw fixes held for `[from, to)`: only those within the retention
    /// window.
    pub fn raw_fixes(&self, from: SystemTime, to: SystemTime) -> Result<Vec<LocationFix>, KairosError> {
        let fixes = self.core_call(|core| core.raw_fixes(to_core(from), to_core(to)))?;
        Ok(fixes.into_iter().map(Into::into).collect())
    }

    /// The engine's clock: the latest time seen from any input or tick, or
    /// `nil`/`null` before the first.
    pub fn clock(&self) -> Result<Option<SystemTime>, KairosError> {
        self.core_call(|core| Ok(core.clock().map(from_core)))
    }

    /// Registers `listener` to receive every event any call of this engine
    /// returns, until the returned subscription is cancelled or freed. Keep
    /// the subscription: dropping it ends delivery.
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> Arc<Subscription> {
        Arc::new(self.listeners.add(listener))
    }

    // ---- Offers -------------------------------------------------------------

    /// Verifies a signed catalog envelope (the bytes the backend serves, as
    /// they are) with the `catalogKeys` given at open, and puts it in force
    /// at `now`, atomically. Listeners receive `CatalogLoaded`.
    ///
    /// Throws `InvalidCatalog` for an envelope that is not signed by a known
    /// key, a document that is invalid (the reason names the offending
    /// value's path), expired, not yet valid, or older than the catalog in
    /// force; the catalog in force then stays, unchanged. The catalog is
    /// kept in the profile and restored at the next open.
    ///
    /// Verifying a large catalog takes a while: prefer `loadCatalogAsync`
    /// off the main thread.
    pub fn load_catalog(&self, envelope: Vec<u8>, now: SystemTime) -> Result<CatalogInfo, KairosError> {
        let info = self.core_call(|core| core.load_catalog(&envelope, to_core(now)))?;
        self.publish_pending()?;
        Ok(info.into())
    }

    /// `loadCatalog` without blocking the caller: a Kotlin `suspend`
    /// function, a Swift `async` method. Verification runs on a Kairos
    /// thread, where listeners are called too.
    pub async fn load_catalog_async(
        self: Arc<Self>,
        envelope: Vec<u8>,
        now: SystemTime,
    ) -> Result<CatalogInfo, KairosError> {
        run_blocking(move || self.load_catalog(envelope, now)).await
    }

    /// The catalog in force, or `nil`/`null` before the first is loaded.
    pub fn catalog_info(&self) -> Result<Option<CatalogInfo>, KairosError> {
        self.core_call(|core| Ok(core.catalog_info().map(Into::into)))
    }

    /// The catalog tiles held, or `nil`/`null` when the catalog in force is
    /// not tiled (a single signed document, or none yet). Tiles arrive with
    /// `sync`, nothing else to call.
    pub fn catalog_tiles(&self) -> Result<Option<CatalogTilesInfo>, KairosError> {
        self.core_call(|core| Ok(core.catalog_tiles().map(Into::into)))
    }

    /// The offers the shopper can claim at `now` (triggered or presented,
    /// claim window not over), soonest expiry first. Show these.
    pub fn offers(&self, now: SystemTime) -> Result<Vec<OfferInstance>, KairosError> {
        let offers = self.core_call(|core| core.offers(to_core(now)))?;
        Ok(offers.into_iter().map(Into::into).collect())
    }

    /// Every offer instance triggered in `[from, to)`, whatever its state
    /// (including expired, dismissed and held-out ones), by trigger time.
    pub fn offer_history(&self, from: SystemTime, to: SystemTime) -> Result<Vec<OfferInstance>, KairosError> {
        let offers = self.core_call(|core| core.offer_history(to_core(from), to_core(to)))?;
        Ok(offers.into_iter().map(Into::into).collect())
    }

    /// The app showed the offer to the shopper. Allowed while the offer is
    /// claimable; repeating it is harmless. Returns the updated instance.
    ///
    /// Throws `UnknownOffer` for an id no instance has, and
    /// `InvalidOfferTransition` when the offer is no longer open (redeemed,
    /// dismissed, expired, held out) or `now` is outside its claim window.
    pub fn presented(&self, instance_id: i64, now: SystemTime) -> Result<OfferInstance, KairosError> {
        self.offer_transition(|core| core.presented(instance_id, to_core(now)))
    }

    /// The shopper dismissed the offer: it closes, and the same offer stays
    /// silent for `dismissalCooldownDays`. Throws as `presented` does.
    pub fn dismissed(&self, instance_id: i64, now: SystemTime) -> Result<OfferInstance, KairosError> {
        self.offer_transition(|core| core.dismissed(instance_id, to_core(now)))
    }

    /// The shopper redeemed the offer (online, or where no till verifies
    /// tokens), within its claim window; it closes for good. At a till,
    /// call `redeem` instead: it returns the signed token to show. Throws as `presented` does:
    /// redeeming twice is an `InvalidOfferTransition` ("... it is already
    /// redeemed").
    pub fn redeemed(&self, instance_id: i64, now: SystemTime) -> Result<OfferInstance, KairosError> {
        self.offer_transition(|core| core.redeemed(instance_id, to_core(now)))
    }

    /// The `n` catalog places nearest to (`lat`, `lon`), nearest first, as
    /// circles to register with the OS so that it wakes the app near them:
    /// iOS monitors at most 20 regions per app, Android up to 100
    /// geofences. Call it again when the phone has moved (for example on a
    /// wake-up) and replace the registered set. Empty without a catalog.
    /// Throws `InvalidFix` for an impossible position and `InvalidInput`
    /// for a negative `n`.
    pub fn wake_regions(&self, lat: f64, lon: f64, n: i32) -> Result<Vec<WakeRegion>, KairosError> {
        let n = u32::try_from(n).map_err(|_| {
            KairosError::invalid_input(format!("invalid wake region count: n must not be negative, got {n}"))
        })?;
        let regions = self.core_call(|core| core.wake_regions(lat, lon, n))?;
        Ok(regions.into_iter().map(Into::into).collect())
    }

    /// What the engine needs from the platform's location services from
    /// `now` until its next call: the class of fix, how often, the
    /// displacement filter, whether to wake on motion, the regions to
    /// register and the rule that applied (`docs/geofencing.md`, "The
    /// sensing plan"). From this call on, every later call that changes the
    /// plan enough also delivers `SensingPlanChanged` (call this again then
    /// for the new wake regions). Throws only on an internal failure.
    pub fn sensing_plan(&self, now: SystemTime) -> Result<SensingPlan, KairosError> {
        let plan = self.core_call(|core| core.sensing_plan(to_core(now)))?;
        Ok(plan.into())
    }

    // ---- Routines -----------------------------------------------------------

    /// Every routine learned, as it stands at `now`: period, regularity,
    /// usual day and time, next expected visit and whether it is overdue.
    /// Soonest expected first. Lapsed routines are listed too. Routines of
    /// learned places never leave the device.
    ///
    /// A routine falling overdue is announced once per missed cycle by
    /// `RoutineOverdue` (from `tick` or any input that moves the clock past
    /// it; never for home or work); a visit that serves it brings
    /// `RoutineResumed`; heading, on the move, towards a catalog place that
    /// serves an overdue routine brings `OnTheWayReminder`.
    pub fn routines(&self, now: SystemTime) -> Result<Vec<Routine>, KairosError> {
        let routines = self.core_call(|core| core.routines(to_core(now)))?;
        Ok(routines.into_iter().map(Into::into).collect())
    }

    /// Records a whole visit at (`lat`, `lon`) from `arrived` to `departed`:
    /// one the platform detected (iOS `CLVisit`), or one from the shopper's
    /// earlier history. It takes the path of a detected visit, in one
    /// transaction: clustered into a learned place, matched to the merchants
    /// of the catalog in force (load the catalog first), folded into the
    /// routines; then the clock advances to `departed` (never back). Feed
    /// history oldest first.
    ///
    /// Returns `VisitStarted` and `VisitEnded` with whatever else the visit
    /// caused (`RoutineResumed`...), and delivers them to listeners. The
    /// same visit delivered again returns no events. Throws `InvalidInput`
    /// for an impossible position or time, a departure not after the
    /// arrival, a visit shorter than the dwell threshold or longer than 31
    /// days, or one overlapping a recorded visit.
    pub fn record_visit(
        &self,
        lat: f64,
        lon: f64,
        arrived: SystemTime,
        departed: SystemTime,
    ) -> Result<Vec<KairosEvent>, KairosError> {
        let events = self.core_call(|core| core.record_visit(lat, lon, to_core(arrived), to_core(departed)))?;
        Ok(self.publish(events))
    }

    // ---- Privacy ------------------------------------------------------------

    /// Records the shopper's choice for `purpose` under the privacy policy
    /// `policyVersion` (the version they saw; required), at `now`. Every
    /// purpose is off until its first choice. The choice is appended to the
    /// consent ledger, never rewritten.
    ///
    /// From then on, each local day that closes (at the first `tick` or
    /// input after local midnight) queues one summary per granted purpose
    /// in the outbox. Withdrawing a granted purpose deletes its queued
    /// summaries and queues a deletion request for it, which the next
    /// `sync` sends. Throws `InvalidInput` for a blank `policyVersion`.
    pub fn set_consent(
        &self,
        purpose: Purpose,
        granted: bool,
        policy_version: String,
        now: SystemTime,
    ) -> Result<ConsentChange, KairosError> {
        let change = self.core_call(|core| core.set_consent(purpose.into(), granted, &policy_version, to_core(now)))?;
        self.publish_pending()?;
        Ok(change.into())
    }

    /// The current choice per purpose and the whole ledger, to show in the
    /// app's privacy screen or export as proof.
    pub fn consents(&self) -> Result<Consents, KairosError> {
        self.core_call(|core| core.consents()).map(Into::into)
    }

    /// Everything waiting to leave the device, oldest first: exactly the
    /// payloads the next `sync` sends. Show it to the shopper ("what we
    /// would share").
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, KairosError> {
        let items = self.core_call(|core| core.outbox())?;
        items.into_iter().map(TryInto::try_into).collect()
    }

    /// Summaries dropped, ever, because the outbox was full (1,000 items)
    /// or they were too old (30 days) before a sync could send them, or
    /// because the server refused them for good.
    pub fn outbox_dropped(&self) -> Result<i64, KairosError> {
        self.core_call(|core| Ok(i64::try_from(core.outbox_dropped()).unwrap_or(i64::MAX)))
    }

    /// The local-privacy budget spent on the local days `fromDay` to
    /// `toDay` (both included): one entry per purpose and day whose summary
    /// was noised; empty while local privacy is off. Throws `InvalidInput`
    /// for a day that is not on the calendar.
    pub fn privacy_budget(&self, from_day: LocalDay, to_day: LocalDay) -> Result<Vec<BudgetEntry>, KairosError> {
        let (from, to) = (from_day.try_into()?, to_day.try_into()?);
        let entries = self.core_call(|core| core.privacy_budget(from, to))?;
        entries.into_iter().map(TryInto::try_into).collect()
    }

    /// One JSON document of everything the engine holds about the shopper,
    /// for them to keep (`"format": "kairos-export/2"`, described in
    /// `docs/privacy.md`; top-level keys `install_id`, `consents`, `places`,
    /// `visits`, `merchant_visits`, `step_minutes`, `step_days`, `offers`,
    /// `outbox`, `privacy_budget`, `routines`, `raw_fixes`, `engine_state`,
    /// `fence_ids`). It holds raw coordinates, unsealed: hand it only to the
    /// shopper. `importProfile` restores it on another phone.
    pub fn export_profile(&self) -> Result<String, KairosError> {
        self.core_call(|core| core.export_profile())
    }

    /// Restores an export (`exportProfile` of another install, under any
    /// sealing key) into this profile, which must be new or erased; it is
    /// sealed under this engine's key, and this install keeps its own
    /// pseudonym. Afterwards the engine behaves as the old one did (places,
    /// visits, routines, steps, consents, offer caps and cooldowns). Throws
    /// `ImportRefused` (typed: `NewerFormat`, `Damaged` or `Inconsistent`
    /// with the JSON path, `ProfileNotEmpty`), changing nothing.
    pub fn import_profile(&self, export: String) -> Result<(), KairosError> {
        self.core_call(|core| core.import_profile(&export))
    }

    /// The export, sealed (AES-256-GCM, authenticated) under `backupKey`
    /// (32 bytes that the app keeps in the platform's *backed-up* keychain:
    /// iCloud Keychain, or Android's Block Store / a key the shopper's
    /// account restores), as bytes to write to a file the platform backs up
    /// (`docs/bindings.md`, "Backup and restore"). Throws `InvalidInput`
    /// for a key that is not 32 bytes.
    pub fn export_backup(&self, backup_key: Vec<u8>) -> Result<Vec<u8>, KairosError> {
        self.core_call(|core| core.export_backup(&backup_key))
    }

    /// Restores a backup made by `exportBackup`, as `importProfile` does.
    /// A wrong key or altered bytes throw `ImportRefused` with
    /// `BackupUnreadable`; bytes that are not a backup, `NotABackup`; a
    /// newer backup, `NewerFormat`. Nothing is changed then.
    pub fn import_backup(&self, backup: Vec<u8>, backup_key: Vec<u8>) -> Result<(), KairosError> {
        self.core_call(|core| core.import_backup(&backup, &backup_key))
    }

    /// Erases everything held about the shopper (fixes, visits, places,
    /// steps, offers, consents, the outbox) so that nothing is recoverable
    /// from the database files, then queues one deletion request for
    /// everything, which the next `sync` sends so the backend forgets too.
    /// The install is forgotten: the deletion goes under the old
    /// pseudonym, and later uploads register a new one. A single-document
    /// catalog (the same for every install) stays in force. A tiled
    /// catalog does not: the tiles held are the shopper's region, so they
    /// go with the profile (no catalog is in force until the next `sync`,
    /// which fetches the tiles around the positions recorded after the
    /// erase, under the new pseudonym). Every purpose is off again.
    pub fn erase_all(&self, now: SystemTime) -> Result<(), KairosError> {
        self.core_call(|core| core.erase_all(to_core(now)))
    }

    /// Re-seals everything sealed at rest under `newKey` (32 bytes), in one
    /// transaction. Store the new key in the Keychain or Keystore *before*
    /// calling: once this returns, only `newKey` opens the profile (the old
    /// one gets `WrongKey`). If it throws, nothing changed and the old key
    /// still works. Throws `InvalidInput` for a key that is not 32 bytes.
    pub fn rotate_key(&self, new_key: Vec<u8>) -> Result<(), KairosError> {
        self.core_call(|core| core.rotate_key(&new_key))
    }

    // ---- Sync ---------------------------------------------------------------

    /// Sends the outbox (consented summaries and deletion requests) to the
    /// backend at `options.baseUrl`, and fetches a fresh signed catalog
    /// when the one in force is stale (`options.fetchCatalog`). A Kotlin
    /// `suspend` function, a Swift `async` method: call it from a
    /// background job (WorkManager, `BGProcessingTask`), a few times a day
    /// at most.
    ///
    /// Requests go through `transport`, the app's HTTP stack: pass the
    /// package's `HttpUrlConnectionTransport()` (Kotlin) or
    /// `URLSessionTransport()` (Swift), or your own `HttpTransport` (OkHttp,
    /// a pinned `URLSession`).
    ///
    /// Network and server trouble never throw: the report says what was
    /// sent, dropped and deferred, and `nextAttemptAt` when to try again;
    /// what was not sent stays in the outbox. Consent is checked again
    /// right before each request. Throws `InvalidInput` for an unusable
    /// URL (plain `http://` other than to loopback with
    /// `allowInsecureLoopback`), `Storage` when the profile cannot be read
    /// or written.
    ///
    /// The exchange runs on a Kairos thread, where listeners receive the
    /// events it causes (`CatalogLoaded`). Syncs of one engine run one at a
    /// time. Cancelling the caller does not stop a sync under way: it runs
    /// to its end (each request has its own timeout), so the outbox is
    /// never left half-sent.
    pub async fn sync(
        self: Arc<Self>,
        options: SyncOptions,
        transport: Arc<dyn HttpTransport>,
        now: SystemTime,
    ) -> Result<SyncReport, KairosError> {
        crate::sync::check(&options)?;
        let now = to_core(now);
        runtime::spawn(async move {
            let _one_at_a_time = self.sync_lock.lock().await;
            let transport = Foreign(transport);
            let report = self.core.sync_with(&options.into(), &transport, now).await.map_err(KairosError::from)?;
            self.publish_pending()?;
            Ok(report.into())
        })
        .await
    }

    // ---- Replay (QA) --------------------------------------------------------

    /// Replays a recorded or synthetic track (and step samples) through this
    /// engine as a phone would deliver it: inputs sorted by time, fed in
    /// windows of `windowMs` milliseconds (at least 1 s; default 60 s), the
    /// engine ticked at the end of each window, and, when `until` is later
    /// than the last input, ticked on to `until` (to let claim windows
    /// expire or nudges fire). This is the code `kairos-sim` runs.
    ///
    /// Listeners receive each event as the replay produces it, window by
    /// window, in time order within a window (one `onEvents` call per
    /// event); the summary counts them. Refused fixes are counted, not
    /// thrown. A failure (storage) stops the replay with what was fed so
    /// far recorded.
    ///
    /// Everything replayed becomes the profile's history (visits, steps,
    /// offers): for QA, open a separate engine on its own data directory,
    /// load the catalog into it, and replay there.
    #[uniffi::method(default(steps = [], window_ms = 60000, until = None))]
    pub fn replay(
        &self,
        fixes: Vec<LocationFix>,
        steps: Vec<StepSample>,
        window_ms: i64,
        until: Option<SystemTime>,
    ) -> Result<ReplaySummary, KairosError> {
        let fixes: Vec<kairos_core::LocationFix> = fixes.into_iter().map(Into::into).collect();
        let steps = steps.into_iter().map(TryInto::try_into).collect::<Result<Vec<kairos_core::StepSample>, _>>()?;
        let options = kairos_core::replay::ReplayOptions { window_ms, until: until.map(to_core) };
        let summary = self.core_call(|core| {
            kairos_core::replay::replay(core, &fixes, &steps, options, |event| {
                self.publish(vec![event.clone()]);
            })
        })?;
        Ok(summary.into())
    }

    /// `replay` without blocking the caller: a Kotlin `suspend` function, a
    /// Swift `async` method, so a demo app can replay a day at full speed
    /// while its UI follows the events. The replay runs on a Kairos thread,
    /// where listeners are called too.
    #[uniffi::method(default(steps = [], window_ms = 60000, until = None))]
    pub async fn replay_async(
        self: Arc<Self>,
        fixes: Vec<LocationFix>,
        steps: Vec<StepSample>,
        window_ms: i64,
        until: Option<SystemTime>,
    ) -> Result<ReplaySummary, KairosError> {
        run_blocking(move || self.replay(fixes, steps, window_ms, until)).await
    }
}
