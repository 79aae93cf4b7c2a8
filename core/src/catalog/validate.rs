//! Reading a catalog document and checking it whole: the first problem
//! found rejects the document, with the path of the offending value.

use super::document::{AttributeValue, Attributes, Catalog, Merchant, Offer, Schedule, Trigger};
use super::fence_checks::check_fence;
use super::rule::{Rule, ScopeRef};
use super::wall_clock::{DayOfWeek, LocalTime};
use super::CatalogError;
use crate::policy::*;
use std::collections::HashSet;

/// Reads and validates a catalog document (the JSON inside the signed
/// envelope). Does not check signatures or dates against the clock; see
/// [`super::verify_and_parse`] for that.
pub fn parse_document(document_json: &[u8]) -> Result<Catalog, CatalogError> {
    if document_json.len() > MAX_CATALOG_DOCUMENT_BYTES {
        return Err(CatalogError::TooLarge {
            what: "document",
            size: document_json.len(),
            limit: MAX_CATALOG_DOCUMENT_BYTES,
        });
    }
    let mut de = serde_json::Deserializer::from_slice(document_json);
    let catalog: Catalog = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        CatalogError::at(
            if path == "." { String::new() } else { path },
            e.into_inner().to_string(),
        )
    })?;
    de.end().map_err(|e| CatalogError::at("", e.to_string()))?;
    validate(&catalog)?;
    Ok(catalog)
}

/// Checks every rule of a catalog that its types alone do not enforce:
/// unique ids, references, ranges, geometry, sizes.
pub fn validate(catalog: &Catalog) -> Result<(), CatalogError> {
    if catalog.issued_at >= catalog.expires_at {
        return Err(CatalogError::at(
            "expires_at",
            format!(
                "{} is not after issued_at {}",
                catalog.expires_at, catalog.issued_at
            ),
        ));
    }
    limit("merchants", catalog.merchants.len(), MAX_CATALOG_MERCHANTS)?;
    let places: usize = catalog.merchants.iter().map(|m| m.places.len()).sum();
    let offers: usize = catalog.merchants.iter().map(|m| m.offers.len()).sum();
    for (what, count, max) in [
        ("places", places, MAX_CATALOG_PLACES),
        ("offers", offers, MAX_CATALOG_OFFERS),
    ] {
        if count > max {
            return Err(CatalogError::at(
                "merchants",
                format!("{count} {what} in all, more than the limit of {max}"),
            ));
        }
    }

    let mut merchant_ids = HashSet::new();
    for (i, m) in catalog.merchants.iter().enumerate() {
        let path = format!("merchants[{i}]");
        check_id(&m.id, &format!("{path}.id"))?;
        if m.id == "self" {
            return Err(CatalogError::at(
                format!("{path}.id"),
                "\"self\" is reserved (it names the offer's own merchant in targeting)",
            ));
        }
        if !merchant_ids.insert(m.id.as_str()) {
            return Err(CatalogError::at(
                format!("{path}.id"),
                format!("duplicate merchant id {:?}", m.id),
            ));
        }
    }
    let mut place_ids = HashSet::new();
    let mut offer_ids = HashSet::new();
    for (i, m) in catalog.merchants.iter().enumerate() {
        let path = format!("merchants[{i}]");
        check_merchant(m, &path)?;
        for (j, p) in m.places.iter().enumerate() {
            if !place_ids.insert(p.id.as_str()) {
                return Err(CatalogError::at(
                    format!("{path}.places[{j}].id"),
                    format!("duplicate place id {:?}", p.id),
                ));
            }
        }
        for (j, o) in m.offers.iter().enumerate() {
            let path = format!("{path}.offers[{j}]");
            if !offer_ids.insert(o.id.as_str()) {
                return Err(CatalogError::at(
                    format!("{path}.id"),
                    format!("duplicate offer id {:?}", o.id),
                ));
            }
            check_offer(o, m, &merchant_ids, &path)?;
        }
    }
    Ok(())
}

fn check_merchant(m: &Merchant, path: &str) -> Result<(), CatalogError> {
    check_text(
        &m.name,
        &format!("{path}.name"),
        MAX_CATALOG_SHORT_TEXT_BYTES,
        false,
    )?;
    check_text(
        &m.category,
        &format!("{path}.category"),
        MAX_CATALOG_SHORT_TEXT_BYTES,
        false,
    )?;
    check_attributes(&m.attributes, &format!("{path}.attributes"))?;
    limit(
        &format!("{path}.places"),
        m.places.len(),
        MAX_PLACES_PER_MERCHANT,
    )?;
    limit(
        &format!("{path}.offers"),
        m.offers.len(),
        MAX_OFFERS_PER_MERCHANT,
    )?;
    for (j, p) in m.places.iter().enumerate() {
        let path = format!("{path}.places[{j}]");
        check_id(&p.id, &format!("{path}.id"))?;
        check_fence(&p.fence, &format!("{path}.fence"))?;
        limit(
            &format!("{path}.opening_hours"),
            p.opening_hours.len(),
            MAX_OPENING_HOURS_RULES,
        )?;
        for (k, h) in p.opening_hours.iter().enumerate() {
            let path = format!("{path}.opening_hours[{k}]");
            check_days(&h.days, &format!("{path}.days"))?;
            check_window(h.open, h.close, ("open", "close"), &path)?;
        }
    }
    Ok(())
}

fn check_offer(
    o: &Offer,
    m: &Merchant,
    merchant_ids: &HashSet<&str>,
    path: &str,
) -> Result<(), CatalogError> {
    check_id(&o.id, &format!("{path}.id"))?;
    check_text(
        &o.title,
        &format!("{path}.title"),
        MAX_CATALOG_SHORT_TEXT_BYTES,
        false,
    )?;
    check_text(&o.body, &format!("{path}.body"), MAX_OFFER_BODY_BYTES, true)?;
    match o.trigger {
        Trigger::Dwell { minutes } if !(1..=MAX_DWELL_MINUTES).contains(&minutes) => {
            return Err(CatalogError::at(
                format!("{path}.trigger.minutes"),
                format!("dwell of {minutes} minutes is outside 1..={MAX_DWELL_MINUTES}"),
            ));
        }
        Trigger::Nearby { radius_m }
            if !(radius_m.is_finite() && (1.0..=MAX_NEARBY_RADIUS_M).contains(&radius_m)) =>
        {
            return Err(CatalogError::at(
                format!("{path}.trigger.radius_m"),
                format!("nearby radius {radius_m} is outside 1..={MAX_NEARBY_RADIUS_M} m"),
            ));
        }
        _ => {}
    }
    check_schedule(&o.schedule, &format!("{path}.schedule"))?;
    if !(1..=MAX_CLAIM_WINDOW_MINUTES).contains(&o.claim_window_minutes) {
        return Err(CatalogError::at(
            format!("{path}.claim_window_minutes"),
            format!(
                "{} is outside 1..={MAX_CLAIM_WINDOW_MINUTES}",
                o.claim_window_minutes
            ),
        ));
    }
    let mut nodes = 0;
    check_rule(
        &o.targeting,
        merchant_ids,
        &format!("{path}.targeting"),
        1,
        &mut nodes,
    )?;
    for (name, cap) in [("total", o.caps.total), ("per_day", o.caps.per_day)] {
        if cap == Some(0) {
            return Err(CatalogError::at(
                format!("{path}.caps.{name}"),
                "a cap of 0 never lets the offer fire; remove the offer instead",
            ));
        }
    }
    if !(o.holdout_percent.is_finite() && (0.0..=100.0).contains(&o.holdout_percent)) {
        return Err(CatalogError::at(
            format!("{path}.holdout_percent"),
            format!("{} is outside 0..=100", o.holdout_percent),
        ));
    }
    let mut seen = HashSet::new();
    for (k, place) in o.places.iter().enumerate() {
        let at = format!("{path}.places[{k}]");
        if m.place(place).is_none() {
            return Err(CatalogError::at(
                at,
                format!("{place:?} is not a place of merchant {:?}", m.id),
            ));
        }
        if !seen.insert(place) {
            return Err(CatalogError::at(
                at,
                format!("place {place:?} is listed twice"),
            ));
        }
    }
    check_attributes(&o.attributes, &format!("{path}.attributes"))
}

fn check_schedule(s: &Schedule, path: &str) -> Result<(), CatalogError> {
    if let (Some(from), Some(until)) = (s.valid_from, s.valid_until) {
        if from >= until {
            return Err(CatalogError::at(
                format!("{path}.valid_until"),
                format!("{until} is not after valid_from {from}"),
            ));
        }
    }
    if let Some(days) = &s.days {
        check_days(days, &format!("{path}.days"))?;
    }
    if let Some(hours) = &s.hours {
        if hours.is_empty() {
            return Err(CatalogError::at(
                format!("{path}.hours"),
                "an empty list never matches; omit the field for all day",
            ));
        }
        limit(&format!("{path}.hours"), hours.len(), MAX_SCHEDULE_WINDOWS)?;
        for (i, w) in hours.iter().enumerate() {
            check_window(
                w.start,
                w.end,
                ("start", "end"),
                &format!("{path}.hours[{i}]"),
            )?;
        }
    }
    Ok(())
}

fn check_rule(
    rule: &Rule,
    merchant_ids: &HashSet<&str>,
    path: &str,
    depth: usize,
    nodes: &mut usize,
) -> Result<(), CatalogError> {
    *nodes += 1;
    if *nodes > MAX_RULE_NODES {
        return Err(CatalogError::at(
            path,
            format!("the rule has more than {MAX_RULE_NODES} parts"),
        ));
    }
    if depth > MAX_RULE_DEPTH {
        return Err(CatalogError::at(
            path,
            format!("rules nest deeper than {MAX_RULE_DEPTH} levels"),
        ));
    }
    let check_scope = |scope: &ScopeRef, what: &str| match scope {
        ScopeRef::Merchant(id) if !merchant_ids.contains(id.as_str()) => Err(CatalogError::at(
            format!("{path}.{what}.merchant"),
            format!("{id:?} is not a merchant of this catalog"),
        )),
        ScopeRef::Category(c) if c.is_empty() => Err(CatalogError::at(
            format!("{path}.{what}.category"),
            "must not be empty",
        )),
        _ => Ok(()),
    };
    match rule {
        Rule::All(rules) | Rule::Any(rules) => {
            let kind = if matches!(rule, Rule::All(_)) {
                "all"
            } else {
                "any"
            };
            if rules.is_empty() && kind == "any" {
                return Err(CatalogError::at(
                    format!("{path}.any"),
                    "an empty \"any\" is never true",
                ));
            }
            for (i, r) in rules.iter().enumerate() {
                check_rule(
                    r,
                    merchant_ids,
                    &format!("{path}.{kind}[{i}]"),
                    depth + 1,
                    nodes,
                )?;
            }
        }
        Rule::Not(r) => check_rule(r, merchant_ids, &format!("{path}.not"), depth + 1, nodes)?,
        Rule::Visits(v) => {
            check_scope(&v.scope, "visits")?;
            if !(1..=MAX_RULE_WITHIN_DAYS).contains(&v.within_days) {
                return Err(CatalogError::at(
                    format!("{path}.visits.within_days"),
                    format!("{} is outside 1..={MAX_RULE_WITHIN_DAYS}", v.within_days),
                ));
            }
            check_bounds(v.min, v.max, &format!("{path}.visits"))?;
        }
        Rule::RoutineOverdue(r) => {
            check_scope(&r.scope, "routine_overdue")?;
            if r.min_days.is_some_and(|d| !(d.is_finite() && d >= 0.0)) {
                return Err(CatalogError::at(
                    format!("{path}.routine_overdue.min_days"),
                    "must be a number of days, 0 or more",
                ));
            }
        }
        Rule::StepsToday(s) => check_bounds(s.min, s.max, &format!("{path}.steps_today"))?,
        Rule::LocalTime(w) => check_window(
            w.start,
            w.end,
            ("start", "end"),
            &format!("{path}.local_time"),
        )?,
        Rule::DaysOfWeek(days) => check_days(days, &format!("{path}.days_of_week"))?,
        Rule::Speed(s) => {
            for v in [s.min_mps, s.max_mps].into_iter().flatten() {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(CatalogError::at(
                        format!("{path}.speed"),
                        format!("speed {v} is not 0 or more"),
                    ));
                }
            }
            check_bounds(s.min_mps, s.max_mps, &format!("{path}.speed"))?;
        }
        Rule::Attribute(a) => {
            let path = format!("{path}.attribute");
            check_id(&a.name, &format!("{path}.name"))?;
            if matches!(a.value, AttributeValue::Bool(_)) && a.op.is_ordering() {
                return Err(CatalogError::at(
                    format!("{path}.op"),
                    "booleans only compare with == or !=",
                ));
            }
        }
    }
    Ok(())
}

/// `min`/`max` bounds: at least one given, and `min <= max`.
fn check_bounds<T: PartialOrd + std::fmt::Display>(
    min: Option<T>,
    max: Option<T>,
    path: &str,
) -> Result<(), CatalogError> {
    match (min, max) {
        (None, None) => Err(CatalogError::at(path, "give min, max or both")),
        (Some(a), Some(b)) if a > b => Err(CatalogError::at(
            path,
            format!("min {a} is greater than max {b}"),
        )),
        _ => Ok(()),
    }
}

fn check_days(days: &[DayOfWeek], path: &str) -> Result<(), CatalogError> {
    if days.is_empty() {
        return Err(CatalogError::at(
            path,
            "an empty list of days never matches",
        ));
    }
    Ok(())
}

/// A window of local hours: `names` are its field names in the document.
fn check_window(
    start: LocalTime,
    end: LocalTime,
    names: (&str, &str),
    path: &str,
) -> Result<(), CatalogError> {
    if start.is_end_of_day() {
        return Err(CatalogError::at(
            path,
            format!("{} 24:00 is only allowed as {}", names.0, names.1),
        ));
    }
    if start == end {
        return Err(CatalogError::at(
            path,
            format!(
                "{} and {} are both {start}; use 00:00 to 24:00 for all day",
                names.0, names.1
            ),
        ));
    }
    Ok(())
}

fn check_id(id: &str, path: &str) -> Result<(), CatalogError> {
    check_text(id, path, MAX_CATALOG_ID_BYTES, false)
}

fn check_text(
    text: &str,
    path: &str,
    max_bytes: usize,
    may_be_empty: bool,
) -> Result<(), CatalogError> {
    if !may_be_empty && text.trim().is_empty() {
        return Err(CatalogError::at(path, "must not be empty"));
    }
    if text.len() > max_bytes {
        return Err(CatalogError::at(
            path,
            format!("{} bytes, more than the limit of {max_bytes}", text.len()),
        ));
    }
    Ok(())
}

fn check_attributes(attributes: &Attributes, path: &str) -> Result<(), CatalogError> {
    limit(path, attributes.len(), MAX_ATTRIBUTES)?;
    for (name, value) in attributes {
        let at = format!("{path}.{name}");
        check_id(name, &at)?;
        if let AttributeValue::Text(t) = value {
            check_text(t, &at, MAX_CATALOG_SHORT_TEXT_BYTES, true)?;
        }
    }
    Ok(())
}

fn limit(path: &str, count: usize, max: usize) -> Result<(), CatalogError> {
    if count > max {
        return Err(CatalogError::at(
            path,
            format!("{count} entries, more than the limit of {max}"),
        ));
    }
    Ok(())
}
