//! [`FenceIndex`]: every fence of a catalog in an R-tree, for exact lookups
//! on every location fix.
//!
//! The tree (`rstar`) holds one axis-aligned box per fence in 3-D
//! coordinates on the unit sphere: the box of a ball that encloses the
//! fence. A lookup is a box query around the fix followed by an exact test
//! of each candidate (see [`super::geom`]). Working on the sphere rather
//! than in latitude and longitude means no special case at the antimeridian
//! or the poles, and a chord on the sphere orders points exactly as the
//! great-circle distance does, so `nearest` can use the tree's own
//! nearest-neighbour iterator.

use super::error::FenceError;
use super::geom::{chord_for, circle_distance, metres_for, Geometry, Query, Xyz};
use super::{FenceId, FenceShape};
use crate::policy;
use rstar::{PointDistance, RTree, RTreeNode, RTreeObject, AABB};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::ops::ControlFlow;

/// One fence near a looked-up point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FenceHit {
    /// The fence.
    pub fence: FenceId,
    /// Signed distance from the point to the fence's boundary, in metres:
    /// negative inside the fence, positive outside.
    pub distance_m: f64,
    /// The fence's characteristic radius in metres: a circle's radius, or
    /// 2 x area / perimeter for a polygon (its inscribed radius when it has
    /// one). The tracker compares fix accuracy with it.
    pub radius_m: f64,
}

/// A leaf of the tree: the box of a ball enclosing a fence. A circle is
/// tested right here, from the same centre and radius as in the fence
/// table (so both give bit-identical distances), without touching the
/// table: one cache miss less per candidate. A polygon is tested through
/// its slot in the table.
#[derive(Debug, Clone, Copy)]
struct Entry {
    env: AABB<Xyz>,
    /// A circle's centre (unused for a polygon).
    centre: Xyz,
    /// A circle's radius in metres; NaN for a polygon.
    radius_m: f64,
    id: FenceId,
    /// The fence's slot in `FenceIndex::fences`.
    slot: u32,
}

impl Entry {
    #[inline]
    fn hit(&self, index: &FenceIndex, q: &Query) -> FenceHit {
        if self.radius_m.is_nan() {
            return index.hit_at(self.slot as usize, q);
        }
        FenceHit {
            fence: self.id,
            distance_m: circle_distance(&q.xyz, &self.centre, self.radius_m),
            radius_m: self.radius_m,
        }
    }
}

impl RTreeObject for Entry {
    type Envelope = AABB<Xyz>;
    #[inline]
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

impl PointDistance for Entry {
    /// Squared distance to the box: a lower bound of the squared chord to
    /// any point of the fence.
    fn distance_2(&self, point: &Xyz) -> f64 {
        self.env.distance_2(point)
    }
}

#[derive(Debug, Clone)]
struct Fence {
    id: FenceId,
    geom: Geometry,
}

/// Every fence of a catalog, indexed for lookups by position. Built once per
/// catalog ([`FenceIndex::build`]); immutable and `Sync` afterwards, so one
/// index can serve any number of threads.
#[derive(Debug, Clone)]
pub struct FenceIndex {
    tree: RTree<Entry>,
    /// Sorted by id, so a fence is found by binary search.
    fences: Vec<Fence>,
}

impl FenceIndex {
    /// Checks and indexes `fences`. Fails on the first shape
    /// [`FenceShape::check`] refuses, or the first repeated id, naming the
    /// fence; an empty list gives an empty index.
    pub fn build<S: Borrow<FenceShape>>(fences: impl IntoIterator<Item = (FenceId, S)>) -> Result<Self, FenceError> {
        let iter = fences.into_iter();
        let mut compiled = Vec::with_capacity(iter.size_hint().0);
        for (id, shape) in iter {
            let geom = Geometry::compile(shape.borrow()).map_err(|error| FenceError::Shape { fence: id, error })?;
            compiled.push(Fence { id, geom });
        }
        Self::from_compiled(compiled)
    }

    /// An index of the fences `kept` (ids of fences of `old`, whose checked
    /// and compiled geometry is reused as it is) and the fences `new`
    /// (checked and compiled as [`FenceIndex::build`] does): what a
    /// catalog patched merchant by merchant indexes (ADR 0012, "Revised:
    /// incremental load"). The same index as [`FenceIndex::build`] of the
    /// same fences.
    ///
    /// # Panics
    /// If a kept id is not a fence of `old`.
    pub fn rebuild<S: Borrow<FenceShape>>(
        old: &FenceIndex,
        kept: impl IntoIterator<Item = FenceId>,
        new: impl IntoIterator<Item = (FenceId, S)>,
    ) -> Result<Self, FenceError> {
        let mut compiled: Vec<Fence> = kept
            .into_iter()
            .map(|id| {
                let slot = old.slot_of(id).unwrap_or_else(|| panic!("fence {id} is not in the old index"));
                old.fences[slot].clone()
            })
            .collect();
        for (id, shape) in new {
            let geom = Geometry::compile(shape.borrow()).map_err(|error| FenceError::Shape { fence: id, error })?;
            compiled.push(Fence { id, geom });
        }
        Self::from_compiled(compiled)
    }

    /// The index of fences already compiled.
    fn from_compiled(mut compiled: Vec<Fence>) -> Result<Self, FenceError> {
        compiled.sort_unstable_by_key(|f| f.id);
        if let Some(w) = compiled.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(FenceError::DuplicateId { fence: w[0].id });
        }
        compiled.shrink_to_fit();
        let entries = compiled
            .iter()
            .enumerate()
            .map(|(slot, f)| {
                let (centre, bound_m) = f.geom.bounding_cap();
                let h = chord_for(bound_m);
                let c = centre;
                Entry {
                    env: AABB::from_corners([c[0] - h, c[1] - h, c[2] - h], [c[0] + h, c[1] + h, c[2] + h]),
                    centre,
                    radius_m: f.geom.circle_radius().unwrap_or(f64::NAN),
                    id: f.id,
                    slot: slot as u32,
                }
            })
            .collect();
        Ok(FenceIndex { tree: RTree::bulk_load(entries), fences: compiled })
    }

    /// Gives the fences their ids when the index was built before they were
    /// known: built with ids `0..n` (each fence's position), the fence with
    /// id `i` gets `ids[i]`. Fails on a repeated id, as [`FenceIndex::build`].
    ///
    /// # Panics
    /// If the ids are not `0..n`, or `ids` holds fewer than `n`.
    pub fn renumber(&mut self, ids: &[FenceId]) -> Result<(), FenceError> {
        let n = self.fences.len();
        assert!(ids.len() >= n, "{} ids for {n} fences", ids.len());
        assert!(self.fences.iter().enumerate().all(|(i, f)| f.id as usize == i), "ids are not positions");
        self.fences.sort_unstable_by_key(|f| ids[f.id as usize]);
        let mut slot_of = vec![0u32; n];
        for (slot, f) in self.fences.iter_mut().enumerate() {
            slot_of[f.id as usize] = slot as u32;
            f.id = ids[f.id as usize];
        }
        if let Some(w) = self.fences.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(FenceError::DuplicateId { fence: w[0].id });
        }
        for e in self.tree.iter_mut() {
            let position = e.id as usize;
            (e.id, e.slot) = (ids[position], slot_of[position]);
        }
        Ok(())
    }

    /// Number of fences.
    pub fn len(&self) -> usize {
        self.fences.len()
    }

    /// True when the index holds no fence.
    pub fn is_empty(&self) -> bool {
        self.fences.is_empty()
    }

    /// Whether a fence with this id is indexed.
    pub fn contains(&self, fence: FenceId) -> bool {
        self.slot_of(fence).is_some()
    }

    fn slot_of(&self, fence: FenceId) -> Option<usize> {
        self.fences.binary_search_by_key(&fence, |f| f.id).ok()
    }

    #[inline]
    fn hit_at(&self, slot: usize, q: &Query) -> FenceHit {
        let f = &self.fences[slot];
        FenceHit { fence: f.id, distance_m: f.geom.signed_distance(q), radius_m: f.geom.radius_m() }
    }

    /// Clears `out` and fills it with every fence whose signed distance from
    /// `(lat, lon)` is at most `margin_m`: the fences the point is inside,
    /// and those whose boundary is within `margin_m` outside it. (A negative
    /// margin keeps only fences the point is at least that deep inside.)
    /// `margin_m` is clamped to [`policy::FENCE_LOOKUP_MAX_MARGIN_M`]; a
    /// non-finite point or margin finds nothing. Hits come in no particular
    /// order. This is the hot path: it allocates nothing once `out` has
    /// grown to the largest result.
    pub fn lookup(&self, lat: f64, lon: f64, margin_m: f64, out: &mut Vec<FenceHit>) {
        out.clear();
        if !(lat.is_finite() && lon.is_finite() && !margin_m.is_nan()) || self.fences.is_empty() {
            return;
        }
        self.lookup_query(&Query::new(lat, lon), margin_m, out);
    }

    /// [`FenceIndex::lookup`] for a prepared point (finite, index not empty,
    /// margin not NaN).
    pub(crate) fn lookup_query(&self, q: &Query, margin_m: f64, out: &mut Vec<FenceHit>) {
        out.clear();
        let margin = margin_m.min(policy::FENCE_LOOKUP_MAX_MARGIN_M);
        // Search a little wider than the margin: polygon distances are
        // measured in a flat frame, which may read a few percent short.
        let reach = margin.max(0.0) * (1.0 + policy::FENCE_PROJECTION_SLACK) + policy::FENCE_PROJECTION_SLACK_M;
        let h = chord_for(reach);
        let p = q.xyz;
        let env = AABB::from_corners([p[0] - h, p[1] - h, p[2] - h], [p[0] + h, p[1] + h, p[2] + h]);
        let _ = self.tree.locate_in_envelope_intersecting_int(&env, |e: &Entry| {
            let hit = e.hit(self, q);
            if hit.distance_m <= margin {
                out.push(hit);
            }
            ControlFlow::<()>::Continue(())
        });
    }

    /// The same result as [`FenceIndex::lookup`] (possibly in another
    /// order), by testing every fence in turn: the reference the index is
    /// checked and benchmarked against. O(number of fences); not for the
    /// hot path.
    pub fn lookup_scan(&self, lat: f64, lon: f64, margin_m: f64, out: &mut Vec<FenceHit>) {
        out.clear();
        if !(lat.is_finite() && lon.is_finite() && !margin_m.is_nan()) {
            return;
        }
        let margin = margin_m.min(policy::FENCE_LOOKUP_MAX_MARGIN_M);
        let q = Query::new(lat, lon);
        for slot in 0..self.fences.len() {
            let hit = self.hit_at(slot, &q);
            if hit.distance_m <= margin {
                out.push(hit);
            }
        }
    }

    /// The hit for one fence at `(lat, lon)`, wherever the point is; `None`
    /// if the index has no such fence.
    pub fn hit(&self, fence: FenceId, lat: f64, lon: f64) -> Option<FenceHit> {
        self.hit_query(fence, &mut 0, &Query::new(lat, lon))
    }

    /// As [`FenceIndex::hit`], for a point already prepared (the tracker
    /// prepares a fix once for all the fences it is in). `slot_hint` is
    /// where the fence was last found: checked first, updated if wrong, so
    /// that a fence the phone stays in is not searched for on every fix.
    pub(crate) fn hit_query(&self, fence: FenceId, slot_hint: &mut u32, q: &Query) -> Option<FenceHit> {
        let slot = match self.fences.get(*slot_hint as usize) {
            Some(f) if f.id == fence => *slot_hint as usize,
            _ => {
                let slot = self.slot_of(fence)?;
                *slot_hint = slot as u32;
                slot
            }
        };
        Some(self.hit_at(slot, q))
    }

    /// The `n` fences nearest to `(lat, lon)`, as `(fence, signed distance
    /// to the boundary in metres)`, nearest first: fences containing the
    /// point come first (negative distances, deepest first). This is what
    /// the app registers with the OS to be woken
    /// ([`policy::FENCE_WAKE_REGIONS_IOS`], [`policy::FENCE_WAKE_REGIONS_ANDROID`]).
    /// Distances to polygons more than a few kilometres away are
    /// approximate (a few percent), which only affects the order among far
    /// fences.
    pub fn nearest(&self, lat: f64, lon: f64, n: usize) -> Vec<(FenceId, f64)> {
        let n = n.min(self.fences.len());
        let mut best: Vec<(FenceId, f64)> = Vec::with_capacity(n + 1);
        if n == 0 || !(lat.is_finite() && lon.is_finite()) {
            return best;
        }
        let q = Query::new(lat, lon);
        for e in self.tree.nearest_neighbor_iter(&q.xyz) {
            // The tree yields fences by the distance to their box, a lower
            // bound of their true distance: once it passes the n-th best
            // distance found, no later fence can do better.
            if best.len() == n {
                let worst = best[n - 1].1.max(0.0);
                let bound = metres_for(e.distance_2(&q.xyz).sqrt());
                if bound > worst * (1.0 + policy::FENCE_PROJECTION_SLACK) + policy::FENCE_PROJECTION_SLACK_M {
                    break;
                }
            }
            let hit = e.hit(self, &q);
            let at = best.partition_point(|&(id, d)| (d, id) <= (hit.distance_m, hit.fence));
            if at < n {
                best.insert(at, (hit.fence, hit.distance_m));
                best.truncate(n);
            }
        }
        best
    }

    /// Ids of every fence, in increasing order.
    pub fn ids(&self) -> impl Iterator<Item = FenceId> + '_ {
        self.fences.iter().map(|f| f.id)
    }

    /// Heap bytes held by the index: tree nodes, the fence table and polygon
    /// rings, counted from the sizes of what was allocated (allocator
    /// overhead excluded).
    pub fn heap_bytes(&self) -> usize {
        fn node_bytes(children: &[RTreeNode<Entry>]) -> usize {
            let own = std::mem::size_of_val(children);
            own + children
                .iter()
                .map(|c| match c {
                    RTreeNode::Leaf(_) => 0,
                    RTreeNode::Parent(p) => node_bytes(p.children()),
                })
                .sum::<usize>()
        }
        node_bytes(self.tree.root().children())
            + self.fences.capacity() * std::mem::size_of::<Fence>()
            + self.fences.iter().map(|f| f.geom.heap_bytes()).sum::<usize>()
    }
}
