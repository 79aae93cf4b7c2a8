//! The tiles a phone holds: for each tile its version, the header version
//! at which it was last confirmed current, the key that signed it, when it
//! was last needed and its size; the rules for taking updates (every
//! tile's signature checked on the bytes rebuilt, none newer than the
//! header, none older than the one held, a delta only onto the version it
//! patches), eviction of what the region decided, and the layout they are
//! stored in.
//!
//! A tile's body is not held in memory: the store keeps its head (its
//! signature and manifest, [`TileHead`]) in one row and each entry in a
//! row of its own (`store::tiles`); a sync reads the heads of the tiles it
//! updates and the few entries it needs, and the catalog is rebuilt from
//! every entry only at open.
//!
//! Layout: `MAGIC`, the stored header (length-prefixed), the tiles known
//! absent (count, then id and header version each), the number of tiles,
//! then per tile its id, version, version confirmed, last-needed instant,
//! key id and size in bytes; lengths u32 and numbers little-endian. A
//! head's layout: `HEAD_MAGIC`, the key id, the signature, then its
//! manifest (count, then merchant id, SHA-256 and length each).

use super::grid::TileId;
use super::header::CatalogHeader;
use super::pack::TileUpdate;
use super::region::HeldCost;
use super::signed::{
    entry_merchant_id, manifest_of, verify_manifest, Entries, EntryHash, Manifest, TileSignature, SIGNATURE_LEN,
};
use super::TileError;
use crate::domain::catalog::CatalogKeys;
use crate::domain::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// First bytes of stored tiles (never a stored catalog's nor JSON's). The
/// earlier layouts (`\0KTILES1`: tiles under a manifest; `\0KTILES2`: each
/// tile's signature and entries inline, or, on the device branch, sizes
/// under a manifest; `\0KTILES3`: the tiles' signatures over their whole
/// entries, `KTILE2`) read as garbled: the engine then fetches its tiles
/// again (the schema migrations 8 -> 9, 9 -> 10 and 10 -> 11 drop them).
pub const MAGIC: &[u8; 8] = b"\0KTILES4";

/// First bytes of a stored tile head.
pub const HEAD_MAGIC: &[u8; 8] = b"\0KTHEAD1";

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

/// A tile's head: its signature and its manifest (stored one row a tile;
/// its entries are stored one row each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileHead {
    /// Its signature at its version (over the manifest's hashes).
    pub signature: TileSignature,
    /// Its entries' hashes and lengths, by merchant id.
    pub manifest: Manifest,
}

impl TileHead {
    /// Bytes of its entries.
    pub fn byte_size(&self) -> u64 {
        self.manifest.values().map(|e| u64::from(e.len)).sum()
    }

    /// The stored layout (see the module's doc).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * self.manifest.len() + 96);
        out.extend_from_slice(HEAD_MAGIC);
        put_bytes(&mut out, self.signature.key_id.as_bytes());
        out.extend_from_slice(&self.signature.signature);
        out.extend_from_slice(&(self.manifest.len() as u32).to_le_bytes());
        for (m, e) in &self.manifest {
            put_bytes(&mut out, m.as_bytes());
            out.extend_from_slice(&e.sha256);
            out.extend_from_slice(&e.len.to_le_bytes());
        }
        out
    }

    /// Reads the stored layout back.
    pub fn decode(blob: &[u8]) -> Result<TileHead, TileError> {
        let head = |mut rest: &[u8]| -> Option<TileHead> {
            let key_id = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
            let signature: [u8; SIGNATURE_LEN] = take(&mut rest, SIGNATURE_LEN)?.try_into().ok()?;
            let mut manifest = Manifest::new();
            for _ in 0..u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?) {
                let m = String::from_utf8(take_bytes(&mut rest)?.to_vec()).ok()?;
                let sha256 = take(&mut rest, 32)?.try_into().ok()?;
                let len = u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?);
                manifest.insert(m, EntryHash { sha256, len });
            }
            rest.is_empty().then_some(TileHead { signature: TileSignature { key_id, signature }, manifest })
        };
        blob.strip_prefix(HEAD_MAGIC).and_then(head).ok_or(TileError::BadStored)
    }
}

/// A whole tile: its head and every entry, each entry the one its
/// manifest hashes (built from entries that arrived, hashing them, or read
/// back from the store, checking them; [`TileBody::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileBody {
    /// Its head.
    pub head: TileHead,
    /// Its entries, by merchant id.
    pub entries: Entries,
}

/// Tile bodies by tile id.
pub type TileBodies = BTreeMap<TileId, TileBody>;

impl TileBody {
    /// The tile of `entries` under `signature` (the manifest computed).
    pub fn new(signature: TileSignature, entries: Entries) -> TileBody {
        TileBody { head: TileHead { signature, manifest: manifest_of(&entries) }, entries }
    }
}

/// A tile an update brought (its signature checked on the manifest
/// rebuilt): its new head, and the entries that came with the update, all
/// of them when it came `whole`, else only those upserted (the others are
/// in the store, as its manifest names them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrived {
    /// Its head at the new version.
    pub head: TileHead,
    /// The entries that came, by merchant id.
    pub entries: Entries,
    /// Whether it came whole (replacing anything held).
    pub whole: bool,
}

/// Tiles that arrived, by tile id.
pub type ArrivedTiles = BTreeMap<TileId, Arrived>;

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
    /// the version it names as its base, whose head `heads` must hold (the
    /// caller reads it from the store: [`HeldTiles::bases`]); no version is
    /// after the header's; every tile's signature holds on the manifest
    /// rebuilt. Returns the tiles that arrived (for the store and the
    /// build). Then every tile of `asked` (the tiles a delta request named
    /// under this header) is confirmed current at the header's version, or
    /// known absent if not held. Tiles updated are marked needed at `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        header: &CatalogHeader,
        stored_header: Vec<u8>,
        updates: Vec<TileUpdate>,
        asked: &[TileId],
        keys: &CatalogKeys,
        now: Timestamp,
        heads: &BTreeMap<TileId, TileHead>,
    ) -> Result<ArrivedTiles, TileError> {
        let mut tiles = self.tiles.clone();
        let mut fresh = ArrivedTiles::new();
        for u in updates {
            let id = u.id;
            let before = fresh.remove(&id);
            let base = before.as_ref().map(|a| &a.head).or_else(|| heads.get(&id));
            let (tile, mut arrived) = apply_one(tiles.get(&id), base, header, u, keys, now)?;
            if let (Some(before), false) = (before, arrived.whole) {
                // A second update of the tile in one answer: what the first brought stays.
                let mut entries = before.entries;
                entries.retain(|m, _| arrived.head.manifest.contains_key(m));
                entries.append(&mut arrived.entries);
                arrived.entries = entries;
                arrived.whole = before.whole;
            }
            tiles.insert(id, tile);
            fresh.insert(id, arrived);
        }
        self.tiles = tiles;
        self.absent.retain(|id, _| !self.tiles.contains_key(id));
        self.header = stored_header;
        self.confirm(asked, header.version);
        Ok(fresh)
    }

    /// The tiles held that `updates` name: their heads must be read from
    /// the store before [`HeldTiles::apply`] (a delta patches its head; a
    /// whole tile's entries replace those its head names).
    pub fn bases(&self, updates: &[TileUpdate]) -> Vec<TileId> {
        let ids: BTreeSet<TileId> = updates.iter().filter(|u| self.tiles.contains_key(&u.id)).map(|u| u.id).collect();
        ids.into_iter().collect()
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

/// One update applied onto the tile held (if any, with its head `base`):
/// the new tile and what arrived, checked.
fn apply_one(
    held: Option<&HeldTile>,
    base: Option<&TileHead>,
    header: &CatalogHeader,
    u: TileUpdate,
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(HeldTile, Arrived), TileError> {
    let id = u.id;
    if u.version > header.version {
        return Err(TileError::AfterHeader { tile: id, version: u.version, header: header.version });
    }
    if let Some(h) = held {
        if h.version > u.version {
            return Err(TileError::Rollback { tile: id, offered: u.version, held: h.version });
        }
    }
    let mut manifest = match (u.base, held) {
        (0, _) => {
            if !u.removed.is_empty() {
                return Err(TileError::BadPack { reason: format!("tile {id}: a whole tile removes nothing") });
            }
            Manifest::new()
        }
        (base_version, Some(h)) if h.version == base_version => base.ok_or(TileError::BadStored)?.manifest.clone(),
        (base_version, h) => {
            return Err(TileError::DeltaBase { tile: id, base: base_version, held: h.map_or(0, |h| h.version) })
        }
    };
    let mut entries = Entries::new();
    for m in &u.removed {
        manifest.remove(m);
    }
    for e in u.upserts {
        let m = entry_merchant_id(id, &e)?;
        manifest.insert(m.clone(), EntryHash::of(&e));
        entries.insert(m, e);
    }
    verify_manifest(id, u.version, &manifest, &u.signature, keys)?;
    let last_needed = held.map_or(now, |h| h.last_needed.max(now));
    let current_at = u.version.max(held.map_or(0, |h| h.current_at));
    let head = TileHead { signature: u.signature, manifest };
    let tile = HeldTile {
        version: u.version,
        current_at,
        key_id: head.signature.key_id.clone(),
        bytes: head.byte_size(),
        last_needed,
    };
    Ok((tile, Arrived { head, entries, whole: u.base == 0 }))
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
