//! Redeeming with a signed token: the install's Ed25519 redemption key
//! (made when first needed, sealed in the profile, its public half given
//! to the backend at registration) and [`Engine::redeem`], which redeems
//! an offer and returns the token the merchant's till verifies
//! (`docs/protocol.md`, section 5).

use super::{ApiResult, Engine};
use crate::domain::offers::redemption_token::{self, key_id, RedemptionClaims, RedemptionToken};
use crate::domain::offers::{OfferInstance, OfferState};
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};
use crate::store::redemption::StoredRedemptionKey;
use crate::store::{self, Connection};
use ring::signature::{Ed25519KeyPair, KeyPair};

/// A redeemed offer and the token that proves it at the till.
#[derive(Debug, Clone, PartialEq)]
pub struct Redemption {
    /// The offer instance, now redeemed.
    pub instance: OfferInstance,
    /// What the token asserts (offer, instance, merchant, issue and expiry
    /// times, the key id), as signed.
    pub claims: RedemptionClaims,
    /// The token: its compact string and its QR payload.
    pub token: RedemptionToken,
}

/// The install's redemption key pair, made and stored (sealed) if there is
/// none yet, with whether the backend has its public key.
pub(crate) fn ensure_key(conn: &Connection, sealer: &Sealer) -> Result<(Ed25519KeyPair, bool)> {
    let damaged = || Error::StoredValue { what: "redemption key", value: "(sealed)".into() };
    if let Some(stored) = store::redemption::load(conn, sealer)? {
        let pkcs8 = stored.pkcs8().ok_or_else(damaged)?;
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| damaged())?;
        return Ok((pair, stored.registered));
    }
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).map_err(|_| Error::Random)?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| damaged())?;
    store::redemption::save(conn, sealer, &StoredRedemptionKey::new(pkcs8.as_ref()))?;
    Ok((pair, false))
}

/// Records that the backend has the public half of the key whose raw
/// public key is `public_key` (a key replaced meanwhile stays unregistered).
pub(crate) fn mark_registered(conn: &Connection, sealer: &Sealer, public_key: &[u8]) -> Result<()> {
    let Some(mut stored) = store::redemption::load(conn, sealer)? else { return Ok(()) };
    let same = stored
        .pkcs8()
        .and_then(|p| Ed25519KeyPair::from_pkcs8(&p).ok())
        .is_some_and(|pair| pair.public_key().as_ref() == public_key);
    if same && !stored.registered {
        stored.registered = true;
        store::redemption::save(conn, sealer, &stored)?;
    }
    Ok(())
}

impl Engine {
    /// Redeems the offer (as [`Engine::redeemed`]: within its claim window,
    /// while its place is open, else refused with the reason and nothing
    /// changes) and returns the token the shopper shows at the till,
    /// signed with this install's redemption key: the offer, the instance,
    /// the merchant, `now` as the issue time and the end of the claim
    /// window as its expiry. The merchant's till verifies it once with the
    /// backend (`POST /v1/redemptions/verify`), which knows the key if this
    /// install registered since the key was made (a sync, or
    /// [`Engine::register_with`]).
    pub fn redeem(&self, instance_id: i64, now: Timestamp) -> ApiResult<Redemption> {
        let mut inner = self.lock();
        let written = inner.write(|ctx| {
            let instance = super::offers_api::transition_in(ctx, instance_id, OfferState::Redeemed, now)?;
            let (pair, _) = ensure_key(ctx.conn, ctx.sealer)?;
            let claims = RedemptionClaims {
                kid: key_id(pair.public_key().as_ref()),
                offer: instance.offer_id.clone(),
                instance: instance.id,
                merchant: instance.merchant_id.clone(),
                iat: now.0,
                exp: instance.expires_at.0,
            };
            let token = redemption_token::issue(&claims, &pair)
                .map_err(|source| Error::RedemptionToken { id: instance_id, source })?;
            Ok(Redemption { instance, claims, token })
        })?;
        inner.pending.extend(written.events);
        Ok(written.value)
    }

    /// The raw 32-byte public key of this install's redemption key, made
    /// now if there is none (what registration sends, base64url).
    pub fn redemption_public_key(&self) -> ApiResult<Vec<u8>> {
        let pair = self.with_sealed_write(|conn, sealer| ensure_key(conn, sealer).map(|(pair, _)| pair))?;
        Ok(pair.public_key().as_ref().to_vec())
    }
}
