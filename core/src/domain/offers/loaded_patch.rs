//! A loaded catalog patched merchant by merchant (tiled catalogs, ADR 0012,
//! "Revised: incremental load"): the next catalog's tables are built from
//! the catalog in force, each merchant either copied from its tables as it
//! is (records, strings, side tables; its places keep their fence ids and
//! their fences' compiled geometry) or added from its document, read
//! anew. The result is the catalog [`super::loaded::TableBuilder`] builds
//! from the same merchants in the same order (the tests compare them
//! whole), without parsing the merchants copied.

use super::loaded::{side, FenceTable, LoadedCatalog, OfferRec, PlaceRec, TableBuilder};
use crate::domain::catalog::Merchant;
use crate::domain::fences::{FenceError, FenceId, FenceIndex, FenceShape};
use crate::domain::time::Timestamp;
use std::ops::Range;

/// Builds the next catalog from `old`, merchant by merchant, in the order
/// they are given.
pub(crate) struct PatchBuilder<'o> {
    old: &'o LoadedCatalog,
    tables: TableBuilder,
    /// The places whose fences are new (their shapes in `tables.shapes`,
    /// in the same order).
    new_places: Vec<u32>,
    /// Where each merchant of `old` starts in its offers and places (one
    /// more than its merchants).
    offer_starts: Vec<u32>,
    place_starts: Vec<u32>,
}

/// Where each of `n` merchants' records start in `owners` (each record's
/// merchant, in merchant order).
fn starts(n: usize, owners: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut counts = vec![0u32; n + 1];
    for m in owners {
        counts[m as usize + 1] += 1;
    }
    for i in 1..=n {
        counts[i] += counts[i - 1];
    }
    counts
}

impl<'o> PatchBuilder<'o> {
    /// Nothing added yet; `old` is the catalog in force.
    pub(crate) fn new(old: &'o LoadedCatalog) -> Self {
        let n = old.merchants.len();
        PatchBuilder {
            old,
            tables: TableBuilder::new(),
            new_places: Vec::new(),
            offer_starts: starts(n, old.offers.iter().map(|o| o.merchant)),
            place_starts: starts(n, old.places.iter().map(|p| p.merchant)),
        }
    }

    /// The ids of `old`'s merchants, in its order.
    pub(crate) fn old_merchant_ids(&self) -> impl Iterator<Item = &'o str> + 'o {
        let old = self.old;
        old.merchants.iter().map(move |m| old.text.get(m.id))
    }

    fn range(starts: &[u32], mi: usize) -> Range<usize> {
        starts[mi] as usize..starts[mi + 1] as usize
    }

    /// The place ids of `old`'s merchant `mi`.
    pub(crate) fn old_place_ids(&self, mi: usize) -> impl Iterator<Item = &'o str> + 'o {
        let old = self.old;
        old.places[Self::range(&self.place_starts, mi)].iter().map(move |p| old.text.get(p.id))
    }

    /// Adds merchant `m`, read from its document.
    pub(crate) fn add_merchant(&mut self, m: &Merchant) {
        let first = self.tables.cat.places.len() as u32;
        self.new_places.extend(first..first + m.places.len() as u32);
        self.tables.add_merchant(m);
    }

    /// Copies `old`'s merchant `mi` as it is.
    pub(crate) fn copy_merchant(&mut self, mi: usize) {
        let old = self.old;
        let (cat, interner) = (&mut self.tables.cat, &mut self.tables.interner);
        let rec = &old.merchants[mi];
        let new_mi = cat.merchants.len() as u32;
        let attributes = side(&mut cat.attributes, old.attributes[rec.attributes as usize].clone());
        cat.merchants.push(super::loaded::MerchantRec {
            id: cat.text.push(old.text.get(rec.id)),
            name: interner.intern(&mut cat.text, old.text.get(rec.name)),
            category: interner.intern(&mut cat.text, old.text.get(rec.category)),
            time_zone: rec.time_zone,
            attributes,
        });
        let offers = Self::range(&self.offer_starts, mi);
        let (old_first, new_first) = (offers.start as u32, cat.offers.len() as u32);
        for o in &old.offers[offers] {
            let schedule = side(&mut cat.schedules, old.schedules[o.schedule as usize].clone());
            let targeting = side(&mut cat.rules, old.rules[o.targeting as usize].clone());
            let attributes = side(&mut cat.attributes, old.attributes[o.attributes as usize].clone());
            let id = cat.text.push(old.text.get(o.id));
            let title = interner.intern(&mut cat.text, old.text.get(o.title));
            let body = interner.intern(&mut cat.text, old.text.get(o.body));
            let fallback = (
                o.fallback.0.map(|t| interner.intern(&mut cat.text, old.text.get(t))),
                o.fallback.1.map(|b| interner.intern(&mut cat.text, old.text.get(b))),
            );
            cat.offers.push(OfferRec {
                id,
                title,
                body,
                fallback,
                merchant: new_mi,
                trigger: o.trigger.clone(),
                caps: o.caps.clone(),
                schedule,
                targeting,
                attributes,
                ..*o
            });
        }
        // Runs shared by consecutive places in `old` stay shared (as the
        // build shares them: one run of all offers, one run per list of
        // opening hours repeated).
        let mut last_offers: Option<((u32, u32), (u32, u32))> = None;
        let mut last_hours: Option<((u32, u32), (u32, u32))> = None;
        for p in &old.places[Self::range(&self.place_starts, mi)] {
            let offers = match last_offers {
                Some((from, to)) if from == p.offers => to,
                _ => {
                    let start = cat.place_offers.len() as u32;
                    let run = &old.place_offers[p.offers.0 as usize..p.offers.1 as usize];
                    cat.place_offers.extend(run.iter().map(|&i| i - old_first + new_first));
                    (start, cat.place_offers.len() as u32)
                }
            };
            last_offers = Some((p.offers, offers));
            let hours = match last_hours {
                Some((from, to)) if from == p.hours => to,
                _ => {
                    let start = cat.opening_hours.len() as u32;
                    cat.opening_hours.extend(old.opening_hours[p.hours.0 as usize..p.hours.1 as usize].iter().cloned());
                    (start, cat.opening_hours.len() as u32)
                }
            };
            last_hours = Some((p.hours, hours));
            cat.places.push(PlaceRec {
                id: cat.text.push(old.text.get(p.id)),
                merchant: new_mi,
                fence: p.fence,
                hours,
                offers,
                dwell_ms: p.dwell_ms,
                nearby_m: p.nearby_m,
                region: p.region,
            });
        }
    }

    /// The tables, once every merchant was added or copied.
    pub(crate) fn finish(self, version: u64, issued_at: Timestamp, expires_at: Timestamp) -> PendingPatch<'o> {
        let pending = self.tables.finish(version, issued_at, expires_at);
        let (cat, shapes) = pending.into_parts();
        PendingPatch { cat, shapes, new_places: self.new_places, old_index: &self.old.index }
    }
}

/// A patched catalog whose new places have no fence ids yet.
pub(crate) struct PendingPatch<'o> {
    cat: LoadedCatalog,
    shapes: Vec<FenceShape>,
    new_places: Vec<u32>,
    old_index: &'o FenceIndex,
}

impl PendingPatch<'_> {
    /// The ids of the places added from their documents (not copied), in
    /// order: those that need fence ids.
    pub(crate) fn new_place_ids(&self) -> impl Iterator<Item = &str> {
        self.new_places.iter().map(|&i| self.cat.text.get(self.cat.places[i as usize].id))
    }

    /// Gives the new places their fence ids (`new_ids`, in the order of
    /// [`PendingPatch::new_place_ids`]) and indexes every fence, reusing
    /// the compiled fences of the places copied.
    ///
    /// # Panics
    /// If `new_ids` has fewer ids than there are new places.
    pub(crate) fn number_fences(self, new_ids: &[FenceId]) -> Result<LoadedCatalog, FenceError> {
        let PendingPatch { mut cat, shapes, new_places, old_index } = self;
        assert!(new_ids.len() >= new_places.len(), "{} fence ids for {} new places", new_ids.len(), new_places.len());
        let mut is_new = vec![false; cat.places.len()];
        for (&i, &id) in new_places.iter().zip(new_ids) {
            cat.places[i as usize].fence = id;
            is_new[i as usize] = true;
        }
        let kept = cat.places.iter().zip(&is_new).filter(|(_, &new)| !new).map(|(p, _)| p.fence);
        cat.index = FenceIndex::rebuild(old_index, kept, new_ids.iter().copied().zip(&shapes))?;
        drop(shapes);
        let fences: Vec<FenceId> = cat.places.iter().map(|p| p.fence).collect();
        cat.by_fence = FenceTable::build(&fences);
        Ok(cat)
    }
}
