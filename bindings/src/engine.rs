//! The `Engine` object: the whole API of Kairos for Kotlin and Swift.
//!
//! Every method is a thin wrapper: convert the arguments, run the core call
//! through [`Engine::core_call`] (panic guard, error mapping), convert the
//! result, and hand any events to the listeners through [`Engine::publish`].

use crate::config::EngineConfig;
use crate::error::{guard, KairosError};
use crate::event::KairosEvent;
use crate::fix::{IngestReport, LocationFix};
use crate::listener::{EventListener, Listeners, Subscription};
use crate::runtime::run_blocking;
use crate::steps::{DaySummary, StepSample};
use crate::time::{from_core, to_core};
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
    core: Arc<kairos_core::Engine>,
    listeners: Arc<Listeners>,
}

impl Engine {
    /// Runs `f` on the core engine with the panic guard, mapping core errors.
    fn core_call<T>(
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
            Ok(Arc::new(Engine { core: Arc::new(core), listeners: Arc::default() }))
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

    /// The steps of the local day containing `now`, against the goal.
    pub fn today(&self, now: SystemTime) -> Result<DaySummary, KairosError> {
        self.core_call(|core| core.today(to_core(now))).map(Into::into)
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
}
