//! The signed tile manifest: which tiles a tiled catalog has, each with its
//! version and the SHA-256 of its document. It travels in the catalog's own
//! envelope (same keys, same checks: size, algorithm, key, signature,
//! dates); its payload is
//!
//! ```json
//! { "format": "kairos-tiles/1", "version": 12, "cell_microdeg": 50000,
//!   "issued_at": "...", "expires_at": "...",
//!   "tiles": { "r2546c1161": { "version": 9, "sha256": "<64 hex>" }, ... } }
//! ```
//!
//! A tile is used only when its bytes hash to the manifest's entry
//! ([`TileManifest::check_tile`]).

use super::grid::TileId;
use super::TileError;
use crate::domain::catalog::envelope::ReadDocument;
use crate::domain::catalog::wire_formats::rfc3339;
use crate::domain::catalog::CatalogError;
use crate::domain::time::Timestamp;
use crate::policy::{MAX_MANIFEST_TILES, TILE_CELL_MICRODEG};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// The manifest's `format`: a catalog document can never be read as one.
pub const MANIFEST_FORMAT: &str = "kairos-tiles/1";

/// One tile as the manifest lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileEntry {
    /// The tile's version: the catalog version at which its content last
    /// changed. Never lower than a version the phone holds.
    pub version: u64,
    /// SHA-256 of the tile's document bytes, hex.
    #[serde(with = "hex32")]
    pub sha256: [u8; 32],
}

/// A tiled catalog's manifest, as signed by the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileManifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// The catalog version (the same sequence as single-document catalogs:
    /// a lower one is a rollback).
    pub version: u64,
    /// The grid's cell side in millionths of a degree; must be
    /// [`TILE_CELL_MICRODEG`].
    pub cell_microdeg: u32,
    /// When it was issued.
    #[serde(with = "rfc3339")]
    pub issued_at: Timestamp,
    /// When it stops being valid (and the catalog merged from its tiles).
    #[serde(with = "rfc3339")]
    pub expires_at: Timestamp,
    /// Every tile with at least one place, by id.
    pub tiles: BTreeMap<TileId, TileEntry>,
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().try_into().expect("SHA-256 is 32 bytes")
}

impl TileManifest {
    /// Reads and checks a manifest document (the envelope's payload).
    pub fn parse(json: &[u8]) -> Result<TileManifest, CatalogError> {
        let m: TileManifest = serde_json::from_slice(json).map_err(|e| CatalogError::at("", e.to_string()))?;
        if m.format != MANIFEST_FORMAT {
            return Err(CatalogError::at("format", format!("{:?} is not {MANIFEST_FORMAT:?}", m.format)));
        }
        if m.cell_microdeg != TILE_CELL_MICRODEG {
            return Err(TileError::OtherGrid { cell_microdeg: m.cell_microdeg }.into());
        }
        if m.issued_at >= m.expires_at {
            return Err(CatalogError::at("expires_at", "not after issued_at"));
        }
        if m.tiles.len() > MAX_MANIFEST_TILES {
            return Err(CatalogError::at("tiles", format!("{} tiles, more than {MAX_MANIFEST_TILES}", m.tiles.len())));
        }
        if let Some((id, e)) = m.tiles.iter().find(|(_, e)| e.version > m.version) {
            return Err(CatalogError::at(
                format!("tiles.{id}.version"),
                format!("tile version {} is after the manifest's {}", e.version, m.version),
            ));
        }
        Ok(m)
    }

    /// Checks `document` as the bytes of tile `id`: listed, and hashing to
    /// the listed SHA-256. Returns the entry.
    pub fn check_tile(&self, id: TileId, document: &[u8]) -> Result<TileEntry, TileError> {
        let entry = *self.tiles.get(&id).ok_or(TileError::NotInManifest { tile: id })?;
        if sha256(document) != entry.sha256 {
            return Err(TileError::HashMismatch { tile: id });
        }
        Ok(entry)
    }

    /// The manifest's JSON (as the backend signs it).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serialises")
    }
}

/// Reads a manifest while its envelope is verified (the envelope's checks
/// and errors, then the manifest's own).
pub(crate) struct ReadManifest;

impl ReadDocument for ReadManifest {
    type Output = TileManifest;
    fn read(&self, json: &[u8], _: &AtomicBool) -> Result<TileManifest, CatalogError> {
        TileManifest::parse(json)
    }
    fn dates(m: &TileManifest) -> (Timestamp, Timestamp) {
        (m.issued_at, m.expires_at)
    }
}

mod hex32 {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}", h.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        let bad = || {
            D::Error::custom(format!("{:?} is not 64 lower-case hex digits", s.chars().take(70).collect::<String>()))
        };
        if s.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.as_bytes().chunks(2).enumerate() {
            let hex = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            out[i] = hex(pair[0]).zip(hex(pair[1])).map(|(a, b)| a << 4 | b).ok_or_else(bad)?;
        }
        Ok(out)
    }
}
