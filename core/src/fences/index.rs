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

use super::geom::{chord_for, metres_for, Geometry, Query, Xyz};
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

/// Why a catalog's fences could not be indexed. Each names the fence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FenceError {
    /// Two fences share an id.
    #[error("fence {fence}: the id is used twice")]
    DuplicateId {
        /// The repeated id.
        fence: FenceId,
    },
    /// A latitude or longitude is not finite or out of range.
    #[error("fence {fence}: coordinate ({lat}, {lon}) is not a valid latitude and longitude")]
    InvalidCoordinate {
        /// The fence.
        fence: FenceId,
        /// The latitude given.
        lat: f64,
        /// The longitude given.
        lon: f64,
    },
    /// A circle's radius is not finite or outside the accepted range.
    #[error(
        "fence {fence}: radius {radius_m} m is outside {}..={} m",
        policy::FENCE_MIN_RADIUS_M,
        policy::FENCE_MAX_RADIUS_M
    )]
    InvalidRadius {
        /// The fence.
        fence: FenceId,
        /// The radius given.
        radius_m: f64,
    },
    /// A polygon ring has fewer than three distinct vertices.
    #[error("fence {fence}: ring {ring} has {count} distinct vertices, at least 3 are needed")]
    TooFewVertices {
        /// The fence.
        fence: FenceId,
        /// 0 for the exterior, 1 + i for hole i.
        ring: usize,
        /// Distinct vertices found.
        count: usize,
    },
    /// A polygon, or one of its holes, encloses (almost) no area: its
    /// characteristic radius, 2 x area / perimeter, is below the minimum.
    #[error(
        "fence {fence}: ring {ring} is degenerate (2 x area / perimeter = {radius_m:.3} m, minimum {} m)",
        policy::FENCE_MIN_RADIUS_M
    )]
    TooThin {
        /// The fence.
        fence: FenceId,
        /// 0 for the polygon as a whole, 1 + i for hole i.
        ring: usize,
        /// Its characteristic radius in metres.
        radius_m: f64,
    },
    /// A polygon is larger than the index accepts.
    #[error(
        "fence {fence}: bounding radius {radius_m:.0} m exceeds {} m",
        policy::FENCE_MAX_RADIUS_M
    )]
    TooLarge {
        /// The fence.
        fence: FenceId,
        /// Its bounding radius in metres.
        radius_m: f64,
    },
    /// A polygon vertex lies too close to a pole.
    #[error(
        "fence {fence}: polygon vertex at latitude {lat} is beyond ±{}",
        policy::FENCE_POLYGON_MAX_ABS_LAT
    )]
    TooCloseToPole {
        /// The fence.
        fence: FenceId,
        /// The latitude given.
        lat: f64,
    },
}

/// A leaf of the tree: a fence's box and its slot in `FenceIndex::fences`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    env: AABB<Xyz>,
    slot: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<Xyz>;
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

fn envelope_of(centre: Xyz, radius_m: f64) -> AABB<Xyz> {
    let h = chord_for(radius_m);
    AABB::from_corners(
        [centre[0] - h, centre[1] - h, centre[2] - h],
        [centre[0] + h, centre[1] + h, centre[2] + h],
    )
}

impl FenceIndex {
    /// Checks and indexes `fences`. Fails on the first degenerate shape or
    /// repeated id, naming the fence; an empty list gives an empty index.
    pub fn build<S: Borrow<FenceShape>>(
        fences: impl IntoIterator<Item = (FenceId, S)>,
    ) -> Result<Self, FenceError> {
        let iter = fences.into_iter();
        let mut compiled = Vec::with_capacity(iter.size_hint().0);
        for (id, shape) in iter {
            compiled.push(Fence {
                id,
                geom: Geometry::compile(id, shape.borrow())?,
            });
        }
        compiled.sort_unstable_by_key(|f| f.id);
        if let Some(w) = compiled.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(FenceError::DuplicateId { fence: w[0].id });
        }
        compiled.shrink_to_fit();
        let entries = compiled
            .iter()
            .enumerate()
            .map(|(slot, f)| {
                let (centre, radius) = f.geom.bounding_cap();
                Entry {
                    env: envelope_of(centre, radius),
                    slot: slot as u32,
                }
            })
            .collect();
        Ok(FenceIndex {
            tree: RTree::bulk_load(entries),
            fences: compiled,
        })
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
        FenceHit {
            fence: f.id,
            distance_m: f.geom.signed_distance(q),
            radius_m: f.geom.radius_m(),
        }
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
        let margin = margin_m.min(policy::FENCE_LOOKUP_MAX_MARGIN_M);
        let q = Query::new(lat, lon);
        // Search a little wider than the margin: polygon distances are
        // measured in a flat frame, which may read a few percent short.
        let reach = margin.max(0.0) * (1.0 + policy::FENCE_PROJECTION_SLACK)
            + policy::FENCE_PROJECTION_SLACK_M;
        let h = chord_for(reach);
        let p = q.xyz;
        let env = AABB::from_corners(
            [p[0] - h, p[1] - h, p[2] - h],
            [p[0] + h, p[1] + h, p[2] + h],
        );
        let _ = self
            .tree
            .locate_in_envelope_intersecting_int(&env, |e: &Entry| {
                let hit = self.hit_at(e.slot as usize, &q);
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
        let slot = self.slot_of(fence)?;
        Some(self.hit_at(slot, &Query::new(lat, lon)))
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
                if bound
                    > worst * (1.0 + policy::FENCE_PROJECTION_SLACK)
                        + policy::FENCE_PROJECTION_SLACK_M
                {
                    break;
                }
            }
            let hit = self.hit_at(e.slot as usize, &q);
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
            + self
                .fences
                .iter()
                .map(|f| f.geom.heap_bytes())
                .sum::<usize>()
    }
}
