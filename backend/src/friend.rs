//! A friend install driven over the HTTP API, for simulations and tests
//! that need friends with visits (the simulator seeds the canonical day's
//! three friends with it): it registers, holds `visits` and `social`,
//! uploads a day's merchant visits and creates invite codes, exactly as an
//! engine would on the wire.

use crate::client::{send_once, ClientError, Reply};
use axum::http::Method;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Why a friend's request failed.
#[derive(Debug, thiserror::Error)]
pub enum FriendError {
    /// No complete answer.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server refused it.
    #[error("{what}: the server answered {status}: {body}")]
    Refused {
        /// The request.
        what: &'static str,
        /// The status.
        status: u16,
        /// The answer's body.
        body: String,
    },
}

/// A registered install acting as a friend.
#[derive(Debug, Clone)]
pub struct Friend {
    addr: SocketAddr,
    /// Its install id.
    pub install_id: String,
    token: String,
    /// The day it states it granted `social`.
    consented_on: String,
}

impl Friend {
    /// Registers a new random install on the server at `addr`, holding
    /// `social` since `consented_on` (`YYYY-MM-DD`).
    pub async fn register(addr: SocketAddr, consented_on: &str) -> Result<Friend, FriendError> {
        let mut bytes = [0u8; 16];
        SystemRandom::new().fill(&mut bytes).expect("the operating system's random source failed");
        let install_id = crate::api::auth::hex(&bytes);
        let body = json!({ "install_id": install_id }).to_string();
        let reply =
            send_once(addr, Method::POST, "/v1/installs", &[("content-type", "application/json")], body).await?;
        let token = ok("registration", reply)?["token"].as_str().unwrap_or_default().to_owned();
        Ok(Friend { addr, install_id, token, consented_on: consented_on.to_owned() })
    }

    async fn post(
        &self,
        what: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Result<Value, FriendError> {
        let bearer = format!("Bearer {}", self.token);
        let mut all = vec![("authorization", bearer.as_str()), ("content-type", "application/json")];
        all.extend_from_slice(headers);
        ok(what, send_once(self.addr, Method::POST, path, &all, body.to_string()).await?)
    }

    /// Uploads one `visits` summary: one visit of `merchant_id` on `day`.
    pub async fn visit(&self, merchant_id: &str, day: &str) -> Result<(), FriendError> {
        let batch = json!({"batch": [{"purpose": "visits", "day": day, "data": {"merchants": [
            {"merchant_id": merchant_id, "visits": 1, "minutes": 30}]}}]});
        let key = format!("visit-{merchant_id}-{day}");
        self.post("visits upload", "/v1/summaries", &[("idempotency-key", &key)], batch).await.map(|_| ())
    }

    /// Creates an invite code for someone to accept.
    pub async fn invite(&self) -> Result<String, FriendError> {
        let v = self.post("invite", "/v1/social/invites", &[], json!({"consented_on": self.consented_on})).await?;
        Ok(v["code"].as_str().unwrap_or_default().to_owned())
    }

    /// Accepts someone's invite code.
    pub async fn accept(&self, code: &str) -> Result<(), FriendError> {
        let body = json!({"consented_on": self.consented_on, "code": code});
        self.post("accept", "/v1/social/invites/accept", &[], body).await.map(|_| ())
    }
}

fn ok(what: &'static str, reply: Reply) -> Result<Value, FriendError> {
    if reply.status.is_success() {
        Ok(reply.json())
    } else {
        Err(FriendError::Refused {
            what,
            status: reply.status.as_u16(),
            body: String::from_utf8_lossy(&reply.body).into_owned(),
        })
    }
}
