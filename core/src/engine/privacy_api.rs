//! The privacy half of the public API: consent, the outbox, export, erase
//! and key rotation.

use super::{ApiResult, Engine, Inner};
use crate::domain::privacy::consent::{ConsentEntry, Consents, Purpose};
use crate::domain::privacy::outbox::{BudgetEntry, OutboxItem, OutboxKind};
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};
use crate::store::{self, meta::SealedKey};
use serde_json::{json, Value};
use std::sync::Arc;

/// What `set_consent` did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentChange {
    /// The consents after the change.
    pub consents: Consents,
    /// Summaries of the purpose removed from the outbox (withdrawal).
    pub purged: u64,
    /// Whether a deletion request for the purpose was queued (withdrawal).
    pub deletion_queued: bool,
}

impl Engine {
    /// Records the shopper's choice for `purpose` in the consent ledger
    /// (appended, never rewritten). Withdrawing a granted purpose deletes
    /// what was queued for it and queues a deletion request for it.
    pub fn set_consent(
        &self,
        purpose: Purpose,
        granted: bool,
        policy_version: &str,
        now: Timestamp,
    ) -> ApiResult<ConsentChange> {
        if policy_version.trim().is_empty() {
            return Err(Error::InvalidConfig("policy_version must name the policy the shopper saw".into()).into());
        }
        let mut inner = self.lock();
        let written = inner.write(|ctx| {
            let was = store::privacy::is_granted(ctx.conn, purpose)?;
            let entry = ConsentEntry { purpose, granted, policy_version: policy_version.to_string(), at: now };
            store::privacy::append_consent(ctx.conn, &entry)?;
            let (mut purged, mut deletion_queued) = (0, false);
            if was && !granted {
                purged = store::privacy::remove_summaries_of(ctx.conn, purpose)? as u64;
                let payload = json!({ "purpose": purpose.as_str() }).to_string();
                store::privacy::enqueue(ctx.conn, OutboxKind::Deletion, Some(purpose), None, &payload, now)?;
                deletion_queued = true;
            }
            Ok(ConsentChange { consents: store::privacy::consents(ctx.conn)?, purged, deletion_queued })
        })?;
        inner.pending.extend(written.events);
        Ok(written.value)
    }

    /// The current choice per purpose and the whole ledger, for the app to
    /// show or export as proof.
    pub fn consents(&self) -> ApiResult<Consents> {
        Ok(store::privacy::consents(&self.lock().conn)?)
    }

    /// Everything waiting to leave the device, oldest first: exactly the
    /// payloads `sync` will send.
    pub fn outbox(&self) -> ApiResult<Vec<OutboxItem>> {
        Ok(store::privacy::outbox(&self.lock().conn)?)
    }

    /// Summaries dropped by the outbox limits, ever.
    pub fn outbox_dropped(&self) -> u64 {
        self.lock().st.outbox_dropped
    }

    /// The local-privacy budget spent on local days `from..=to`: one entry
    /// per purpose and day whose summary was noised (none while local
    /// privacy is off), by day and purpose.
    pub fn privacy_budget(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> ApiResult<Vec<BudgetEntry>> {
        Ok(store::privacy::budget(&self.lock().conn, &from.to_string(), &to.to_string())?)
    }

    /// One JSON document of everything the engine holds about the shopper
    /// (`docs/privacy.md` describes it): consents, places, visits, merchant
    /// visits, daily steps, offers, the outbox, the local-privacy budget
    /// spent, and the raw fixes still
    /// within retention (unsealed: the export is the shopper's own copy).
    pub fn export_profile(&self) -> ApiResult<String> {
        let inner = self.lock();
        Ok(inner.export().map(|v| serde_json::to_string_pretty(&v).expect("JSON values serialise"))?)
    }

    /// Erases everything held about the shopper: every row of the profile,
    /// the outbox included, with SQLite's `secure_delete`, then a WAL
    /// checkpoint that truncates and a `VACUUM`, so nothing is recoverable
    /// from the database, WAL or shared-memory files. The catalog in force
    /// (not personal) stays.
    ///
    /// The install is forgotten too: a deletion request for everything is
    /// queued under the current install id and token (kept sealed for that
    /// request alone), both are forgotten, and a new install id is drawn.
    /// The next sync delivers the deletion under the old credentials before
    /// anything else, then registers the new id, so nothing the backend
    /// receives afterwards can be linked to the old pseudonym.
    pub fn erase_all(&self, now: Timestamp) -> ApiResult<()> {
        let fresh = super::new_install_id()?;
        let mut inner = self.lock();
        let forgotten = inner.install_id.clone();
        inner.write(|ctx| {
            store::erase_profile(ctx.conn)?;
            let keep_clock = ctx.st.clock;
            *ctx.st = Default::default();
            ctx.st.clock = keep_clock;
            ctx.places.clear();
            // The pseudonym the backend knows: the one sync replaced the
            // engine's with (after a 401 or a taken id), if any.
            let known = store::sync::install_id(ctx.conn, ctx.sealer)?.unwrap_or(forgotten);
            store::meta::queue_erasure(ctx.conn, ctx.sealer, &known, now)?;
            store::sync::forget_install_id(ctx.conn)?;
            store::meta::save(ctx.conn, ctx.sealer, SealedKey::InstallId, &fresh)
        })?;
        inner.install_id = fresh;
        inner.pending.clear();
        store::compact(&inner.conn)?;
        Ok(())
    }

    /// Re-seals everything sealed under `new_key` (32 bytes), in one
    /// transaction; afterwards only `new_key` opens the profile.
    pub fn rotate_key(&self, new_key: &[u8]) -> ApiResult<()> {
        let new = Arc::new(Sealer::new(new_key)?);
        let mut inner = self.lock();
        // The write seals the engine state with the engine's sealer as it
        // commits: that must already be the new one.
        let old = std::mem::replace(&mut inner.sealer, new.clone());
        let resealed = inner.write(|ctx| {
            store::fixes::reseal(ctx.conn, &old, &new)?;
            store::profile::reseal(ctx.conn, &old, &new)?;
            store::meta::reseal(ctx.conn, &old, &new)?;
            store::set_key_check(ctx.conn, &new)
        });
        if resealed.is_err() {
            inner.sealer = old;
        }
        resealed?;
        Ok(())
    }
}

impl Inner {
    fn export(&self) -> Result<Value> {
        let c = &self.conn;
        let all = (Timestamp(i64::MIN / 2), Timestamp(i64::MAX / 2));
        let step_days: Vec<Value> = store::steps::all_days(c)?
            .into_iter()
            .map(|(day, steps, goal_reached_at)| {
                json!({"day": day, "steps": steps, "goal_reached_at": goal_reached_at.map(|t| t.to_rfc3339())})
            })
            .collect();
        let merchant_visits: Vec<Value> = store::merchant_visits::all(c)?
            .into_iter()
            .map(|m| {
                json!({"visit_id": m.visit_id, "merchant_id": m.merchant_id, "category": m.category,
                       "catalog_place_id": m.catalog_place_id, "arrived_at": m.arrived_at.to_rfc3339()})
            })
            .collect();
        let outbox: Vec<Value> = store::privacy::outbox(c)?
            .into_iter()
            .map(|o| {
                let payload = serde_json::from_str::<Value>(&o.payload)
                    .map_err(|source| Error::OutboxPayload { id: o.id, source })?;
                Ok(json!({"kind": o.kind.as_str(), "purpose": o.purpose.map(Purpose::as_str), "day": o.day,
                          "payload": payload, "queued_at": o.created_at.to_rfc3339()}))
            })
            .collect::<Result<_>>()?;
        let budget: Vec<Value> = store::privacy::budget(c, "0000-01-01", "9999-12-31")?
            .into_iter()
            .map(|b| {
                json!({"day": b.day, "purpose": b.purpose.as_str(), "mechanism": b.mechanism,
                       "epsilon": b.epsilon, "spent_at": b.spent_at.to_rfc3339()})
            })
            .collect();
        let routines: Vec<Value> =
            store::routines::all(c)?.into_iter().map(|r| json!({"id": r.id, "track": r.track})).collect();
        Ok(json!({
            "format": "kairos-export/1",
            "install_id": self.install_id,
            "consents": store::privacy::consents(c)?,
            "places": store::profile::places(c, &self.sealer)?,
            "visits": store::profile::visits(c, &self.sealer, all.0, all.1)?,
            "merchant_visits": merchant_visits,
            "step_days": step_days,
            "offers": store::offers::in_range(c, all.0, all.1)?,
            "outbox": outbox,
            "privacy_budget": budget,
            "raw_fixes": store::fixes::in_range(c, &self.sealer, all.0, all.1)?,
            "routines": routines,
            "relevance": store::relevance::model(c, self.catalog.as_deref())?,
        }))
    }
}
