//! Holdout: a deterministic, per-install bucket that keeps a catalog-given
//! share of installs from ever seeing an offer, to measure its lift.
//!
//! The bucket is HMAC-SHA256 keyed by the install id over the offer id; the
//! first 8 bytes, as a big-endian integer, modulo 10,000 give a bucket in
//! basis points. An install is held out of an offer iff its bucket is below
//! `holdout_percent × 100`. The same install and offer always give the same
//! answer; different offers are independent.

use ring::hmac;

/// The install's bucket for `offer_id`, in `[0, 10000)`.
pub fn bucket(install_id: &str, offer_id: &str) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA256, install_id.as_bytes());
    let tag = hmac::sign(&key, offer_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&tag.as_ref()[..8]);
    (u64::from_be_bytes(first) % 10_000) as u32
}

/// Whether this install is held out of `offer_id` at `percent` (0–100).
pub fn is_held_out(install_id: &str, offer_id: &str, percent: f64) -> bool {
    // Not a positive number (NaN included): no holdout.
    if percent.is_nan() || percent <= 0.0 {
        return false;
    }
    f64::from(bucket(install_id, offer_id)) < percent * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_share_within_two_points() {
        assert_eq!(bucket("install-1", "o1"), bucket("install-1", "o1"));
        for target in [5.0, 10.0, 50.0] {
            let held = (0..10_000).filter(|i| is_held_out(&format!("install-{i}"), "o-boutique-20", target)).count();
            let share = held as f64 / 100.0;
            assert!((share - target).abs() <= 2.0, "target {target}%, got {share}%");
        }
        assert!(!is_held_out("x", "o", 0.0));
        assert!(is_held_out("x", "o", 100.0));
    }
}
