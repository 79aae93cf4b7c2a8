//! Social proof over the sync client (purpose `social`): friend invite
//! codes created and accepted through the backend, and the friends' visit
//! counts fetched at each sync (`POST /v1/social/counts`) and kept sealed.
//!
//! Every request states the local day the shopper granted `social` (its
//! consent-ledger entry), which is how the backend knows the install holds
//! it (`docs/protocol.md`, section 6). Without `social` granted nothing is
//! sent: invites fail with [`KairosError::ConsentRequired`], and sync
//! fetches no counts.

use super::http::{self, Outcome};
use super::register::Registered;
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::{SyncOptions, SyncReport};
use crate::domain::privacy::social::{FriendCounts, FriendInvite, InviteRefusal};
use crate::domain::privacy::Purpose;
use crate::domain::time::Timestamp;
use crate::engine::{ApiResult, Engine};
use crate::error::{Error, KairosError, Result};
use crate::store;
use serde_json::{json, Value};

/// The answer of a social request that did not go through.
fn unavailable(what: &str, outcome: &Outcome) -> Error {
    Error::SocialUnavailable(format!("{what}: {}", outcome.describe()))
}

impl Engine {
    /// The local day the shopper granted `social`, while she holds it.
    fn social_consent_day(&self) -> Result<Option<String>> {
        let tz = self.lock().set.tz;
        let consents = self.with_conn(|conn, _, _| store::privacy::consents(conn))?;
        Ok(consents
            .current
            .iter()
            .find(|e| e.purpose == Purpose::Social && e.granted)
            .map(|e| e.at.local_day(tz).to_string()))
    }

    /// The credential for a social request: `social` must be granted, no
    /// erasure may be waiting, and the install registers if it has no
    /// token yet.
    async fn social_credential(&self, client: &dyn HttpTransport, base: &str) -> Result<(String, String)> {
        let Some(day) = self.social_consent_day()? else {
            return Err(Error::ConsentRequired(Purpose::Social));
        };
        if !self.with_sealed(store::meta::erasures)?.is_empty() {
            return Err(Error::SocialUnavailable(
                "an erasure waits to be delivered: sync first (nothing goes out under a new pseudonym before)".into(),
            ));
        }
        if let Some(token) = self.with_sealed(store::sync::token)? {
            return Ok((token, day));
        }
        let mut report = SyncReport::default();
        match self.register(client, base, None, &mut 0, &mut report).await? {
            Registered::Token(token) => Ok((token, day)),
            Registered::Wait(_) => Err(Error::SocialUnavailable(format!(
                "registration with the backend failed: {}",
                report.problems.join("; ")
            ))),
        }
    }

    async fn social_request(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        path: &str,
        mut body: Value,
    ) -> Result<Outcome> {
        let (token, day) = self.social_credential(client, base).await?;
        body["consented_on"] = json!(day);
        let req = HttpRequest::new(HttpMethod::Post, format!("{base}{path}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes());
        let outcome = http::send(client, req).await;
        if matches!(outcome, Outcome::Unauthorized) {
            // As sync does: the server forgot this install; the next sync
            // registers a new pseudonym.
            self.replace_install_id()?;
        }
        Ok(outcome)
    }

    /// [`Engine::create_friend_invite_with`] over a `reqwest` client.
    #[cfg(feature = "reqwest")]
    pub async fn create_friend_invite(&self, opts: &SyncOptions) -> ApiResult<FriendInvite> {
        let transport = super::ReqwestTransport::new().map_err(|e| Error::InvalidConfig(e.0))?;
        self.create_friend_invite_with(opts, &transport).await
    }

    /// Creates a single-use friend invite code through the backend, for
    /// the shopper to pass on; the friend accepts it with
    /// [`Engine::accept_friend_invite_with`]. Needs `social` granted
    /// ([`KairosError::ConsentRequired`]); registers the install first if
    /// it never synced. Network or server trouble is
    /// [`KairosError::SocialUnavailable`].
    pub async fn create_friend_invite_with(
        &self,
        opts: &SyncOptions,
        transport: &dyn HttpTransport,
    ) -> ApiResult<FriendInvite> {
        let base = http::check_base_url(&opts.base_url, opts.allow_insecure_loopback)?;
        let outcome = self.social_request(transport, &base, "/v1/social/invites", json!({})).await?;
        match outcome {
            Outcome::Done(body) => {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let code = v["code"].as_str();
                let expires_on = v["expires_on"].as_str().and_then(|d| d.parse().ok());
                match (code, expires_on) {
                    (Some(code), Some(expires_on)) => Ok(FriendInvite { code: code.to_owned(), expires_on }),
                    _ => Err(Error::SocialUnavailable(format!("the invite answer is not one: {v}")).into()),
                }
            }
            Outcome::Refused { code: Some(c), .. }
                if InviteRefusal::from_code(c.as_str()) == Some(InviteRefusal::TooManyInvites) =>
            {
                Err(KairosError::FriendInviteRefused { refusal: InviteRefusal::TooManyInvites })
            }
            other => Err(unavailable("creating a friend invite", &other).into()),
        }
    }

    /// [`Engine::accept_friend_invite_with`] over a `reqwest` client.
    #[cfg(feature = "reqwest")]
    pub async fn accept_friend_invite(&self, opts: &SyncOptions, code: &str) -> ApiResult<()> {
        let transport = super::ReqwestTransport::new().map_err(|e| Error::InvalidConfig(e.0))?;
        self.accept_friend_invite_with(opts, &transport, code).await
    }

    /// Accepts a friend's invite code: the two installs are friends from
    /// now on (symmetric), each counting towards the other's social proof.
    /// Needs `social` granted. A code the backend refuses is
    /// [`KairosError::FriendInviteRefused`] with its reason (unknown,
    /// expired, used, this install's own...); network or server trouble is
    /// [`KairosError::SocialUnavailable`].
    pub async fn accept_friend_invite_with(
        &self,
        opts: &SyncOptions,
        transport: &dyn HttpTransport,
        code: &str,
    ) -> ApiResult<()> {
        let base = http::check_base_url(&opts.base_url, opts.allow_insecure_loopback)?;
        let outcome = self.social_request(transport, &base, "/v1/social/invites/accept", json!({"code": code})).await?;
        match outcome {
            Outcome::Done(_) => Ok(()),
            Outcome::Refused { code: Some(c), status } => match InviteRefusal::from_code(c.as_str()) {
                Some(refusal) => Err(KairosError::FriendInviteRefused { refusal }),
                None => {
                    Err(unavailable("accepting a friend invite", &Outcome::Refused { status, code: Some(c) }).into())
                }
            },
            other => Err(unavailable("accepting a friend invite", &other).into()),
        }
    }

    /// Fetches the friends' visit counts when `social` is granted, and
    /// keeps them sealed (replacing the last). Returns `Some` (with the
    /// server's `Retry-After`, if any) when the server asked to slow down.
    pub(super) async fn fetch_friend_counts(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        now: Timestamp,
        report: &mut SyncReport,
    ) -> Result<Option<Option<i64>>> {
        if self.social_consent_day()?.is_none() {
            return Ok(None);
        }
        let outcome = match self.social_request(client, base, "/v1/social/counts", json!({})).await {
            Ok(outcome) => outcome,
            Err(Error::SocialUnavailable(reason)) => {
                report.problems.push(format!("friends' counts: {reason}"));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        match outcome {
            Outcome::Done(body) => match parse_counts(&body, now) {
                Some(counts) => {
                    self.with_sealed_write(|conn, sealer| store::social::save_counts(conn, sealer, &counts))?;
                    // `social` may have been withdrawn while the request was out.
                    if self.social_consent_day()?.is_none() {
                        self.with_write(store::social::forget_counts)?;
                    }
                    report.friend_counts = Some(counts.merchants.len() as u32);
                }
                None => report.problems.push("friends' counts: the answer is not one; the last counts stay".into()),
            },
            Outcome::Retry { reason, retry_after_ms } => {
                report.problems.push(format!("friends' counts: {reason}"));
                return Ok(Some(retry_after_ms));
            }
            other => report.problems.push(format!("friends' counts: {}", other.describe())),
        }
        Ok(None)
    }
}

/// `{"merchants": [{"merchant_id", "friends"}]}`, counts under the
/// threshold dropped (a server must not send them; the engine never keeps
/// them). `None` for an answer of another shape.
fn parse_counts(body: &[u8], now: Timestamp) -> Option<FriendCounts> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let mut counts = FriendCounts { fetched_at: now, ..FriendCounts::default() };
    for m in v.get("merchants")?.as_array()? {
        let id = m.get("merchant_id")?.as_str()?;
        let friends = u32::try_from(m.get("friends")?.as_u64()?).ok()?;
        if friends >= crate::policy::SOCIAL_MIN_FRIENDS {
            counts.merchants.insert(id.to_owned(), friends);
        }
    }
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_below_the_threshold_are_never_kept_and_a_bad_answer_is_none() {
        let body = br#"{"merchants": [{"merchant_id": "a", "friends": 1}, {"merchant_id": "b", "friends": 3}]}"#;
        let counts = parse_counts(body, Timestamp(5)).unwrap();
        assert_eq!(counts.merchants.into_iter().collect::<Vec<_>>(), vec![("b".to_string(), 3)]);
        assert!(parse_counts(br#"{"merchants": [{"merchant_id": "a"}]}"#, Timestamp(5)).is_none());
        assert!(parse_counts(b"[]", Timestamp(5)).is_none());
    }
}
