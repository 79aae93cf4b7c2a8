//! GeoJSON tracks (a LineString with `times`/`coordTimes`, timed Points,
//! Features and FeatureCollections of them): arbitrary text through
//! `parse_geojson`. Never a panic; fixes come back in time order; and the
//! dispatcher `parse_track` gives the same answer for a `.geojson` name.
#![no_main]

use kairos_core::track::geojson::parse_geojson;
use kairos_core::track::parse_track;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_geojson(text);
    let dispatched = parse_track("fuzz.geojson", text);
    assert_eq!(parsed.is_ok(), dispatched.is_ok());
    let Ok(fixes) = parsed else {
        return;
    };
    assert!(fixes.windows(2).all(|w| w[0].at <= w[1].at), "fixes out of time order");
    assert_eq!(Ok(fixes), dispatched.map_err(|_| ()));
});
