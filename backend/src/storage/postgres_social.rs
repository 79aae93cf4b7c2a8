//! The social half of [`super::PostgresStorage`] (as `sqlite_social.rs`):
//! memberships, invite codes and friend links, each function one step of
//! a transaction the caller holds. Accepting locks the invite row (`FOR
//! UPDATE`), so two acceptances of one code cannot both link.

use super::types::{
    FriendCount, InviteAcceptance, InviteCreated, InviteHash, SocialDeleted, SocialMember, StorageError,
};
use crate::limits::{INVITE_VALID_DAYS, MAX_FRIENDS, MAX_OPEN_INVITES};
use chrono::NaiveDate;
use tokio_postgres::Transaction;

/// Records (or refreshes) the member's statement that it holds `social`.
pub(super) async fn record_member(tx: &Transaction<'_>, m: &SocialMember) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO social_members (install_id, consented_on) VALUES ($1, $2)
         ON CONFLICT (install_id) DO UPDATE SET consented_on = excluded.consented_on",
        &[&m.install_id, &m.consented_on],
    )
    .await?;
    Ok(())
}

/// [`super::Storage::create_invite`] in `tx`.
pub(super) async fn create_invite(
    tx: &Transaction<'_>,
    m: &SocialMember,
    code: &InviteHash,
    expires_on: NaiveDate,
) -> Result<InviteCreated, StorageError> {
    record_member(tx, m).await?;
    // Serialise this member's creations, so the open-code cap holds.
    tx.execute("SELECT 1 FROM social_members WHERE install_id = $1 FOR UPDATE", &[&m.install_id]).await?;
    let forget_before = m.today - chrono::Days::new(u64::from(INVITE_VALID_DAYS));
    tx.execute("DELETE FROM social_invites WHERE expires_on < $1", &[&forget_before]).await?;
    let open: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM social_invites WHERE install_id = $1 AND NOT accepted AND expires_on >= $2",
            &[&m.install_id, &m.today],
        )
        .await?
        .get(0);
    if open as usize >= MAX_OPEN_INVITES {
        return Ok(InviteCreated::TooManyOpen);
    }
    tx.execute(
        "INSERT INTO social_invites (code_hash, install_id, expires_on, accepted) VALUES ($1, $2, $3, FALSE)",
        &[&&code[..], &m.install_id, &expires_on],
    )
    .await?;
    Ok(InviteCreated::Created)
}

/// [`super::Storage::accept_invite`] in `tx`.
pub(super) async fn accept_invite(
    tx: &Transaction<'_>,
    m: &SocialMember,
    code: &InviteHash,
) -> Result<InviteAcceptance, StorageError> {
    record_member(tx, m).await?;
    let Some(row) = tx
        .query_opt(
            "SELECT install_id, expires_on, accepted FROM social_invites WHERE code_hash = $1 FOR UPDATE",
            &[&&code[..]],
        )
        .await?
    else {
        return Ok(InviteAcceptance::Unknown);
    };
    let (creator, expires_on, accepted): (String, NaiveDate, bool) = (row.get(0), row.get(1), row.get(2));
    if creator == m.install_id {
        return Ok(InviteAcceptance::OwnInvite);
    }
    if accepted {
        return Ok(InviteAcceptance::Used);
    }
    if expires_on < m.today {
        return Ok(InviteAcceptance::Expired);
    }
    let already: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM friend_links WHERE install_a = $1 AND install_b = $2)",
            &[&creator, &m.install_id],
        )
        .await?
        .get(0);
    if !already {
        for side in [&creator, &m.install_id] {
            let friends: i64 =
                tx.query_one("SELECT COUNT(*) FROM friend_links WHERE install_a = $1", &[side]).await?.get(0);
            if friends as usize >= MAX_FRIENDS {
                return Ok(InviteAcceptance::TooManyFriends);
            }
        }
        tx.execute(
            "INSERT INTO friend_links (install_a, install_b, linked_on) VALUES ($1, $2, $3), ($2, $1, $3)
             ON CONFLICT DO NOTHING",
            &[&creator, &m.install_id, &m.today],
        )
        .await?;
    }
    tx.execute("UPDATE social_invites SET accepted = TRUE WHERE code_hash = $1", &[&&code[..]]).await?;
    Ok(InviteAcceptance::Linked)
}

/// [`super::Storage::friend_counts`] in `tx`.
pub(super) async fn friend_counts(
    tx: &Transaction<'_>,
    m: &SocialMember,
    since: NaiveDate,
    min_friends: u32,
) -> Result<Vec<FriendCount>, StorageError> {
    record_member(tx, m).await?;
    let rows = tx
        .query(
            "SELECT v.merchant_id, COUNT(DISTINCT v.install_id)
             FROM friend_links f
             JOIN social_members s ON s.install_id = f.install_b
             JOIN merchant_visits v ON v.install_id = f.install_b
             WHERE f.install_a = $1 AND v.visits > 0 AND v.day >= $2 AND v.day <= $3
             GROUP BY v.merchant_id HAVING COUNT(DISTINCT v.install_id) >= $4
             ORDER BY v.merchant_id",
            &[&m.install_id, &since, &m.today, &i64::from(min_friends)],
        )
        .await?;
    Ok(rows.iter().map(|r| FriendCount { merchant_id: r.get(0), friends: r.get::<_, i64>(1) as u32 }).collect())
}

/// Deletes the install's membership, links (both directions) and invites.
pub(super) async fn delete_social(tx: &Transaction<'_>, install_id: &String) -> Result<SocialDeleted, StorageError> {
    tx.execute("DELETE FROM social_members WHERE install_id = $1", &[install_id]).await?;
    let links = tx.execute("DELETE FROM friend_links WHERE install_a = $1 OR install_b = $1", &[install_id]).await?;
    let invites = tx.execute("DELETE FROM social_invites WHERE install_id = $1", &[install_id]).await?;
    Ok(SocialDeleted { links: links / 2, invites })
}

/// (consented on, friends, invites) of the install, for `held_by`.
pub(super) async fn held(
    tx: &Transaction<'_>,
    install_id: &String,
) -> Result<(Option<NaiveDate>, Vec<String>, u64), StorageError> {
    let consented = tx
        .query_opt("SELECT consented_on FROM social_members WHERE install_id = $1", &[install_id])
        .await?
        .map(|r| r.get(0));
    let friends = tx
        .query("SELECT install_b FROM friend_links WHERE install_a = $1 ORDER BY install_b", &[install_id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let invites: i64 =
        tx.query_one("SELECT COUNT(*) FROM social_invites WHERE install_id = $1", &[install_id]).await?.get(0);
    Ok((consented, friends, invites as u64))
}
