//! Running a scenario through the real engine: load the catalog, replay
//! the history as short stays, then replay the day with
//! [`kairos_core::replay::Replayer`], acting for the app and probing the
//! engine at the scenario's times.

use super::tiles::TileWatch;
use super::till::{Till, VERIFIED_KIND};
use super::{Act, Refusal, Scenario, Social};
use crate::embedded_backend::Embedded;
use crate::rejections;
use crate::timeline::Line;
use kairos_core::catalog::CatalogInfo;
use kairos_core::geo::distance_m;
use kairos_core::replay::{RejectedFix, ReplayOptions, ReplaySummary, Replayer};
use kairos_core::sync::SyncOptions;
use kairos_core::track::synth::{NoiseModel, TrackBuilder};
use kairos_core::{Engine, Event, Place, Timestamp, Visit};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Seconds between the fixes of a history stay.
const HISTORY_INTERVAL_MS: i64 = 30_000;
/// How far a history stay walks away to end the visit, in degrees north
/// (about 400 m).
const HISTORY_LEAVE_DEG: f64 = 0.0036;
/// A learned place takes the name of a `[places]` point this close.
const NAME_RADIUS_M: f64 = 150.0;

/// What a run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Every line, history first, in time order within each part.
    pub lines: Vec<Line>,
    /// App actions that could not be done, explained.
    pub action_failures: Vec<String>,
    /// Today's steps after each tick of the day: `(tick, local day, steps)`.
    pub steps_curve: Vec<(Timestamp, String, u64)>,
    /// The day's visits.
    pub visits: Vec<Visit>,
    /// Every learned place at the end.
    pub places: Vec<Place>,
    /// What the replay fed (the readers' refusals are in the lines, not
    /// here).
    pub summary: ReplaySummary,
    /// The catalog in force at the end.
    pub catalog: Option<CatalogInfo>,
}

/// Something to do at an exact time during the replay.
#[derive(PartialEq)]
enum Scheduled {
    Action(usize),
    Today,
    Place((f64, f64)),
    Outbox,
    /// A `[[sync]]`.
    Sync,
}

/// Runs `sc`, calling `on_line` as each line happens, and syncs with the
/// backend at `sync_url` at the end when given. An `Err` is an input the
/// engine refused (exit 2); failed expectations are judged afterwards.
pub fn run(sc: &Scenario, sync_url: Option<&str>, on_line: &mut dyn FnMut(&Line)) -> Result<RunOutput, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
    run_in(sc, sync_url, None, dir.path(), on_line)
}

/// As [`run`], with the engine's data directory in `data_dir` (which the
/// caller keeps or removes: `kairos-sim run --profile-dir`), and `backend`
/// the embedded backend at `sync_url` when it is one: a scenario's
/// `[social]` friends are seeded through it (else through a private
/// embedded backend of their own), and redemption tokens are presented at
/// its till (without one they are shown but not verified). `[[sync]]`s go
/// to `sync_url`, or to a private embedded backend when there is none; a
/// tiled catalog is only published by an embedded backend, so it refuses
/// another `sync_url`.
pub fn run_in(
    sc: &Scenario,
    sync_url: Option<&str>,
    backend: Option<&Embedded>,
    data_dir: &std::path::Path,
    on_line: &mut dyn FnMut(&Line),
) -> Result<RunOutput, String> {
    let tiled = sc.catalog.as_ref().is_some_and(|c| c.tiles.is_some());
    if let (true, Some(url), None) = (tiled, sync_url, backend) {
        return Err(format!(
            "[catalog] tiles = true: the tiles are published by the embedded backend only; run with --sync embedded \
             (or without --sync), not --sync {url}"
        ));
    }
    let private = match backend.is_none() && (sc.social.is_some() || (!sc.syncs.is_empty() && sync_url.is_none())) {
        true => Some(Embedded::for_scenario(sc)?),
        false => None,
    };
    let during_url = sync_url.or(private.as_ref().map(|p| p.url.as_str()));
    let till = backend.map(|b| b as &dyn Till);
    let mut config = sc.config.clone();
    config.data_dir = data_dir.to_path_buf();
    let engine = Engine::open(config).map_err(|e| e.to_string())?;
    let mut r = Run { sc, engine: &engine, lines: Vec::new(), names: HashMap::new(), on_line, till };

    let first = sc.history.first().map(|v| v.at).unwrap_or(sc.start).min(sc.start);
    if let Some(c) = &sc.consent {
        let (at, policy) = (c.at.unwrap_or(first), &c.policy_version);
        for (purpose, granted) in &c.choices {
            engine.set_consent(*purpose, *granted, policy, at).map_err(|e| format!("[consent]: {e}"))?;
            let fields = json!({"purpose": purpose.as_str(), "granted": granted, "policy_version": policy});
            let Value::Object(fields) = fields else { unreachable!("an object") };
            let mut line = Line::sim(at, "consent", fields);
            line.history = at < sc.start;
            r.push(line);
        }
    }
    if let Some(c) = sc.catalog.as_ref().filter(|c| c.tiles.is_none()) {
        let at = c.load_at.unwrap_or(first);
        engine
            .load_catalog(&c.envelope, at)
            .map_err(|e| format!("the catalog was refused at {}: {e}", show(sc, at)))?;
        let pending = engine.take_pending_events();
        r.emit(&pending, at < sc.start);
    }

    if let Some(social) = &sc.social {
        let backend = backend.or(private.as_ref()).expect("a scenario with [social] has a backend");
        r.social(social, backend)?;
    }

    for (i, v) in sc.history.iter().enumerate() {
        let track = TrackBuilder::new(i as u64 + 1, v.at, v.lat, v.lon)
            .interval_ms(HISTORY_INTERVAL_MS)
            .noise(NoiseModel::none())
            .stay(v.minutes)
            .travel_to(v.lat + HISTORY_LEAVE_DEG, v.lon, 1.4, 0.0)
            .build();
        let mut rp = Replayer::new(&engine, &track.fixes, &[], ReplayOptions::default());
        while let Some((_, events)) = rp.step().map_err(|e| e.to_string())? {
            r.emit(&events, true);
        }
    }

    let mut schedule: Vec<(Timestamp, Scheduled)> =
        sc.actions.iter().enumerate().map(|(i, a)| (a.at, Scheduled::Action(i))).collect();
    for e in sc.expectations.iter().filter(|e| e.is_probe()) {
        let at = e.at.expect("probes have a time");
        let item = match (e.kind.as_str(), e.place) {
            ("place", Some(p)) => Scheduled::Place(p),
            ("outbox", _) => Scheduled::Outbox,
            _ => Scheduled::Today,
        };
        if !schedule.iter().any(|(t, s)| *t == at && *s == item) {
            schedule.push((at, item));
        }
    }
    schedule.extend(sc.syncs.iter().map(|at| (*at, Scheduled::Sync)));
    schedule.sort_by_key(|(t, _)| *t);
    let until = schedule.iter().map(|(t, _)| *t).chain(sc.until).max();
    let opts = ReplayOptions { window_ms: sc.window_ms, until };
    let mut rp = Replayer::with_delivery_times(&engine, &sc.fixes, &sc.fix_delivery, &sc.steps, opts);
    // Points the readers refused come first, at the start of the replay;
    // fixes the engine refuses come with the window that delivered them.
    for refusal in &sc.read_refusals {
        r.push(refusal.line(sc.start));
    }
    let (mut curve, mut failures) = (Vec::new(), Vec::new());
    let mut pending = schedule.into_iter().peekable();
    let mut watch = TileWatch::new(sc);
    let mut end = sc.start;
    loop {
        let tick = rp.next_tick();
        let due = pending.peek().map(|(t, _)| *t).filter(|t| tick.is_none_or(|tick| *t <= tick));
        if let Some(at) = due {
            let events = match tick {
                Some(_) => rp.advance_to(at),
                None => engine.tick(at),
            }
            .map_err(|e| e.to_string())?;
            r.watch(&mut watch, at);
            r.emit(&events, false);
            r.rejected(rp.take_rejected());
            let (_, item) = pending.next().expect("peeked");
            match item {
                Scheduled::Action(i) => {
                    if let Some(f) = r.act(i) {
                        failures.push(f);
                    }
                }
                Scheduled::Today => r.today(at)?,
                Scheduled::Place(p) => r.place(at, p)?,
                Scheduled::Outbox => r.outbox(at)?,
                Scheduled::Sync => r.sync(during_url.expect("a scenario with [[sync]] has a backend"), at)?,
            }
            end = end.max(at);
            continue;
        }
        let Some((t, events)) = rp.step().map_err(|e| e.to_string())? else { break };
        r.watch(&mut watch, t);
        r.emit(&events, false);
        r.rejected(rp.take_rejected());
        let today = engine.today(t).map_err(|e| e.to_string())?;
        curve.push((t, today.day, today.steps));
        end = end.max(t);
    }
    if let Some(url) = sync_url {
        let at = sc.sync_at.unwrap_or(end).max(end);
        if at > end {
            let events = engine.tick(at).map_err(|e| e.to_string())?;
            r.emit(&events, false);
        }
        r.sync(url, at)?;
        end = at;
    }
    r.rejected(rp.take_rejected());
    let visits = engine.visits(sc.start, end.plus_millis(1)).map_err(|e| e.to_string())?;
    let places = engine.places().map_err(|e| e.to_string())?;
    let lines = std::mem::take(&mut r.lines);
    Ok(RunOutput {
        lines,
        action_failures: failures,
        steps_curve: curve,
        visits,
        places,
        summary: rp.summary(),
        catalog: engine.catalog_info(),
    })
}

fn show(sc: &Scenario, t: Timestamp) -> String {
    t.in_tz(sc.tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

struct Run<'a> {
    sc: &'a Scenario,
    engine: &'a Engine,
    lines: Vec<Line>,
    /// Learned place id → `[places]` name, once seen.
    names: HashMap<i64, Option<String>>,
    on_line: &'a mut dyn FnMut(&Line),
    till: Option<&'a dyn Till>,
}

impl Run<'_> {
    fn emit(&mut self, events: &[Event], history: bool) {
        for e in events {
            let mut line = Line::from_event(e);
            line.history = history;
            self.label(&mut line);
            self.push(line);
        }
    }

    /// The `tile_not_held` lines of the fixes delivered up to `t`.
    fn watch(&mut self, watch: &mut Option<TileWatch>, t: Timestamp) {
        for line in watch.as_mut().map(|w| w.lines(self.engine, t)).unwrap_or_default() {
            self.push(line);
        }
    }

    /// A `fix_rejected` line for each fix refused, naming where it came
    /// from.
    fn rejected(&mut self, refused: Vec<RejectedFix>) {
        for f in refused {
            let source = f.index.and_then(|i| self.sc.fix_sources.get(i));
            self.push(rejections::engine_line(&f, source));
        }
    }

    fn push(&mut self, line: Line) {
        (self.on_line)(&line);
        self.lines.push(line);
    }

    /// `place 3 "home" [home]` for lines about a learned place.
    fn label(&mut self, line: &mut Line) {
        let Some(id) = line.field("place_id").and_then(Value::as_i64) else { return };
        let places = self.engine.places().unwrap_or_default();
        let Some(p) = places.iter().find(|p| p.id == id) else { return };
        let name = self
            .names
            .entry(id)
            .or_insert_with(|| {
                self.sc
                    .places
                    .iter()
                    .map(|(n, &(lat, lon))| (n, distance_m(lat, lon, p.lat, p.lon)))
                    .filter(|(_, d)| *d <= NAME_RADIUS_M)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(n, _)| n.clone())
            })
            .clone();
        let kind = serde_json::to_value(p.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        line.place_label = Some(match name {
            Some(n) => format!("place {id} \"{n}\" [{kind}]"),
            None => format!("place {id} [{kind}]"),
        });
    }

    /// Does the app's action `i`; returns why it failed, if it did.
    fn act(&mut self, i: usize) -> Option<String> {
        let a = &self.sc.actions[i];
        let instance = self.lines.iter().rev().find_map(|l| {
            (l.kind == "offer_triggered" && l.field("offer_id").and_then(Value::as_str) == Some(a.offer_id.as_str()))
                .then(|| l.field("instance_id").and_then(Value::as_i64))
                .flatten()
        });
        let mut fields = Map::new();
        fields.insert("action".into(), json!(a.act.as_str()));
        fields.insert("offer_id".into(), json!(a.offer_id));
        let when = show(self.sc, a.at);
        let Some(id) = instance else {
            fields.insert("error".into(), json!("no offer_triggered for this offer before then"));
            self.push(Line::sim(a.at, "app_action", fields));
            return Some(format!(
                "action {} {} at {when}: no offer_triggered for {} before then, so the app had nothing to {}",
                a.act.as_str(),
                a.offer_id,
                a.offer_id,
                a.act.as_str()
            ));
        };
        fields.insert("instance_id".into(), json!(id));
        if a.act == Act::Redeem {
            if let Some(till) = self.till {
                // The app registered (with its redemption key) at onboarding.
                match till.register(self.engine) {
                    Ok(problems) if problems.is_empty() => {}
                    Ok(problems) => {
                        return Some(format!("registering with the till's backend: {}", problems.join("; ")))
                    }
                    Err(e) => return Some(format!("registering with the till's backend: {e}")),
                }
            }
        }
        let mut redemption = None;
        let result = match a.act {
            Act::Present => self.engine.presented(id, a.at),
            Act::Redeem => self.engine.redeem(id, a.at).map(|r| {
                fields.insert("token_bytes".into(), json!(r.token.compact.len()));
                fields.insert("qr_payload".into(), json!(r.token.qr_payload));
                let instance = r.instance.clone();
                redemption = Some(r);
                instance
            }),
            Act::Dismiss => self.engine.dismissed(id, a.at),
        };
        let failure = match result {
            Ok(inst) => {
                fields.insert("state".into(), json!(inst.state.as_str()));
                a.refused.map(|r| {
                    format!(
                        "action {} {} #{id} at {when}: expected the engine to refuse it ({}), it did not",
                        a.act.as_str(),
                        a.offer_id,
                        r.as_str()
                    )
                })
            }
            Err(e) => {
                fields.insert("error".into(), json!(e.to_string()));
                let refusal = Refusal::of(&e);
                if let Some(r) = refusal {
                    fields.insert("refused".into(), json!(r.as_str()));
                }
                if let kairos_core::KairosError::StoreClosed { reopens_at: Some(t), .. } = &e {
                    fields.insert("reopens_at".into(), json!(t.to_rfc3339()));
                }
                (refusal.is_none() || refusal != a.refused).then(|| {
                    format!("action {} {} #{id} at {when}: the engine refused it: {e}", a.act.as_str(), a.offer_id)
                })
            }
        };
        self.push(Line::sim(a.at, "app_action", fields));
        let pending = self.engine.take_pending_events();
        self.emit(&pending, false);
        if let (Some(r), Some(till)) = (redemption, self.till) {
            // The shopper shows the QR code; the till verifies it, and a
            // second presentation (a screenshot passed on) is refused.
            for presentation in 1..=2 {
                let mut fields = Map::new();
                fields.insert("presentation".into(), json!(presentation));
                fields.insert("offer_id".into(), json!(r.claims.offer));
                fields.insert("merchant_id".into(), json!(r.claims.merchant));
                match till.verify(&r.claims.merchant, &r.token.qr_payload, a.at) {
                    Ok(answer) => {
                        let result = match answer.status {
                            200 => answer.body["status"].as_str().unwrap_or("valid").to_owned(),
                            _ => answer.body["error"]["code"].as_str().unwrap_or("refused").to_owned(),
                        };
                        fields.insert("status".into(), json!(answer.status));
                        fields.insert("result".into(), json!(result));
                    }
                    Err(e) => {
                        fields.insert("result".into(), json!("no_answer"));
                        fields.insert("error".into(), json!(e));
                    }
                }
                self.push(Line::sim(a.at, VERIFIED_KIND, fields));
            }
        }
        failure
    }

    fn today(&mut self, at: Timestamp) -> Result<(), String> {
        let d = self.engine.today(at).map_err(|e| e.to_string())?;
        let fields = json!({"day": d.day, "steps": d.steps, "goal": d.goal, "remaining": d.remaining,
                            "goal_reached": d.goal_reached});
        let Value::Object(fields) = fields else { unreachable!("an object") };
        self.push(Line::sim(at, "today", fields));
        Ok(())
    }

    /// What waits to leave the device.
    fn outbox(&mut self, at: Timestamp) -> Result<(), String> {
        let items = self.engine.outbox().map_err(|e| e.to_string())?;
        let mut purposes: Vec<&str> = items.iter().filter_map(|i| i.purpose.map(|p| p.as_str())).collect();
        purposes.sort_unstable();
        purposes.dedup();
        let mut days: Vec<&str> = items.iter().filter_map(|i| i.day.as_deref()).collect();
        days.sort_unstable();
        days.dedup();
        let fields = json!({
            "items": items.len(),
            "summaries": items.iter().filter(|i| i.kind == kairos_core::privacy::OutboxKind::Summary).count(),
            "deletions": items.iter().filter(|i| i.kind == kairos_core::privacy::OutboxKind::Deletion).count(),
            "purposes": purposes.join(","),
            "days": days.join(","),
            "payloads": items.iter().map(|i| i.payload.as_str()).collect::<Vec<_>>().join("\n"),
        });
        let Value::Object(fields) = fields else { unreachable!("an object") };
        self.push(Line::sim(at, "outbox", fields));
        Ok(())
    }

    /// `[social]`: registers each friend through `backend`, uploads its
    /// visits and creates an invite the shopper's engine accepts, then the
    /// shopper syncs once (fetching the friends' counts), all at the
    /// social sync's time.
    fn social(&mut self, social: &Social, backend: &Embedded) -> Result<(), String> {
        let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new(&backend.url) };
        let consented =
            self.sc.consent.as_ref().and_then(|c| c.at).unwrap_or(social.sync_at).local_day(self.sc.tz).to_string();
        let addr = backend.addr();
        for (i, visits) in social.friends.iter().enumerate() {
            let code = backend
                .block_on(async {
                    let friend = kairos_backend::friend::Friend::register(addr, &consented).await?;
                    for (merchant, day) in visits {
                        friend.visit(merchant, &day.to_string()).await?;
                    }
                    friend.invite().await
                })
                .map_err(|e| format!("[[social.friend]] {}: {e}", i + 1))?;
            backend
                .block_on(self.engine.accept_friend_invite(&opts, &code))
                .map_err(|e| format!("[[social.friend]] {}: the shopper could not accept the invite: {e}", i + 1))?;
        }
        self.sync(&backend.url, social.sync_at)
    }

    /// `Engine::sync` against the backend at `url`, at `at`.
    fn sync(&mut self, url: &str, at: Timestamp) -> Result<(), String> {
        let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new(url) };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the sync runtime: {e}"))?;
        let report = rt.block_on(self.engine.sync(&opts, at)).map_err(|e| format!("--sync {url}: {e}"))?;
        let fields = json!({
            "sent": report.sent,
            "batches": report.batches,
            "dropped": report.dropped,
            "deferred": report.deferred,
            "deletions_sent": report.deletions_sent,
            "catalog_updated": report.catalog_updated,
            "problems": report.problems.join("; "),
            "next_attempt_at": report.next_attempt_at.map(|t| t.to_rfc3339()),
            "friend_counts": report.friend_counts,
        });
        let Value::Object(fields) = fields else { unreachable!("an object") };
        let mut line = Line::sim(at, "sync", fields);
        line.history = at < self.sc.start;
        self.push(line);
        let pending = self.engine.take_pending_events();
        self.emit(&pending, false);
        Ok(())
    }

    fn place(&mut self, at: Timestamp, (lat, lon): (f64, f64)) -> Result<(), String> {
        let places = self.engine.places().map_err(|e| e.to_string())?;
        let nearest = places.iter().map(|p| (p, distance_m(lat, lon, p.lat, p.lon))).min_by(|a, b| a.1.total_cmp(&b.1));
        let mut fields = Map::new();
        fields.insert("lat".into(), json!(lat));
        fields.insert("lon".into(), json!(lon));
        match nearest {
            Some((p, d)) => {
                fields.insert("place_id".into(), json!(p.id));
                fields.insert("place_kind".into(), serde_json::to_value(p.kind).unwrap_or(Value::Null));
                fields.insert("private".into(), json!(p.private));
                fields.insert("visit_count".into(), json!(p.visit_count));
                fields.insert("distance_m".into(), json!((d * 10.0).round() / 10.0));
            }
            None => {
                fields.insert("place_id".into(), Value::Null);
            }
        }
        let mut line = Line::sim(at, "place", fields);
        self.label(&mut line);
        self.push(line);
        Ok(())
    }
}
