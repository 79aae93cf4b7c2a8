//! CSV tracks (`timestamp,lat,lon[,accuracy,speed]`): arbitrary text
//! through `parse_csv`. Never a panic; every number it returns is finite (as
//! its docs promise); and what it returns, written back with `write_csv`,
//! reads back exactly.
#![no_main]

use kairos_core::track::csv::{parse_csv, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(fixes) = parse_csv(text) else {
        return;
    };
    for f in &fixes {
        assert!(f.lat.is_finite() && f.lon.is_finite() && f.accuracy_m.is_finite(), "{f:?}");
        assert!(f.speed_mps.is_none_or(f64::is_finite), "{f:?}");
    }
    let again = parse_csv(&write_csv(&fixes)).expect("written CSV reads back");
    assert_eq!(again, fixes);
});
