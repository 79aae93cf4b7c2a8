//! The social half of [`super::SqliteStorage`]: memberships, invite codes
//! and friend links (purpose `social`), each function one step of a
//! transaction the caller holds. Links are stored in both directions, so a
//! friend list is one index range.

use super::sqlite_days::day_text;
use super::types::{
    FriendCount, InviteAcceptance, InviteCreated, InviteHash, SocialDeleted, SocialMember, StorageError,
};
use crate::limits::{INVITE_VALID_DAYS, MAX_FRIENDS, MAX_OPEN_INVITES};
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Transaction};

/// Records (or refreshes) the member's statement that it holds `social`.
pub(super) fn record_member(tx: &Transaction<'_>, m: &SocialMember) -> Result<(), StorageError> {
    tx.prepare_cached(
        "INSERT INTO social_members (install_id, consented_on) VALUES (?1, ?2)
         ON CONFLICT (install_id) DO UPDATE SET consented_on = excluded.consented_on",
    )?
    .execute(params![m.install_id, day_text(m.consented_on)])?;
    Ok(())
}

/// [`super::Storage::create_invite`] in `tx`.
pub(super) fn create_invite(
    tx: &Transaction<'_>,
    m: &SocialMember,
    code: &InviteHash,
    expires_on: NaiveDate,
) -> Result<InviteCreated, StorageError> {
    record_member(tx, m)?;
    // Codes dead for a whole validity period are forgotten (until then a
    // late acceptance is told "expired", not "unknown").
    let forget_before = m.today - chrono::Days::new(u64::from(INVITE_VALID_DAYS));
    tx.prepare_cached("DELETE FROM social_invites WHERE expires_on < ?1")?.execute([day_text(forget_before)])?;
    let open: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM social_invites WHERE install_id = ?1 AND accepted = 0 AND expires_on >= ?2",
        )?
        .query_row(params![m.install_id, day_text(m.today)], |r| r.get(0))?;
    if open as usize >= MAX_OPEN_INVITES {
        return Ok(InviteCreated::TooManyOpen);
    }
    tx.prepare_cached(
        "INSERT INTO social_invites (code_hash, install_id, expires_on, accepted) VALUES (?1, ?2, ?3, 0)",
    )?
    .execute(params![&code[..], m.install_id, day_text(expires_on)])?;
    Ok(InviteCreated::Created)
}

/// [`super::Storage::accept_invite`] in `tx`.
pub(super) fn accept_invite(
    tx: &Transaction<'_>,
    m: &SocialMember,
    code: &InviteHash,
) -> Result<InviteAcceptance, StorageError> {
    record_member(tx, m)?;
    let invite: Option<(String, String, bool)> = tx
        .prepare_cached("SELECT install_id, expires_on, accepted FROM social_invites WHERE code_hash = ?1")?
        .query_row([&code[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((creator, expires_on, accepted)) = invite else { return Ok(InviteAcceptance::Unknown) };
    if creator == m.install_id {
        return Ok(InviteAcceptance::OwnInvite);
    }
    if accepted {
        return Ok(InviteAcceptance::Used);
    }
    if expires_on < day_text(m.today) {
        return Ok(InviteAcceptance::Expired);
    }
    let already: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM friend_links WHERE install_a = ?1 AND install_b = ?2)")?
        .query_row(params![creator, m.install_id], |r| r.get(0))?;
    if !already {
        let mut friends = tx.prepare_cached("SELECT COUNT(*) FROM friend_links WHERE install_a = ?1")?;
        for side in [&creator, &m.install_id] {
            if friends.query_row([side], |r| r.get::<_, i64>(0))? as usize >= MAX_FRIENDS {
                return Ok(InviteAcceptance::TooManyFriends);
            }
        }
        let mut link =
            tx.prepare_cached("INSERT INTO friend_links (install_a, install_b, linked_on) VALUES (?1, ?2, ?3)")?;
        link.execute(params![creator, m.install_id, day_text(m.today)])?;
        link.execute(params![m.install_id, creator, day_text(m.today)])?;
    }
    tx.prepare_cached("UPDATE social_invites SET accepted = 1 WHERE code_hash = ?1")?.execute([&code[..]])?;
    Ok(InviteAcceptance::Linked)
}

/// [`super::Storage::friend_counts`] in `tx`.
pub(super) fn friend_counts(
    tx: &Transaction<'_>,
    m: &SocialMember,
    since: NaiveDate,
    min_friends: u32,
) -> Result<Vec<FriendCount>, StorageError> {
    record_member(tx, m)?;
    let mut s = tx.prepare_cached(
        "SELECT v.merchant_id, COUNT(DISTINCT v.install_id)
         FROM friend_links f
         JOIN social_members s ON s.install_id = f.install_b
         JOIN merchant_visits v ON v.install_id = f.install_b
         WHERE f.install_a = ?1 AND v.visits > 0 AND v.day >= ?2 AND v.day <= ?3
         GROUP BY v.merchant_id HAVING COUNT(DISTINCT v.install_id) >= ?4
         ORDER BY v.merchant_id",
    )?;
    let rows = s.query_map(params![m.install_id, day_text(since), day_text(m.today), min_friends], |r| {
        Ok(FriendCount { merchant_id: r.get(0)?, friends: r.get(1)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes the install's membership, links (both directions) and invites.
pub(super) fn delete_social(tx: &Transaction<'_>, install_id: &str) -> Result<SocialDeleted, StorageError> {
    tx.execute("DELETE FROM social_members WHERE install_id = ?1", [install_id])?;
    let links = tx.execute("DELETE FROM friend_links WHERE install_a = ?1 OR install_b = ?1", [install_id])? as u64;
    let invites = tx.execute("DELETE FROM social_invites WHERE install_id = ?1", [install_id])? as u64;
    Ok(SocialDeleted { links: links / 2, invites })
}

/// What [`super::Storage::held_by`] reports of the install's social rows:
/// (consented on, friends, invites).
pub(super) fn held(tx: &Transaction<'_>, install_id: &str) -> Result<(Option<String>, Vec<String>, u64), StorageError> {
    let consented: Option<String> = tx
        .query_row("SELECT consented_on FROM social_members WHERE install_id = ?1", [install_id], |r| r.get(0))
        .optional()?;
    let friends = tx
        .prepare("SELECT install_b FROM friend_links WHERE install_a = ?1 ORDER BY install_b")?
        .query_map([install_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let invites: i64 =
        tx.query_row("SELECT COUNT(*) FROM social_invites WHERE install_id = ?1", [install_id], |r| r.get(0))?;
    Ok((consented, friends, invites as u64))
}
