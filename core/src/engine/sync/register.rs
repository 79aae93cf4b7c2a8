//! Registration with the backend (`POST /v1/installs`), and giving an
//! install id up. A 409 `install_id_taken` or a 401 is answered with a new
//! random install id, never by registering the old one again (the server
//! would answer 409: knowing an id is not enough to take it over). Every
//! registration carries the install's redemption key (`redemption_key`).

use super::http::{self, Outcome};
use super::random::new_key;
use super::refusal::{Refusal, RefusalAction, RefusalCode, RefusedRequest};
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::{SyncOptions, SyncReport};
use crate::engine::{ApiResult, Engine};
use crate::error::Result;
use crate::policy;
use crate::store;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::signature::KeyPair;
use serde_json::{json, Value};

/// What a registration attempt gave.
pub(super) enum Registered {
    /// The credential, kept.
    Token(String),
    /// No credential this time: back off (with the server's `Retry-After`,
    /// if any).
    Wait(Option<i64>),
}

impl Engine {
    /// Rotates this install's credential: registers its install id again
    /// with the current token as the bearer token, and keeps the new token
    /// the server issues (it revokes the old one; the install keeps its
    /// data). Without a token it simply registers. Network and server
    /// trouble never fail the call: the report's `problems` say why no new
    /// token was kept. The backoff is neither consulted nor changed.
    pub async fn rotate_sync_token_with(
        &self,
        opts: &SyncOptions,
        transport: &dyn HttpTransport,
    ) -> ApiResult<SyncReport> {
        let base = http::check_base_url(&opts.base_url, opts.allow_insecure_loopback)?;
        let current = self.with_sealed(store::sync::token)?;
        let mut report = SyncReport::default();
        self.register(transport, &base, current.as_deref(), &mut 0, &mut report).await?;
        Ok(report)
    }

    /// Gives up the install id sync registered under (and its token): the
    /// next registration uses a new random one, and a new redemption key
    /// (the backend may still hold the old key under the old id: one key
    /// never links two pseudonyms).
    pub(super) fn replace_install_id(&self) -> Result<()> {
        let id = new_key()?;
        self.with_sealed_write(|conn, sealer| {
            store::sync::replace_install_id(conn, sealer, &id)?;
            store::redemption::forget(conn)
        })
    }

    /// Registers this install, at most [`policy::SYNC_MAX_REGISTRATIONS`]
    /// times per sync (`made` counts them); a 409 `install_id_taken`
    /// replaces the install id and registers again. `current` is sent as
    /// the bearer token to rotate a credential the engine still holds.
    pub(super) async fn register(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        current: Option<&str>,
        made: &mut u32,
        report: &mut SyncReport,
    ) -> Result<Registered> {
        while *made < policy::SYNC_MAX_REGISTRATIONS {
            *made += 1;
            let install_id = {
                let own = self.with_conn(|_, _, own| Ok(own.to_string()))?;
                self.with_sealed(store::sync::install_id)?.unwrap_or(own)
            };
            // The redemption key (made now if there is none) registers with
            // the install: the till's verification finds it by its key id.
            let public_key = self.with_sealed_write(|conn, sealer| {
                crate::engine::redemption::ensure_key(conn, sealer).map(|(pair, _)| pair.public_key().as_ref().to_vec())
            })?;
            let body = json!({ "install_id": install_id, "redemption_key": B64URL.encode(&public_key) });
            let mut req = HttpRequest::new(HttpMethod::Post, format!("{base}/v1/installs"))
                .header("content-type", "application/json")
                .body(body.to_string().into_bytes());
            if let Some(token) = current {
                req = req.header("authorization", format!("Bearer {token}"));
            }
            match http::send(client, req).await {
                Outcome::Done(body) => {
                    let token = serde_json::from_slice::<Value>(&body)
                        .map_err(|e| format!("registration answered with unreadable JSON: {e}"))
                        .and_then(|v| {
                            v["token"]
                                .as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| "registration answered without a token".to_string())
                        });
                    return match token {
                        Ok(token) => {
                            self.with_sealed_write(|conn, sealer| {
                                store::sync::save_token(conn, sealer, &token)?;
                                crate::engine::redemption::mark_registered(conn, sealer, &public_key)
                            })?;
                            Ok(Registered::Token(token))
                        }
                        Err(problem) => {
                            report.problems.push(problem);
                            Ok(Registered::Wait(None))
                        }
                    };
                }
                Outcome::Refused { status: 409, code } if code == Some(RefusalCode::InstallIdTaken) => {
                    let refusal = Refusal {
                        request: RefusedRequest::Registration,
                        status: 409,
                        code,
                        items: 0,
                        action: RefusalAction::NothingQueued,
                    };
                    report.problems.push(refusal.describe());
                    report.refusals.push(refusal);
                    self.replace_install_id()?;
                }
                Outcome::Retry { reason, retry_after_ms } => {
                    report.problems.push(format!("registration: {reason}"));
                    return Ok(Registered::Wait(retry_after_ms));
                }
                other => {
                    report.problems.push(format!("registration: {}", other.describe()));
                    return Ok(Registered::Wait(None));
                }
            }
        }
        report.problems.push(format!(
            "no credential after {} registrations in one sync; trying again after the backoff",
            policy::SYNC_MAX_REGISTRATIONS
        ));
        Ok(Registered::Wait(None))
    }
}
