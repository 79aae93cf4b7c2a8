//! Social proof (purpose `social`): what the engine holds of its friends'
//! visits. The backend computes, per catalog merchant, how many distinct
//! friends (linked by invitation, both holding `social`) visited it in its
//! window, and releases counts of at least
//! [`crate::policy::SOCIAL_MIN_FRIENDS`] only; the engine keeps the last
//! answer sealed and targeting reads it. Never who.

use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The friends' visit counts of the last sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendCounts {
    /// When the backend answered.
    pub fetched_at: Timestamp,
    /// Catalog merchant id → distinct friends who visited it recently (each
    /// at least the threshold: lower counts are never kept).
    pub merchants: BTreeMap<String, u32>,
}

impl FriendCounts {
    /// The count for `merchant_id`, if known and at least the threshold.
    pub fn of(&self, merchant_id: &str) -> Option<u32> {
        self.merchants.get(merchant_id).copied().filter(|n| *n >= crate::policy::SOCIAL_MIN_FRIENDS)
    }
}

/// A friend invite code this install created, to pass on to a friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendInvite {
    /// The code (12 characters; hyphens and case do not matter when it is
    /// accepted).
    pub code: String,
    /// The last day (the backend's, UTC) it can be accepted.
    pub expires_on: chrono::NaiveDate,
}

/// Why the backend refused a friend invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteRefusal {
    /// No such code (mistyped, or its creator withdrew `social`).
    Unknown,
    /// The code's last day has passed.
    Expired,
    /// The code was accepted already (a code is single use).
    Used,
    /// The code is this install's own.
    OwnInvite,
    /// Not a code at all (12 characters of Crockford base32).
    Malformed,
    /// One of the two has as many friends as the backend allows.
    TooManyFriends,
    /// This install holds as many open codes as the backend allows.
    TooManyInvites,
}

impl InviteRefusal {
    /// The refusal a backend error code names, if it names one.
    pub fn from_code(code: &str) -> Option<InviteRefusal> {
        Some(match code {
            "unknown_invite" => InviteRefusal::Unknown,
            "invite_expired" => InviteRefusal::Expired,
            "invite_used" => InviteRefusal::Used,
            "own_invite" => InviteRefusal::OwnInvite,
            "invalid_invite_code" => InviteRefusal::Malformed,
            "too_many_friends" => InviteRefusal::TooManyFriends,
            "too_many_invites" => InviteRefusal::TooManyInvites,
            _ => return None,
        })
    }
}

impl std::fmt::Display for InviteRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InviteRefusal::Unknown => "no such invite code",
            InviteRefusal::Expired => "the invite code has expired",
            InviteRefusal::Used => "the invite code was accepted already",
            InviteRefusal::OwnInvite => "this is the install's own invite code",
            InviteRefusal::Malformed => "not an invite code (12 characters of Crockford base32)",
            InviteRefusal::TooManyFriends => "one of the two has as many friends as allowed",
            InviteRefusal::TooManyInvites => "this install holds as many open invite codes as allowed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_below_the_threshold_reads_as_unknown() {
        let counts = FriendCounts {
            fetched_at: Timestamp(0),
            merchants: [("a".to_string(), 1), ("b".to_string(), 2)].into_iter().collect(),
        };
        assert_eq!((counts.of("a"), counts.of("b"), counts.of("c")), (None, Some(2), None));
    }
}
