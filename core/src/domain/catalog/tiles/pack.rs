//! The tile pack: the answer to a delta request (and to `GET` of one
//! tile), per tile either the whole tile or the entries changed since the
//! version the phone holds, each with the new version's signature, in gzip
//! (`application/vnd.kairos.tiles+gzip`, docs/protocol.md section 4).
//!
//! Inflated, each tile is the line
//! `KTP3 <tile id> <version> <base> <upserts> <removals> <signature base64> <key id>`
//! (`base` 0: the whole tile, replacing anything held; otherwise the
//! version it patches, which must be the one held), then each upserted
//! entry and each removed merchant id as `<length>\n<bytes>\n`. A pack is
//! any number of such tiles; it may be several gzip members one after the
//! other (the backend stores each whole tile as its own member and copies
//! them into an answer).

use super::grid::TileId;
use super::signed::{TileSignature, SIGNATURE_LEN};
use super::TileError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};

/// First word of each tile's head line. `KTP3`: the signature is over the
/// tile's manifest (`KTILE3`); a `KTP2` tile (signed over its whole
/// entries) is refused by name: its server must publish its tiles again.
const MAGIC: &str = "KTP3";

/// One tile of a pack: the whole tile, or a delta against the version held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileUpdate {
    /// Which tile.
    pub id: TileId,
    /// Its version after this update.
    pub version: u64,
    /// 0: the whole tile (`upserts` are all its entries); otherwise the
    /// version held that this delta patches.
    pub base: u64,
    /// Entries new or changed (each a merchant's JSON).
    pub upserts: Vec<Vec<u8>>,
    /// Merchant ids no longer in the tile (tombstones).
    pub removed: Vec<String>,
    /// The signature of the tile at `version`, as rebuilt.
    pub signature: TileSignature,
}

/// Writes one tile of a pack, uncompressed, to `out`.
pub fn write_update(out: &mut impl Write, u: &TileUpdate) -> std::io::Result<()> {
    writeln!(
        out,
        "{MAGIC} {} {} {} {} {} {} {}",
        u.id,
        u.version,
        u.base,
        u.upserts.len(),
        u.removed.len(),
        BASE64.encode(u.signature.signature),
        u.signature.key_id
    )?;
    for bytes in u.upserts.iter().map(Vec::as_slice).chain(u.removed.iter().map(String::as_bytes)) {
        writeln!(out, "{}", bytes.len())?;
        out.write_all(bytes)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `updates` as one gzip member (level 6: a delta answer, built
/// per request, is small).
pub fn encode_pack<'a>(updates: impl IntoIterator<Item = &'a TileUpdate>) -> Vec<u8> {
    encode_pack_at(updates, Compression::new(6))
}

/// Writes `updates` as one gzip member at compression `level` (the backend
/// stores whole tiles at `Compression::fast()`: every changed tile of a
/// national catalog is compressed at each publication). The pack is
/// written out in memory first and compressed in one call: fed line by
/// line, flate2 zero-fills its 32 KB output buffer at every small write
/// (9% of a publication's time, perf at 100,000 places).
pub fn encode_pack_at<'a>(updates: impl IntoIterator<Item = &'a TileUpdate>, level: Compression) -> Vec<u8> {
    let mut raw = Vec::new();
    for u in updates {
        write_update(&mut raw, u).expect("writing to memory never fails");
    }
    let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 4 + 64), level);
    gz.write_all(&raw).expect("writing to memory never fails");
    gz.finish().expect("writing to memory never fails")
}

/// Reads a gzip-compressed pack (one or several members), inflating at
/// most `max_bytes`. Refused whole when anything is cut short or garbled.
pub fn decode_pack(gzipped: &[u8], max_bytes: usize) -> Result<Vec<TileUpdate>, TileError> {
    let mut raw = Vec::new();
    MultiGzDecoder::new(gzipped)
        .take((max_bytes as u64).saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| TileError::BadPack { reason: format!("not gzip: {e}") })?;
    if raw.len() > max_bytes {
        return Err(TileError::BadPack { reason: format!("inflates to more than {max_bytes} bytes") });
    }
    let mut rest = &raw[..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        out.push(read_update(&mut rest)?);
    }
    Ok(out)
}

fn bad(reason: impl Into<String>) -> TileError {
    TileError::BadPack { reason: reason.into() }
}

fn line<'a>(rest: &mut &'a [u8]) -> Result<&'a str, TileError> {
    let eol = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("a line is cut short"))?;
    let text = std::str::from_utf8(&rest[..eol]).map_err(|_| bad("a head line is not text"))?;
    *rest = &rest[eol + 1..];
    Ok(text)
}

fn framed(rest: &mut &[u8]) -> Result<Vec<u8>, TileError> {
    let len: usize = line(rest)?.parse().map_err(|_| bad("a length is not a number"))?;
    if rest.len() < len + 1 || rest[len] != b'\n' {
        return Err(bad("an entry is cut short"));
    }
    let bytes = rest[..len].to_vec();
    *rest = &rest[len + 1..];
    Ok(bytes)
}

fn read_update(rest: &mut &[u8]) -> Result<TileUpdate, TileError> {
    let head = line(rest)?;
    let fields: Vec<&str> = head.splitn(8, ' ').collect();
    let [magic, id, version, base, ups, rms, sig, key_id] = fields[..] else {
        return Err(bad("a tile's head line has too few fields"));
    };
    if magic == "KTP2" {
        return Err(bad(
            "a tile of the earlier format KTP2 (signed over its whole entries): the server must publish its tiles again",
        ));
    }
    if magic != MAGIC {
        return Err(bad(format!("a tile's head line does not start with {MAGIC}")));
    }
    let id: TileId = id.parse().map_err(|e: super::grid::BadTileId| bad(e.to_string()))?;
    let number =
        |s: &str, what: &str| s.parse::<u64>().map_err(|_| bad(format!("tile {id}: the {what} is not a number")));
    let (version, base) = (number(version, "version")?, number(base, "base version")?);
    let (ups, rms) = (number(ups, "upsert count")?, number(rms, "removal count")?);
    let signature: [u8; SIGNATURE_LEN] = BASE64
        .decode(sig)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(format!("tile {id}: the signature is not 64 bytes of base64")))?;
    // Counts are bounded by the bytes that must follow (two per item at least).
    if ups.saturating_add(rms) > rest.len() as u64 {
        return Err(bad(format!("tile {id}: more entries announced than bytes follow")));
    }
    let upserts = (0..ups).map(|_| framed(rest)).collect::<Result<Vec<_>, _>>()?;
    let removed = (0..rms)
        .map(|_| String::from_utf8(framed(rest)?).map_err(|_| bad(format!("tile {id}: a removed id is not text"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TileUpdate {
        id,
        version,
        base,
        upserts,
        removed,
        signature: TileSignature { key_id: key_id.to_owned(), signature },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;

    fn update(id: TileId, base: u64) -> TileUpdate {
        TileUpdate {
            id,
            version: 7,
            base,
            upserts: vec![b"{\"id\":\"a\"}\n".to_vec(), Vec::new()],
            removed: vec!["gone shop".into()],
            signature: TileSignature { key_id: "k 1".into(), signature: [9; SIGNATURE_LEN] },
        }
    }

    #[test]
    fn a_pack_reads_back_every_tile_byte_for_byte_across_gzip_members() {
        let (a, b) = (TileId { row: 1, col: 2 }, TileId { row: 3, col: 4 });
        let (ua, ub) = (update(a, 0), update(b, 5));
        let mut two_members = encode_pack([&ua]);
        two_members.extend(encode_pack([&ub]));
        assert_eq!(decode_pack(&two_members, 1 << 20).unwrap(), [ua.clone(), ub.clone()]);
        assert_eq!(decode_pack(&encode_pack([&ua, &ub]), 1 << 20).unwrap(), [ua, ub]);
    }

    #[test]
    fn a_pack_cut_short_garbled_or_too_large_is_refused_whole() {
        let a = TileId { row: 1, col: 2 };
        let mut big = update(a, 0);
        big.upserts = vec![vec![b'a'; 10_000]];
        let pack = encode_pack([&big]);
        assert!(matches!(decode_pack(&pack, 5_000), Err(TileError::BadPack { .. })));
        assert!(matches!(decode_pack(&pack[..pack.len() / 2], 1 << 20), Err(TileError::BadPack { .. })));
        assert!(matches!(decode_pack(b"not gzip", 1 << 20), Err(TileError::BadPack { .. })));
        let mut raw = Vec::new();
        GzDecoder::new(&pack[..]).read_to_end(&mut raw).unwrap();
        for (from, to) in [("10000", "20000"), (" 1 1 ", " 9 1 "), ("KTP3", "KTP1"), ("KTP3", "KTP2")] {
            let lying = String::from_utf8(raw.clone()).unwrap().replacen(from, to, 1);
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(lying.as_bytes()).unwrap();
            let e = decode_pack(&gz.finish().unwrap(), 1 << 20);
            assert!(matches!(&e, Err(TileError::BadPack { .. })), "{to}");
            if to == "KTP2" {
                assert!(
                    e.unwrap_err().to_string().contains("must publish its tiles again"),
                    "the earlier format named"
                );
            }
        }
    }
    #[test]
    fn a_pack_read_without_a_limit_is_read_whole() {
        // `usize::MAX` once overflowed the limit to nothing read (and an
        // empty pack) in release builds: bench-tiles rebuilt an empty catalog.
        let u = update(TileId { row: 1, col: 2 }, 0);
        assert_eq!(decode_pack(&encode_pack([&u]), usize::MAX).unwrap(), [u]);
    }
}
