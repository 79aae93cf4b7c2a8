#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs: the fixtures of tests/
# (catalogs, tracks, scenarios), cut to a few KB where they are long, and a
# few hand-made edge cases. Seeds are named seed-*; libFuzzer adds its own
# finds beside them (those stay out of git, see fuzz/.gitignore).
# Deterministic: running it twice writes the same files.
#
#   fuzz/seed.sh            # from anywhere
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tests="$here/../tests"
corpus="$here/corpus"

seed() { # seed TARGET NAME < content
    mkdir -p "$corpus/$1"
    cat >"$corpus/$1/seed-$2"
}

# --- catalog_envelope: signed envelopes and a stored (binary) blob -------
seed catalog_envelope example-signed.json <"$tests/catalogs/example.signed.json"
printf '{"key_id":"test-key","algorithm":"ed25519","payload":"e30=","signature":"AAAA"}' |
    seed catalog_envelope bad-signature.json
printf '{"key_id":"nope","algorithm":"rsa","payload":"","signature":""}' | seed catalog_envelope unknown.json
# The engine's stored form: MAGIC, then key id, payload, signature, each
# after its u32 little-endian length (cut short on purpose).
printf '\0KCAT1\0\0\x08\0\0\0test-key\x02\0\0\0{}\x40\0\0\0' | seed catalog_envelope stored-short.bin

# --- catalog_document: the fixture documents and small edge cases -------
seed catalog_document example.json <"$tests/catalogs/example.json"
for c in canonical-day shop-street travel expired; do
    seed catalog_document "$c.json" <"$tests/scenarios/$c.catalog.json"
done
seed catalog_document minimal.json <<'EOF'
{"version": 1, "issued_at": "2026-11-20T08:00:00Z", "expires_at": "2027-02-20T08:00:00Z", "merchants": []}
EOF
seed catalog_document antimeridian.json <<'EOF'
{"version": 2, "issued_at": "2026-11-20T08:00:00Z", "expires_at": "2027-02-20T08:00:00Z", "merchants": [
 {"id": "m", "name": "M", "category": "c", "time_zone": "Pacific/Fiji",
  "places": [
   {"id": "p", "fence": {"type": "polygon", "exterior": [[-17.0, 179.999], [-17.0, -179.999], [-17.001, -179.999], [-17.001, 179.999]]}},
   {"id": "q", "fence": {"type": "circle", "lat": 89.9999, "lon": 180.0, "radius_m": 50}}],
  "offers": []}]}
EOF

# --- tracks: the fixtures (the long CSV cut to its first 60 lines) -------
seed track_gpx drive-past.gpx <"$tests/tracks/drive-past-drive-thru.gpx"
seed track_gpx route-1.0.gpx <<'EOF'
<?xml version="1.0"?>
<gpx version="1.0" creator="seed">
 <rte><rtept lat="37.33" lon="-121.9"><time>2026-11-24T20:00:00-08:00</time><speed>1.5</speed></rtept></rte>
 <trk><trkseg><trkpt lat="-90" lon="180"><time>2026-11-24T20:00:01.5Z</time><hdop>2.5</hdop></trkpt></trkseg></trk>
</gpx>
EOF
seed track_geojson walk.geojson <"$tests/tracks/walk-to-drive-thru.geojson"
seed track_geojson points.geojson <<'EOF'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"time": "2026-11-24T21:00:00Z", "accuracy": 5},
  "geometry": {"type": "Point", "coordinates": [-121.9, 37.33]}},
 {"type": "Feature", "properties": {"coordTimes": ["2026-11-24T21:00:05Z", 1795545605000]},
  "geometry": {"type": "LineString", "coordinates": [[-121.9, 37.33, 12], [-121.901, 37.331]]}}]}
EOF
head -n 60 "$tests/tracks/sample-day.csv" | seed track_csv sample-day.csv
seed track_csv mixed.csv <<'EOF'
LON,Lat,timestamp,speed,accuracy
-118.2437,34.0522,1795545060000,,
-118.2437,34.0522,2026-11-24T10:30:00-08:00,1.3,8

-180,-90,-62135596800000,0,0.5
EOF

# --- scenario: every fixture scenario (read as if in tests/scenarios/) ---
for s in "$tests"/scenarios/*.toml; do
    seed scenario "$(basename "$s")" <"$s"
done

# --- engine_ops, sync_responses: arbitrary-encoded operation lists -------
# The harnesses decode any bytes into operations; a few deterministic byte
# strings of different lengths give libFuzzer a start.
byte_seeds() { # byte_seeds TARGET LABEL
    for n in 1 2 3 4 5 6 7 8; do
        hex=""
        for i in $(seq 1 "$n"); do
            hex+="$(printf '%s-%s-%s' "$2" "$n" "$i" | sha256sum | cut -c1-64)"
        done
        printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")" | seed "$1" "bytes-$n.bin"
    done
}
byte_seeds engine_ops kairos-fuzz
byte_seeds sync_responses kairos-fuzz-sync

du -sh "$corpus" | sed 's/^/seed corpus: /'
