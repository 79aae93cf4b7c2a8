//! Random values of sync: idempotency keys, install ids, backoff jitter,
//! from the operating system's CSPRNG.

use crate::error::{Error, Result};

/// 8 random bytes, for the backoff's jitter.
pub(super) fn random_u64() -> Result<u64> {
    let mut b = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).map_err(|_| Error::Random)?;
    Ok(u64::from_le_bytes(b))
}

/// 16 random bytes as 32 lowercase hex characters: an idempotency key or
/// an install id.
pub(super) fn new_key() -> Result<String> {
    Ok(format!("{:016x}{:016x}", random_u64()?, random_u64()?))
}
