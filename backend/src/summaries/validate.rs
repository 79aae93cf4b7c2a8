//! Strict validation of a summaries batch. Privacy is the point: anything
//! the contract does not name is refused, not ignored, and every number
//! must already be rounded the way the engine rounds it.

use super::field_names::is_forbidden;
use super::model::{ActivitySummary, Batch, MerchantVisits, Noise, OfferOutcome, Purpose, SummaryData, SummaryItem};
use super::strict_json;
use crate::limits::{
    MAX_BATCH_ITEMS, MAX_COUNT, MAX_DAY, MAX_EPSILON, MAX_ID_BYTES, MAX_MINUTES, MAX_ROWS_PER_ITEM, MAX_STEPS,
    MINUTES_QUANTUM, MIN_DAY, NOISE_MECHANISM, STEPS_QUANTUM,
};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Why a request was refused: an HTTP status, a stable machine code and a
/// message naming the offending field by its path (`batch[1].data.steps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400, 413 or 415.
    pub status: u16,
    /// Stable error code, as in `docs/openapi.yaml`.
    pub code: &'static str,
    /// What was wrong, for a person.
    pub message: String,
}

impl Rejection {
    /// A 400 with `code`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Rejection { status: 400, code, message: message.into() }
    }

    /// A 413 with `code`.
    pub fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Rejection { status: 413, code, message: message.into() }
    }
}

/// Parses and validates a (decompressed) summaries body.
pub fn parse_batch(body: &[u8]) -> Result<Batch, Rejection> {
    let root = strict_json::from_slice(body)
        .map_err(|e| Rejection::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let root = object(&root, "the body")?;
    check_fields(root, "", &["batch"])?;
    let entries = match root.get("batch") {
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(invalid("batch", "must be an array")),
        None => return Err(invalid("batch", "is missing")),
    };
    if entries.is_empty() {
        return Err(invalid("batch", "must hold at least one entry"));
    }
    if entries.len() > MAX_BATCH_ITEMS {
        return Err(Rejection::too_large(
            "too_many_items",
            format!("batch: {} entries, more than the limit of {MAX_BATCH_ITEMS}", entries.len()),
        ));
    }
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("batch[{i}]");
        let item = parse_item(entry, &path)?;
        if !seen.insert((item.data.purpose(), item.day)) {
            return Err(Rejection::bad_request(
                "duplicate_entry",
                format!("{path}: a second {} entry for {}", item.data.purpose(), item.day),
            ));
        }
        items.push(item);
    }
    Ok(Batch { items })
}

fn parse_item(entry: &Value, path: &str) -> Result<SummaryItem, Rejection> {
    let entry = object(entry, path)?;
    check_fields(entry, path, &["purpose", "day", "data"])?;
    let purpose = match required(entry, path, "purpose")? {
        Value::String(name) => Purpose::parse(name).ok_or_else(|| {
            Rejection::bad_request(
                "invalid_purpose",
                format!("{path}.purpose: {name:?} is not one of \"activity\", \"visits\", \"offers\""),
            )
        })?,
        _ => return Err(invalid(&format!("{path}.purpose"), "must be a string")),
    };
    let day = parse_day(required(entry, path, "day")?, &format!("{path}.day"))?;
    let data_path = format!("{path}.data");
    let fields = object(required(entry, path, "data")?, &data_path)?;
    let data = match purpose {
        Purpose::Activity => SummaryData::Activity(parse_activity(fields, &data_path)?),
        Purpose::Visits => SummaryData::Visits(parse_visits(fields, &data_path)?),
        Purpose::Offers => SummaryData::Offers(parse_offers(fields, &data_path)?),
        // A purpose of consent without a summary of its own.
        Purpose::Social => {
            return Err(Rejection::bad_request(
                "invalid_purpose",
                format!("{path}.purpose: \"social\" has no summary (friends' counts come from `visits` summaries)"),
            ))
        }
    };
    let noise = fields.get("noise").map(|noise| parse_noise(noise, &format!("{data_path}.noise"))).transpose()?;
    Ok(SummaryItem { day, data, noise })
}

/// `data.noise`: exactly `{"mechanism": "geometric", "epsilon": ε}` with a
/// finite ε in `(0, MAX_EPSILON]`. The noised counts themselves are checked
/// like exact ones (same grids, same limits): the engine rounds and clamps
/// them before they leave the device.
fn parse_noise(value: &Value, path: &str) -> Result<Noise, Rejection> {
    let noise = object(value, path)?;
    check_fields(noise, path, &["mechanism", "epsilon"])?;
    match required(noise, path, "mechanism")? {
        Value::String(name) if name == NOISE_MECHANISM => {}
        Value::String(name) => {
            return Err(invalid_value(
                &format!("{path}.mechanism"),
                &format!("{name:?} is not a known mechanism (expected {NOISE_MECHANISM:?})"),
            ))
        }
        _ => return Err(invalid_value(&format!("{path}.mechanism"), "must be a string")),
    }
    let at = format!("{path}.epsilon");
    let epsilon = required(noise, path, "epsilon")?
        .as_f64()
        .filter(|e| e.is_finite())
        .ok_or_else(|| invalid_value(&at, "must be a finite number"))?;
    if epsilon <= 0.0 {
        return Err(invalid_value(&at, &format!("{epsilon} is not above 0")));
    }
    if epsilon > MAX_EPSILON {
        return Err(invalid_value(&at, &format!("{epsilon} is more than the limit of {MAX_EPSILON}")));
    }
    Ok(Noise { epsilon })
}

fn parse_day(value: &Value, path: &str) -> Result<NaiveDate, Rejection> {
    let Value::String(text) = value else {
        return Err(Rejection::bad_request("invalid_day", format!("{path}: must be a date string YYYY-MM-DD")));
    };
    if text.contains('T') || text.contains(':') || text.contains(' ') {
        return Err(Rejection::bad_request(
            "invalid_day",
            format!("{path}: {text:?} is a timestamp; summaries carry only the local day, YYYY-MM-DD"),
        ));
    }
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| Rejection::bad_request("invalid_day", format!("{path}: {text:?} is not a date YYYY-MM-DD")))?;
    let (min, max) = (date(MIN_DAY), date(MAX_DAY));
    if day < min || day > max {
        return Err(Rejection::bad_request("invalid_day", format!("{path}: {day} is not between {min} and {max}")));
    }
    Ok(day)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("the limits are dates")
}

fn parse_activity(data: &Map<String, Value>, path: &str) -> Result<ActivitySummary, Rejection> {
    check_fields(data, path, &["steps", "goal_met", "noise"])?;
    let steps = count(data, path, "steps", MAX_STEPS)?;
    if steps % STEPS_QUANTUM != 0 {
        return Err(invalid_value(&format!("{path}.steps"), &format!("{steps} is not a multiple of {STEPS_QUANTUM}")));
    }
    let goal_met = match required(data, path, "goal_met")? {
        Value::Bool(b) => *b,
        _ => return Err(invalid(&format!("{path}.goal_met"), "must be true or false")),
    };
    Ok(ActivitySummary { steps: steps as u32, goal_met })
}

fn parse_visits(data: &Map<String, Value>, path: &str) -> Result<Vec<MerchantVisits>, Rejection> {
    check_fields(data, path, &["merchants", "noise"])?;
    let rows = rows(data, path, "merchants")?;
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let at = format!("{path}.merchants[{i}]");
        let row = object(row, &at)?;
        check_fields(row, &at, &["merchant_id", "visits", "minutes"])?;
        let merchant_id = id(row, &at, "merchant_id")?;
        if !ids.insert(merchant_id.clone()) {
            return Err(Rejection::bad_request("duplicate_entry", format!("{at}: merchant {merchant_id:?} twice")));
        }
        let visits = count(row, &at, "visits", MAX_COUNT)? as u32;
        let minutes = count(row, &at, "minutes", MAX_MINUTES)?;
        if minutes % MINUTES_QUANTUM != 0 {
            return Err(invalid_value(
                &format!("{at}.minutes"),
                &format!("{minutes} is not a multiple of {MINUTES_QUANTUM}"),
            ));
        }
        out.push(MerchantVisits { merchant_id, visits, minutes: minutes as u32 });
    }
    Ok(out)
}

fn parse_offers(data: &Map<String, Value>, path: &str) -> Result<Vec<OfferOutcome>, Rejection> {
    check_fields(data, path, &["offers", "noise"])?;
    let rows = rows(data, path, "offers")?;
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let at = format!("{path}.offers[{i}]");
        let row = object(row, &at)?;
        check_fields(row, &at, &["offer_id", "triggered", "presented", "redeemed", "dismissed", "held_out"])?;
        let offer_id = id(row, &at, "offer_id")?;
        if !ids.insert(offer_id.clone()) {
            return Err(Rejection::bad_request("duplicate_entry", format!("{at}: offer {offer_id:?} twice")));
        }
        let n = |name| count(row, &at, name, MAX_COUNT).map(|v| v as u32);
        out.push(OfferOutcome {
            offer_id,
            triggered: n("triggered")?,
            presented: n("presented")?,
            redeemed: n("redeemed")?,
            dismissed: n("dismissed")?,
            held_out: n("held_out")?,
        });
    }
    Ok(out)
}

fn rows<'a>(data: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a Vec<Value>, Rejection> {
    let Value::Array(rows) = required(data, path, name)? else {
        return Err(invalid(&format!("{path}.{name}"), "must be an array"));
    };
    if rows.len() > MAX_ROWS_PER_ITEM {
        return Err(Rejection::too_large(
            "too_many_items",
            format!("{path}.{name}: {} rows, more than the limit of {MAX_ROWS_PER_ITEM}", rows.len()),
        ));
    }
    Ok(rows)
}

/// Refuses any field of `object` not in `known`: a coordinate- or time-like
/// name with `forbidden_field`, anything else with `unknown_field`.
fn check_fields(object: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), Rejection> {
    // A forbidden name first, then the smallest: the answer must not depend
    // on whether serde_json keeps insertion order (a feature another crate
    // of the workspace may turn on).
    let unknown = object.keys().filter(|name| !known.contains(&name.as_str()));
    let Some(name) = unknown.min_by_key(|name| (!is_forbidden(name), name.as_str())) else { return Ok(()) };
    let at = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
    Err(if is_forbidden(name) {
        Rejection::bad_request(
            "forbidden_field",
            format!("{at}: names a location or a time finer than a day, which never leaves the device"),
        )
    } else {
        Rejection::bad_request("unknown_field", format!("{at}: unknown field (expected one of {known:?})"))
    })
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Rejection> {
    value.as_object().ok_or_else(|| invalid(path, "must be an object"))
}

fn required<'a>(object: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a Value, Rejection> {
    object.get(name).ok_or_else(|| invalid(&format!("{path}.{name}"), "is missing"))
}

fn count(object: &Map<String, Value>, path: &str, name: &str, max: u64) -> Result<u64, Rejection> {
    let at = format!("{path}.{name}");
    match required(object, path, name)?.as_u64() {
        Some(n) if n <= max => Ok(n),
        Some(n) => Err(invalid_value(&at, &format!("{n} is more than the limit of {max}"))),
        None => Err(invalid_value(&at, "must be a non-negative integer")),
    }
}

fn id(object: &Map<String, Value>, path: &str, name: &str) -> Result<String, Rejection> {
    let at = format!("{path}.{name}");
    let Value::String(text) = required(object, path, name)? else {
        return Err(invalid_value(&at, "must be a string"));
    };
    if text.trim().is_empty() || text.len() > MAX_ID_BYTES || text.chars().any(char::is_control) {
        return Err(invalid_value(
            &at,
            &format!("must be 1 to {MAX_ID_BYTES} bytes of printable text, as the catalog's ids are"),
        ));
    }
    Ok(text.clone())
}

fn invalid(path: &str, what: &str) -> Rejection {
    Rejection::bad_request("invalid_batch", format!("{path}: {what}"))
}

fn invalid_value(path: &str, what: &str) -> Rejection {
    Rejection::bad_request("invalid_value", format!("{path}: {what}"))
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
