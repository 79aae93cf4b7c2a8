//! Export, import and the sealed backup: the whole profile as one JSON
//! document ([`EXPORT_FORMAT`], documented in `docs/privacy.md`), and back
//! into an empty profile under this engine's own sealing key, so that a
//! shopper who changes phones picks up where she left off.
//!
//! An import is one transaction: it is refused whole, naming what and
//! where, when the document is newer, damaged or inconsistent, or when the
//! profile already holds data; then nothing changes. The install id in the
//! export is there for the shopper to see; an import never reads it (the
//! new install keeps its own pseudonym).

use super::{ApiResult, Engine, EngineState, Inner};
use crate::domain::event::OfferTrigger;
use crate::domain::fences::FenceId;
use crate::domain::offers::OfferState;
use crate::domain::privacy::consent::Consents;
use crate::domain::privacy::outbox::OutboxKind;
use crate::domain::privacy::{backup, ImportRefusal};
use crate::domain::routines::RoutineTrack;
use crate::domain::visits::PlaceBook;
use crate::error::{Error, Result};
use crate::store::{self, portable};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// The export format this engine writes, and the newest it imports.
pub const EXPORT_FORMAT: &str = "kairos-export/2";
/// [`EXPORT_FORMAT`]'s number; format 1 (before import existed) lacked
/// what caps and home inference read, so it is not importable.
const EXPORT_VERSION: u32 = 2;
const EXPORT_PREFIX: &str = "kairos-export/";

/// A catalog place and the local fence id the engine state names it by.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FencePlace {
    catalog_place_id: String,
    fence_id: FenceId,
}

/// The export document (its field order is the document's).
#[derive(Serialize, Deserialize)]
struct ExportDoc {
    format: String,
    /// Shown to the shopper; never read by an import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    install_id: Option<String>,
    consents: Consents,
    places: Vec<portable::PlaceRow>,
    visits: Vec<portable::VisitRow>,
    merchant_visits: Vec<portable::MerchantVisitRow>,
    step_minutes: Vec<portable::StepMinuteRow>,
    step_days: Vec<portable::StepDayRow>,
    offers: Vec<portable::OfferRow>,
    outbox: Vec<portable::OutboxRow>,
    privacy_budget: Vec<portable::BudgetRow>,
    routines: Vec<portable::RoutineRow>,
    raw_fixes: Vec<crate::domain::location::LocationFix>,
    /// `{"format": N, "state": …}`, as sealed in the profile.
    engine_state: Value,
    /// The catalog places of the fences the engine state names.
    fence_ids: Vec<FencePlace>,
    /// The next best action's model (`docs/offers.md`), shown to the
    /// shopper; derived from `offers`, so an import recomputes it and never
    /// reads this.
    #[serde(default)]
    relevance: Value,
    /// The friends' visit counts of the last sync (purpose `social`),
    /// shown to the shopper; an import never reads them (the next sync
    /// fetches the new install's own, once it links friends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    friend_counts: Option<crate::domain::privacy::FriendCounts>,
}

impl Engine {
    /// One JSON document of everything the engine holds about the shopper
    /// (`"format": "kairos-export/2"`, described in `docs/privacy.md`):
    /// consents, places, visits, merchant visits, steps, offers and their
    /// lifecycle, the outbox, the local-privacy budget spent, routines, the
    /// raw fixes still within retention and the engine's working state, all
    /// unsealed (the export is the shopper's own copy). It is also what
    /// [`Engine::import_profile`] restores.
    pub fn export_profile(&self) -> ApiResult<String> {
        let inner = self.lock();
        let doc = inner.export()?;
        Ok(serde_json::to_string_pretty(&doc).expect("the export serialises"))
    }

    /// Restores an export ([`Engine::export_profile`] of another engine,
    /// any sealing key) into this engine's profile, which must be empty (a
    /// new or erased one), sealing it under this engine's key. Afterwards
    /// the engine behaves as the exported one did: same places, visits,
    /// routines, steps, consents, offer caps and cooldowns. The install id
    /// stays this engine's own.
    ///
    /// Refused with [`crate::KairosError::ImportRefused`], changing
    /// nothing, when the export is newer than this engine, damaged or
    /// inconsistent (the refusal names the JSON path), or when the profile
    /// is not empty.
    pub fn import_profile(&self, export: &str) -> ApiResult<()> {
        Ok(self.lock().import(export)?)
    }

    /// The export, sealed under `backup_key` (32 bytes, kept by the app in
    /// the platform's backed-up keychain): a file the platform's backup
    /// may copy (`docs/privacy.md`, "Backup"). Restore it with
    /// [`Engine::import_backup`].
    pub fn export_backup(&self, backup_key: &[u8]) -> ApiResult<Vec<u8>> {
        let doc = self.export_profile()?;
        Ok(backup::seal_backup(backup_key, doc.as_bytes())?)
    }

    /// Restores a backup made by [`Engine::export_backup`], as
    /// [`Engine::import_profile`] does. A wrong key or altered bytes are
    /// refused ([`ImportRefusal::BackupUnreadable`]), as are bytes that are
    /// not a backup and a newer backup format; nothing is changed.
    pub fn import_backup(&self, backup: &[u8], backup_key: &[u8]) -> ApiResult<()> {
        let bytes = backup::open_backup(backup_key, backup)?;
        let doc = String::from_utf8(bytes)
            .map_err(|e| Error::from(ImportRefusal::Damaged { path: "$".into(), reason: format!("not UTF-8: {e}") }))?;
        self.import_profile(&doc)
    }
}

fn damaged(path: impl Into<String>, reason: impl ToString) -> Error {
    ImportRefusal::Damaged { path: path.into(), reason: reason.to_string() }.into()
}

fn inconsistent(path: impl Into<String>, reason: impl Into<String>) -> Error {
    ImportRefusal::Inconsistent { path: path.into(), reason: reason.into() }.into()
}

/// A typed read's failure as [`ImportRefusal::Damaged`], naming the JSON
/// path of the bad value under `base`.
fn damaged_at(e: serde_path_to_error::Error<serde_json::Error>, base: &str) -> Error {
    let inner = e.path().to_string();
    let path = match (base, inner.as_str()) {
        ("", ".") => "$".to_string(),
        ("", p) => p.to_string(),
        (b, ".") => b.to_string(),
        (b, p) => format!("{b}.{p}"),
    };
    damaged(path, e.into_inner())
}

/// Reads `value` as `T`, a failure naming its JSON path under `base`.
fn read_at<T: serde::de::DeserializeOwned>(value: Value, base: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| damaged_at(e, base))
}

/// Reads the export document from its bytes, once, straight into its
/// types. When that fails, the refusal is the first of: the JSON itself
/// ([`damaged`] at `$`), its format ([`check_format`]), then the bad value
/// at its path; the document is parsed into a `Value` for that only on
/// this failure path, through the `Value` reading sync uses already.
fn read_doc(export: &[u8]) -> Result<ExportDoc> {
    let mut de = serde_json::Deserializer::from_slice(export);
    let typed = serde_path_to_error::deserialize::<_, ExportDoc>(&mut de)
        .map_err(|e| damaged_at(e, ""))
        .and_then(|doc| de.end().map(|()| doc).map_err(|e| damaged("$", e)));
    match typed {
        Ok(doc) => {
            check_format(&doc.format)?;
            Ok(doc)
        }
        Err(typed) => {
            let value: Value = serde_json::from_slice(export).map_err(|e| damaged("$", e))?;
            let Some(format) = value.get("format") else { return Err(damaged("format", "missing")) };
            let Some(format) = format.as_str() else { return Err(damaged("format", "not a string")) };
            check_format(format)?;
            Err(typed)
        }
    }
}

/// The fence ids an engine state names (inside a fence, or near one).
fn state_fences(st: &EngineState) -> Vec<FenceId> {
    let mut ids: Vec<FenceId> = st.fences.inside().chain(st.near.iter().copied()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The document's format check: `kairos-export/2` and nothing else.
fn check_format(format: &str) -> Result<()> {
    let version = format.strip_prefix(EXPORT_PREFIX).and_then(|v| v.parse::<u32>().ok());
    match version {
        Some(EXPORT_VERSION) => Ok(()),
        Some(v) if v > EXPORT_VERSION => Err(ImportRefusal::NewerFormat {
            what: "export".into(),
            found: format.into(),
            supported: EXPORT_FORMAT.into(),
        }
        .into()),
        _ => Err(damaged(
            "format",
            format!("{format:?} is not an importable export (this engine imports {EXPORT_FORMAT})"),
        )),
    }
}

/// Every reference and name of the document resolves; ids are unique.
fn check_consistency(d: &ExportDoc) -> Result<()> {
    fn unique<K: std::hash::Hash + Eq>(seen: &mut HashSet<K>, k: K, path: String) -> Result<()> {
        if seen.insert(k) {
            Ok(())
        } else {
            Err(inconsistent(path, "a duplicate id"))
        }
    }
    let date = |s: &str, path: String| {
        s.parse::<chrono::NaiveDate>().map(|_| ()).map_err(|_| inconsistent(path, format!("{s:?} is not a local day")))
    };
    let mut places = HashSet::new();
    for (i, p) in d.places.iter().enumerate() {
        unique(&mut places, p.id, format!("places[{i}].id"))?;
        if !(p.lat.is_finite() && p.lon.is_finite() && p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0) {
            return Err(inconsistent(format!("places[{i}]"), "the centre is not a position"));
        }
    }
    let mut visits = HashSet::new();
    for (i, v) in d.visits.iter().enumerate() {
        unique(&mut visits, v.id, format!("visits[{i}].id"))?;
        if !places.contains(&v.place_id) {
            return Err(inconsistent(format!("visits[{i}].place_id"), format!("no place {}", v.place_id)));
        }
        if v.departed_at.is_some_and(|d| d < v.arrived_at) {
            return Err(inconsistent(format!("visits[{i}].departed_at"), "before its arrival"));
        }
    }
    let mut seen = HashSet::new();
    for (i, m) in d.merchant_visits.iter().enumerate() {
        if !visits.contains(&m.visit_id) {
            return Err(inconsistent(format!("merchant_visits[{i}].visit_id"), format!("no visit {}", m.visit_id)));
        }
        unique(&mut seen, (m.visit_id, m.merchant_id.clone()), format!("merchant_visits[{i}]"))?;
    }
    let mut seen = HashSet::new();
    for (i, m) in d.step_minutes.iter().enumerate() {
        unique(&mut seen, m.minute, format!("step_minutes[{i}].minute"))?;
    }
    let mut seen = HashSet::new();
    for (i, s) in d.step_days.iter().enumerate() {
        date(&s.day, format!("step_days[{i}].day"))?;
        unique(&mut seen, s.day.clone(), format!("step_days[{i}].day"))?;
    }
    let triggers = [OfferTrigger::Enter, OfferTrigger::Dwell, OfferTrigger::Exit, OfferTrigger::Nearby];
    let mut seen = HashSet::new();
    for (i, o) in d.offers.iter().enumerate() {
        unique(&mut seen, o.id, format!("offers[{i}].id"))?;
        if OfferState::parse(&o.state).is_none() {
            return Err(inconsistent(format!("offers[{i}].state"), format!("unknown state {:?}", o.state)));
        }
        if !triggers.iter().any(|t| t.as_str() == o.trigger) {
            return Err(inconsistent(format!("offers[{i}].trigger"), format!("unknown trigger {:?}", o.trigger)));
        }
        date(&o.local_day, format!("offers[{i}].local_day"))?;
    }
    for (i, o) in d.outbox.iter().enumerate() {
        if OutboxKind::parse(&o.kind).is_none() {
            return Err(inconsistent(format!("outbox[{i}].kind"), format!("unknown kind {:?}", o.kind)));
        }
    }
    let mut seen = HashSet::new();
    for (i, b) in d.privacy_budget.iter().enumerate() {
        date(&b.day, format!("privacy_budget[{i}].day"))?;
        unique(&mut seen, (b.day.clone(), b.purpose), format!("privacy_budget[{i}]"))?;
    }
    let mut seen = HashSet::new();
    for (i, r) in d.routines.iter().enumerate() {
        unique(&mut seen, r.id.clone(), format!("routines[{i}].id"))?;
        if let Some(p) = r.place_id.filter(|p| !places.contains(p)) {
            return Err(inconsistent(format!("routines[{i}].place_id"), format!("no place {p}")));
        }
        read_at::<RoutineTrack>(r.track.clone(), &format!("routines[{i}].track"))?;
    }
    for (i, f) in d.raw_fixes.iter().enumerate() {
        f.validate().map_err(|why| inconsistent(format!("raw_fixes[{i}]"), why.to_string()))?;
    }
    Ok(())
}

/// The engine state of the document, upgraded to this build's format, and
/// the catalog place of every fence it names.
fn read_state(d: &ExportDoc) -> Result<(Value, BTreeMap<FenceId, String>)> {
    let state = store::state::open_envelope(d.engine_state.clone()).map_err(|e| match e {
        Error::UnknownStateFormat { found, supported } => ImportRefusal::NewerFormat {
            what: "engine state".into(),
            found: found.to_string(),
            supported: supported.to_string(),
        }
        .into(),
        other => damaged("engine_state", other),
    })?;
    let st: EngineState = store::state::read_state(state.clone()).map_err(|e| damaged_at(e, "engine_state.state"))?;
    let places: BTreeMap<FenceId, String> =
        d.fence_ids.iter().map(|f| (f.fence_id, f.catalog_place_id.clone())).collect();
    if let Some(id) = state_fences(&st).into_iter().find(|id| !places.contains_key(id)) {
        return Err(inconsistent("fence_ids", format!("the engine state names fence {id}, which fence_ids lacks")));
    }
    Ok((state, places))
}

/// Renames the fences of a state `Value` by `map` (old id to new id).
fn remap_fences(state: &mut Value, map: &BTreeMap<FenceId, FenceId>) {
    if let Some(stays) = state.pointer_mut("/fences/stays").and_then(Value::as_object_mut) {
        let old = std::mem::take(stays);
        for (k, v) in old {
            let new = k.parse::<FenceId>().ok().and_then(|id| map.get(&id)).map_or(k, |id| id.to_string());
            stays.insert(new, v);
        }
    }
    if let Some(near) = state.get_mut("near").and_then(Value::as_array_mut) {
        for id in near.iter_mut() {
            if let Some(new) = id.as_u64().and_then(|i| map.get(&(i as FenceId))) {
                *id = Value::from(*new);
            }
        }
    }
}

impl Inner {
    fn export(&self) -> Result<ExportDoc> {
        let t = portable::dump(&self.conn, &self.sealer)?;
        let fences = state_fences(&self.st);
        let mut named = portable::fence_places(&self.conn, &fences)?;
        // A tiled catalog's fences are stored by a keyed place id: the
        // catalog in force names them.
        for &fence in &fences {
            if !named.iter().any(|&(_, f)| f == fence) {
                if let Some(p) = self.catalog.as_ref().and_then(|c| c.place(fence)) {
                    named.push((p.id().to_string(), fence));
                }
            }
        }
        named.sort_by_key(|&(_, f)| f);
        let fence_ids =
            named.into_iter().map(|(catalog_place_id, fence_id)| FencePlace { catalog_place_id, fence_id }).collect();
        Ok(ExportDoc {
            format: EXPORT_FORMAT.to_string(),
            install_id: Some(self.install_id.clone()),
            consents: store::privacy::consents(&self.conn)?,
            places: t.places,
            visits: t.visits,
            merchant_visits: t.merchant_visits,
            step_minutes: t.step_minutes,
            step_days: t.step_days,
            offers: t.offers,
            outbox: t.outbox,
            privacy_budget: t.privacy_budget,
            routines: t.routines,
            raw_fixes: t.raw_fixes,
            engine_state: store::state::envelope(&self.st)?,
            fence_ids,
            relevance: serde_json::to_value(store::relevance::model(&self.conn, self.catalog.as_deref())?)
                .expect("the relevance model serialises"),
            friend_counts: store::social::counts(&self.conn, &self.sealer)?,
        })
    }

    fn import(&mut self, export: &str) -> Result<()> {
        let doc = read_doc(export.as_bytes())?;
        check_consistency(&doc)?;
        let (mut state, fence_places) = read_state(&doc)?;
        let tables = portable::Tables {
            consent_ledger: doc.consents.ledger,
            places: doc.places,
            visits: doc.visits,
            merchant_visits: doc.merchant_visits,
            step_minutes: doc.step_minutes,
            step_days: doc.step_days,
            offers: doc.offers,
            outbox: doc.outbox,
            privacy_budget: doc.privacy_budget,
            routines: doc.routines,
            raw_fixes: doc.raw_fixes,
        };
        let written = self.write(|ctx| {
            if let Some(table) = portable::first_non_empty(ctx.conn)? {
                return Err(ImportRefusal::ProfileNotEmpty { table: table.to_string() }.into());
            }
            portable::restore(ctx.conn, ctx.sealer, &tables)?;
            // This profile's fence ids for the catalog places the state names.
            let (old, places): (Vec<FenceId>, Vec<&str>) =
                fence_places.iter().map(|(id, place)| (*id, place.as_str())).unzip();
            let new = store::catalog::fence_ids(ctx.conn, places)?;
            remap_fences(&mut state, &old.into_iter().zip(new).collect());
            let mut st: EngineState =
                store::state::read_state(state).map_err(|e| damaged_at(e, "engine_state.state"))?;
            // Backoff belongs to the old install's requests.
            st.sync_backoff = Default::default();
            *ctx.st = st;
            *ctx.places = PlaceBook::from_places(&store::profile::places(ctx.conn, ctx.sealer)?);
            // Routines are kept on the wall clock: place their instants in
            // this device's zone.
            ctx.rezone_routines()
        })?;
        self.pending = written.events;
        Ok(())
    }
}
