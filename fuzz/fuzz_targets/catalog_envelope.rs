//! The signed envelope as the engine receives it (`load_catalog`) and as it
//! stores it: arbitrary bytes through `verify_and_parse` and
//! `verify_stored` (the compact stored form and the JSON envelope of older
//! engines). Never a panic; an accepted catalog reads back the same from
//! its stored form.
#![no_main]

use kairos_core::catalog::{verify_and_parse, verify_for_storage, verify_stored};
use kairos_fuzz::{test_keys, FIXTURE_NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = test_keys();
    let parsed = verify_and_parse(data, &keys, FIXTURE_NOW);
    let stored = verify_stored(data, &keys, FIXTURE_NOW);
    if let Ok((catalog, blob)) = verify_for_storage(data, &keys, FIXTURE_NOW) {
        assert_eq!(parsed.as_ref().ok(), Some(&catalog), "verify_and_parse disagrees with verify_for_storage");
        let again = verify_stored(&blob, &keys, FIXTURE_NOW).expect("a stored catalog verifies");
        assert_eq!(again, catalog);
    } else {
        assert!(parsed.is_err());
    }
    drop(stored);
});
