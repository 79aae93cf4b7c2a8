//! Sealing at rest: AES-256-GCM (`ring`) under the 32-byte key the app
//! keeps in the Keychain or Keystore and passes at open.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! Nonces are a random 64-bit prefix drawn at open followed by a 32-bit
//! counter, so they never repeat under one key (the prefix is redrawn
//! before the counter wraps). A known value sealed at first open lets a
//! wrong key be detected before anything is read or written.

use crate::error::{Error, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::atomic::{AtomicU64, Ordering};

/// Length of the key the app passes, in bytes.
pub const KEY_LEN: usize = 32;

/// Seals and opens values under one key.
pub struct Sealer {
    key: LessSafeKey,
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
        Ok(Sealer { key: LessSafeKey::new(unbound), prefix: AtomicU64::new(prefix), counter: AtomicU64::new(0), rng })
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
}
