//! Sealing at rest: AES-256-GCM (`ring`) under the 32-byte key the app
//! keeps in the Keychain or Keystore and passes at open.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! Nonces are a random 64-bit prefix drawn at open followed by a 32-bit
//! counter, so they never repeat under one key (the prefix is redrawn
//! before the counter wraps). A known value sealed at first open lets a
//! wrong key be detected before anything is read or written.
//!
//! A keyed id ([`Sealer::keyed_id`]: HMAC-SHA-256 under a key derived from
//! the sealing key, cut to 16 bytes) stands in for a value a row must be
//! found by but that must not be readable (a catalog tile's id): equal
//! values give equal ids under one key, and without the key an id says
//! nothing about its value.

use crate::error::{Error, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::atomic::{AtomicU64, Ordering};

/// Length of the key the app passes, in bytes.
pub const KEY_LEN: usize = 32;

/// Length of a keyed id, in bytes (128 bits: no two of the few hundred
/// values a profile keys collide, and nothing is guessed from it).
pub const KEYED_ID_LEN: usize = 16;

/// What the keyed ids' key is derived with (HMAC-SHA-256 of this under the
/// sealing key).
const KEYED_ID_DERIVATION: &[u8] = b"kairos keyed ids v1";

/// Seals and opens values under one key.
pub struct Sealer {
    key: LessSafeKey,
    /// The key of keyed ids, derived from the sealing key (never the same
    /// key for two primitives).
    ids: hmac::Key,
    /// High 64 bits: random prefix; low 32 bits of the nonce: counter.
    prefix: AtomicU64,
    counter: AtomicU64,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn random_u64(rng: &SystemRandom) -> Result<u64> {
    let mut b = [0u8; 8];
    rng.fill(&mut b).map_err(|_| Error::InvalidConfig("the system random generator failed".into()))?;
    Ok(u64::from_le_bytes(b))
}

impl Sealer {
    /// A sealer for `key` (exactly 32 bytes).
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.len() != KEY_LEN {
            return Err(Error::InvalidConfig(format!("the sealing key must be {KEY_LEN} bytes, got {}", key.len())));
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, key).map_err(|_| Error::InvalidConfig("unusable sealing key".into()))?;
        let rng = SystemRandom::new();
        let prefix = random_u64(&rng)?;
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), KEYED_ID_DERIVATION);
        let ids = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        Ok(Sealer {
            key: LessSafeKey::new(unbound),
            ids,
            prefix: AtomicU64::new(prefix),
            counter: AtomicU64::new(0),
            rng,
        })
    }

    fn next_nonce(&self) -> Result<[u8; NONCE_LEN]> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        if n >= u64::from(u32::MAX) {
            self.prefix.store(random_u64(&self.rng)?, Ordering::Relaxed);
            self.counter.store(1, Ordering::Relaxed);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..8].copy_from_slice(&self.prefix.load(Ordering::Relaxed).to_le_bytes());
        nonce[8..].copy_from_slice(&((n % u64::from(u32::MAX)) as u32).to_le_bytes());
        Ok(nonce)
    }

    /// Seals `plain`; `label` binds the value to its use (table and column),
    /// so a sealed value cannot be moved to another column unnoticed.
    pub fn seal(&self, label: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        let nonce = self.next_nonce()?;
        let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + AES_256_GCM.tag_len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(label), &mut out[NONCE_LEN..])
            .map_err(|_| Error::Sealing("sealing failed".into()))?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens a value sealed under `label`.
    pub fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(Error::Sealing("sealed value is too short".into()));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[..NONCE_LEN]);
        let mut buf = sealed[NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(label), &mut buf)
            .map_err(|_| Error::Sealing("a sealed value does not open with this key".into()))?;
        Ok(plain.to_vec())
    }

    /// The keyed id of `value` for use `label` (see the module's doc):
    /// the same for the same value, label and key; another key or label
    /// gives an unrelated id.
    pub fn keyed_id(&self, label: &[u8], value: &[u8]) -> [u8; KEYED_ID_LEN] {
        let mut ctx = hmac::Context::with_key(&self.ids);
        ctx.update(&(label.len() as u32).to_le_bytes());
        ctx.update(label);
        ctx.update(value);
        let tag = ctx.sign();
        let mut id = [0u8; KEYED_ID_LEN];
        id.copy_from_slice(&tag.as_ref()[..KEYED_ID_LEN]);
        id
    }

    /// Seals a list of `f64` (coordinates and the like).
    pub fn seal_f64s(&self, label: &[u8], values: &[f64]) -> Result<Vec<u8>> {
        let plain: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.seal(label, &plain)
    }

    /// Opens `N` `f64` sealed by [`Sealer::seal_f64s`].
    pub fn open_f64s<const N: usize>(&self, label: &[u8], sealed: &[u8]) -> Result<[f64; N]> {
        let plain = self.open(label, sealed)?;
        if plain.len() != N * 8 {
            return Err(Error::Sealing(format!("sealed value holds {} bytes, expected {}", plain.len(), N * 8)));
        }
        let mut out = [0.0; N];
        for (i, c) in plain.chunks_exact(8).enumerate() {
            out[i] = f64::from_le_bytes(c.try_into().expect("8 bytes"));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_labels_and_wrong_keys() {
        let s = Sealer::new(&[7u8; 32]).unwrap();
        let a = s.seal_f64s(b"fixes", &[34.05, -118.25]).unwrap();
        let b = s.seal_f64s(b"fixes", &[34.05, -118.25]).unwrap();
        assert_ne!(a, b, "fresh nonce each time");
        assert_eq!(s.open_f64s::<2>(b"fixes", &a).unwrap(), [34.05, -118.25]);
        assert!(s.open_f64s::<2>(b"places", &a).is_err(), "bound to its label");
        let other = Sealer::new(&[8u8; 32]).unwrap();
        assert!(other.open(b"fixes", &a).is_err());
        assert!(Sealer::new(&[1u8; 31]).is_err());
        assert!(s.open(b"fixes", &a[..10]).is_err());
    }

    #[test]
    fn keyed_ids_are_stable_under_one_key_and_unrelated_under_another_key_or_label() {
        let s = Sealer::new(&[7u8; 32]).unwrap();
        let again = Sealer::new(&[7u8; 32]).unwrap();
        let other = Sealer::new(&[8u8; 32]).unwrap();
        let id = s.keyed_id(b"catalog_tiles", b"r6384c2938");
        assert_eq!(id, again.keyed_id(b"catalog_tiles", b"r6384c2938"), "the same key finds the row again");
        assert_ne!(id, other.keyed_id(b"catalog_tiles", b"r6384c2938"));
        assert_ne!(id, s.keyed_id(b"fence_ids", b"r6384c2938"));
        assert_ne!(id, s.keyed_id(b"catalog_tiles", b"r6384c2939"));
        assert!(!id.windows(4).any(|w| w == b"r638"), "the value is not in its id");
    }
}
