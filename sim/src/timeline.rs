//! How events are printed: a readable timeline, or one JSON object per line.

use chrono_tz::Tz;
use kairos_core::Event;
use serde_json::{Map, Value};

/// Output format of the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `HH:MM:SS  kind  field=value …`, times in the scenario's zone.
    Human,
    /// One JSON object per line: `t` (RFC 3339), `kind`, and the fields.
    Json,
}

/// Renders one event as a line.
pub fn render(event: &Event, format: Format, tz: Tz) -> String {
    let value = serde_json::to_value(event).expect("events serialise");
    match format {
        Format::Json => value.to_string(),
        Format::Human => {
            let Value::Object(mut fields) = value else { unreachable!("an event is an object") };
            let kind = take_str(&mut fields, "kind");
            fields.remove("t");
            let local = event.at.in_tz(tz).format("%a %H:%M:%S");
            let rest: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", human_value(v, tz))).collect();
            format!("{local}  {kind:<22} {}", rest.join(" ")).trim_end().to_string()
        }
    }
}

fn take_str(fields: &mut Map<String, Value>, key: &str) -> String {
    match fields.remove(key) {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Times print in local wall-clock time; strings without quotes.
fn human_value(v: &Value, tz: Tz) -> String {
    match v {
        Value::String(s) => match kairos_core::Timestamp::parse_rfc3339(s) {
            Some(t) if s.len() >= 20 => t.in_tz(tz).format("%H:%M:%S").to_string(),
            _ => s.clone(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::{EventKind, Timestamp};

    #[test]
    fn json_line_has_t_kind_and_fields() {
        let ev = Event::new(
            Timestamp::parse_rfc3339("2026-11-24T18:30:00Z").unwrap(),
            EventKind::InactivityNudge { sedentary_since: Timestamp::parse_rfc3339("2026-11-24T17:30:00Z").unwrap(), minutes: 60 },
        );
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let line = render(&ev, Format::Json, tz);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["t"], "2026-11-24T18:30:00Z");
        assert_eq!(v["kind"], "inactivity_nudge");
        assert_eq!(v["minutes"], 60);
        let human = render(&ev, Format::Human, tz);
        assert_eq!(human, "Tue 10:30:00  inactivity_nudge       sedentary_since=09:30:00 minutes=60");
    }
}
