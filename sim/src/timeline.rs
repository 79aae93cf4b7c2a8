//! The timeline: every line of a run (the engine's events and the lines
//! the simulator adds: app actions and checks), printed readably or as one
//! JSON object per line.

use chrono_tz::Tz;
use kairos_core::{Event, Timestamp};
use serde_json::{Map, Value};

/// Output format of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Sat 10:32:10  kind  what happened, in words`, times in the zone.
    Human,
    /// One JSON object per line: `t` (RFC 3339), `kind`, and the fields.
    Json,
}

/// One line of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// When.
    pub at: Timestamp,
    /// `snake_case` kind: an engine event's, or `app_action`, `today`, `place`.
    pub kind: String,
    /// The other fields, as the JSON line has them.
    pub fields: Map<String, Value>,
    /// Whether it happened while the history was replayed (before start).
    pub history: bool,
    /// Names of learned places, when the run knows them (`place 1 "home"`).
    pub place_label: Option<String>,
}

impl Line {
    /// A line for an engine event.
    pub fn from_event(event: &Event) -> Line {
        let Value::Object(mut fields) = serde_json::to_value(event).expect("events serialise") else {
            unreachable!("an event is an object")
        };
        let kind = match fields.remove("kind") {
            Some(Value::String(s)) => s,
            other => other.map(|v| v.to_string()).unwrap_or_default(),
        };
        fields.remove("t");
        Line { at: event.at, kind, fields, history: false, place_label: None }
    }

    /// A line the simulator adds.
    pub fn sim(at: Timestamp, kind: &str, fields: Map<String, Value>) -> Line {
        Line { at, kind: kind.to_string(), fields, history: false, place_label: None }
    }

    /// The JSON object: `t`, `kind`, then the fields.
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("t".into(), Value::String(self.at.to_rfc3339()));
        m.insert("kind".into(), Value::String(self.kind.clone()));
        m.extend(self.fields.clone());
        Value::Object(m)
    }

    /// A field as text, for messages.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// Renders the line in `format`.
    pub fn render(&self, format: Format, tz: Tz) -> String {
        match format {
            Format::Json => self.json().to_string(),
            Format::Human => {
                // History spans weeks: its lines carry the date.
                let local = self.at.in_tz(tz).format(if self.history { "%a %Y-%m-%d %H:%M" } else { "%a %H:%M:%S" });
                format!("{local}  {:<18} {}", self.kind, self.words(tz)).trim_end().to_string()
            }
        }
    }

    /// What happened, in words.
    pub fn words(&self, tz: Tz) -> String {
        let s = |k: &str| self.fields.get(k).map(|v| text(v, tz)).unwrap_or_default();
        let place = || self.place_label.clone().unwrap_or_else(|| format!("place {}", s("place_id")));
        match self.kind.as_str() {
            "visit_started" => format!("{}, arrived {}", place(), s("arrived_at")),
            "visit_ended" => format!("{}, {}–{} ({} min)", place(), s("arrived_at"), s("departed_at"), s("minutes")),
            "place_classified" => format!("{} is now {}", place(), s("place_kind")),
            "step_goal_reached" => format!("{} of {} steps on {}", s("steps"), s("goal"), s("day")),
            "inactivity_nudge" => format!("sitting since {} ({} min)", s("sedentary_since"), s("minutes")),
            "fence_entered" => format!("{} ({})", s("place_id"), s("merchant_id")),
            "fence_dwelled" => format!("{} ({}), inside since {}", s("place_id"), s("merchant_id"), s("since")),
            "fence_exited" => format!("{} ({}), entered {}", s("place_id"), s("merchant_id"), s("entered_at")),
            "offer_triggered" => format!(
                "{} #{} \"{}\" at {} on {}; claimable until {}",
                s("offer_id"),
                s("instance_id"),
                s("title"),
                s("place_id"),
                s("trigger"),
                s("expires_at")
            ),
            "offer_suppressed" => {
                format!("{} at {} on {}: {}", s("offer_id"), s("place_id"), s("trigger"), self.reason_words(tz))
            }
            "offer_held_out" => {
                format!(
                    "{} #{}: this install is in the offer's holdout (recorded, not shown)",
                    s("offer_id"),
                    s("instance_id")
                )
            }
            "offer_expired" => format!("{} #{}: claim window ended unused", s("offer_id"), s("instance_id")),
            "notification_held" => format!("{}: {}", s("message"), self.budget_words(tz)),
            "notification_retried" => match self.fields.get("outcome").and_then(Value::as_str) {
                Some("shown") => format!("{} held at {}: the budget allows it now, shown", s("message"), s("held_at")),
                Some("day_ended") => format!("{} held at {}: dropped, its day ended", s("message"), s("held_at")),
                _ => format!("{} held at {}: dropped, no longer true", s("message"), s("held_at")),
            },
            "redemption_verified" => match self.fields.get("result").and_then(Value::as_str) {
                Some("valid") => format!(
                    "till of {} (presentation {}): token valid, {} redeemed once",
                    s("merchant_id"),
                    s("presentation"),
                    s("offer_id")
                ),
                _ => format!(
                    "till of {} (presentation {}): refused, {}",
                    s("merchant_id"),
                    s("presentation"),
                    s("result")
                ),
            },
            "catalog_loaded" => format!("version {}: {} offers, {} fences", s("version"), s("offers"), s("fences")),
            "tiles_loaded" => format!(
                "catalog tiles under header version {}: {} arrived, {} held",
                s("header_version"),
                s("tiles_updated"),
                s("tiles_held")
            ),
            "tile_not_held" => format!(
                "entered tile {}, which the phone does not hold ({} tiles held): nothing of {} can fire until a sync brings it",
                s("tile"),
                s("tiles_held"),
                s("places")
            ),
            "database_recovered" => format!("{} (moved to {})", s("reason"), s("moved_to")),
            "clock_corrected" => format!("device clock corrected: engine clock back from {} to {}", s("from"), s("to")),
            "app_action" => match self.fields.get("error") {
                Some(e) => format!("app {}s {}: refused: {}", s("action"), s("offer_id"), text(e, tz)),
                None => match self.fields.get("token_bytes") {
                    Some(n) => format!(
                        "app {}s {} #{}: now {}; shows a signed token ({} bytes) as a QR code",
                        s("action"),
                        s("offer_id"),
                        s("instance_id"),
                        s("state"),
                        text(n, tz)
                    ),
                    None => format!("app {}s {} #{}: now {}", s("action"), s("offer_id"), s("instance_id"), s("state")),
                },
            },
            "consent" => format!(
                "{} {} (policy {})",
                s("purpose"),
                if self.fields.get("granted") == Some(&Value::Bool(true)) { "granted" } else { "refused" },
                s("policy_version")
            ),
            "outbox" => format!(
                "{} items waiting to leave the device: {} summaries ({}), {} deletion requests",
                s("items"),
                s("summaries"),
                s("purposes"),
                s("deletions")
            ),
            "sync" => {
                let mut t = format!(
                    "{} summaries sent in {} batches, {} dropped, {} deferred, {} deletion requests sent{}",
                    s("sent"),
                    s("batches"),
                    s("dropped"),
                    s("deferred"),
                    s("deletions_sent"),
                    if self.fields.get("catalog_updated") == Some(&Value::Bool(true)) {
                        ", new catalog loaded"
                    } else {
                        ""
                    }
                );
                if let Some(n) = self.fields.get("friend_counts").and_then(Value::as_u64) {
                    t.push_str(&format!(", friends' visit counts for {n} merchant(s)"));
                }
                if !s("problems").is_empty() {
                    t.push_str(&format!("; problems: {}", s("problems")));
                }
                t
            }
            "today" => format!("{}: {} of {} steps, {} to go", s("day"), s("steps"), s("goal"), s("remaining")),
            "fix_rejected" => {
                let source = crate::fix_source::FixSource::from_fields(&self.fields);
                let when = match self.fields.get("fix_time").and_then(Value::as_str) {
                    Some(t) => format!(" (fix of {t})"),
                    None => String::new(),
                };
                format!("{source}{when}: {}", s("message"))
            }
            "place" => match self.fields.get("place_id") {
                Some(Value::Null) | None => "no learned place".to_string(),
                Some(_) => format!(
                    "{}: {}, {}, {} visits ({:.0} m from the point checked)",
                    place(),
                    s("place_kind"),
                    if self.fields.get("private") == Some(&Value::Bool(true)) { "private" } else { "not private" },
                    s("visit_count"),
                    self.fields.get("distance_m").and_then(Value::as_f64).unwrap_or_default()
                ),
            },
            _ => self.fields.iter().map(|(k, v)| format!("{k}={}", text(v, tz))).collect::<Vec<_>>().join(" "),
        }
    }

    /// What held a message in the notification budget, in words.
    fn budget_words(&self, tz: Tz) -> String {
        let s = |k: &str| self.fields.get(k).map(|v| text(v, tz)).unwrap_or_default();
        match s("limit").as_str() {
            "daily_budget" => format!(
                "held by the notification budget: the day's {} messages are spent (next from {})",
                s("allowance"),
                s("until")
            ),
            _ => format!(
                "held by the notification budget: at most one message per {} minutes (next from {})",
                s("allowance"),
                s("until")
            ),
        }
    }

    /// Why an offer was suppressed, in words.
    fn reason_words(&self, tz: Tz) -> String {
        let s = |k: &str| self.fields.get(k).map(|v| text(v, tz)).unwrap_or_default();
        match s("reason").as_str() {
            "outside_schedule" => "suppressed: outside the offer's schedule or the store's opening hours".into(),
            "not_targeted" => "suppressed: the shopper is not in the offer's audience".into(),
            "catalog_expired" => "suppressed: the catalog has expired".into(),
            "already_redeemed" => "suppressed: already redeemed".into(),
            "dismissed_recently" => format!("suppressed: dismissed recently; silent until {}", s("until")),
            "offer_total_cap" => format!("suppressed: the offer's lifetime cap of {} is reached", s("cap")),
            "offer_daily_cap" => format!("suppressed: the offer's daily cap of {} is reached", s("cap")),
            "offer_min_gap" => format!("suppressed: the offer fired recently; again from {}", s("until")),
            "merchant_daily_cap" => format!("suppressed: the merchant's daily cap of {} is reached", s("cap")),
            "global_daily_cap" => format!("suppressed: the daily cap of {} offers is reached", s("cap")),
            "global_min_gap" => format!(
                "suppressed by the frequency cap: at most one offer every {} minutes, next from {}",
                s("minutes"),
                s("until")
            ),
            "quiet_hours" => "suppressed: quiet hours".into(),
            "while_driving" => "suppressed: the shopper is driving".into(),
            "outranked" => format!("suppressed: {} ranked higher at the same moment", s("by_offer_id")),
            "low_relevance" => {
                let pct =
                    |k: &str| self.fields.get(k).and_then(Value::as_f64).map_or(s(k), |v| format!("{:.1}%", v * 100.0));
                format!(
                    "suppressed: low relevance, her learned chance of redeeming is {}, under the {} floor",
                    pct("chance"),
                    pct("floor")
                )
            }
            "notification_budget" => self.budget_words(tz),
            other => format!("suppressed: {other}"),
        }
    }
}

/// A field value in words: instants in local time (with the date when it
/// is not the line's), strings without quotes.
fn text(v: &Value, tz: Tz) -> String {
    match v {
        Value::String(s) => match Timestamp::parse_rfc3339(s) {
            Some(t) if s.len() >= 20 => t.in_tz(tz).format("%H:%M:%S").to_string(),
            _ => s.clone(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::offers::Suppression;
    use kairos_core::EventKind;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn json_line_has_t_kind_and_fields() {
        let ev = Event::new(
            t("2026-11-24T18:30:00Z"),
            EventKind::InactivityNudge { sedentary_since: t("2026-11-24T17:30:00Z"), minutes: 60 },
        );
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let line = Line::from_event(&ev);
        let v: Value = serde_json::from_str(&line.render(Format::Json, tz)).unwrap();
        assert_eq!(v["t"], "2026-11-24T18:30:00Z");
        assert_eq!(v["kind"], "inactivity_nudge");
        assert_eq!(v["minutes"], 60);
        assert_eq!(v.as_object().unwrap().keys().take(2).collect::<Vec<_>>(), ["t", "kind"]);
        assert_eq!(line.render(Format::Human, tz), "Tue 10:30:00  inactivity_nudge   sitting since 09:30:00 (60 min)");
    }

    #[test]
    fn suppressions_say_why_in_words() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let ev = Event::new(
            t("2026-11-28T18:33:00Z"),
            EventKind::OfferSuppressed {
                offer_id: "free-drink".into(),
                merchant_id: "food".into(),
                place_id: "food-main".into(),
                trigger: kairos_core::OfferTrigger::Enter,
                reason: Suppression::GlobalMinGap { minutes: 30, until: t("2026-11-28T19:02:00Z") },
            },
        );
        assert_eq!(
            Line::from_event(&ev).render(Format::Human, tz),
            "Sat 10:33:00  offer_suppressed   free-drink at food-main on enter: suppressed by the frequency cap: \
             at most one offer every 30 minutes, next from 11:02:00"
        );
    }
}
