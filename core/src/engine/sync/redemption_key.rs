//! Giving the backend the install's redemption key after the fact
//! (`POST /v1/installs/redemption-key`): an install that registered before
//! it had one (an engine older than redemption tokens, or a key made anew)
//! sends it under its token. Registration itself carries the key
//! (`register.rs`), so a new install never needs this request.

use super::http::{self, Outcome};
use super::register::Registered;
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::{SyncOptions, SyncReport};
use crate::engine::redemption::{ensure_key, mark_registered};
use crate::engine::{ApiResult, Engine};
use crate::error::Result;
use crate::store;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::signature::KeyPair;
use serde_json::json;

impl Engine {
    /// Registers this install with the backend if it holds no credential
    /// yet (with its redemption key), or gives the backend the redemption
    /// key if it does not have it; does nothing when both are done. An app
    /// calls it once at onboarding so that the first redemption's token is
    /// verifiable before the first nightly sync. Network and server trouble
    /// never fail the call: the report's `problems` say what is left. The
    /// backoff is neither consulted nor changed.
    pub async fn register_with(&self, opts: &SyncOptions, transport: &dyn HttpTransport) -> ApiResult<SyncReport> {
        let base = http::check_base_url(&opts.base_url, opts.allow_insecure_loopback)?;
        let mut report = SyncReport::default();
        match self.with_sealed(store::sync::token)? {
            Some(token) => self.upload_redemption_key(transport, &base, &token, &mut report).await?,
            None => {
                if let Registered::Wait(_) = self.register(transport, &base, None, &mut 0, &mut report).await? {
                    report.problems.push("not registered: trying again at the next sync".into());
                }
            }
        }
        Ok(report)
    }

    /// Sends the redemption key under `token` unless the backend has it;
    /// a refusal or a failure is reported and left for the next sync.
    pub(super) async fn upload_redemption_key(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        token: &str,
        report: &mut SyncReport,
    ) -> Result<()> {
        let (public_key, registered) = self.with_sealed_write(|conn, sealer| {
            ensure_key(conn, sealer).map(|(pair, registered)| (pair.public_key().as_ref().to_vec(), registered))
        })?;
        if registered {
            return Ok(());
        }
        let req = HttpRequest::new(HttpMethod::Post, format!("{base}/v1/installs/redemption-key"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(json!({ "redemption_key": B64URL.encode(&public_key) }).to_string().into_bytes());
        match http::send(client, req).await {
            Outcome::Done(_) => {
                self.with_sealed_write(|conn, sealer| mark_registered(conn, sealer, &public_key))?;
            }
            other => report.problems.push(format!("redemption key: {}", other.describe())),
        }
        Ok(())
    }
}
