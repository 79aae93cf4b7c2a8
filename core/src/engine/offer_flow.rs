//! The offer half of the write path: fence transitions on each fix and as
//! time passes, the candidates they make, the decision, and its record.

use super::ctx::Ctx;
use crate::domain::catalog::Trigger;
use crate::domain::event::{EventKind, OfferTrigger};
use crate::domain::fences::{FenceEvent, FenceHit};
use crate::domain::location::LocationFix;
use crate::domain::offers::decide::{decide, Candidate, Ledger, Moment};
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::offers::manners::SharedHistory;
use crate::domain::offers::profile::ProfileView;
use crate::domain::offers::OfferState;
use crate::domain::time::Timestamp;
use crate::error::Result;
use crate::policy;
use crate::store::{self, offers::OfferHistory};
use rusqlite::Connection;

struct StoreLedger<'a>(&'a Connection);

/// Buffers reused from fix to fix within a write.
#[derive(Default)]
pub(crate) struct Scratch {
    hits: Vec<FenceHit>,
    transitions: Vec<FenceEvent>,
}

impl Ledger for StoreLedger<'_> {
    fn own(&self, offer_id: &str, day: &str) -> Result<OfferHistory> {
        store::offers::offer_history(self.0, offer_id, day)
    }
    fn shared(&self, merchant_id: &str, day: &str) -> Result<SharedHistory> {
        let (shown_today, shown_today_merchant, last_shown_at) = store::offers::shown_counts(self.0, day, merchant_id)?;
        Ok(SharedHistory { shown_today, shown_today_merchant, last_shown_at })
    }
}

fn trigger_name(t: &Trigger) -> &'static str {
    match t {
        Trigger::Enter => "enter",
        Trigger::Dwell { .. } => "dwell",
        Trigger::Exit => "exit",
        Trigger::Nearby { .. } => "nearby",
    }
}

impl Ctx<'_> {
    /// Runs one in-order fix through the catalog's fences and offers.
    pub(super) fn offers_on_fix(&mut self, fix: &LocationFix) -> Result<()> {
        let Some(cat) = self.catalog else { return Ok(()) };
        let Scratch { mut hits, mut transitions } = std::mem::take(&mut self.scratch);
        cat.track(&mut self.st.fences, fix, &mut hits, &mut transitions);
        let mut candidates = Vec::new();
        self.fence_candidates(cat, &transitions, &hits, &mut candidates);
        self.nearby_candidates(cat, fix, &hits, &mut candidates);
        transitions.clear();
        self.scratch = Scratch { hits, transitions };
        self.decide_and_record(cat, candidates, fix.at)
    }

    /// Lets time pass for offers: dwells by time, and claim windows that end.
    pub(super) fn offers_on_time(&mut self, now: Timestamp) -> Result<()> {
        for expired in store::offers::due_expiries(self.conn, now)? {
            store::offers::set_state(self.conn, expired.id, OfferState::Expired, expired.expires_at)?;
            self.emit(
                expired.expires_at,
                EventKind::OfferExpired { instance_id: expired.id, offer_id: expired.offer_id },
            );
        }
        let Some(cat) = self.catalog else { return Ok(()) };
        let mut transitions = Vec::new();
        self.st.fences.advance(now, |f| cat.dwell_ms(f), &mut transitions);
        let mut candidates = Vec::new();
        self.fence_candidates(cat, &transitions, &[], &mut candidates);
        self.decide_and_record(cat, candidates, now)
    }

    /// Reports fence transitions and collects the offers they trigger.
    fn fence_candidates<'c>(
        &mut self,
        cat: &'c LoadedCatalog,
        transitions: &[FenceEvent],
        hits: &[FenceHit],
        out: &mut Vec<Candidate<'c>>,
    ) {
        for t in transitions {
            let Some(p) = cat.place(t.fence()) else { continue };
            let (place_id, merchant_id) = (p.id().to_owned(), p.merchant().id().to_owned());
            let kind = match *t {
                FenceEvent::Entered { .. } => EventKind::FenceEntered { place_id, merchant_id },
                FenceEvent::Dwelled { since, .. } => EventKind::FenceDwelled { place_id, merchant_id, since },
                FenceEvent::Exited { entered_at, .. } => EventKind::FenceExited { place_id, merchant_id, entered_at },
            };
            self.emit(t.at(), kind);
            let distance_m = hits.iter().find(|h| h.fence == t.fence()).map_or(0.0, |h| h.distance_m);
            for (merchant, place, offer) in cat.offers_at(t.fence()) {
                let fires = match (offer.trigger(), t) {
                    (Trigger::Enter, FenceEvent::Entered { .. }) | (Trigger::Exit, FenceEvent::Exited { .. }) => true,
                    (Trigger::Dwell { minutes }, FenceEvent::Dwelled { at, since, .. }) => {
                        at.since(*since) >= i64::from(*minutes) * 60_000
                    }
                    _ => false,
                };
                if fires {
                    out.push(Candidate { merchant, place, offer, trigger: trigger_name(offer.trigger()), distance_m });
                }
            }
        }
    }

    /// `nearby` offers: passing within their radius of a fence, outside it,
    /// while moving; each approach counts once (latched until the phone is
    /// [`policy::NEARBY_RELEASE_M`] beyond the radius).
    fn nearby_candidates<'c>(
        &mut self,
        cat: &'c LoadedCatalog,
        fix: &LocationFix,
        hits: &[FenceHit],
        out: &mut Vec<Candidate<'c>>,
    ) {
        if cat.max_nearby_m <= 0.0 {
            return;
        }
        let near = &mut self.st.near;
        near.retain(|f| {
            let radius = cat.nearby_m(*f).unwrap_or(0.0);
            hits.iter().any(|h| h.fence == *f && h.distance_m <= radius + policy::NEARBY_RELEASE_M)
        });
        let moving = self.speed_at(fix.at).is_some_and(|s| s >= policy::NEARBY_MIN_SPEED_MPS);
        if !moving {
            return;
        }
        for h in hits.iter().filter(|h| h.distance_m > 0.0) {
            let Some(place) = cat.place(h.fence) else { continue };
            if place.nearby_m().is_none_or(|r| h.distance_m > r) || !self.st.near.insert(h.fence) {
                continue;
            }
            for (merchant, place, offer) in cat.offers_at(h.fence) {
                if let Trigger::Nearby { radius_m } = *offer.trigger() {
                    if h.distance_m <= radius_m {
                        out.push(Candidate { merchant, place, offer, trigger: "nearby", distance_m: h.distance_m });
                    }
                }
            }
        }
    }

    fn decide_and_record(&mut self, cat: &LoadedCatalog, candidates: Vec<Candidate<'_>>, at: Timestamp) -> Result<()> {
        if candidates.is_empty() {
            return Ok(());
        }
        let day = at.local_day(self.set.tz).to_string();
        let moment = Moment {
            at,
            device_tz: self.set.tz,
            day: &day,
            policy: &self.set.offer_policy,
            driving: self.driving(at),
            catalog_expires_at: cat.expires_at,
            install_id: self.install_id,
        };
        let profile = ProfileView::new(self.conn, at, self.set.tz, self.speed_at(at));
        let decision = decide(candidates, &moment, &profile, &StoreLedger(self.conn))?;
        profile.check()?;
        if let Some((c, held_out)) = decision.fired {
            let state = if held_out { OfferState::HeldOut } else { OfferState::Triggered };
            let expires_at = c.offer.claim_deadline(at);
            let instance_id = store::offers::insert(
                self.conn,
                &store::offers::NewInstance {
                    offer_id: c.offer.id(),
                    merchant_id: c.merchant.id(),
                    place_id: c.place.id(),
                    catalog_version: cat.version,
                    trigger: c.trigger,
                    at,
                    local_day: &day,
                    expires_at,
                    state,
                    title: c.offer.title(),
                    body: c.offer.body(),
                },
            )?;
            let kind = if held_out {
                EventKind::OfferHeldOut {
                    instance_id,
                    offer_id: c.offer.id().to_owned(),
                    merchant_id: c.merchant.id().to_owned(),
                }
            } else {
                EventKind::OfferTriggered {
                    instance_id,
                    offer_id: c.offer.id().to_owned(),
                    merchant_id: c.merchant.id().to_owned(),
                    place_id: c.place.id().to_owned(),
                    trigger: OfferTrigger::from(c.offer.trigger()),
                    title: c.offer.title().to_owned(),
                    expires_at,
                }
            };
            self.emit(at, kind);
        }
        for (c, reason) in decision.suppressed {
            self.emit(
                at,
                EventKind::OfferSuppressed {
                    offer_id: c.offer.id().to_owned(),
                    merchant_id: c.merchant.id().to_owned(),
                    place_id: c.place.id().to_owned(),
                    trigger: OfferTrigger::from(c.offer.trigger()),
                    reason,
                },
            );
        }
        Ok(())
    }

    /// Records which catalog merchants' places a new visit is at.
    pub(super) fn match_merchant_visit(
        &mut self,
        visit_id: i64,
        place_id: i64,
        lat: f64,
        lon: f64,
        at: Timestamp,
    ) -> Result<()> {
        let Some(cat) = self.catalog else { return Ok(()) };
        let mut hits = Vec::new();
        cat.index.lookup(lat, lon, policy::MERCHANT_VISIT_MARGIN_M, &mut hits);
        for h in hits.iter().filter(|h| h.distance_m <= policy::MERCHANT_VISIT_MARGIN_M) {
            if let Some(p) = cat.place(h.fence) {
                let m = p.merchant();
                store::merchant_visits::insert(self.conn, visit_id, place_id, m.id(), m.category(), p.id(), at)?;
            }
        }
        Ok(())
    }
}
