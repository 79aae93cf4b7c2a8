//! Redeeming with a signed token (`docs/protocol.md`, section 5): `redeem`
//! returns the token the shopper shows at the till (draw `qrPayload` as a
//! QR code), and `register` gives the backend this install's redemption
//! key at onboarding, so the first token verifies before the first sync.

use crate::engine::Engine;
use crate::error::KairosError;
use crate::offers::OfferInstance;
use crate::runtime;
use crate::sync::{SyncOptions, SyncReport};
use crate::time::{from_core, to_core};
use crate::transport::{Foreign, HttpTransport};
use std::sync::Arc;
use std::time::SystemTime;

/// A signed redemption token: what the merchant's till verifies, once,
/// with the backend. It names the offer, the instance and the merchant,
/// never the install.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RedemptionToken {
    /// `KR1.<claims>.<signature>`: for a till that takes typed or pasted text.
    pub compact: String,
    /// `kairos:r:` then the compact form: the text to draw as a QR code.
    pub qr_payload: String,
    /// The catalog offer redeemed.
    pub offer_id: String,
    /// The offer instance (its `id`).
    pub instance_id: i64,
    /// The offer's merchant: another merchant's till refuses the token.
    pub merchant_id: String,
    /// When the shopper redeemed.
    pub issued_at: SystemTime,
    /// The end of the claim window: the till refuses the token after it.
    pub expires_at: SystemTime,
    /// The id of the install key that signed it (the same on every token
    /// of this install until an erase).
    pub key_id: String,
}

/// A redeemed offer and the token that proves it at the till.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Redemption {
    /// The offer, now redeemed.
    pub instance: OfferInstance,
    /// The token to show.
    pub token: RedemptionToken,
}

impl From<kairos_core::offers::redemption_token::Redemption> for Redemption {
    fn from(r: kairos_core::offers::redemption_token::Redemption) -> Self {
        let c = r.claims;
        Redemption {
            instance: r.instance.into(),
            token: RedemptionToken {
                compact: r.token.compact,
                qr_payload: r.token.qr_payload,
                offer_id: c.offer,
                instance_id: c.instance,
                merchant_id: c.merchant,
                issued_at: from_core(kairos_core::Timestamp(c.iat)),
                expires_at: from_core(kairos_core::Timestamp(c.exp)),
                key_id: c.kid,
            },
        }
    }
}

#[uniffi::export]
impl Engine {
    /// Redeems the offer at the till and returns the signed token to show
    /// (draw `token.qrPayload` as a QR code). Refused as `redeemed` is:
    /// `InvalidOfferTransition` outside the claim window or when no longer
    /// open (redeemed, dismissed, expired), `StoreClosed` outside the
    /// place's opening hours (the offer stays claimable). The till's
    /// verification with the backend needs this install registered since
    /// its key was made (`register`, or any `sync`).
    pub fn redeem(&self, instance_id: i64, now: SystemTime) -> Result<Redemption, KairosError> {
        let redemption = self.core_call(|core| core.redeem(instance_id, to_core(now)))?;
        self.publish_pending()?;
        Ok(redemption.into())
    }

    /// Registers this install with the backend if it is not yet (with its
    /// redemption key), or gives the backend the redemption key if it
    /// lacks it (an install registered by an older version); nothing when
    /// both are done. Call it at onboarding, after consent. Network and
    /// server trouble never throw: the report's `problems` say what is
    /// left for the next sync. Throws `InvalidInput` for an unusable URL.
    pub async fn register(
        self: Arc<Self>,
        options: SyncOptions,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<SyncReport, KairosError> {
        crate::sync::check(&options)?;
        runtime::spawn(async move {
            let _one_at_a_time = self.sync_lock.lock().await;
            let transport = Foreign(transport);
            let report = self.core.register_with(&options.into(), &transport).await.map_err(KairosError::from)?;
            Ok(report.into())
        })
        .await
    }
}
