//! A catalog in force, prepared for evaluation on every fix: its fence
//! index, and for each fence the place, merchant and offers it carries.
//!
//! The document is not kept as parsed: a catalog of 100,000 offers would
//! hold about 80 MB that way. What evaluation, events and wake regions read
//! is kept in flat tables instead: strings in one buffer (module `text`),
//! records that refer to each other by index, and the parts that are
//! usually left at their defaults (schedules, targeting, attributes,
//! opening hours) in side tables, stored once per distinct run. Offers,
//! places and merchants are read through the views of module
//! `loaded_views` (`LoadedOffer`, `LoadedPlace`, `LoadedMerchant`).

use super::text::{Interner, Str, TextArena};
use crate::domain::catalog::{Attributes, Caps, Catalog, OpeningHours, Rule, Schedule, Trigger};
use crate::domain::fences::{FenceError, FenceId, FenceIndex, FenceShape};
use crate::domain::geo::{distance_m, LocalFrame};
use crate::domain::time::Timestamp;
use chrono_tz::Tz;

/// A merchant, as evaluation reads it.
#[derive(Debug)]
pub(super) struct MerchantRec {
    pub(super) id: Str,
    pub(super) name: Str,
    pub(super) category: Str,
    pub(super) time_zone: Tz,
    /// Into `LoadedCatalog::attributes`.
    pub(super) attributes: u32,
}

/// A merchant place: its fence and what applies there.
#[derive(Debug)]
pub(super) struct PlaceRec {
    pub(super) id: Str,
    pub(super) merchant: u32,
    pub(super) fence: FenceId,
    /// Range of `LoadedCatalog::opening_hours`.
    pub(super) hours: (u32, u32),
    /// Range of `LoadedCatalog::place_offers`: the offers that apply here,
    /// in the merchant's order.
    pub(super) offers: (u32, u32),
    /// Shortest dwell trigger among those offers, in ms.
    pub(super) dwell_ms: Option<i64>,
    /// Largest `nearby` radius among those offers, in metres.
    pub(super) nearby_m: Option<f64>,
    /// A circle covering the fence, `(lat, lon, radius_m)`, for the OS.
    pub(super) region: (f64, f64, f64),
}

/// An offer, as evaluation reads it.
#[derive(Debug)]
pub(super) struct OfferRec {
    pub(super) id: Str,
    pub(super) title: Str,
    pub(super) body: Str,
    /// `fallback_text.title` and `.body` (text without social proof).
    pub(super) fallback: (Option<Str>, Option<Str>),
    pub(super) merchant: u32,
    pub(super) trigger: Trigger,
    pub(super) claim_window_minutes: u32,
    pub(super) priority: i32,
    pub(super) holdout_percent: f64,
    pub(super) caps: Caps,
    pub(super) allow_while_driving: bool,
    pub(super) claims_after_closing: bool,
    pub(super) value: f64,
    pub(super) expected_redemption_rate: f64,
    /// Into `LoadedCatalog::schedules`, `rules` and `attributes`.
    pub(super) schedule: u32,
    pub(super) targeting: u32,
    pub(super) attributes: u32,
}

/// Fence id → index of its place.
#[derive(Debug)]
pub(super) enum FenceTable {
    /// Indexed by `id - base`; `u32::MAX` where no place has that id. Used
    /// while ids are dense (as they are, unless many catalogs came and went).
    Direct { base: FenceId, slots: Vec<u32> },
    /// `(id, place)` sorted by id.
    Sorted(Vec<(FenceId, u32)>),
}

impl FenceTable {
    pub(super) fn build(fences: &[FenceId]) -> Self {
        let (Some(&lo), Some(&hi)) = (fences.iter().min(), fences.iter().max()) else {
            return FenceTable::Sorted(Vec::new());
        };
        let span = (hi - lo) as usize + 1;
        if span <= 2 * fences.len() + 1024 {
            let mut slots = vec![u32::MAX; span];
            for (place, &id) in fences.iter().enumerate() {
                slots[(id - lo) as usize] = place as u32;
            }
            FenceTable::Direct { base: lo, slots }
        } else {
            let mut sorted: Vec<(FenceId, u32)> = fences.iter().enumerate().map(|(p, &id)| (id, p as u32)).collect();
            sorted.sort_unstable();
            FenceTable::Sorted(sorted)
        }
    }

    #[inline]
    pub(super) fn get(&self, fence: FenceId) -> Option<usize> {
        match self {
            FenceTable::Direct { base, slots } => {
                let slot = *slots.get(fence.checked_sub(*base)? as usize)?;
                (slot != u32::MAX).then_some(slot as usize)
            }
            FenceTable::Sorted(sorted) => {
                sorted.binary_search_by_key(&fence, |&(id, _)| id).ok().map(|i| sorted[i].1 as usize)
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            FenceTable::Direct { slots, .. } => slots.capacity() * 4,
            FenceTable::Sorted(sorted) => sorted.capacity() * 8,
        }
    }
}

/// A verified catalog with everything evaluation needs, built once per load.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The catalog's version.
    pub version: u64,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Every fence.
    pub index: FenceIndex,
    /// Largest nearby radius of any offer (lookup margin).
    pub max_nearby_m: f64,
    pub(super) text: TextArena,
    pub(super) merchants: Vec<MerchantRec>,
    pub(super) places: Vec<PlaceRec>,
    pub(super) offers: Vec<OfferRec>,
    /// Offer indices, a run per place.
    pub(super) place_offers: Vec<u32>,
    /// Side tables; index 0 holds the default (always active, always true,
    /// no attributes).
    pub(super) schedules: Vec<Schedule>,
    pub(super) rules: Vec<Rule>,
    pub(super) attributes: Vec<Attributes>,
    /// Opening hours, a run per distinct list.
    pub(super) opening_hours: Vec<OpeningHours>,
    pub(super) by_fence: FenceTable,
}

/// Builds a catalog's tables merchant by merchant, as its document is read
/// (see [`crate::domain::catalog::read_merchants`]): nothing of a merchant is kept
/// but what evaluation needs, and its fence shape until the fence ids are
/// known.
pub(crate) struct TableBuilder {
    pub(super) cat: LoadedCatalog,
    pub(super) interner: Interner,
    pub(super) shapes: Vec<FenceShape>,
}

impl TableBuilder {
    /// No merchant yet.
    pub(crate) fn new() -> Self {
        TableBuilder {
            cat: LoadedCatalog {
                version: 0,
                issued_at: Timestamp(0),
                expires_at: Timestamp(0),
                index: FenceIndex::build(std::iter::empty::<(FenceId, FenceShape)>()).expect("an empty index builds"),
                max_nearby_m: 0.0,
                text: TextArena::default(),
                merchants: Vec::new(),
                places: Vec::new(),
                offers: Vec::new(),
                place_offers: Vec::new(),
                schedules: vec![Schedule::default()],
                rules: vec![Rule::default()],
                attributes: vec![Attributes::default()],
                opening_hours: Vec::new(),
                by_fence: FenceTable::Sorted(Vec::new()),
            },
            interner: Interner::default(),
            shapes: Vec::new(),
        }
    }

    /// Adds the next merchant of the document (a valid one).
    pub(crate) fn add_merchant(&mut self, m: &crate::domain::catalog::Merchant) {
        let mi = self.cat.merchants.len() as u32;
        self.cat.add_merchant(mi, m, &mut self.interner);
        self.shapes.extend(m.places.iter().map(|p| p.fence.clone()));
    }

    /// The tables, once every merchant was added.
    pub(crate) fn finish(self, version: u64, issued_at: Timestamp, expires_at: Timestamp) -> PendingCatalog {
        let mut cat = self.cat;
        (cat.version, cat.issued_at, cat.expires_at) = (version, issued_at, expires_at);
        cat.max_nearby_m = cat.places.iter().filter_map(|p| p.nearby_m).fold(0.0, f64::max);
        cat.shrink_to_fit();
        PendingCatalog { cat, shapes: self.shapes }
    }
}

/// A catalog's tables, its places not yet given fence ids (the engine
/// reads them from its database) nor indexed.
#[derive(Debug)]
pub struct PendingCatalog {
    cat: LoadedCatalog,
    shapes: Vec<FenceShape>,
}

impl PendingCatalog {
    /// The catalog's version.
    pub fn version(&self) -> u64 {
        self.cat.version
    }

    /// When it was issued and when it expires.
    pub fn dates(&self) -> (Timestamp, Timestamp) {
        (self.cat.issued_at, self.cat.expires_at)
    }

    /// Its tables and its places' shapes (for a patched catalog).
    pub(super) fn into_parts(self) -> (LoadedCatalog, Vec<FenceShape>) {
        (self.cat, self.shapes)
    }

    /// The id of its `i`th place (in document order).
    ///
    /// # Panics
    /// If it has no `i`th place.
    pub fn place_id(&self, i: usize) -> &str {
        self.cat.text.get(self.cat.places[i].id)
    }

    /// The ids of its places, in document order.
    pub fn place_ids(&self) -> impl Iterator<Item = &str> {
        self.cat.places.iter().map(|p| self.cat.text.get(p.id))
    }

    /// Gives each place its fence id (`fence_ids`, in document order, as
    /// for [`LoadedCatalog::build`]) and indexes the fences.
    ///
    /// # Panics
    /// If `fence_ids` has fewer ids than the catalog has places.
    pub fn number_fences(self, fence_ids: &[FenceId]) -> Result<LoadedCatalog, FenceError> {
        self.number_fences_with(fence_ids, None)
    }

    /// The fence index with each place's position as its fence id, built
    /// while the fence ids are read; `None` if a fence fails (then
    /// [`PendingCatalog::number_fences_with`] builds it again, for an
    /// error that names the fence by its id).
    pub fn provisional_index(&self) -> Option<FenceIndex> {
        FenceIndex::build((0..self.shapes.len() as FenceId).zip(&self.shapes)).ok()
    }

    /// [`PendingCatalog::number_fences`], renumbering `provisional` (from
    /// [`PendingCatalog::provisional_index`]) when given.
    ///
    /// # Panics
    /// If `fence_ids` has fewer ids than the catalog has places.
    pub fn number_fences_with(
        self,
        fence_ids: &[FenceId],
        provisional: Option<FenceIndex>,
    ) -> Result<LoadedCatalog, FenceError> {
        let PendingCatalog { mut cat, shapes } = self;
        assert!(fence_ids.len() >= cat.places.len(), "{} fence ids for {} places", fence_ids.len(), cat.places.len());
        cat.index = match provisional {
            Some(mut index) => {
                index.renumber(fence_ids)?;
                index
            }
            None => FenceIndex::build(fence_ids.iter().copied().zip(&shapes))?,
        };
        drop(shapes);
        for (place, &id) in cat.places.iter_mut().zip(fence_ids) {
            place.fence = id;
        }
        cat.by_fence = FenceTable::build(&fence_ids[..cat.places.len()]);
        Ok(cat)
    }
}

/// A circle covering `shape`: its centre (the mean of a polygon's exterior
/// vertices) and the largest distance to a vertex.
fn covering_circle(shape: &FenceShape) -> (f64, f64, f64) {
    match shape {
        FenceShape::Circle { lat, lon, radius_m } => (*lat, *lon, *radius_m),
        FenceShape::Polygon { exterior, .. } => {
            let ring = crate::domain::catalog::unwrap_ring_longitudes(exterior, exterior[0][1]);
            let n = ring.len() as f64;
            let lat = ring.iter().map(|p| p[0]).sum::<f64>() / n;
            let lon = ring.iter().map(|p| p[1]).sum::<f64>() / n;
            let frame = LocalFrame::new(lat, lon);
            let (lat, lon) = frame.to_lat_lon(0.0, 0.0);
            let r = ring.iter().map(|p| distance_m(lat, lon, p[0], p[1])).fold(0.0, f64::max);
            (lat, lon, r)
        }
    }
}

/// Index of `value` in `table`, where index 0 holds the default: the
/// default and a repeat of the last value stored are not stored again.
pub(super) fn side<T: PartialEq + Default>(table: &mut Vec<T>, value: T) -> u32 {
    if value == T::default() {
        0
    } else if table.len() > 1 && table.last() == Some(&value) {
        (table.len() - 1) as u32
    } else {
        table.push(value);
        (table.len() - 1) as u32
    }
}

impl LoadedCatalog {
    /// Prepares `catalog`; `fence_ids` gives the stable fence id of each
    /// place, in document order (merchant by merchant, each merchant's
    /// places in order), the same across catalogs so that fence state
    /// survives a swap. Copies only what evaluation needs: the document can
    /// be dropped afterwards (where its hundreds of thousands of small
    /// allocations cost least).
    ///
    /// # Panics
    /// If `fence_ids` has fewer ids than the catalog has places.
    pub fn build(catalog: &Catalog, fence_ids: &[FenceId]) -> Result<Self, FenceError> {
        let mut tables = TableBuilder::new();
        for m in &catalog.merchants {
            tables.add_merchant(m);
        }
        tables.finish(catalog.version, catalog.issued_at, catalog.expires_at).number_fences(fence_ids)
    }

    fn add_merchant(&mut self, mi: u32, m: &crate::domain::catalog::Merchant, interner: &mut Interner) {
        let attributes = side(&mut self.attributes, m.attributes.clone());
        self.merchants.push(MerchantRec {
            id: self.text.push(&m.id),
            name: interner.intern(&mut self.text, &m.name),
            category: interner.intern(&mut self.text, &m.category),
            time_zone: m.time_zone,
            attributes,
        });
        let first_offer = self.offers.len() as u32;
        for o in &m.offers {
            let schedule = side(&mut self.schedules, o.schedule.clone());
            let targeting = side(&mut self.rules, o.targeting.clone());
            let attributes = side(&mut self.attributes, o.attributes.clone());
            self.offers.push(OfferRec {
                id: self.text.push(&o.id),
                title: interner.intern(&mut self.text, &o.title),
                body: interner.intern(&mut self.text, &o.body),
                fallback: match &o.fallback_text {
                    Some(f) => (
                        f.title.as_deref().map(|t| interner.intern(&mut self.text, t)),
                        f.body.as_deref().map(|b| interner.intern(&mut self.text, b)),
                    ),
                    None => (None, None),
                },
                merchant: mi,
                trigger: o.trigger.clone(),
                claim_window_minutes: o.claim_window_minutes,
                priority: o.priority,
                holdout_percent: o.holdout_percent,
                caps: o.caps.clone(),
                allow_while_driving: o.allow_while_driving,
                claims_after_closing: o.claims_after_closing,
                value: o.value,
                expected_redemption_rate: o
                    .expected_redemption_rate
                    .unwrap_or(crate::policy::DEFAULT_EXPECTED_REDEMPTION_RATE),
                schedule,
                targeting,
                attributes,
            });
        }
        // Which offers apply at which place, in the merchant's offer order.
        // When none names places, every place shares one run of all of them.
        let all = (self.place_offers.len() as u32, (self.place_offers.len() + m.offers.len()) as u32);
        let per_place = m.offers.iter().any(|o| !o.places.is_empty());
        if !per_place && !m.places.is_empty() {
            self.place_offers.extend(first_offer..first_offer + m.offers.len() as u32);
        }
        let position: foldhash::HashMap<&str, usize> = if per_place && m.places.len() > 16 {
            m.places.iter().enumerate().map(|(j, p)| (p.id.as_str(), j)).collect()
        } else {
            Default::default()
        };
        let mut pairs: Vec<(usize, u32)> = Vec::new();
        if per_place {
            for (k, o) in m.offers.iter().enumerate() {
                let offer = first_offer + k as u32;
                if o.places.is_empty() {
                    pairs.extend((0..m.places.len()).map(|j| (j, offer)));
                } else {
                    for id in &o.places {
                        let j =
                            position.get(id.as_str()).copied().or_else(|| m.places.iter().position(|p| &p.id == id));
                        pairs.extend(j.map(|j| (j, offer)));
                    }
                }
            }
            pairs.sort_by_key(|&(j, _)| j);
        }
        let mut pairs = pairs.into_iter().peekable();
        let mut last_hours: Option<(&[OpeningHours], (u32, u32))> = None;
        for (j, p) in m.places.iter().enumerate() {
            let offers = if per_place {
                let start = self.place_offers.len() as u32;
                while let Some((_, offer)) = pairs.next_if(|&(pj, _)| pj == j) {
                    self.place_offers.push(offer);
                }
                (start, self.place_offers.len() as u32)
            } else {
                all
            };
            let hours = match last_hours {
                Some((list, run)) if list == p.opening_hours.as_slice() => run,
                _ => {
                    let start = self.opening_hours.len() as u32;
                    self.opening_hours.extend(p.opening_hours.iter().cloned());
                    (start, self.opening_hours.len() as u32)
                }
            };
            last_hours = Some((&p.opening_hours, hours));
            let triggers = || {
                self.place_offers[offers.0 as usize..offers.1 as usize]
                    .iter()
                    .map(|&i| &self.offers[i as usize].trigger)
            };
            let dwell_ms = triggers()
                .filter_map(|t| match t {
                    Trigger::Dwell { minutes } => Some(i64::from(*minutes) * 60_000),
                    _ => None,
                })
                .min();
            let nearby_m = triggers()
                .filter_map(|t| match t {
                    Trigger::Nearby { radius_m } => Some(*radius_m),
                    _ => None,
                })
                .reduce(f64::max);
            self.places.push(PlaceRec {
                id: self.text.push(&p.id),
                merchant: mi,
                fence: 0,
                hours,
                offers,
                dwell_ms,
                nearby_m,
                region: covering_circle(&p.fence),
            });
        }
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.merchants.shrink_to_fit();
        self.places.shrink_to_fit();
        self.offers.shrink_to_fit();
        self.place_offers.shrink_to_fit();
        self.schedules.shrink_to_fit();
        self.rules.shrink_to_fit();
        self.attributes.shrink_to_fit();
        self.opening_hours.shrink_to_fit();
    }

    /// The shortest dwell trigger of the offers at `fence`, in ms.
    #[inline]
    pub fn dwell_ms(&self, fence: FenceId) -> Option<i64> {
        self.by_fence.get(fence).and_then(|i| self.places[i].dwell_ms)
    }

    /// The largest `nearby` radius of the offers at `fence`, in metres.
    #[inline]
    pub fn nearby_m(&self, fence: FenceId) -> Option<f64> {
        self.by_fence.get(fence).and_then(|i| self.places[i].nearby_m)
    }

    /// One fix through the fences: looks it up (with the nearby margin),
    /// updates `tracker`, and leaves the fences near the fix in `hits` and
    /// the transitions it caused in `transitions`. This is the per-fix hot
    /// path of offer evaluation; the engine runs it on every in-order fix.
    pub fn track(
        &self,
        tracker: &mut crate::domain::fences::FenceTracker,
        fix: &crate::domain::location::LocationFix,
        hits: &mut Vec<crate::domain::fences::FenceHit>,
        transitions: &mut Vec<crate::domain::fences::FenceEvent>,
    ) {
        hits.clear();
        self.index.lookup(fix.lat, fix.lon, self.max_nearby_m, hits);
        tracker.update_with_hits(&self.index, fix, hits, |f| self.dwell_ms(f), transitions);
    }

    /// The fences a stay centred at `(lat, lon)` counts as a visit to:
    /// those within [`crate::policy::MERCHANT_VISIT_MARGIN_M`] of it, in
    /// `hits` (cleared first).
    pub fn visit_hits(&self, lat: f64, lon: f64, hits: &mut Vec<crate::domain::fences::FenceHit>) {
        let margin = crate::policy::MERCHANT_VISIT_MARGIN_M;
        self.index.lookup(lat, lon, margin, hits);
        hits.retain(|h| h.distance_m <= margin);
    }

    /// Number of merchants in the catalog.
    pub fn merchant_count(&self) -> usize {
        self.merchants.len()
    }

    /// Number of offers in the catalog.
    pub fn offer_count(&self) -> usize {
        self.offers.len()
    }

    /// Heap bytes held: the fence index and the tables, counted from their
    /// capacities; the contents of side-table entries (the day lists of
    /// opening hours, the parts of non-default schedules, rules and
    /// attributes) at their inline size only.
    pub fn heap_bytes(&self) -> usize {
        fn cap<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        self.index.heap_bytes()
            + self.text.heap_bytes()
            + cap(&self.merchants)
            + cap(&self.places)
            + cap(&self.offers)
            + cap(&self.place_offers)
            + cap(&self.schedules)
            + cap(&self.rules)
            + cap(&self.attributes)
            + cap(&self.opening_hours)
            + self.by_fence.heap_bytes()
    }
}
