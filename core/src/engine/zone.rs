//! The device's time zone after open: a shopper who travels.
//!
//! Local days (steps, nudges, summaries) are cut in the zone in force when
//! each input is recorded; routines are kept on the wall clock, so their
//! instants move with the device into the new zone (as at an open in
//! another zone). Days already counted stay as they were cut.

use super::{ApiResult, Engine, Inner};
use crate::domain::event::Event;
use crate::engine::config::parse_tz;
use crate::error::Result;
use crate::store;
use crate::store::meta::SealedKey;

impl Engine {
    /// Moves the engine to the IANA zone `zone` (e.g. `Europe/Paris`) from
    /// now on, as when the device's zone changes. Routines follow on the
    /// wall clock; the zone is kept so that the next open in it changes
    /// nothing more. An unknown zone is refused
    /// ([`crate::KairosError::InvalidInput`], naming it) and the zone in
    /// force stays. Returns the events of the write (a pending recovery).
    pub fn set_time_zone(&self, zone: &str) -> ApiResult<Vec<Event>> {
        let tz = parse_tz(zone)?;
        let mut inner = self.lock();
        let previous = inner.set.tz;
        inner.set.tz = tz;
        let written = inner.adopt_zone();
        if written.is_err() {
            inner.set.tz = previous;
        }
        Ok(written?)
    }
}

impl Inner {
    /// Rezones the routines into the zone of the settings when the profile
    /// was last in another one, and keeps it; the events of that write.
    pub(super) fn adopt_zone(&mut self) -> Result<Vec<Event>> {
        let zone = self.set.tz.name().to_string();
        let known_zone: Option<String> = store::meta::load(&self.conn, &self.sealer, SealedKey::RoutinesZone)?;
        if known_zone.as_deref() == Some(zone.as_str()) {
            return Ok(Vec::new());
        }
        let written = self.write(|ctx| {
            ctx.rezone_routines()?;
            store::meta::save(ctx.conn, ctx.sealer, SealedKey::RoutinesZone, &zone)
        })?;
        Ok(written.events)
    }
}
