//! Reading a scenario file: names and times resolved, every part checked,
//! into a [`Scenario`]. Every error names what is wrong and where.

use super::catalog;
use super::clock::{self, Clock};
use super::file::{self, ScenarioFile};
use super::matchers::Matcher;
use crate::rejections;
use chrono_tz::Tz;
use kairos_core::privacy::Purpose;
use kairos_core::{EngineConfig, LocationFix, StepSample, Timestamp};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::resolver::{check_point, Resolver};
use super::{known_kinds, Act, Action, Consent, Expectation, HistoryVisit, Polarity, Refusal, Scenario, Social};
use super::{tiles, tracks};

/// Reads and checks the scenario at `path` (paths inside are relative to
/// its folder). Every error names what is wrong and where.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(path, &text)
}

/// Reads and checks the scenario `text` as if read from `path` (files it
/// names are read relative to `path`'s folder), as [`load`] does.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, String> {
    let shown = path.display().to_string();
    let file: ScenarioFile = toml::from_str(text).map_err(|e| format!("{shown}: {}", e.to_string().trim_end()))?;
    resolve(path, file).map_err(|e| format!("{shown}: {e}"))
}

fn resolve(path: &Path, f: ScenarioFile) -> Result<Scenario, String> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let tz: Tz = f.time_zone.parse().map_err(|_| format!("time_zone {:?} is not an IANA zone", f.time_zone))?;
    let start = clock::Clock { tz, day: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date") }
        .parse(&f.start)
        .map_err(|e| format!("start: {e}"))?;
    let clock = Clock { tz, day: start.local_day(tz) };
    let until = f.until.as_deref().map(|u| clock.parse(u)).transpose().map_err(|e| format!("until: {e}"))?;
    let window_ms = match f.tick_seconds {
        Some(s) if (1..=3600).contains(&s) => i64::from(s) * 1000,
        Some(s) => return Err(format!("tick_seconds must be within 1..=3600, got {s}")),
        None => 60_000,
    };
    let config = settings(&f, tz)?;
    let mut places = BTreeMap::new();
    for (name, ll) in &f.places {
        places.insert(name.clone(), check_point(ll.lat, ll.lon).map_err(|e| format!("[places] {name}: {e}"))?);
    }
    let catalog = match &f.catalog {
        Some(c) => {
            let load_at = c
                .load_at
                .as_deref()
                .map(|t| clock.parse(t))
                .transpose()
                .map_err(|e| format!("[catalog] load_at: {e}"))?;
            Some(catalog::resolve(c, &dir, load_at)?)
        }
        None => None,
    };
    let r = Resolver { clock, places: &places, catalog: catalog.as_ref() };
    let consent = match &f.consent {
        Some(c) => {
            if c.policy_version.trim().is_empty() {
                return Err("[consent] policy_version must name the policy the shopper saw".into());
            }
            let at = c.at.as_deref().map(|t| r.time(t)).transpose().map_err(|e| format!("[consent] at: {e}"))?;
            let choices: Vec<(Purpose, bool)> = [
                (Purpose::Activity, c.activity),
                (Purpose::Visits, c.visits),
                (Purpose::Offers, c.offers),
                (Purpose::Social, c.social),
            ]
            .into_iter()
            .filter_map(|(p, g)| g.map(|g| (p, g)))
            .collect();
            if choices.is_empty() {
                return Err("[consent] gives no choice: set activity, visits, offers or social".into());
            }
            Some(Consent { choices, policy_version: c.policy_version.clone(), at })
        }
        None => None,
    };
    let sync_at = f.sync_at.as_deref().map(|t| r.time(t)).transpose().map_err(|e| format!("sync_at: {e}"))?;
    let syncs = tiles::syncs(&f.sync, &r, catalog.as_ref())?;
    let social = match &f.social {
        Some(s) => {
            let at = r.time(&s.sync_at).map_err(|e| format!("[social] sync_at: {e}"))?;
            let mut friends = Vec::new();
            for (i, friend) in s.friend.iter().enumerate() {
                let mut visits = Vec::new();
                for v in &friend.visits {
                    let day = chrono::NaiveDate::parse_from_str(&v.day, "%Y-%m-%d")
                        .map_err(|_| format!("[[social.friend]] {}: day {:?} is not YYYY-MM-DD", i + 1, v.day))?;
                    visits.push((v.merchant.clone(), day));
                }
                friends.push(visits);
            }
            Some(Social { sync_at: at, friends })
        }
        None => None,
    };

    let mut history = Vec::new();
    for (i, v) in f.history.visit.iter().enumerate() {
        let what = format!("[[history.visit]] {}", i + 1);
        let (lat, lon) = r.place(&v.place).map_err(|e| format!("{what}: place: {e}"))?;
        let at = r.time(&v.at).map_err(|e| format!("{what}: at: {e}"))?;
        if !(v.minutes.is_finite() && v.minutes >= 1.0) {
            return Err(format!("{what}: minutes must be at least 1"));
        }
        if at.plus_millis((v.minutes * 60_000.0) as i64 + 10 * 60_000) > start {
            return Err(format!("{what}: a history visit must end (with 10 minutes to leave) before start"));
        }
        history.push(HistoryVisit { lat, lon, at, minutes: v.minutes });
    }
    history.sort_by_key(|v| v.at);

    let tracks::Tracks { fixes, fix_sources, fix_delivery, read_refusals, notes, mut steps } =
        tracks::read(&r, &f.track, &dir)?;
    for (i, s) in f.steps.iter().enumerate() {
        steps.extend(step_entry(&r, s, &dir).map_err(|e| format!("[[steps]] {}: {e}", i + 1))?);
    }
    // Fixes outside the engine's time range are refused alone during the
    // replay: they neither start it early nor end it late.
    let in_range = |f: &&LocationFix| rejections::in_time_range(f);
    if let Some(early) =
        fixes.iter().filter(in_range).map(|f| f.at).chain(steps.iter().map(|s| s.end())).filter(|t| *t < start).min()
    {
        return Err(format!(
            "an input at {} is before start {}: put the past in [history]",
            r.show(early),
            r.show(start)
        ));
    }

    let mut actions = Vec::new();
    for (i, a) in f.action.iter().enumerate() {
        let what = format!("[[action]] {}", i + 1);
        let act = match a.act.as_str() {
            "present" => Act::Present,
            "redeem" => Act::Redeem,
            "dismiss" => Act::Dismiss,
            other => return Err(format!("{what}: do = {other:?}: expected present, redeem or dismiss")),
        };
        let refused = match a.refused.as_deref() {
            None => None,
            Some("store_closed") => Some(Refusal::StoreClosed),
            Some("invalid_offer_transition") => Some(Refusal::InvalidOfferTransition),
            Some("unknown_offer") => Some(Refusal::UnknownOffer),
            Some(other) => {
                return Err(format!(
                    "{what}: refused = {other:?}: expected store_closed, invalid_offer_transition or unknown_offer"
                ))
            }
        };
        if let Some(c) = &catalog {
            if !c.catalog.merchants.iter().any(|m| m.offer(&a.offer).is_some()) {
                return Err(format!("{what}: offer {:?} is not in the catalog", a.offer));
            }
        }
        actions.push(Action {
            at: r.time(&a.at).map_err(|e| format!("{what}: at: {e}"))?,
            act,
            offer_id: a.offer.clone(),
            refused,
        });
    }
    actions.sort_by_key(|a| a.at);

    let last_input =
        fixes.iter().filter(in_range).map(|f| f.at).chain(steps.iter().map(|s| s.end())).max().unwrap_or(start);
    let end = until.unwrap_or(last_input).max(last_input);
    let mut expectations = Vec::new();
    for (i, e) in f.expect.iter().enumerate() {
        expectations
            .push(expect_entry(&r, e, start, end).map_err(|m| format!("[[expect]] {} ({}): {m}", i + 1, e.kind))?);
    }
    for (i, n) in f.never.iter().enumerate() {
        let what = format!("[[never]] {} ({})", i + 1, n.kind);
        check_kind(&n.kind).map_err(|m| format!("{what}: {m}"))?;
        let from = n.from.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("{what}: from: {m}"))?;
        let to = n.to.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("{what}: to: {m}"))?;
        expectations.push(Expectation {
            polarity: Polarity::Never,
            kind: n.kind.clone(),
            at: None,
            from: from.unwrap_or(start),
            to: to.unwrap_or(Timestamp(i64::MAX)),
            fields: fields(&n.fields, &clock).map_err(|m| format!("{what}: {m}"))?,
            count: None,
            place: None,
            note: n.note.clone(),
        });
    }
    if expectations.is_empty() {
        return Err("a scenario needs at least one [[expect]] or [[never]]".into());
    }
    let mut config = config;
    config.install_id = Some(f.install_id.clone());
    if let Some(c) = &catalog {
        config.catalog_keys = vec![(c.key_id.clone(), c.public_key.clone())];
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        name: f.name,
        description: f.description,
        needs_dense_sensing: f
            .needs_dense_sensing
            .or_else(|| catalog.as_ref().and_then(|c| c.tiles.as_ref()).map(|_| tiles::DENSE_ONLY.to_string())),
        tz,
        start,
        until,
        window_ms,
        config,
        catalog,
        consent,
        sync_at,
        syncs,
        social,
        places,
        history,
        fixes,
        fix_sources,
        fix_delivery,
        read_refusals,
        notes,
        steps,
        actions,
        expectations,
    })
}

fn check_kind(kind: &str) -> Result<(), String> {
    if known_kinds().contains(&kind) {
        Ok(())
    } else {
        Err(format!("unknown kind {kind:?}; known kinds: {}", known_kinds().join(", ")))
    }
}

fn fields(t: &toml::Table, clock: &Clock) -> Result<Vec<(String, Matcher)>, String> {
    t.iter().map(|(k, v)| Ok((k.clone(), Matcher::parse(v, clock).map_err(|e| format!("fields.{k}: {e}"))?))).collect()
}

fn expect_entry(
    r: &Resolver<'_>,
    e: &file::ExpectFile,
    start: Timestamp,
    end: Timestamp,
) -> Result<Expectation, String> {
    check_kind(&e.kind)?;
    let at = e.at.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("at: {m}"))?;
    let from = e.from.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("from: {m}"))?;
    let to = e.to.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("to: {m}"))?;
    if at.is_some() && (from.is_some() || to.is_some()) {
        return Err("give at (with within_minutes) or from/to, not both".into());
    }
    if e.within_minutes.is_some() && at.is_none() {
        return Err("within_minutes goes with at".into());
    }
    let probe = matches!(e.kind.as_str(), "today" | "place" | "outbox");
    if probe && at.is_none() {
        return Err(format!("a {} check needs at (when to look)", e.kind));
    }
    if e.place.is_some() != (e.kind == "place") {
        return Err("place = ... is given exactly for kind = \"place\"".into());
    }
    let tol = match e.within_minutes {
        Some(m) if m.is_finite() && m >= 0.0 => (m * 60_000.0).round() as i64,
        Some(m) => return Err(format!("within_minutes must be a non-negative number, got {m}")),
        None if probe => 0,
        None => 60_000,
    };
    let (from, to) = match at {
        Some(at) => (at.plus_millis(-tol), at.plus_millis(tol)),
        None => (from.unwrap_or(start), to.unwrap_or(end.max(start)).max(from.unwrap_or(start))),
    };
    let place = e.place.as_ref().map(|p| r.place(p)).transpose().map_err(|m| format!("place: {m}"))?;
    Ok(Expectation {
        polarity: Polarity::Expect,
        kind: e.kind.clone(),
        at,
        from,
        to,
        fields: fields(&e.fields, &r.clock)?,
        count: e.count,
        place,
        note: e.note.clone(),
    })
}

fn step_entry(r: &Resolver<'_>, s: &file::StepsFile, dir: &Path) -> Result<Vec<StepSample>, String> {
    match (s.file.as_ref(), s.from.as_ref(), s.at.as_ref()) {
        (Some(name), None, None) if s.to.is_none() && s.steps.is_none() && s.counter.is_none() => {
            crate::inputs::read_steps(&dir.join(name)).map_err(|e| e.to_string())
        }
        (None, Some(from), None) if s.counter.is_none() => {
            let (Some(to), Some(steps)) = (&s.to, s.steps) else {
                return Err("an interval needs from, to and steps".into());
            };
            let (start, end) = (r.time(from)?, r.time(to)?);
            let sample = StepSample::Interval { start, end, steps };
            sample.validate()?;
            Ok(vec![sample])
        }
        (None, None, Some(at)) if s.to.is_none() && s.steps.is_none() => {
            let count = s.counter.ok_or("a counter reading needs at and counter")?;
            Ok(vec![StepSample::Counter { at: r.time(at)?, count_since_boot: count }])
        }
        _ => Err("give file, or from/to/steps (an interval), or at/counter (a step counter reading)".into()),
    }
}

fn settings(f: &ScenarioFile, tz: Tz) -> Result<EngineConfig, String> {
    let s = &f.settings;
    let mut c = EngineConfig::new(PathBuf::new(), tz.name());
    let minutes = |m: i64| m.saturating_mul(60_000);
    if let Some(v) = s.step_goal {
        c.step_goal = v;
    }
    if let Some(v) = s.sedentary_minutes {
        c.sedentary_ms = minutes(v);
    }
    if let Some([a, b]) = s.waking_hours {
        c.waking_hours = (a, b);
    }
    if let Some(v) = s.stay_radius_m {
        c.stay_radius_m = v;
    }
    if let Some(v) = s.min_dwell_minutes {
        c.min_dwell_ms = minutes(v);
    }
    if let Some(v) = s.gap_minutes {
        c.gap_threshold_ms = minutes(v);
    }
    if let Some(v) = s.raw_fix_retention_days {
        c.raw_fix_retention_ms = minutes(v).saturating_mul(24 * 60);
    }
    if let Some([a, b]) = s.quiet_hours {
        c.offer_policy.quiet_hours = (a, b);
    }
    if let Some(v) = s.offers_per_day {
        c.offer_policy.global_per_day = v;
    }
    if let Some(v) = s.offer_gap_minutes {
        c.offer_policy.global_min_gap_ms = minutes(v);
    }
    if let Some(v) = s.merchant_offers_per_day {
        c.offer_policy.merchant_per_day = v;
    }
    if let Some(v) = s.dismissal_cooldown_days {
        c.offer_policy.dismissal_cooldown_ms = minutes(v).saturating_mul(24 * 60);
    }
    if let Some(v) = s.notifications_per_day {
        c.notification_budget.per_day = v;
    }
    if let Some(v) = s.notification_gap_minutes {
        c.notification_budget.min_gap_ms = minutes(v);
    }
    // The engine checks the values when it opens; check them now so that
    // `validate` reports them.
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
    let mut probe = c.clone();
    probe.data_dir = dir.path().to_path_buf();
    kairos_core::Engine::open(probe).map_err(|e| format!("[settings]: {e}"))?;
    Ok(c)
}
