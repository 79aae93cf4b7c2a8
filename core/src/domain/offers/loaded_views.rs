//! Views of the merchants, places and offers of a [`LoadedCatalog`]: small
//! `Copy` handles that read the catalog's tables, with the fields of the
//! document's [`crate::domain::catalog::Merchant`], [`crate::domain::catalog::MerchantPlace`]
//! and [`crate::domain::catalog::Offer`] that evaluation, events and wake regions
//! need; and the catalog's lookups that hand them out.

use super::loaded::{LoadedCatalog, MerchantRec, OfferRec, PlaceRec};
use crate::domain::catalog::{Attributes, Caps, OpeningHours, Rule, Schedule, Subject, Trigger};
use crate::domain::fences::FenceId;
use crate::domain::time::Timestamp;
use chrono_tz::Tz;
use std::fmt;

/// A merchant of a loaded catalog.
#[derive(Clone, Copy)]
pub struct LoadedMerchant<'c> {
    cat: &'c LoadedCatalog,
    rec: &'c MerchantRec,
}

/// A place of a loaded catalog: one fence.
#[derive(Clone, Copy)]
pub struct LoadedPlace<'c> {
    cat: &'c LoadedCatalog,
    rec: &'c PlaceRec,
}

/// An offer of a loaded catalog.
#[derive(Clone, Copy)]
pub struct LoadedOffer<'c> {
    cat: &'c LoadedCatalog,
    rec: &'c OfferRec,
}

impl LoadedCatalog {
    /// The place with id `place_id` (a scan of every place: for a rare
    /// call such as a redemption, not for every fix).
    pub fn place_by_id(&self, place_id: &str) -> Option<LoadedPlace<'_>> {
        self.places.iter().find(|p| self.text.get(p.id) == place_id).map(|rec| LoadedPlace::new(self, rec))
    }

    /// Every merchant, in document order.
    pub fn merchants(&self) -> impl Iterator<Item = LoadedMerchant<'_>> {
        self.merchants.iter().map(move |rec| LoadedMerchant { cat: self, rec })
    }

    /// The place whose fence is `fence`.
    #[inline]
    pub fn place(&self, fence: FenceId) -> Option<LoadedPlace<'_>> {
        let i = self.by_fence.get(fence)?;
        Some(LoadedPlace::new(self, &self.places[i]))
    }

    /// The offers that apply at the place of `fence`, with their merchant
    /// and place, in the merchant's order.
    pub fn offers_at(
        &self,
        fence: FenceId,
    ) -> impl Iterator<Item = (LoadedMerchant<'_>, LoadedPlace<'_>, LoadedOffer<'_>)> {
        self.place(fence).into_iter().flat_map(|p| {
            let m = p.merchant();
            p.offers().map(move |o| (m, p, o))
        })
    }
}

impl<'c> LoadedMerchant<'c> {
    /// Its id.
    pub fn id(self) -> &'c str {
        self.cat.text.get(self.rec.id)
    }

    /// Its display name.
    pub fn name(self) -> &'c str {
        self.cat.text.get(self.rec.name)
    }

    /// Its category.
    pub fn category(self) -> &'c str {
        self.cat.text.get(self.rec.category)
    }

    /// Its time zone.
    pub fn time_zone(self) -> Tz {
        self.rec.time_zone
    }

    /// Its attributes.
    pub fn attributes(self) -> &'c Attributes {
        &self.cat.attributes[self.rec.attributes as usize]
    }
}

impl<'c> LoadedPlace<'c> {
    fn new(cat: &'c LoadedCatalog, rec: &'c PlaceRec) -> Self {
        LoadedPlace { cat, rec }
    }

    /// Its id.
    pub fn id(self) -> &'c str {
        self.cat.text.get(self.rec.id)
    }

    /// Its fence.
    pub fn fence(self) -> FenceId {
        self.rec.fence
    }

    /// Its merchant.
    pub fn merchant(self) -> LoadedMerchant<'c> {
        LoadedMerchant { cat: self.cat, rec: &self.cat.merchants[self.rec.merchant as usize] }
    }

    /// Its opening hours (none: always open).
    pub fn opening_hours(self) -> &'c [OpeningHours] {
        &self.cat.opening_hours[self.rec.hours.0 as usize..self.rec.hours.1 as usize]
    }

    /// Whether the place is open at `at`, in its merchant's zone (see
    /// [`crate::domain::catalog::MerchantPlace::is_open`]).
    pub fn is_open(self, at: Timestamp) -> bool {
        crate::domain::catalog::is_open(self.opening_hours(), at, self.merchant().time_zone())
    }

    /// The offers that apply here, in the merchant's order.
    pub fn offers(self) -> impl Iterator<Item = LoadedOffer<'c>> + 'c {
        let cat = self.cat;
        cat.place_offers[self.rec.offers.0 as usize..self.rec.offers.1 as usize]
            .iter()
            .map(move |&i| LoadedOffer { cat, rec: &cat.offers[i as usize] })
    }

    /// Shortest dwell trigger among its offers, in ms.
    pub fn dwell_ms(self) -> Option<i64> {
        self.rec.dwell_ms
    }

    /// Largest `nearby` radius among its offers, in metres.
    pub fn nearby_m(self) -> Option<f64> {
        self.rec.nearby_m
    }

    /// A circle covering the fence, `(lat, lon, radius_m)`: its centre (the
    /// mean of a polygon's exterior vertices) and the largest distance to a
    /// vertex.
    pub fn region(self) -> (f64, f64, f64) {
        self.rec.region
    }
}

impl<'c> LoadedOffer<'c> {
    /// Its id.
    pub fn id(self) -> &'c str {
        self.cat.text.get(self.rec.id)
    }

    /// Its headline.
    pub fn title(self) -> &'c str {
        self.cat.text.get(self.rec.title)
    }

    /// Its longer text.
    pub fn body(self) -> &'c str {
        self.cat.text.get(self.rec.body)
    }

    /// Its title as the shopper sees it, given how many friends visited
    /// its merchant (`{friends_visited}` filled in, or the fallback title).
    pub fn title_with(self, friends: Option<u32>) -> String {
        let fallback = self.rec.fallback.0.map(|s| self.cat.text.get(s));
        crate::domain::catalog::with_friends_visited(self.title(), fallback, friends)
    }

    /// Its body as the shopper sees it (as [`LoadedOffer::title_with`]).
    pub fn body_with(self, friends: Option<u32>) -> String {
        let fallback = self.rec.fallback.1.map(|s| self.cat.text.get(s));
        crate::domain::catalog::with_friends_visited(self.body(), fallback, friends)
    }

    /// Its merchant.
    pub fn merchant(self) -> LoadedMerchant<'c> {
        LoadedMerchant { cat: self.cat, rec: &self.cat.merchants[self.rec.merchant as usize] }
    }

    /// What makes it fire.
    pub fn trigger(self) -> &'c Trigger {
        &self.rec.trigger
    }

    /// When it may fire.
    pub fn schedule(self) -> &'c Schedule {
        &self.cat.schedules[self.rec.schedule as usize]
    }

    /// Minutes after the trigger it can be claimed.
    pub fn claim_window_minutes(self) -> u32 {
        self.rec.claim_window_minutes
    }

    /// Who it is for.
    pub fn targeting(self) -> &'c Rule {
        &self.cat.rules[self.rec.targeting as usize]
    }

    /// How often it may fire.
    pub fn caps(self) -> &'c Caps {
        &self.rec.caps
    }

    /// Its priority (higher wins).
    pub fn priority(self) -> i32 {
        self.rec.priority
    }

    /// Percentage of installs held out of it.
    pub fn holdout_percent(self) -> f64 {
        self.rec.holdout_percent
    }

    /// Whether it may fire at driving speed.
    pub fn allow_while_driving(self) -> bool {
        self.rec.allow_while_driving
    }

    /// Its attributes.
    pub fn attributes(self) -> &'c Attributes {
        &self.cat.attributes[self.rec.attributes as usize]
    }

    /// What targeting evaluates it as.
    pub fn subject(self) -> Subject<'c> {
        let m = self.merchant();
        Subject {
            merchant_id: m.id(),
            time_zone: m.time_zone(),
            merchant_attributes: m.attributes(),
            offer_attributes: self.attributes(),
        }
    }

    /// Whether it may fire at `at` at `place` (see
    /// [`crate::domain::catalog::Offer::is_scheduled`]).
    pub fn is_scheduled(self, at: Timestamp, place: LoadedPlace<'_>) -> bool {
        self.schedule().allows(at, self.merchant().time_zone(), place.opening_hours())
    }

    /// What it is worth (default 1).
    pub fn value(self) -> f64 {
        self.rec.value
    }

    /// The catalog's prior chance that a shopper redeems it (or the
    /// engine's default).
    pub fn expected_redemption_rate(self) -> f64 {
        self.rec.expected_redemption_rate
    }

    /// Whether its claim window may run past the place's closing time.
    pub fn claims_after_closing(self) -> bool {
        self.rec.claims_after_closing
    }

    /// The last instant (exclusive) it can be claimed when triggered at
    /// `trigger_at` at `place`: the claim window, ended earlier by
    /// `valid_until` and, unless [`LoadedOffer::claims_after_closing`], by
    /// the place's first closing after the trigger (see
    /// [`crate::domain::catalog::Offer::claim_deadline_at`]).
    pub fn claim_deadline(self, trigger_at: Timestamp, place: LoadedPlace<'_>) -> Timestamp {
        let window_end = self.schedule().claim_deadline(self.rec.claim_window_minutes, trigger_at);
        let tz = self.merchant().time_zone();
        crate::domain::catalog::claim_deadline(
            window_end,
            trigger_at,
            self.rec.claims_after_closing,
            place.opening_hours(),
            tz,
        )
    }
}

impl fmt::Debug for LoadedMerchant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedMerchant").field("id", &self.id()).finish()
    }
}

impl fmt::Debug for LoadedPlace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedPlace").field("id", &self.id()).field("fence", &self.fence()).finish()
    }
}

impl fmt::Debug for LoadedOffer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedOffer").field("id", &self.id()).finish()
    }
}
