//! The `async` variants of the `Engine` calls that touch SQLite: Kotlin
//! `suspend` functions, Swift `async` methods. Each runs its blocking
//! counterpart on a Kairos worker thread ([`crate::runtime`], the one place
//! that decides where async work runs), where listeners are called too; the
//! caller's thread (a coroutine dispatcher, a Swift task) never blocks.
//! Cancelling the caller does not stop the work: it runs to its end, so a
//! call is never left half-done.
//!
//! `recordLocationsAsync`, `loadCatalogAsync`, `replayAsync` and `sync`
//! live beside their subjects in `engine.rs`.

use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::error::KairosError;
use crate::event::KairosEvent;
use crate::fix::LocationFix;
use crate::privacy::ConsentChange;
use crate::purpose::Purpose;
use crate::runtime::run_blocking;
use crate::steps::StepSample;
use std::sync::Arc;
use std::time::SystemTime;

#[uniffi::export]
impl Engine {
    /// `Engine.open` without blocking the caller (opening runs migrations
    /// and may recover a corrupt database): Kotlin `Engine.openAsync(config)`
    /// in a coroutine, Swift `try await Engine.openAsync(config:)`.
    #[uniffi::constructor]
    pub async fn open_async(config: EngineConfig) -> Result<Arc<Self>, KairosError> {
        run_blocking(move || Engine::open(config)).await
    }

    /// `recordLocation` without blocking the caller.
    pub async fn record_location_async(self: Arc<Self>, fix: LocationFix) -> Result<Vec<KairosEvent>, KairosError> {
        run_blocking(move || self.record_location(fix)).await
    }

    /// `recordSteps` without blocking the caller.
    pub async fn record_steps_async(self: Arc<Self>, sample: StepSample) -> Result<Vec<KairosEvent>, KairosError> {
        run_blocking(move || self.record_steps(sample)).await
    }

    /// `recordStepSamples` without blocking the caller.
    pub async fn record_step_samples_async(
        self: Arc<Self>,
        samples: Vec<StepSample>,
    ) -> Result<Vec<KairosEvent>, KairosError> {
        run_blocking(move || self.record_step_samples(samples)).await
    }

    /// `recordVisit` without blocking the caller.
    pub async fn record_visit_async(
        self: Arc<Self>,
        lat: f64,
        lon: f64,
        arrived: SystemTime,
        departed: SystemTime,
    ) -> Result<Vec<KairosEvent>, KairosError> {
        run_blocking(move || self.record_visit(lat, lon, arrived, departed)).await
    }

    /// `tick` without blocking the caller (a day close builds the day's
    /// summaries; retention purges run).
    pub async fn tick_async(self: Arc<Self>, now: SystemTime) -> Result<Vec<KairosEvent>, KairosError> {
        run_blocking(move || self.tick(now)).await
    }

    /// `setConsent` without blocking the caller.
    pub async fn set_consent_async(
        self: Arc<Self>,
        purpose: Purpose,
        granted: bool,
        policy_version: String,
        now: SystemTime,
    ) -> Result<ConsentChange, KairosError> {
        run_blocking(move || self.set_consent(purpose, granted, policy_version, now)).await
    }

    /// `exportProfile` without blocking the caller (it reads the whole
    /// profile).
    pub async fn export_profile_async(self: Arc<Self>) -> Result<String, KairosError> {
        run_blocking(move || self.export_profile()).await
    }

    /// `importProfile` without blocking the caller (it writes the whole
    /// profile, in one transaction).
    pub async fn import_profile_async(self: Arc<Self>, export: String) -> Result<(), KairosError> {
        run_blocking(move || self.import_profile(export)).await
    }

    /// `exportBackup` without blocking the caller (it reads the whole
    /// profile).
    pub async fn export_backup_async(self: Arc<Self>, backup_key: Vec<u8>) -> Result<Vec<u8>, KairosError> {
        run_blocking(move || self.export_backup(backup_key)).await
    }

    /// `importBackup` without blocking the caller (it writes the whole
    /// profile, in one transaction).
    pub async fn import_backup_async(self: Arc<Self>, backup: Vec<u8>, backup_key: Vec<u8>) -> Result<(), KairosError> {
        run_blocking(move || self.import_backup(backup, backup_key)).await
    }

    /// `eraseAll` without blocking the caller (it rewrites the database
    /// files).
    pub async fn erase_all_async(self: Arc<Self>, now: SystemTime) -> Result<(), KairosError> {
        run_blocking(move || self.erase_all(now)).await
    }

    /// `rotateKey` without blocking the caller (it re-seals everything
    /// sealed, in one transaction).
    pub async fn rotate_key_async(self: Arc<Self>, new_key: Vec<u8>) -> Result<(), KairosError> {
        run_blocking(move || self.rotate_key(new_key)).await
    }
}
