//! The tiles a phone holds: for each tile its version, its own signature,
//! its entries, the header version at which it was last confirmed current
//! and when it was last needed; the rules for taking updates (every tile's
//! signature checked on the bytes rebuilt, none newer than the header, none
//! older than the one held, a delta only onto the version it patches),
//! eviction under the memory budget, and the layout they are stored in.
//!
//! Layout: `MAGIC`, the stored header (length-prefixed), the tiles known
//! absent (count, then id and header version each), the number of tiles,
//! then per tile its id, version, version confirmed, last-needed instant,
//! key id, signature and entries (count, then merchant id and bytes each);
//! lengths u32 and numbers little-endian.

use super::grid::TileId;
use super::header::CatalogHeader;
use super::pack::TileUpdate;
use super::signed::{entry_merchant_id, verify_tile, Entries, TileSignature, SIGNATURE_LEN};
use super::TileError;
use crate::domain::catalog::CatalogKeys;
use crate::domain::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// First bytes of stored tiles (never a stored catalog's nor JSON's). The
/// first layout (`\0KTILES1`, tiles under a manifest) reads as garbled:
/// the engine then fetches its tiles again.
pub const MAGIC: &[u8; 8] = b"\0KTILES2";

/// One tile held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTile {
    /// Its version.
    pub version: u64,
    /// The header version at which the server last confirmed it current.
    pub current_at: u64,
    /// Its signature at `version`.
    pub signature: TileSignature,
    /// Its entries, by merchant id.
    pub entries: Entries,
    /// When it was last among the tiles needed.
    pub last_needed: Timestamp,
}

impl HeldTile {
    /// Bytes of its entries.
    pub fn byte_size(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }
}

/// The tiles held and the header (stored form, signed) in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldTiles {
    /// The signed catalog header in the engine's stored form.
    pub header: Vec<u8>,
    /// Tiles the server had nothing for, by the header version it said so
    /// at (asked again once the header changes).
    pub absent: BTreeMap<TileId, u64>,
    /// The tiles, by id.
    pub tiles: BTreeMap<TileId, HeldTile>,
}

impl HeldTiles {
    /// Takes `updates` under `header` (already verified; its stored form
    /// `stored_header`), all or none, each checked against `keys`: a whole
    /// tile replaces the one held unless older; a delta applies only onto
    /// the version it names as its base; no version is after the header's;
    /// every tile's signature holds on the entries rebuilt. Then every tile
    /// of `asked` (the tiles a delta request named under this header) is
    /// confirmed current at the header's version, or known absent if not
    /// held. Tiles updated are marked needed at `now`.
    pub fn apply(
        &mut self,
        header: &CatalogHeader,
        stored_header: Vec<u8>,
        updates: Vec<TileUpdate>,
        asked: &[TileId],
        keys: &CatalogKeys,
        now: Timestamp,
    ) -> Result<(), TileError> {
        let mut tiles = self.tiles.clone();
        for u in updates {
            let tile = apply_one(tiles.get(&u.id), header, u, keys, now)?;
            tiles.insert(tile.0, tile.1);
        }
        self.tiles = tiles;
        self.absent.retain(|id, _| !self.tiles.contains_key(id));
        self.header = stored_header;
        self.confirm(asked, header.version);
        Ok(())
    }

    /// Records that the server, asked for `asked` under a header of
    /// `version`, sent what changed: those held are current at `version`,
    /// the others absent at `version`.
    pub fn confirm(&mut self, asked: &[TileId], version: u64) {
        for id in asked {
            match self.tiles.get_mut(id) {
                Some(t) => t.current_at = t.current_at.max(version),
                None => {
                    self.absent.insert(*id, version);
                }
            }
        }
    }

    /// The tiles of `needed` to ask for under a header of `version`, each
    /// with the version held (0 for none): those held but not confirmed at
    /// `version`, and those not held unless known absent at `version`.
    pub fn wanted(&self, needed: &BTreeSet<TileId>, version: u64) -> Vec<(TileId, u64)> {
        needed
            .iter()
            .filter_map(|id| match self.tiles.get(id) {
                Some(t) => (t.current_at < version).then_some((*id, t.version)),
                None => (self.absent.get(id) != Some(&version)).then_some((*id, 0)),
            })
            .collect()
    }

    /// Marks `needed` tiles (those held) as needed at `now`.
    pub fn mark_needed(&mut self, needed: &BTreeSet<TileId>, now: Timestamp) {
        for id in needed {
            if let Some(t) = self.tiles.get_mut(id) {
                t.last_needed = t.last_needed.max(now);
            }
        }
    }

    /// Bytes of the held tiles' entries.
    pub fn document_bytes(&self) -> usize {
        self.tiles.values().map(HeldTile::byte_size).sum()
    }

    /// Evicts tiles, least recently needed first (ties by id), until the
    /// entries fit `budget` bytes; tiles in `needed` are never evicted.
    /// Returns the evicted ids.
    pub fn evict(&mut self, needed: &BTreeSet<TileId>, budget: usize) -> Vec<TileId> {
        let mut total = self.document_bytes();
        let mut order: Vec<(Timestamp, TileId)> =
            self.tiles.iter().filter(|(id, _)| !needed.contains(id)).map(|(id, t)| (t.last_needed, *id)).collect();
        order.sort_unstable();
        let mut evicted = Vec::new();
        for (_, id) in order {
            if total <= budget {
                break;
            }
            if let Some(t) = self.tiles.remove(&id) {
                total -= t.byte_size();
                evicted.push(id);
            }
        }
        evicted
    }

    /// Checks every tile's signature (at open: the keys may have changed).
    pub fn verify_all(&self, keys: &CatalogKeys) -> Result<(), TileError> {
        self.tiles.iter().try_for_each(|(id, t)| verify_tile(*id, t.version, &t.entries, &t.signature, keys))
    }

    /// The stored layout.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.header.len() + self.document_bytes() + 128 * self.tiles.len() + 32);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, &self.header);
        out.extend_from_slice(&(self.absent.len() as u32).to_le_bytes());
        for (id, v) in &self.absent {
            put_bytes(&mut out, id.to_string().as_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.tiles.len() as u32).to_le_bytes());
        for (id, t) in &self.tiles {
            put_bytes(&mut out, id.to_string().as_bytes());
            out.extend_from_slice(&t.version.to_le_bytes());
            out.extend_from_slice(&t.current_at.to_le_bytes());
            out.extend_from_slice(&t.last_needed.0.to_le_bytes());
            put_bytes(&mut out, t.signature.key_id.as_bytes());
            out.extend_from_slice(&t.signature.signature);
            out.extend_from_slice(&(t.entries.len() as u32).to_le_bytes());
            for (m, e) in &t.entries {
                put_bytes(&mut out, m.as_bytes());
                put_bytes(&mut out, e);
            }
        }
        out
    }

    /// Reads the stored layout back (`None`: not stored tiles at all).
    pub fn decode(blob: &[u8]) -> Option<Result<HeldTiles, TileError>> {
        if blob.starts_with(b"\0KTILES") && !blob.starts_with(MAGIC) {
            return Some(Err(TileError::BadStored));
        }
        let rest = blob.strip_prefix(MAGIC)?;
        Some(Self::decode_body(rest).ok_or(TileError::BadStored))
    }

    fn decode_body(mut rest: &[u8]) -> Option<HeldTiles> {
        let header = take_bytes(&mut rest)?.to_vec();
        let id = |rest: &mut &[u8]| -> Option<TileId> { std::str::from_utf8(take_bytes(rest)?).ok()?.parse().ok() };
        let u64_of = |rest: &mut &[u8]| Some(u64::from_le_bytes(take(rest, 8)?.try_into().ok()?));
        let count = |rest: &mut &[u8]| Some(u32::from_le_bytes(take(rest, 4)?.try_into().ok()?));
        let mut absent = BTreeMap::new();
        for _ in 0..count(&mut rest)? {
            let tile = id(&mut rest)?;
            absent.insert(tile, u64_of(&mut rest)?);
        }
        let mut tiles = BTreeMap::new();
        for _ in 0..count(&mut rest)? {
            let tile = id(&mut rest)?;
            let version = u64_of(&mut rest)?;
            let current_at = u64_of(&mut rest)?;
            let last_needed = Timestamp(u64_of(&mut rest)? as i64);
            let key_id = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
            let signature: [u8; SIGNATURE_LEN] = take(&mut rest, SIGNATURE_LEN)?.try_into().ok()?;
            let mut entries = Entries::new();
            for _ in 0..count(&mut rest)? {
                let m = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
                entries.insert(m, take_bytes(&mut rest)?.to_vec());
            }
            let signature = TileSignature { key_id, signature };
            tiles.insert(tile, HeldTile { version, current_at, signature, entries, last_needed });
        }
        rest.is_empty().then_some(HeldTiles { header, absent, tiles })
    }
}

/// One update applied onto the tile held (if any): the new tile, checked.
fn apply_one(
    held: Option<&HeldTile>,
    header: &CatalogHeader,
    u: TileUpdate,
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(TileId, HeldTile), TileError> {
    let id = u.id;
    if u.version > header.version {
        return Err(TileError::AfterHeader { tile: id, version: u.version, header: header.version });
    }
    if let Some(h) = held {
        if h.version > u.version {
            return Err(TileError::Rollback { tile: id, offered: u.version, held: h.version });
        }
    }
    let mut entries = match (u.base, held) {
        (0, _) => {
            if !u.removed.is_empty() {
                return Err(TileError::BadPack { reason: format!("tile {id}: a whole tile removes nothing") });
            }
            Entries::new()
        }
        (base, Some(h)) if h.version == base => h.entries.clone(),
        (base, h) => return Err(TileError::DeltaBase { tile: id, base, held: h.map_or(0, |h| h.version) }),
    };
    for m in &u.removed {
        entries.remove(m);
    }
    for e in u.upserts {
        entries.insert(entry_merchant_id(id, &e)?, e);
    }
    verify_tile(id, u.version, &entries, &u.signature, keys)?;
    let last_needed = held.map_or(now, |h| h.last_needed.max(now));
    let current_at = u.version.max(held.map_or(0, |h| h.current_at));
    Ok((id, HeldTile { version: u.version, current_at, signature: u.signature, entries, last_needed }))
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
