//! The tiles a phone holds: for each tile its version, the header version
//! at which it was last confirmed current, the key that signed it, when it
//! was last needed and its size; the rules for taking updates (every
//! tile's signature checked on the bytes rebuilt, none newer than the
//! header, none older than the one held, a delta only onto the version it
//! patches), eviction of what the region decided, and the layout they are
//! stored in.
//!
//! A tile's body (its signature and entries, [`TileBody`]) is not held in
//! memory: the store keeps it, one row a tile (`store::tiles`), and it is
//! read only when a sync patches the tile or the catalog is rebuilt.
//!
//! Layout: `MAGIC`, the stored header (length-prefixed), the tiles known
//! absent (count, then id and header version each), the number of tiles,
//! then per tile its id, version, version confirmed, last-needed instant,
//! key id and size in bytes; lengths u32 and numbers little-endian. A
//! body's layout: `BODY_MAGIC`, the key id, the signature, then its entries
//! (count, then merchant id and bytes each).

use super::grid::TileId;
use super::header::CatalogHeader;
use super::pack::TileUpdate;
use super::region::HeldCost;
use super::signed::{entry_merchant_id, verify_tile, Entries, TileSignature, SIGNATURE_LEN};
use super::TileError;
use crate::domain::catalog::CatalogKeys;
use crate::domain::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// First bytes of stored tiles (never a stored catalog's nor JSON's). The
/// earlier layouts (`\0KTILES1`: tiles under a manifest; `\0KTILES2`: each
/// tile's signature and entries inline, or, on the device branch, sizes
/// under a manifest) read as garbled: the engine then fetches its tiles
/// again (a version-8 database's are dropped by the schema-9 migration).
pub const MAGIC: &[u8; 8] = b"\0KTILES3";

/// First bytes of a stored tile body.
pub const BODY_MAGIC: &[u8; 8] = b"\0KTBODY1";

/// One tile held (its body is in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTile {
    /// Its version.
    pub version: u64,
    /// The header version at which the server last confirmed it current.
    pub current_at: u64,
    /// The catalog key that signed it.
    pub key_id: String,
    /// Bytes of its entries (the region's budget counts them).
    pub bytes: u64,
    /// When it was last among the tiles needed.
    pub last_needed: Timestamp,
}

/// What a tile is made of beyond the bookkeeping: its signature and its
/// entries (stored one row a tile, not held in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileBody {
    /// Its signature at its version.
    pub signature: TileSignature,
    /// Its entries, by merchant id.
    pub entries: Entries,
}

/// Tile bodies by tile id.
pub type TileBodies = BTreeMap<TileId, TileBody>;

impl TileBody {
    /// Bytes of its entries.
    pub fn byte_size(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    /// The stored layout (see the module's doc).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_size() + 32 * self.entries.len() + 96);
        out.extend_from_slice(BODY_MAGIC);
        put_bytes(&mut out, self.signature.key_id.as_bytes());
        out.extend_from_slice(&self.signature.signature);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (m, e) in &self.entries {
            put_bytes(&mut out, m.as_bytes());
            put_bytes(&mut out, e);
        }
        out
    }

    /// Reads the stored layout back.
    pub fn decode(blob: &[u8]) -> Result<TileBody, TileError> {
        let body = |mut rest: &[u8]| -> Option<TileBody> {
            let key_id = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
            let signature: [u8; SIGNATURE_LEN] = take(&mut rest, SIGNATURE_LEN)?.try_into().ok()?;
            let mut entries = Entries::new();
            for _ in 0..u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?) {
                let m = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
                entries.insert(m, take_bytes(&mut rest)?.to_vec());
            }
            rest.is_empty().then_some(TileBody { signature: TileSignature { key_id, signature }, entries })
        };
        blob.strip_prefix(BODY_MAGIC).and_then(body).ok_or(TileError::BadStored)
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
    /// the version it names as its base, whose body `bodies` must hold (the
    /// caller reads it from the store); no version is after the header's;
    /// every tile's signature holds on the entries rebuilt. On success the
    /// updated tiles' bodies are in `bodies` (for the store and the build).
    /// Then every tile of `asked` (the tiles a delta request named under
    /// this header) is confirmed current at the header's version, or known
    /// absent if not held. Tiles updated are marked needed at `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        header: &CatalogHeader,
        stored_header: Vec<u8>,
        updates: Vec<TileUpdate>,
        asked: &[TileId],
        keys: &CatalogKeys,
        now: Timestamp,
        bodies: &mut TileBodies,
    ) -> Result<(), TileError> {
        let mut tiles = self.tiles.clone();
        let mut fresh = TileBodies::new();
        for u in updates {
            let id = u.id;
            let base = fresh.get(&id).or_else(|| bodies.get(&id));
            let (tile, body) = apply_one(tiles.get(&id), base, header, u, keys, now)?;
            tiles.insert(id, tile);
            fresh.insert(id, body);
        }
        self.tiles = tiles;
        bodies.extend(fresh);
        self.absent.retain(|id, _| !self.tiles.contains_key(id));
        self.header = stored_header;
        self.confirm(asked, header.version);
        Ok(())
    }

    /// The tiles `updates` patch (deltas onto a version held): their bodies
    /// must be read from the store before [`HeldTiles::apply`].
    pub fn bases(&self, updates: &[TileUpdate]) -> Vec<TileId> {
        let mut out: Vec<TileId> =
            updates.iter().filter(|u| u.base != 0 && self.tiles.contains_key(&u.id)).map(|u| u.id).collect();
        out.dedup();
        out
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
    pub fn mark_needed(&mut self, needed: &[TileId], now: Timestamp) {
        for id in needed {
            if let Some(t) = self.tiles.get_mut(id) {
                t.last_needed = t.last_needed.max(now);
            }
        }
    }

    /// Bytes of the held tiles' entries (kept in the store).
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
        let mut out = Vec::with_capacity(self.header.len() + 64 * (self.tiles.len() + self.absent.len()) + 32);
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
            put_bytes(&mut out, t.key_id.as_bytes());
            out.extend_from_slice(&t.bytes.to_le_bytes());
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
            let bytes = u64_of(&mut rest)?;
            tiles.insert(tile, HeldTile { version, current_at, key_id, bytes, last_needed });
        }
        rest.is_empty().then_some(HeldTiles { header, absent, tiles })
    }
}

/// One update applied onto the tile held (if any, with its body `base`):
/// the new tile and its body, checked.
fn apply_one(
    held: Option<&HeldTile>,
    base: Option<&TileBody>,
    header: &CatalogHeader,
    u: TileUpdate,
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(HeldTile, TileBody), TileError> {
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
        (base_version, Some(h)) if h.version == base_version => base.ok_or(TileError::BadStored)?.entries.clone(),
        (base_version, h) => {
            return Err(TileError::DeltaBase { tile: id, base: base_version, held: h.map_or(0, |h| h.version) })
        }
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
    let body = TileBody { signature: u.signature, entries };
    let tile = HeldTile {
        version: u.version,
        current_at,
        key_id: body.signature.key_id.clone(),
        bytes: body.byte_size() as u64,
        last_needed,
    };
    Ok((tile, body))
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
