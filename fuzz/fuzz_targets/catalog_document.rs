//! The catalog document (the JSON inside the envelope): arbitrary bytes
//! through `parse_document` (serde, then every validation rule). A
//! document it accepts is signed with the TEST-ONLY key and must then pass
//! the whole envelope path (`verify_for_storage`, `verify_stored`) at its
//! issue time, read back equal, and validate again; the opening-hours and
//! schedule helpers run over it at a few instants.
#![no_main]

use kairos_core::catalog::{parse_document, sign, validate, verify_for_storage, verify_stored};
use kairos_core::time::HOUR_MS;
use kairos_fuzz::{test_key, test_keys, TEST_KEY_ID};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(catalog) = parse_document(data) else {
        return;
    };
    validate(&catalog).expect("a document parse_document accepted validates again");
    let now = catalog.issued_at;
    let envelope = sign(data, TEST_KEY_ID, test_key());
    let keys = test_keys();
    let (verified, blob) =
        verify_for_storage(&envelope, &keys, now).expect("a valid document, freshly signed, verifies");
    assert_eq!(verified, catalog);
    assert_eq!(verify_stored(&blob, &keys, now).expect("its stored form verifies"), catalog);
    assert!(catalog.check_may_replace(Some(&catalog)).is_ok(), "a catalog may replace itself (same version)");
    let instants = [0, 7, 13, 23, 24 * 3 + 5, 24 * 200].map(|h| now.plus_millis(h * HOUR_MS));
    for m in &catalog.merchants {
        for o in &m.offers {
            for p in m.places.iter().filter(|p| o.places.is_empty() || o.places.contains(&p.id)) {
                for at in instants {
                    let _ = p.is_open(at, m.time_zone);
                    let _ = o.is_scheduled(at, m.time_zone, p);
                    let _ = o.claim_deadline(at);
                }
            }
        }
    }
});
