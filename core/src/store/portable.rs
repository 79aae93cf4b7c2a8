//! The profile's tables as portable rows, for the export (format 2) and its
//! import: every column a query of the engine reads, with sealed values
//! opened (the export is the shopper's own copy) and sealed again, under
//! the importing profile's key, on the way in. Row ids are kept, so that
//! visits, routines and merchant visits still point at their places and
//! visits. `docs/privacy.md` documents the format.

use super::profile::{open_place, seal_place, seal_visit};
use crate::domain::location::LocationFix;
use crate::domain::privacy::consent::{ConsentEntry, Purpose};
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use crate::error::Result;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// A learned place, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceRow {
    /// Its id (visits and routines refer to it).
    pub id: i64,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Home, work or other.
    pub kind: PlaceKind,
    /// The catalog merchant it was matched to; `None`: private.
    pub merchant_id: Option<String>,
    /// Visits folded in.
    pub visit_count: i64,
    /// Minutes spent there.
    pub total_minutes: i64,
    /// Of which at night (home inference).
    pub night_minutes: i64,
    /// Of which in weekday working hours (work inference).
    pub work_minutes: i64,
    /// First visit.
    pub first_seen: Timestamp,
    /// Last departure.
    pub last_seen: Timestamp,
}

/// A visit to a learned place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitRow {
    /// Its id (merchant visits refer to it).
    pub id: i64,
    /// Its place.
    pub place_id: i64,
    /// First fix inside.
    pub arrived_at: Timestamp,
    /// Last fix inside; `None` while under way.
    pub departed_at: Option<Timestamp>,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
}

/// A visit matched to a catalog merchant's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MerchantVisitRow {
    /// The visit.
    pub visit_id: i64,
    /// The catalog merchant.
    pub merchant_id: String,
    /// Its category.
    pub category: String,
    /// The catalog place.
    pub catalog_place_id: String,
    /// The visit's arrival.
    pub arrived_at: Timestamp,
}

/// Steps in one minute (the inactivity nudge and de-duplication read them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepMinuteRow {
    /// The minute's start.
    pub minute: Timestamp,
    /// Steps in it.
    pub steps: u64,
}

/// One local day's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDayRow {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// Steps.
    pub steps: u64,
    /// When the goal was reached, if it was.
    pub goal_reached_at: Option<Timestamp>,
}

/// An offer instance: the history caps, cooldowns and claims read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferRow {
    /// Instance id.
    pub id: i64,
    /// Catalog offer.
    pub offer_id: String,
    /// Its merchant.
    pub merchant_id: String,
    /// The catalog place that triggered it.
    pub place_id: String,
    /// Catalog version in force then.
    pub catalog_version: u64,
    /// Trigger name.
    pub trigger: String,
    /// When it triggered.
    pub triggered_at: Timestamp,
    /// The device's local day then (daily caps).
    pub local_day: String,
    /// End of the claim window.
    pub expires_at: Timestamp,
    /// Lifecycle state name.
    pub state: String,
    /// When it entered that state.
    pub state_at: Timestamp,
    /// First presented, if ever.
    pub presented_at: Option<Timestamp>,
    /// Title shown.
    pub title: String,
    /// Body shown.
    pub body: String,
}

/// An item waiting to leave the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    /// `summary` or `deletion`.
    pub kind: String,
    /// Its purpose (`None`: everything).
    pub purpose: Option<Purpose>,
    /// The local day a summary is about.
    pub day: Option<String>,
    /// The payload as it will be sent.
    pub payload: serde_json::Value,
    /// When it was queued.
    pub queued_at: Timestamp,
}

/// The local-privacy budget one summary spent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetRow {
    /// Local day.
    pub day: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Noise mechanism name.
    pub mechanism: String,
    /// Epsilon spent.
    pub epsilon: f64,
    /// When.
    pub spent_at: Timestamp,
}

/// A routine, with the next instant a time rule applies to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutineRow {
    /// `place:<id>` or `category:<name>`.
    pub id: String,
    /// Its learned place, for a place routine.
    pub place_id: Option<i64>,
    /// Its catalog category, for a category routine.
    pub category: Option<String>,
    /// Its state (`RoutineTrack`).
    pub track: serde_json::Value,
    /// Next check.
    pub next_check_at: Option<Timestamp>,
}

/// The profile's tables, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    /// The consent ledger, oldest first.
    pub consent_ledger: Vec<ConsentEntry>,
    /// Learned places.
    pub places: Vec<PlaceRow>,
    /// Visits.
    pub visits: Vec<VisitRow>,
    /// Merchant visits.
    pub merchant_visits: Vec<MerchantVisitRow>,
    /// Steps per minute still kept.
    pub step_minutes: Vec<StepMinuteRow>,
    /// Steps per day.
    pub step_days: Vec<StepDayRow>,
    /// Offer instances.
    pub offers: Vec<OfferRow>,
    /// The outbox.
    pub outbox: Vec<OutboxRow>,
    /// The local-privacy budget spent.
    pub privacy_budget: Vec<BudgetRow>,
    /// Routines.
    pub routines: Vec<RoutineRow>,
    /// Raw fixes within retention.
    pub raw_fixes: Vec<LocationFix>,
}

/// A routine row as read: id, place, category, sealed track, next check.
type RoutineColumns = (String, Option<i64>, Option<String>, Vec<u8>, Option<i64>);

fn rows<T>(conn: &Connection, sql: &str, f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>) -> Result<Vec<T>> {
    Ok(conn.prepare(sql)?.query_map([], f)?.collect::<rusqlite::Result<_>>()?)
}

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

/// Reads every profile table (opening sealed values with `sealer`).
pub fn dump(conn: &Connection, sealer: &Sealer) -> Result<Tables> {
    let consents = super::privacy::consents(conn)?.ledger;
    let places: Vec<(PlaceRow, Vec<u8>)> = rows(
        conn,
        "SELECT id, kind, merchant_id, visit_count, total_minutes, night_minutes, work_minutes, sealed
         FROM places ORDER BY id",
        |r| {
            let p = PlaceRow {
                id: r.get(0)?,
                lat: 0.0,
                lon: 0.0,
                kind: PlaceKind::parse(&r.get::<_, String>(1)?),
                merchant_id: r.get(2)?,
                visit_count: r.get(3)?,
                total_minutes: r.get(4)?,
                night_minutes: r.get(5)?,
                work_minutes: r.get(6)?,
                first_seen: Timestamp(0),
                last_seen: Timestamp(0),
            };
            Ok((p, r.get(7)?))
        },
    )?;
    let places = places
        .into_iter()
        .map(|(mut p, sealed)| {
            (p.lat, p.lon, p.first_seen, p.last_seen) = open_place(sealer, &sealed)?;
            Ok(p)
        })
        .collect::<Result<_>>()?;
    let visits = super::profile::all_visits(conn, sealer)?
        .into_iter()
        .map(|v| VisitRow {
            id: v.id,
            place_id: v.place_id,
            arrived_at: v.arrived_at,
            departed_at: v.departed_at,
            lat: v.lat,
            lon: v.lon,
        })
        .collect();
    let merchant_visits = rows(
        conn,
        "SELECT visit_id, merchant_id, category, catalog_place_id, arrived_at FROM merchant_visits
         ORDER BY arrived_at, visit_id, merchant_id",
        |r| {
            Ok(MerchantVisitRow {
                visit_id: r.get(0)?,
                merchant_id: r.get(1)?,
                category: r.get(2)?,
                catalog_place_id: r.get(3)?,
                arrived_at: Timestamp(r.get(4)?),
            })
        },
    )?;
    let step_minutes = rows(conn, "SELECT minute, steps FROM step_minutes ORDER BY minute", |r| {
        Ok(StepMinuteRow { minute: Timestamp(r.get(0)?), steps: r.get::<_, i64>(1)? as u64 })
    })?;
    let step_days = rows(conn, "SELECT day, steps, goal_reached_at FROM step_days ORDER BY day", |r| {
        Ok(StepDayRow { day: r.get(0)?, steps: r.get::<_, i64>(1)? as u64, goal_reached_at: ts(r.get(2)?) })
    })?;
    let offers = rows(
        conn,
        "SELECT id, offer_id, merchant_id, catalog_place_id, catalog_version, trigger, triggered_at, local_day,
                expires_at, state, state_at, presented_at, title, body FROM offer_instances ORDER BY id",
        |r| {
            Ok(OfferRow {
                id: r.get(0)?,
                offer_id: r.get(1)?,
                merchant_id: r.get(2)?,
                place_id: r.get(3)?,
                catalog_version: r.get::<_, i64>(4)? as u64,
                trigger: r.get(5)?,
                triggered_at: Timestamp(r.get(6)?),
                local_day: r.get(7)?,
                expires_at: Timestamp(r.get(8)?),
                state: r.get(9)?,
                state_at: Timestamp(r.get(10)?),
                presented_at: ts(r.get(11)?),
                title: r.get(12)?,
                body: r.get(13)?,
            })
        },
    )?;
    let outbox = super::privacy::outbox(conn)?
        .into_iter()
        .map(|o| {
            let payload = serde_json::from_str(&o.payload)
                .map_err(|source| crate::error::Error::OutboxPayload { id: o.id, source })?;
            Ok(OutboxRow {
                kind: o.kind.as_str().to_string(),
                purpose: o.purpose,
                day: o.day,
                payload,
                queued_at: o.created_at,
            })
        })
        .collect::<Result<_>>()?;
    let privacy_budget = super::privacy::budget(conn, "0000-01-01", "9999-12-31")?
        .into_iter()
        .map(|b| BudgetRow {
            day: b.day,
            purpose: b.purpose,
            mechanism: b.mechanism,
            epsilon: b.epsilon,
            spent_at: b.spent_at,
        })
        .collect();
    let routines: Vec<RoutineColumns> =
        rows(conn, "SELECT id, place_id, category, sealed, next_check_at FROM routines ORDER BY id", |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let routines = routines
        .into_iter()
        .map(|(id, place_id, category, track, next)| {
            let track = serde_json::from_slice(&super::routines::open_json(sealer, &track)?)
                .map_err(|source| crate::error::Error::RoutineTrack { id: id.clone(), source })?;
            Ok(RoutineRow { id, place_id, category, track, next_check_at: ts(next) })
        })
        .collect::<Result<_>>()?;
    let all = (Timestamp(i64::MIN / 2), Timestamp(i64::MAX / 2));
    Ok(Tables {
        consent_ledger: consents,
        places,
        visits,
        merchant_visits,
        step_minutes,
        step_days,
        offers,
        outbox,
        privacy_budget,
        routines,
        raw_fixes: super::fixes::in_range(conn, sealer, all.0, all.1)?,
    })
}

/// The first profile table that holds a row, if any (an import goes only
/// into an empty profile). Deletion requests still queued do not count:
/// an erased profile is empty, though its erasure may not have left yet.
pub fn first_non_empty(conn: &Connection) -> Result<Option<&'static str>> {
    for table in super::PROFILE_TABLES {
        let only = if table == "outbox" { " WHERE kind != 'deletion'" } else { "" };
        let any: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table}{only})"), [], |r| r.get(0))?;
        if any {
            return Ok(Some(table));
        }
    }
    Ok(None)
}

/// Writes `t` into an empty profile (inside the caller's transaction),
/// sealing under `sealer`. The caller has checked the rows' consistency.
pub fn restore(conn: &Connection, sealer: &Sealer, t: &Tables) -> Result<()> {
    for e in &t.consent_ledger {
        super::privacy::append_consent(conn, e)?;
    }
    let mut st = conn.prepare(
        "INSERT INTO places (id, kind, merchant_id, visit_count, total_minutes, night_minutes, work_minutes, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for p in &t.places {
        st.execute(params![
            p.id,
            p.kind.as_str(),
            p.merchant_id,
            p.visit_count,
            p.total_minutes,
            p.night_minutes,
            p.work_minutes,
            seal_place(sealer, p.lat, p.lon, p.first_seen, p.last_seen)?
        ])?;
    }
    let mut st = conn.prepare("INSERT INTO visits (id, place_id, sealed) VALUES (?1, ?2, ?3)")?;
    for v in &t.visits {
        st.execute(params![v.id, v.place_id, seal_visit(sealer, v.lat, v.lon, v.arrived_at, v.departed_at)?])?;
    }
    // A merchant visit's departure is its visit's (kept in clear beside the
    // arrival: catalog data the day's summary reads).
    let departed: std::collections::HashMap<i64, Option<Timestamp>> =
        t.visits.iter().map(|v| (v.id, v.departed_at)).collect();
    let mut st = conn.prepare(
        "INSERT INTO merchant_visits (visit_id, merchant_id, category, catalog_place_id, arrived_at, departed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in &t.merchant_visits {
        let left = departed.get(&m.visit_id).copied().flatten().map(|d| d.0);
        st.execute(params![m.visit_id, m.merchant_id, m.category, m.catalog_place_id, m.arrived_at.0, left])?;
    }
    let mut st = conn.prepare("INSERT INTO step_minutes (minute, steps) VALUES (?1, ?2)")?;
    for m in &t.step_minutes {
        st.execute(params![m.minute.0, m.steps as i64])?;
    }
    let mut st = conn.prepare("INSERT INTO step_days (day, steps, goal_reached_at) VALUES (?1, ?2, ?3)")?;
    for d in &t.step_days {
        st.execute(params![d.day, d.steps as i64, d.goal_reached_at.map(|g| g.0)])?;
    }
    let mut st = conn.prepare(
        "INSERT INTO offer_instances (id, offer_id, merchant_id, catalog_place_id, catalog_version, trigger,
             triggered_at, local_day, expires_at, state, state_at, presented_at, title, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for o in &t.offers {
        st.execute(params![
            o.id,
            o.offer_id,
            o.merchant_id,
            o.place_id,
            o.catalog_version as i64,
            o.trigger,
            o.triggered_at.0,
            o.local_day,
            o.expires_at.0,
            o.state,
            o.state_at.0,
            o.presented_at.map(|p| p.0),
            o.title,
            o.body
        ])?;
    }
    // Batch keys belong to the old install's requests: the new install
    // sends these items afresh, under its own pseudonym.
    let mut st =
        conn.prepare("INSERT INTO outbox (kind, purpose, day, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for o in &t.outbox {
        st.execute(params![o.kind, o.purpose.map(Purpose::as_str), o.day, o.payload.to_string(), o.queued_at.0])?;
    }
    let mut st = conn.prepare(
        "INSERT INTO privacy_budget (day, purpose, mechanism, epsilon, spent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for b in &t.privacy_budget {
        st.execute(params![b.day, b.purpose.as_str(), b.mechanism, b.epsilon, b.spent_at.0])?;
    }
    let mut st = conn
        .prepare("INSERT INTO routines (id, place_id, category, sealed, next_check_at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for r in &t.routines {
        let sealed = super::routines::seal_json(sealer, r.track.to_string().as_bytes())?;
        st.execute(params![r.id, r.place_id, r.category, sealed, r.next_check_at.map(|n| n.0)])?;
    }
    super::fixes::insert(conn, sealer, &t.raw_fixes)
}

/// The catalog place each of `fence_ids` stands for (the engine state
/// names fences by these local ids; an import maps them to its own), when
/// stored in clear: a tiled catalog's places are stored by a keyed id
/// (`store::catalog`), which names no place (the caller names them from
/// the catalog in force).
pub fn fence_places(conn: &Connection, fence_ids: &[crate::domain::fences::FenceId]) -> Result<Vec<(String, u32)>> {
    use rusqlite::OptionalExtension;
    let mut st =
        conn.prepare_cached("SELECT place_id FROM fence_ids WHERE fence_id = ?1 AND typeof(place_id) = 'text'")?;
    let mut out = Vec::new();
    for &id in fence_ids {
        if let Some(place) = st.query_row([id], |r| r.get::<_, String>(0)).optional()? {
            out.push((place, id));
        }
    }
    Ok(out)
}
