//! The engine facade: the one type an app (through the bindings), the
//! simulator and the tests talk to.
//!
//! `Engine` is `Send + Sync`: every call takes an internal lock, so calls
//! from several threads are serialised and each write is one SQLite
//! transaction. Times always come from the inputs or from `tick(now)`; the
//! engine never reads the wall clock.

mod clock;
pub mod config;
mod deadlines;
mod held;
mod offer_stage;
mod offers_api;
mod pipeline;
mod portability;
mod privacy_api;
mod redemption;
pub mod replay;
mod routines_api;
mod sensing;
mod state;
pub mod sync;
mod tiles_api;
mod tiles_build;
mod tiles_patch;
mod zone;

pub use offers_api::{CatalogInfo, WakeRegion};
pub use pipeline::IngestReport;
pub use portability::EXPORT_FORMAT;
pub use privacy_api::ConsentChange;
pub use redemption::Redemption;
pub use sensing::SensingPlan;

use crate::domain::catalog::CatalogKeys;
use crate::domain::event::{Event, EventKind};
use crate::domain::location::LocationFix;
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::privacy::seal::Sealer;
use crate::domain::steps::{DaySummary, StepSample, WeekSummary};
use crate::domain::time::Timestamp;
use crate::domain::visits::{Place, PlaceBook, StayParams, Visit};
use crate::engine::config::EngineConfig;
use crate::error::{Error, KairosError, Result};
use crate::policy;
use crate::store;
use crate::store::meta::SealedKey;
use crate::store::Connection;
use pipeline::Ctx;
pub(crate) use state::EngineState;
use state::Settings;
use std::sync::{Arc, Mutex, MutexGuard};
pub use tiles_api::TilesInfo;

/// Result of every public engine call.
pub type ApiResult<T> = std::result::Result<T, KairosError>;

struct Inner {
    conn: Connection,
    st: EngineState,
    places: PlaceBook,
    set: Settings,
    /// Events produced outside a call (at open), delivered by the next call.
    pending: Vec<Event>,
    /// Test hook: cut the next fix batch off after this many fixes.
    fault_after: Option<usize>,
    /// The catalog in force.
    catalog: Option<Arc<LoadedCatalog>>,
    /// Keys that may sign catalogs.
    keys: CatalogKeys,
    /// The tiles held, when the catalog in force is tiled (ADR 0012).
    tiles: Option<crate::domain::catalog::tiles::HeldTiles>,
    /// What the catalog in force was built from, when built from tiles.
    tiles_built: Option<tiles_api::TilesBuilt>,
    /// This install's id (holdout buckets).
    install_id: String,
    /// Seals raw fixes and coordinates at rest.
    sealer: Arc<Sealer>,
    /// Draws the local-privacy noise.
    noise: crate::domain::privacy::ldp::NoiseSource,
    /// The sensing plan last reported, once the app follows it.
    sensing: Option<sensing::Reported>,
}

/// The Kairos engine over one profile database.
pub struct Engine {
    inner: Mutex<Inner>,
}

impl Engine {
    /// Opens (or creates) the profile in `config.data_dir`.
    ///
    /// A corrupt database is moved aside and replaced by a fresh one; the
    /// first call that returns events then reports
    /// [`EventKind::DatabaseRecovered`].
    pub fn open(config: EngineConfig) -> ApiResult<Engine> {
        Ok(Self::open_inner(config)?)
    }

    fn open_inner(config: EngineConfig) -> Result<Engine> {
        let tz = config.validate()?;
        let keys = config.keys()?;
        let sealer = Arc::new(Sealer::new(&config.sealing_key)?);
        let opened = store::open(&config.data_dir, &sealer)?;
        let conn = opened.conn;
        let install_id = install_id(&conn, &sealer, config.install_id.as_deref())?;
        // No state saved yet is a new profile; an unreadable one is an error.
        let st: EngineState = store::state::load_engine(&conn, &sealer)?.unwrap_or_default();
        let places = PlaceBook::from_places(&store::profile::places(&conn, &sealer)?);
        let pending = opened
            .recovered
            .map(|r| {
                vec![Event::new(
                    st.clock.unwrap_or_default(),
                    EventKind::DatabaseRecovered { moved_to: r.moved_to.display().to_string(), reason: r.reason },
                )]
            })
            .unwrap_or_default();
        let set = Settings {
            tz,
            stay: StayParams {
                radius_m: config.stay_radius_m,
                min_dwell_ms: config.min_dwell_ms,
                gap_ms: config.gap_threshold_ms,
            },
            step_goal: config.step_goal,
            raw_fix_retention_ms: config.raw_fix_retention_ms,
            sedentary_ms: config.sedentary_ms,
            waking_hours: config.waking_hours,
            offer_policy: config.offer_policy,
            budget: config.notification_budget,
            relevance: config.relevance,
            local_privacy: config.local_privacy,
            tile_radius_m: config.tile_radius_m,
        };
        let noise = crate::domain::privacy::ldp::NoiseSource::new(config.noise_seed);
        let mut inner = Inner {
            conn,
            st,
            places,
            set,
            pending,
            fault_after: None,
            catalog: None,
            tiles: None,
            tiles_built: None,
            keys,
            install_id,
            sealer,
            noise,
            sensing: None,
        };
        let restored = match inner.restore_tiles()? {
            Some(restored) => Some(restored),
            None => inner.restore_catalog()?,
        };
        inner.set_catalog(restored);
        // Routines are kept on the wall clock; their instants follow the
        // device into its new zone (zone.rs).
        let events = inner.adopt_zone()?;
        if !events.is_empty() {
            // The write handed over the pending events (a recovery): keep
            // them for the first call.
            inner.pending = events;
        }
        Ok(Engine { inner: Mutex::new(inner) })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves no half-applied state: the
        // transaction rolled back and the state was restored or untouched.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one fix. An invalid fix is refused with
    /// [`KairosError::InvalidFix`]; a duplicate or a held jump returns no
    /// events.
    pub fn record_location(&self, fix: LocationFix) -> ApiResult<Vec<Event>> {
        fix.validate().map_err(|rejection| KairosError::InvalidFix { rejection })?;
        let report = self.record_locations(&[fix])?;
        if let Some(&(at, rejection)) = report.rejected.iter().find(|(at, _)| *at == fix.at) {
            if report.events.is_empty() {
                tracing::debug!(%at, %rejection, "fix refused");
                return Err(KairosError::InvalidFix { rejection });
            }
        }
        Ok(report.events)
    }

    /// Records a batch of fixes in one transaction. The batch is sorted by
    /// time first; each fix is accepted, dropped as a duplicate, held as a
    /// suspected jump, or rejected with a reason, as the report says.
    pub fn record_locations(&self, fixes: &[LocationFix]) -> ApiResult<IngestReport> {
        if fixes.len() > policy::MAX_BATCH_FIXES {
            return Err(Error::BatchTooLarge { size: fixes.len(), limit: policy::MAX_BATCH_FIXES }.into());
        }
        let mut inner = self.lock();
        let fault = inner.fault_after.take();
        Ok(inner.write(|ctx| ctx.on_fixes(fixes, fault))?.into())
    }

    /// Records one step sample; see [`StepSample`] for how each kind is
    /// counted (a counter since boot, or an interval, without double
    /// counting).
    pub fn record_steps(&self, sample: StepSample) -> ApiResult<Vec<Event>> {
        self.record_step_samples(&[sample])
    }

    /// Records a burst of step samples in one transaction. If any sample is
    /// invalid the whole burst is refused and nothing is recorded.
    pub fn record_step_samples(&self, samples: &[StepSample]) -> ApiResult<Vec<Event>> {
        for (i, s) in samples.iter().enumerate() {
            s.validate().map_err(|m| Error::InvalidSteps(format!("sample {i}: {m}")))?;
        }
        let mut inner = self.lock();
        Ok(inner.write(|ctx| ctx.on_steps(samples))?.into())
    }

    /// Advances engine time to `now` and returns the events due: retention
    /// purges run, routines fall overdue, nudges fire. A `now` a little
    /// earlier than the engine's clock changes nothing; one more than
    /// [`policy::CLOCK_CORRECTION_MS`] (a week) earlier is a corrected device clock:
    /// the engine goes back to `now`, forgets its working state after it and
    /// says so with [`crate::EventKind::ClockCorrected`] (ADR 0009).
    pub fn tick(&self, now: Timestamp) -> ApiResult<Vec<Event>> {
        if !(policy::MIN_INPUT_TIME_MS..=policy::MAX_INPUT_TIME_MS).contains(&now.0) {
            return Err(Error::InvalidConfig(format!("tick time {} ms is outside 2000..2100", now.0)).into());
        }
        let mut inner = self.lock();
        Ok(inner.write(|ctx| ctx.on_tick(now))?.into())
    }

    /// Today's steps against the goal, in the device's time zone at `now`.
    pub fn today(&self, now: Timestamp) -> ApiResult<DaySummary> {
        let inner = self.lock();
        let day = now.local_day(inner.set.tz).to_string();
        let (steps, _) = store::steps::day(&inner.conn, &day)?;
        Ok(DaySummary::new(day, steps, inner.set.step_goal, inner.st.activity.last_active_end))
    }

    /// Steps per local day for the seven local days ending with today (in
    /// the device's zone at `now`), oldest first, with the week's total and
    /// the days the current goal was met.
    pub fn week(&self, now: Timestamp) -> ApiResult<WeekSummary> {
        let inner = self.lock();
        Ok(store::steps::week(&inner.conn, now, inner.set.tz, inner.set.step_goal)?)
    }

    /// Visits overlapping `[from, to)`, by arrival; a visit under way has
    /// no departure.
    pub fn visits(&self, from: Timestamp, to: Timestamp) -> ApiResult<Vec<Visit>> {
        let inner = self.lock();
        Ok(store::profile::visits(&inner.conn, &inner.sealer, from, to)?)
    }

    /// Every learned place (all private).
    pub fn places(&self) -> ApiResult<Vec<Place>> {
        let inner = self.lock();
        Ok(store::profile::places(&inner.conn, &inner.sealer)?)
    }

    /// Raw fixes held for `[from, to)` (only those within retention).
    pub fn raw_fixes(&self, from: Timestamp, to: Timestamp) -> ApiResult<Vec<LocationFix>> {
        let inner = self.lock();
        Ok(store::fixes::in_range(&inner.conn, &inner.sealer, from, to)?)
    }

    /// The engine's clock: the latest time seen from any input or tick.
    pub fn clock(&self) -> Option<Timestamp> {
        self.lock().st.clock
    }

    /// Runs `f` on the store and state under the lock (reads).
    pub(crate) fn with_conn<T>(&self, f: impl FnOnce(&Connection, &EngineState, &str) -> Result<T>) -> Result<T> {
        let inner = self.lock();
        f(&inner.conn, &inner.st, &inner.install_id)
    }

    /// Runs `f` on the store and its sealer under the lock (reads of sealed
    /// values).
    pub(crate) fn with_sealed<T>(&self, f: impl FnOnce(&Connection, &Sealer) -> Result<T>) -> Result<T> {
        let inner = self.lock();
        f(&inner.conn, &inner.sealer)
    }

    /// Runs `f` with the sealer in one write transaction (writes of sealed
    /// values).
    pub(crate) fn with_sealed_write<T>(&self, f: impl FnOnce(&Connection, &Sealer) -> Result<T>) -> Result<T> {
        let mut inner = self.lock();
        let w = inner.write(|ctx| f(ctx.conn, ctx.sealer))?;
        inner.pending.extend(w.events);
        Ok(w.value)
    }

    /// Runs `f` in one write transaction.
    pub(crate) fn with_write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut inner = self.lock();
        let w = inner.write(|ctx| f(ctx.conn))?;
        inner.pending.extend(w.events);
        Ok(w.value)
    }

    /// Changes the engine state in one write transaction.
    pub(crate) fn with_write_state<T>(&self, f: impl FnOnce(&mut EngineState) -> Result<T>) -> Result<T> {
        let mut inner = self.lock();
        let w = inner.write(|ctx| f(ctx.st))?;
        inner.pending.extend(w.events);
        Ok(w.value)
    }

    #[doc(hidden)]
    /// Test hook: the next fix batch fails after writing `n` fixes, as if
    /// the process died mid-batch.
    pub fn inject_batch_fault(&self, n: usize) {
        self.lock().fault_after = Some(n);
    }
}

impl Inner {
    /// Runs `f` in one transaction, saving the engine state with it. On any
    /// error, or a panic, the transaction rolls back and the in-memory state
    /// is restored, so memory and disk never disagree (a panic then goes on
    /// unwinding, to the FFI's guard).
    fn write<T>(&mut self, f: impl FnOnce(&mut Ctx<'_>) -> Result<T>) -> Result<WithEvents<T>> {
        let saved = (self.st.clone(), self.places.clone());
        let catalog = self.catalog.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let tx = self.conn.transaction()?;
            let mut ctx = Ctx {
                conn: &tx,
                st: &mut self.st,
                places: &mut self.places,
                set: &self.set,
                catalog: catalog.as_deref(),
                install_id: &self.install_id,
                sealer: &self.sealer,
                noise: &mut self.noise,
                events: Vec::new(),
                scratch: Default::default(),
            };
            let value = f(&mut ctx)?;
            let events = std::mem::take(&mut ctx.events);
            store::state::save_engine(&tx, ctx.sealer, &*ctx.st)?;
            tx.commit()?;
            Ok((value, events))
        }));
        let result = result.unwrap_or_else(|panic| {
            // The transaction was dropped (rolled back) while unwinding.
            (self.st, self.places) = saved.clone();
            std::panic::resume_unwind(panic)
        });
        match result {
            Ok((value, mut events)) => {
                events.extend(self.sensing_event());
                if !self.pending.is_empty() {
                    let mut all = std::mem::take(&mut self.pending);
                    all.append(&mut events);
                    events = all;
                }
                Ok(WithEvents { value, events })
            }
            Err(e) => {
                (self.st, self.places) = saved;
                Err(e)
            }
        }
    }
}

/// The install id (sealed at rest): the configured one (remembered), else
/// the stored one, else a new random one (stored).
fn install_id(conn: &Connection, sealer: &Sealer, configured: Option<&str>) -> Result<String> {
    if let Some(id) = configured {
        store::meta::save(conn, sealer, SealedKey::InstallId, &id)?;
        return Ok(id.to_string());
    }
    if let Some(id) = store::meta::load::<String>(conn, sealer, SealedKey::InstallId)? {
        return Ok(id);
    }
    let id = new_install_id()?;
    store::meta::save(conn, sealer, SealedKey::InstallId, &id)?;
    Ok(id)
}

/// A fresh pseudonym: 16 random bytes as 32 lowercase hex characters.
fn new_install_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| Error::InvalidConfig("the system random generator failed".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A write's value and the events it caused.
struct WithEvents<T> {
    value: T,
    events: Vec<Event>,
}

impl From<WithEvents<IngestReport>> for IngestReport {
    fn from(w: WithEvents<IngestReport>) -> Self {
        let mut r = w.value;
        r.events = w.events;
        r
    }
}

impl From<WithEvents<()>> for Vec<Event> {
    fn from(w: WithEvents<()>) -> Self {
        w.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_write_restores_the_state_and_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineConfig::new(dir.path(), "Europe/Paris")).unwrap();
        let t = Timestamp(1_795_000_000_000);
        e.tick(t).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut inner = e.lock();
            let _ = inner.write(|ctx| -> Result<()> {
                ctx.st.clock = Some(t.plus_millis(1_000));
                store::steps::add_minutes(ctx.conn, &[(t.0, 500)], ctx.set.tz, 20)?;
                panic!("a bug mid-call");
            });
        }));
        assert!(caught.is_err(), "the panic goes on unwinding");
        assert_eq!(e.clock(), Some(t), "the in-memory state is restored");
        let day = t.local_day(chrono_tz::Europe::Paris).to_string();
        assert_eq!(e.with_conn(|conn, _, _| store::steps::day(conn, &day)).unwrap().0, 0, "the write rolled back");
        // The engine goes on working after the panic.
        e.tick(t.plus_millis(2_000)).unwrap();
        assert_eq!(e.clock(), Some(t.plus_millis(2_000)));
    }
}

#[cfg(test)]
mod tiles_tests;
