//! Social proof (purpose `social`): friend invites through the backend,
//! over the app's own transport as `sync` is, and the friends' visit counts
//! the last sync fetched. `docs/privacy.md`, "Social proof", is the model.

use crate::engine::Engine;
use crate::error::KairosError;
use crate::local_day::LocalDay;
use crate::runtime;
use crate::sync::SyncOptions;
use crate::time::from_core;
use crate::transport::{Foreign, HttpTransport};
use std::sync::Arc;
use std::time::SystemTime;

/// A friend invite code this install created, to pass on to a friend (by
/// message, QR code...). Single use.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FriendInvite {
    /// The code: 12 characters (case, spaces and hyphens do not matter
    /// when it is accepted).
    pub code: String,
    /// The last day (the backend's, UTC) it can be accepted.
    pub expires_on: LocalDay,
}

/// How many distinct friends visited one catalog merchant recently (never
/// who; only counts of at least 2 are ever known).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FriendCount {
    /// The catalog merchant.
    pub merchant_id: String,
    /// Distinct friends who visited it in the backend's window (30 days).
    pub friends: u32,
}

/// The friends' visit counts the last sync fetched.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FriendCounts {
    /// When the backend answered.
    pub fetched_at: SystemTime,
    /// Per merchant, by merchant id.
    pub merchants: Vec<FriendCount>,
}

#[uniffi::export]
impl Engine {
    /// Creates a single-use friend invite code through the backend, over
    /// the app's `transport` (as `sync`). The shopper passes it on; her
    /// friend's app calls `acceptFriendInvite` with it. Needs `social`
    /// granted (`ConsentRequired` otherwise; nothing is sent). Registers
    /// the install first if it never synced. `SocialUnavailable` when the
    /// backend cannot be reached now.
    pub async fn create_friend_invite(
        self: Arc<Self>,
        options: SyncOptions,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<FriendInvite, KairosError> {
        crate::sync::check(&options)?;
        runtime::spawn(async move {
            let _one_at_a_time = self.sync_lock.lock().await;
            let transport = Foreign(transport);
            let invite =
                self.core.create_friend_invite_with(&options.into(), &transport).await.map_err(KairosError::from)?;
            Ok(FriendInvite { code: invite.code, expires_on: invite.expires_on.into() })
        })
        .await
    }

    /// Accepts a friend's invite `code`: the two installs become friends
    /// (both ways), each counting towards the other's "friends visited"
    /// counts, which the next `sync` fetches. Needs `social` granted. A
    /// code the backend refuses throws `FriendInviteRefused` with its
    /// reason (unknown, expired, used, own...).
    pub async fn accept_friend_invite(
        self: Arc<Self>,
        options: SyncOptions,
        transport: Arc<dyn HttpTransport>,
        code: String,
    ) -> Result<(), KairosError> {
        crate::sync::check(&options)?;
        runtime::spawn(async move {
            let _one_at_a_time = self.sync_lock.lock().await;
            let transport = Foreign(transport);
            self.core.accept_friend_invite_with(&options.into(), &transport, &code).await.map_err(KairosError::from)
        })
        .await
    }

    /// The friends' visit counts the last sync fetched (purpose `social`),
    /// or `nil`/`null` when none are held (never synced with `social`, or
    /// it was withdrawn).
    pub fn friend_counts(&self) -> Result<Option<FriendCounts>, KairosError> {
        let counts = self.core_call(|core| core.friend_counts())?;
        Ok(counts.map(|c| FriendCounts {
            fetched_at: from_core(c.fetched_at),
            merchants: c
                .merchants
                .into_iter()
                .map(|(merchant_id, friends)| FriendCount { merchant_id, friends })
                .collect(),
        }))
    }
}
