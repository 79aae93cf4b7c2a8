//! The offer stage of the write path (`pipeline.rs` runs it in its
//! order): a fix through the catalog's fences (transitions, `nearby`
//! approaches; fences over a private place masked), time passing for offers
//! (claim windows ending, dwells by time within a grace after the last
//! fix), and the decision among the offers they trigger (caps, manners,
//! targeting, holdout, the next best action; `domain::offers::decide`),
//! recorded in the store with its events. No offer fires at a private
//! place.

use super::state::{Ctx, Scratch};
use crate::domain::catalog::Trigger;
use crate::domain::event::{EventKind, OfferTrigger};
use crate::domain::fences::{FenceEvent, FenceHit};
use crate::domain::location::{self, LocationFix};
use crate::domain::offers::decide::{decide, Candidate, Learning, Moment};
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::offers::relevance::DrawStream;
use crate::domain::offers::{MessageKind, OfferState};
use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::error::Result;
use crate::policy;
use crate::store::{self, targeting::ProfileView};

impl Ctx<'_> {
    /// Runs one in-order fix through the catalog's fences and offers.
    pub(super) fn offers_on_fix(&mut self, fix: &LocationFix) -> Result<()> {
        let Some(cat) = self.catalog else { return Ok(()) };
        let Scratch { mut hits, mut transitions } = std::mem::take(&mut self.scratch);
        hits.clear();
        cat.index.lookup(fix.lat, fix.lon, cat.max_nearby_m, &mut hits);
        self.mask_private_fences(cat, &mut hits)?;
        self.st.fences.update_with_hits(&cat.index, fix, &hits, |f| cat.dwell_ms(f), &mut transitions);
        let mut candidates = Vec::new();
        self.fence_candidates(cat, &transitions, &hits, &mut candidates);
        self.nearby_candidates(cat, fix, &hits, &mut candidates);
        if self.at_private_place(fix) {
            candidates.clear();
        }
        transitions.clear();
        self.scratch = Scratch { hits, transitions };
        self.decide_and_record(cat, candidates, fix.at)
    }

    /// Whether `fix` is at a private place: within
    /// [`policy::PRIVATE_PLACE_RADIUS_M`] of its centre. No offer fires there.
    fn at_private_place(&self, fix: &LocationFix) -> bool {
        self.places.private_within(fix.lat, fix.lon, policy::PRIVATE_PLACE_RADIUS_M)
    }

    /// Drops the hits of fences that cover a private place (come within
    /// [`policy::PRIVATE_PLACE_RADIUS_M`] of its centre), unless a visit to
    /// their merchant's place is under way: such a fence is entered by a
    /// stay in the shop, never by coming home or leaving it through it.
    fn mask_private_fences(&self, cat: &LoadedCatalog, hits: &mut Vec<FenceHit>) -> Result<()> {
        let covers = |fence| {
            let near = |(lat, lon)| {
                cat.index.hit(fence, lat, lon).is_some_and(|h: FenceHit| h.distance_m <= policy::PRIVATE_PLACE_RADIUS_M)
            };
            self.places.private_centres().any(near)
        };
        if !hits.iter().any(|h| covers(h.fence)) {
            return Ok(());
        }
        let visiting = match self.st.open_visit {
            Some(v) => store::routines::catalog_places_of(self.conn, v.place_id)?,
            None => Vec::new(),
        };
        hits.retain(|h| !covers(h.fence) || cat.place(h.fence).is_some_and(|p| visiting.iter().any(|id| id == p.id())));
        Ok(())
    }

    /// Lets time pass for offers: claim windows that end, dwells by time.
    pub(super) fn offers_on_time(&mut self, now: Timestamp) -> Result<()> {
        for expired in store::offers::due_expiries(self.conn, now)? {
            store::offers::set_state(self.conn, expired.id, OfferState::Expired, expired.expires_at)?;
            let (instance_id, offer_id) = (expired.id, expired.offer_id);
            self.emit(expired.expires_at, EventKind::OfferExpired { instance_id, offer_id });
        }
        let Some(cat) = self.catalog else { return Ok(()) };
        // Dwells by time only within a grace after the last fix: never
        // across a silence the shopper may have left in.
        let grace = policy::DWELL_SILENCE_GRACE_MS;
        let until = self.st.fences.last_fix_at().map_or(now, |t| now.min(t.plus_millis(grace)));
        let mut transitions = Vec::new();
        self.st.fences.advance(until, |f| cat.dwell_ms(f), &mut transitions);
        let mut candidates = Vec::new();
        self.fence_candidates(cat, &transitions, &[], &mut candidates);
        if self.st.prev_fix.is_some_and(|f| self.at_private_place(&f)) {
            candidates.clear();
        }
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
                        at.since(*since) >= i64::from(*minutes) * MINUTE_MS
                    }
                    _ => false,
                };
                if fires {
                    out.push(Candidate {
                        merchant,
                        place,
                        offer,
                        trigger: OfferTrigger::from(offer.trigger()).as_str(),
                        distance_m,
                    });
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
        self.st.near.retain(|f| {
            let radius = cat.nearby_m(*f).unwrap_or(0.0);
            hits.iter().any(|h| h.fence == *f && h.distance_m <= radius + policy::NEARBY_RELEASE_M)
        });
        if self.speed_at(fix.at).is_none_or(|s| s < policy::NEARBY_MIN_SPEED_MPS) {
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

    /// Decides among the candidates (caps, manners, targeting, holdout)
    /// and records the offer fired and those suppressed.
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
            driving: location::driving(self.st.motion, at),
            catalog_expires_at: cat.expires_at,
            install_id: self.install_id,
            budget: self.st.budget.check(MessageKind::Offer, at, self.set.tz, &self.set.budget),
            relevance: &self.set.relevance,
        };
        let profile = ProfileView::new(self.conn, self.sealer, at, self.set.tz, self.speed_at(at));
        let conn = self.conn;
        let model = move || store::relevance::model(conn, Some(cat));
        let mut draws = DrawStream::new(self.install_id, self.st.relevance_draws);
        let learning = Learning { model: &model, draws: &mut draws };
        let decision = decide(candidates, &moment, &profile, &store::offers::StoreLedger(self.conn, at), learning)?;
        self.st.relevance_draws = draws.position;
        if let Some((c, held_out)) = decision.fired {
            let state = if held_out { OfferState::HeldOut } else { OfferState::Triggered };
            let expires_at = c.offer.claim_deadline(at, c.place);
            let (offer_id, merchant_id, place_id) = (c.offer.id(), c.merchant.id(), c.place.id());
            // `{friends_visited}` filled in from the last sync's counts.
            let friends = store::social::counts(self.conn, self.sealer)?.and_then(|f| f.of(merchant_id));
            let (title, body) = (c.offer.title_with(friends), c.offer.body_with(friends));
            let instance = store::offers::NewInstance {
                offer_id,
                merchant_id,
                place_id,
                catalog_version: cat.version,
                trigger: c.trigger,
                at,
                local_day: &day,
                expires_at,
                state,
                title: &title,
                body: &body,
            };
            let instance_id = store::offers::insert(self.conn, &instance)?;
            let (offer_id, merchant_id) = (offer_id.to_owned(), merchant_id.to_owned());
            let kind = if held_out {
                EventKind::OfferHeldOut { instance_id, offer_id, merchant_id }
            } else {
                self.st.budget.record(MessageKind::Offer, at, self.set.tz);
                let (place_id, trigger) = (place_id.to_owned(), OfferTrigger::from(c.offer.trigger()));
                EventKind::OfferTriggered { instance_id, offer_id, merchant_id, place_id, trigger, title, expires_at }
            };
            self.emit(at, kind);
        }
        for (c, reason) in decision.suppressed {
            let (offer_id, merchant_id, place_id) =
                (c.offer.id().to_owned(), c.merchant.id().to_owned(), c.place.id().to_owned());
            let trigger = OfferTrigger::from(c.offer.trigger());
            self.emit(at, EventKind::OfferSuppressed { offer_id, merchant_id, place_id, trigger, reason });
        }
        Ok(())
    }
}
