//! `POST /v1/social/invites`, `POST /v1/social/invites/accept` and
//! `POST /v1/social/counts`: friend links by invitation and the friends'
//! visit counts (purpose `social`; `docs/privacy.md`, "Social proof").
//!
//! **How the server knows an install holds `social`.** Consent lives on
//! the device; the server learns of a purpose only from what arrives under
//! it. Every social request therefore states the day of the shopper's
//! consent-ledger entry granting `social` (`consented_on`); a request
//! without it is refused (403 `social_not_granted`) and changes nothing.
//! Stating it records the install as a member until a `social` deletion
//! request (sent by the engine when the shopper withdraws it) removes the
//! membership, every link and every invite code of the install. Friends'
//! counts only ever include linked installs, and linking needs both to be
//! members, so a count only includes installs holding `social` (and
//! `visits`, under which the visit rows arrived).

use super::auth::authorize;
use super::body::{coding, read_limited, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::{INVITE_CODE_LEN, INVITE_VALID_DAYS, MAX_SMALL_BODY_BYTES, SOCIAL_MIN_FRIENDS, SOCIAL_WINDOW_DAYS};
use crate::storage::{InviteAcceptance, InviteCreated, InviteHash, SocialMember};
use crate::summaries::strict_json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Days, NaiveDate};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

/// The characters of an invite code: Crockford's base32 (no I, L, O, U,
/// so a code read aloud or typed is not misread).
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new random invite code.
pub fn new_code() -> String {
    let mut bytes = [0u8; INVITE_CODE_LEN];
    SystemRandom::new().fill(&mut bytes).expect("the operating system's random source failed");
    bytes.iter().map(|b| CODE_ALPHABET[usize::from(b & 31)] as char).collect()
}

/// The code as stored: the normalized text's SHA-256. Hyphens and spaces
/// are ignored and letters upper-cased; anything else outside the
/// alphabet, or another length, is `None`.
pub fn code_hash(code: &str) -> Option<InviteHash> {
    let normal: String = code.chars().filter(|c| *c != '-' && *c != ' ').map(|c| c.to_ascii_uppercase()).collect();
    if normal.len() != INVITE_CODE_LEN || !normal.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return None;
    }
    Some(digest(&SHA256, normal.as_bytes()).as_ref().try_into().expect("SHA-256 is 32 bytes"))
}

/// The request body's fields, `allowed` only, with `consented_on` checked.
async fn read_member(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    allowed: &[&str],
) -> Result<(SocialMember, Map<String, Value>), ApiError> {
    let install_id = authorize(state, headers).await?;
    require_json(headers)?;
    coding(headers, false)?;
    let body = read_limited(headers, body, MAX_SMALL_BODY_BYTES, state.limits.body_timeout).await?;
    let value = strict_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(ApiError::bad_request("invalid_json", "the body must be a JSON object"));
    };
    if let Some(other) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_request("unknown_field", format!("{other}: unknown field (expected {allowed:?})")));
    }
    let today = state.clock.today();
    let consented_on = match fields.get("consented_on") {
        None | Some(Value::Null) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "social_not_granted",
                "this install does not hold `social`: send the day the shopper granted it (consented_on)",
            ))
        }
        Some(Value::String(day)) => {
            NaiveDate::parse_from_str(day, "%Y-%m-%d").ok().filter(|d| *d <= today + Days::new(1)).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_day",
                    format!("consented_on: {day:?} is not a YYYY-MM-DD day on or before the server's tomorrow"),
                )
            })?
        }
        Some(other) => return Err(ApiError::bad_request("invalid_day", format!("consented_on: {other} is not a day"))),
    };
    Ok((SocialMember { install_id, consented_on, today }, fields))
}

/// `POST /v1/social/invites`: a new single-use invite code of this install.
pub async fn create_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (member, _) = read_member(&state, &headers, body, &["consented_on"]).await?;
    let code = new_code();
    let hash = code_hash(&code).expect("a new code is well formed");
    let expires_on = member.today + Days::new(u64::from(INVITE_VALID_DAYS));
    match state.storage.create_invite(member, hash, expires_on).await? {
        InviteCreated::Created => Ok(json_ok(json!({"code": code, "expires_on": expires_on.to_string()}))),
        InviteCreated::TooManyOpen => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_invites",
            "this install holds as many open invite codes as it may; wait for one to be accepted or expire",
        )),
    }
}

/// `POST /v1/social/invites/accept`: links this install and the code's
/// creator as friends.
pub async fn accept_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (member, fields) = read_member(&state, &headers, body, &["consented_on", "code"]).await?;
    let hash = match fields.get("code") {
        Some(Value::String(code)) => code_hash(code),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::bad_request(
            "invalid_invite_code",
            format!("code: an invite code is {INVITE_CODE_LEN} characters of Crockford base32"),
        )
    })?;
    let refused = |status, code, message: &str| Err(ApiError::new(status, code, message));
    match state.storage.accept_invite(member, hash).await? {
        InviteAcceptance::Linked => Ok(json_ok(json!({"linked": true}))),
        InviteAcceptance::Unknown => refused(StatusCode::NOT_FOUND, "unknown_invite", "no such invite code"),
        InviteAcceptance::Expired => refused(StatusCode::GONE, "invite_expired", "this invite code has expired"),
        InviteAcceptance::Used => refused(StatusCode::CONFLICT, "invite_used", "this invite code was accepted already"),
        InviteAcceptance::OwnInvite => {
            refused(StatusCode::BAD_REQUEST, "own_invite", "an install cannot accept its own invite code")
        }
        InviteAcceptance::TooManyFriends => {
            refused(StatusCode::CONFLICT, "too_many_friends", "one of the two installs has as many friends as it may")
        }
    }
}

/// `POST /v1/social/counts`: per catalog merchant, how many distinct
/// friends visited it in the window, where at least the threshold did.
pub async fn counts(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let (member, _) = read_member(&state, &headers, body, &["consented_on"]).await?;
    let since = member.today - Days::new(u64::from(SOCIAL_WINDOW_DAYS));
    let counts = state.storage.friend_counts(member, since, SOCIAL_MIN_FRIENDS).await?;
    let merchants: Vec<Value> =
        counts.iter().map(|c| json!({"merchant_id": c.merchant_id, "friends": c.friends})).collect();
    Ok(json_ok(json!({
        "window_days": SOCIAL_WINDOW_DAYS,
        "min_friends": SOCIAL_MIN_FRIENDS,
        "merchants": merchants,
    })))
}
