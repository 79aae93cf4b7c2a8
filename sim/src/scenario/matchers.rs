//! Field matchers of expectations: what a field of a line must be.
//!
//! | written | holds when the field |
//! | --- | --- |
//! | `"text"`, `3`, `true` | equals it; a time (`"10:32"`) equals the field's instant |
//! | `{ near = "10:40", within_minutes = 3 }` | is an instant within the tolerance (default 1 minute) |
//! | `{ after_t_minutes = 180 }` | is an instant this many minutes after the line's `t` (to the second) |
//! | `{ min = 1, max = 5 }` | is a number in the range (either bound optional) |
//! | `{ contains = "off" }` | is a string containing the text |
//! | `{ not = value }` | does not match `value` (any form above) |

use super::clock::Clock;
use kairos_core::Timestamp;
use serde_json::Value;
use std::fmt;

/// One field's matcher.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Equal to a JSON value; `instant` when the text reads as a time.
    Equals { value: Value, instant: Option<Timestamp>, shown: String },
    /// An instant near another.
    Near { at: Timestamp, tolerance_ms: i64, shown: String },
    /// An instant this long after the line's time.
    AfterT { ms: i64 },
    /// A number in a range.
    Range { min: Option<f64>, max: Option<f64> },
    /// A string containing text.
    Contains(String),
    /// The negation.
    Not(Box<Matcher>),
}

impl Matcher {
    /// Reads a matcher written in TOML.
    pub fn parse(v: &toml::Value, clock: &Clock) -> Result<Matcher, String> {
        match v {
            toml::Value::String(s) => Ok(Matcher::Equals {
                value: Value::String(s.clone()),
                instant: clock.parse(s).ok(),
                shown: format!("{s:?}"),
            }),
            toml::Value::Integer(i) => {
                Ok(Matcher::Equals { value: Value::from(*i), instant: None, shown: i.to_string() })
            }
            toml::Value::Float(f) => {
                Ok(Matcher::Equals { value: Value::from(*f), instant: None, shown: f.to_string() })
            }
            toml::Value::Boolean(b) => {
                Ok(Matcher::Equals { value: Value::Bool(*b), instant: None, shown: b.to_string() })
            }
            toml::Value::Table(t) => {
                let keys: Vec<&str> = t.keys().map(String::as_str).collect();
                let num = |k: &str| -> Result<Option<f64>, String> {
                    match t.get(k) {
                        None => Ok(None),
                        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
                        Some(toml::Value::Float(f)) => Ok(Some(*f)),
                        Some(_) => Err(format!("{k} must be a number")),
                    }
                };
                match keys.as_slice() {
                    ["not"] => Ok(Matcher::Not(Box::new(Matcher::parse(&t["not"], clock)?))),
                    ["contains"] => match &t["contains"] {
                        toml::Value::String(s) => Ok(Matcher::Contains(s.clone())),
                        _ => Err("contains must be a string".into()),
                    },
                    ["after_t_minutes"] => {
                        let m = num("after_t_minutes")?.unwrap_or_default();
                        Ok(Matcher::AfterT { ms: (m * 60_000.0).round() as i64 })
                    }
                    k if k.contains(&"near") && k.iter().all(|k| *k == "near" || *k == "within_minutes") => {
                        let toml::Value::String(s) = &t["near"] else { return Err("near must be a time".into()) };
                        let at = clock.parse(s)?;
                        let tol = num("within_minutes")?.unwrap_or(1.0);
                        Ok(Matcher::Near { at, tolerance_ms: (tol * 60_000.0).round() as i64, shown: s.clone() })
                    }
                    k if !k.is_empty() && k.iter().all(|k| *k == "min" || *k == "max") => {
                        Ok(Matcher::Range { min: num("min")?, max: num("max")? })
                    }
                    _ => Err(format!(
                        "unknown matcher {{{}}}: expected a value, or a table with near (+ within_minutes), \
                         after_t_minutes, min/max, contains or not",
                        keys.join(", ")
                    )),
                }
            }
            other => Err(format!("{other} is not a matcher (arrays and dates are not supported)")),
        }
    }

    /// Whether the field value `v` matches, on a line at `t`.
    pub fn matches(&self, v: Option<&Value>, t: Timestamp) -> bool {
        let instant = || v.and_then(Value::as_str).and_then(Timestamp::parse_rfc3339);
        match self {
            Matcher::Not(m) => !m.matches(v, t),
            _ if v.is_none() => false,
            Matcher::Equals { value, instant: Some(at), .. } => match instant() {
                Some(x) => x == *at,
                None => v == Some(value),
            },
            Matcher::Equals { value, instant: None, .. } => match (v, value) {
                (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == Some(b),
            },
            Matcher::Near { at, tolerance_ms, .. } => instant().is_some_and(|x| (x.since(*at)).abs() <= *tolerance_ms),
            Matcher::AfterT { ms } => instant().is_some_and(|x| (x.since(t) - ms).abs() < 1_000),
            Matcher::Range { min, max } => {
                v.and_then(Value::as_f64).is_some_and(|x| min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m))
            }
            Matcher::Contains(s) => v.and_then(Value::as_str).is_some_and(|x| x.contains(s.as_str())),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Equals { shown, .. } => write!(f, "{shown}"),
            Matcher::Near { tolerance_ms, shown, .. } => write!(f, "{shown} ± {} min", *tolerance_ms as f64 / 60_000.0),
            Matcher::AfterT { ms } => write!(f, "{} min after the line's time", *ms as f64 / 60_000.0),
            Matcher::Range { min: Some(a), max: Some(b) } => write!(f, "between {a} and {b}"),
            Matcher::Range { min: Some(a), max: None } => write!(f, "at least {a}"),
            Matcher::Range { min: None, max: Some(b) } => write!(f, "at most {b}"),
            Matcher::Range { min: None, max: None } => write!(f, "any number"),
            Matcher::Contains(s) => write!(f, "containing {s:?}"),
            Matcher::Not(m) => write!(f, "not {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn clock() -> Clock {
        Clock { tz: "America/Los_Angeles".parse().unwrap(), day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap() }
    }

    fn m(toml_value: &str) -> Matcher {
        let t: toml::Table = toml::from_str(&format!("v = {toml_value}")).unwrap();
        Matcher::parse(&t["v"], &clock()).unwrap()
    }

    #[test]
    fn every_form_matches_and_refuses() {
        let t = Timestamp::parse_rfc3339("2026-11-28T18:32:00Z").unwrap();
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert!(m("\"x\"").matches(Some(&v("\"x\"")), t));
        assert!(!m("\"x\"").matches(Some(&v("\"y\"")), t));
        assert!(m("\"10:32\"").matches(Some(&v("\"2026-11-28T18:32:00Z\"")), t));
        assert!(m("3").matches(Some(&v("3.0")), t));
        assert!(!m("3").matches(None, t));
        assert!(m("{ near = \"10:33\", within_minutes = 2 }").matches(Some(&v("\"2026-11-28T18:32:00Z\"")), t));
        assert!(!m("{ near = \"10:35\" }").matches(Some(&v("\"2026-11-28T18:32:00Z\"")), t));
        assert!(m("{ after_t_minutes = 180 }").matches(Some(&v("\"2026-11-28T21:32:00Z\"")), t));
        assert!(!m("{ after_t_minutes = 120 }").matches(Some(&v("\"2026-11-28T21:32:00Z\"")), t));
        assert!(m("{ min = 2, max = 4 }").matches(Some(&v("4")), t));
        assert!(!m("{ min = 5 }").matches(Some(&v("4")), t));
        assert!(m("{ contains = \"20%\" }").matches(Some(&v("\"20% off\"")), t));
        assert!(m("{ not = \"x\" }").matches(Some(&v("\"y\"")), t));
        assert!(m("{ not = \"x\" }").matches(None, t));
        assert_eq!(m("{ near = \"10:40\", within_minutes = 3 }").to_string(), "10:40 ± 3 min");
        let bad: toml::Table = toml::from_str("v = { around = 1 }").unwrap();
        assert!(Matcher::parse(&bad["v"], &clock()).unwrap_err().starts_with("unknown matcher {around}"));
    }
}
