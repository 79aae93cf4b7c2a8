//! The tiles a phone holds: which tiles, at which version, when each was
//! last needed; the rules for accepting new ones (every tile checked
//! against the verified manifest, none older than the one held), eviction
//! under the memory budget, and the layout they are stored in.
//!
//! The tiles' bytes are not held in memory: the store keeps them, one row
//! a tile (`store::tiles`), and they are read only when a sync changes
//! something (or at open).
//!
//! Layout: `MAGIC`, the stored manifest (length-prefixed), the number of
//! tiles, then per tile its id, version, last-needed instant and size in
//! bytes (lengths u32 and numbers little-endian).

use super::grid::TileId;
use super::manifest::TileManifest;
use super::pack::PackedTile;
use super::region::HeldCost;
use super::TileError;
use crate::domain::time::Timestamp;
use std::collections::BTreeMap;

/// First bytes of stored tiles (never a stored catalog's nor JSON's).
pub const MAGIC: &[u8; 8] = b"\0KTILES2";

/// One tile held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTile {
    /// Its version.
    pub version: u64,
    /// The size of its bytes (as hashed in the manifest; the bytes
    /// themselves are in the store).
    pub bytes: u64,
    /// When it was last among the tiles needed.
    pub last_needed: Timestamp,
}

/// The tiles held and the manifest (stored form, signed) they were checked
/// against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldTiles {
    /// The signed manifest in the engine's stored form.
    pub manifest: Vec<u8>,
    /// The tiles, by id.
    pub tiles: BTreeMap<TileId, HeldTile>,
}

impl HeldTiles {
    /// Takes `incoming` tiles under `manifest` (already verified; its
    /// stored form `stored_manifest`), all or none: each listed, hashing to
    /// its entry, at the listed version, not older than the one held. Held
    /// tiles the manifest no longer lists at their version are dropped
    /// (stale). New tiles are marked needed at `now`. Returns the tiles
    /// taken (their bytes, for the store).
    pub fn accept(
        &mut self,
        manifest: &TileManifest,
        stored_manifest: Vec<u8>,
        incoming: Vec<PackedTile>,
        now: Timestamp,
    ) -> Result<Vec<PackedTile>, TileError> {
        let mut tiles = self.tiles.clone();
        for t in &incoming {
            let entry = manifest.check_tile(t.id, &t.document)?;
            if t.version != entry.version {
                return Err(TileError::VersionMismatch { tile: t.id, packed: t.version, listed: entry.version });
            }
            if let Some(held) = tiles.get(&t.id) {
                if held.version > t.version {
                    return Err(TileError::Rollback { tile: t.id, offered: t.version, held: held.version });
                }
            }
            tiles.insert(t.id, HeldTile { version: t.version, bytes: t.document.len() as u64, last_needed: now });
        }
        tiles.retain(|id, t| manifest.tiles.get(id).is_some_and(|e| e.version == t.version));
        self.tiles = tiles;
        self.manifest = stored_manifest;
        Ok(incoming)
    }

    /// Marks `needed` tiles (those held) as needed at `now`.
    pub fn mark_needed<'a>(&mut self, needed: impl IntoIterator<Item = &'a TileId>, now: Timestamp) {
        for id in needed {
            if let Some(t) = self.tiles.get_mut(id) {
                t.last_needed = t.last_needed.max(now);
            }
        }
    }

    /// Bytes of the held tiles (as stored).
    pub fn document_bytes(&self) -> usize {
        self.tiles.values().map(|t| t.bytes as usize).sum()
    }

    /// The held tiles as the region's budget sees them (see
    /// [`super::region::plan`]): each costs its size in bytes.
    pub fn costs(&self) -> BTreeMap<TileId, HeldCost> {
        self.tiles.iter().map(|(id, t)| (*id, HeldCost { cost: t.bytes, last_needed: t.last_needed })).collect()
    }

    /// Evicts the tiles `evict` names (as [`super::region::plan`] decided);
    /// returns those that were held.
    pub fn evict(&mut self, evict: &[TileId]) -> Vec<TileId> {
        evict.iter().filter(|id| self.tiles.remove(id).is_some()).copied().collect()
    }

    /// The stored layout.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.manifest.len() + 64 * self.tiles.len() + 32);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, &self.manifest);
        out.extend_from_slice(&(self.tiles.len() as u32).to_le_bytes());
        for (id, t) in &self.tiles {
            put_bytes(&mut out, id.to_string().as_bytes());
            out.extend_from_slice(&t.version.to_le_bytes());
            out.extend_from_slice(&t.last_needed.0.to_le_bytes());
            out.extend_from_slice(&t.bytes.to_le_bytes());
        }
        out
    }

    /// Reads the stored layout back (`None`: not stored tiles at all).
    pub fn decode(blob: &[u8]) -> Option<Result<HeldTiles, TileError>> {
        let rest = blob.strip_prefix(MAGIC)?;
        Some(Self::decode_body(rest).ok_or(TileError::BadStored))
    }

    fn decode_body(mut rest: &[u8]) -> Option<HeldTiles> {
        let manifest = take_bytes(&mut rest)?.to_vec();
        let n = u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?);
        let mut tiles = BTreeMap::new();
        for _ in 0..n {
            let id: TileId = std::str::from_utf8(take_bytes(&mut rest)?).ok()?.parse().ok()?;
            let version = u64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?);
            let last_needed = Timestamp(i64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?));
            let bytes = u64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?);
            tiles.insert(id, HeldTile { version, bytes, last_needed });
        }
        rest.is_empty().then_some(HeldTiles { manifest, tiles })
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if rest.len() < n {
        return None;
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Some(head)
}

fn take_bytes<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = u32::from_le_bytes(take(rest, 4)?.try_into().ok()?) as usize;
    take(rest, n)
}
