//! GPX tracks (waypoints, routes, tracks; GPX 1.0 and 1.1): arbitrary text
//! through `parse_gpx` (Kairos' own streaming reader on `quick-xml`: any
//! element, points refused alone with their line). Never a panic; fixes come back in time
//! order; and what it returns, written back with `write_gpx` in both
//! layouts, reads back with the same instants and positions.
#![no_main]

use kairos_core::track::gpx::{parse_gpx, write_gpx, GpxLayout};
use kairos_fuzz::printable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(fixes) = parse_gpx(text) else {
        return;
    };
    assert!(fixes.windows(2).all(|w| w[0].at <= w[1].at), "fixes out of time order");
    if fixes.iter().all(|f| printable(f.at) && f.lat.is_finite() && f.lon.is_finite() && f.accuracy_m.is_finite()) {
        for layout in [GpxLayout::Track, GpxLayout::Waypoints] {
            let again = parse_gpx(&write_gpx(&fixes, layout)).expect("written GPX reads back");
            let key = |f: &kairos_core::LocationFix| (f.at, f.lat.to_bits(), f.lon.to_bits());
            let (mut a, mut b): (Vec<_>, Vec<_>) = (again.iter().map(key).collect(), fixes.iter().map(key).collect());
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
        }
    }
});
