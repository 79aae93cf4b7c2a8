//! The tile pack: the answer to a delta request, several tile documents in
//! one gzip stream (`application/vnd.kairos.tiles+gzip`, docs/protocol.md).
//!
//! Inflated, it is the line `KTP1`, then for each tile the line
//! `<tile id> <version> <length>` followed by exactly `length` bytes of the
//! tile's document and a newline. The documents are carried byte for byte,
//! so their SHA-256 can be checked against the manifest.

use super::grid::TileId;
use super::TileError;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};

const MAGIC: &[u8] = b"KTP1\n";

/// One tile of a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedTile {
    /// Which tile.
    pub id: TileId,
    /// Its version, as the manifest lists it.
    pub version: u64,
    /// Its document's bytes, exactly as signed in the manifest's hash.
    pub document: Vec<u8>,
}

/// Writes `tiles` as a gzip-compressed pack.
pub fn encode_pack<'a>(tiles: impl IntoIterator<Item = (TileId, u64, &'a [u8])>) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    let write = || -> std::io::Result<()> {
        gz.write_all(MAGIC)?;
        for (id, version, doc) in tiles {
            writeln!(gz, "{id} {version} {}", doc.len())?;
            gz.write_all(doc)?;
            gz.write_all(b"\n")?;
        }
        Ok(())
    };
    write().expect("writing to memory never fails");
    gz.finish().expect("writing to memory never fails")
}

/// Reads a gzip-compressed pack, inflating at most `max_bytes`.
pub fn decode_pack(gzipped: &[u8], max_bytes: usize) -> Result<Vec<PackedTile>, TileError> {
    let mut raw = Vec::new();
    GzDecoder::new(gzipped)
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| TileError::BadPack { reason: format!("not gzip: {e}") })?;
    if raw.len() > max_bytes {
        return Err(TileError::BadPack { reason: format!("inflates to more than {max_bytes} bytes") });
    }
    let bad = |reason: &str| TileError::BadPack { reason: reason.to_owned() };
    let mut rest = raw.strip_prefix(MAGIC).ok_or_else(|| bad("it does not start with KTP1"))?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let eol = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("a tile's head line is cut short"))?;
        let head = std::str::from_utf8(&rest[..eol]).map_err(|_| bad("a tile's head line is not text"))?;
        let mut fields = head.split(' ');
        let (Some(id), Some(version), Some(len), None) = (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("a tile's head line is not `<id> <version> <length>`"));
        };
        let id: TileId =
            id.parse().map_err(|e: super::grid::BadTileId| TileError::BadPack { reason: e.to_string() })?;
        let version: u64 = version.parse().map_err(|_| bad("a tile's version is not a number"))?;
        let len: usize = len.parse().map_err(|_| bad("a tile's length is not a number"))?;
        let body = &rest[eol + 1..];
        if body.len() < len + 1 || body[len] != b'\n' {
            return Err(TileError::BadPack { reason: format!("tile {id} is cut short") });
        }
        out.push(PackedTile { id, version, document: body[..len].to_vec() });
        rest = &body[len + 1..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_reads_back_every_tile_byte_for_byte() {
        let a = TileId { row: 1, col: 2 };
        let b = TileId { row: 3, col: 4 };
        let pack = encode_pack([(a, 7, &b"{\"x\":\n1}"[..]), (b, 9, &b""[..])]);
        let tiles = decode_pack(&pack, 1 << 20).unwrap();
        assert_eq!(tiles.len(), 2);
        assert_eq!((tiles[0].id, tiles[0].version, &tiles[0].document[..]), (a, 7, &b"{\"x\":\n1}"[..]));
        assert_eq!((tiles[1].id, tiles[1].version, tiles[1].document.len()), (b, 9, 0));
    }

    #[test]
    fn a_pack_cut_short_garbled_or_too_large_is_refused_whole() {
        let a = TileId { row: 1, col: 2 };
        let doc = vec![b'a'; 10_000];
        let pack = encode_pack([(a, 7, &doc[..])]);
        assert!(matches!(decode_pack(&pack, 5_000), Err(TileError::BadPack { .. })));
        assert!(matches!(decode_pack(&pack[..pack.len() / 2], 1 << 20), Err(TileError::BadPack { .. })));
        assert!(matches!(decode_pack(b"not gzip", 1 << 20), Err(TileError::BadPack { .. })));
        let lying = encode_pack([(a, 7, &doc[..])]);
        let mut raw = Vec::new();
        GzDecoder::new(&lying[..]).read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap().replace("10000", "20000");
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(raw.as_bytes()).unwrap();
        assert!(matches!(decode_pack(&gz.finish().unwrap(), 1 << 20), Err(TileError::BadPack { .. })));
    }
}
