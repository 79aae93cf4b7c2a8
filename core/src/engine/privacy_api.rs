//! The privacy half of the public API: consent, the outbox, erase and key
//! rotation (export, import and backup: `portability.rs`).

use super::{ApiResult, Engine};
use crate::domain::privacy::consent::{ConsentEntry, Consents, Purpose};
use crate::domain::privacy::outbox::{BudgetEntry, OutboxItem, OutboxKind};
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::Error;
use crate::store::{self, meta::SealedKey};
use serde_json::json;
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
            if !granted && purpose == Purpose::Social {
                // What friends shared leaves with the links.
                store::social::forget_counts(ctx.conn)?;
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

    /// Erases everything held about the shopper: every row of the profile,
    /// the outbox included, with SQLite's `secure_delete`, then a WAL
    /// checkpoint that truncates and a `VACUUM`, so nothing is recoverable
    /// from the database, WAL or shared-memory files. A single-document
    /// catalog (the same for every install) stays in force. A tiled
    /// catalog does not: the tiles held are the shopper's region (home,
    /// work, routines, trips), so they go with the profile (their bodies,
    /// the list of tiles and the fence ids of their places), and the engine
    /// holds no catalog until the next sync fetches the tiles around the
    /// positions recorded after the erase, under the new pseudonym.
    ///
    /// The install is forgotten too: a deletion request for everything is
    /// queued under the current install id and token (kept sealed for that
    /// request alone), both are forgotten, and a new install id is drawn.
    /// The next sync delivers the deletion under the old credentials before
    /// anything else, then registers the new id, so nothing the backend
    /// receives afterwards can be linked to the old pseudonym. The
    /// redemption key is forgotten with it; the next registration gives the
    /// backend a new one.
    pub fn erase_all(&self, now: Timestamp) -> ApiResult<()> {
        let fresh = super::new_install_id()?;
        let mut inner = self.lock();
        let forgotten = inner.install_id.clone();
        let tiled = inner.write(|ctx| {
            let tiled = store::erase_profile(ctx.conn)?;
            let keep_clock = ctx.st.clock;
            *ctx.st = Default::default();
            ctx.st.clock = keep_clock;
            ctx.places.clear();
            // The pseudonym the backend knows: the one sync replaced the
            // engine's with (after a 401 or a taken id), if any.
            let known = store::sync::install_id(ctx.conn, ctx.sealer)?.unwrap_or(forgotten);
            store::meta::queue_erasure(ctx.conn, ctx.sealer, &known, now)?;
            store::sync::forget_install_id(ctx.conn)?;
            // The redemption key goes with the pseudonym: the next one is
            // made anew, so no token links the two.
            store::redemption::forget(ctx.conn)?;
            store::social::forget_counts(ctx.conn)?;
            store::meta::save(ctx.conn, ctx.sealer, SealedKey::InstallId, &fresh)?;
            Ok(tiled)
        })?;
        if tiled.value || inner.tiles.is_some() {
            inner.tiles = None;
            inner.catalog = None;
        }
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
            store::catalog::reseal(ctx.conn, &old, &new)?;
            store::tiles::reseal(ctx.conn, &old, &new)?;
            let catalog = ctx.catalog;
            store::catalog::rekey_fence_ids(ctx.conn, &new, |fence| {
                catalog.and_then(|c| c.place(fence)).map(|p| p.id().to_string())
            })?;
            store::set_key_check(ctx.conn, &new)
        });
        if resealed.is_err() {
            inner.sealer = old;
        }
        resealed?;
        Ok(())
    }
}

impl Engine {
    /// The friends' visit counts the last sync fetched (purpose `social`),
    /// if any: per catalog merchant, how many distinct friends visited it
    /// recently (at least 2; never who).
    pub fn friend_counts(&self) -> ApiResult<Option<crate::domain::privacy::FriendCounts>> {
        let inner = self.lock();
        Ok(store::social::counts(&inner.conn, &inner.sealer)?)
    }
}
