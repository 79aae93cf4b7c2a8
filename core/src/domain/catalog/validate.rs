//! Reading a catalog document and checking it whole: the first problem
//! found rejects the document, with the path of the offending value.

use super::attribute::{AttributeValue, Attributes};
use super::doc_path::DocPath;
use super::document::{Catalog, Merchant, MerchantPlace, Offer, Schedule, Trigger};
use super::fence_checks::check_fence;
use super::rule::{Rule, ScopeRef};
use super::wall_clock::{DayOfWeek, LocalTime};
use super::CatalogError;
use crate::policy::*;
use serde::Deserialize;
// Ids are hashed with foldhash: several hundred thousand per catalog, from
// a document the backend signed.
use foldhash::{HashMap, HashSet, HashSetExt};

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
    // Tracking the path of every value costs more than the parse itself, so
    // a document is read without it, and read again with it only to say
    // where it went wrong: serde stops at the same first error either way.
    let catalog = read(document_json, false).or_else(|_| read(document_json, true))?;
    validate(&catalog)?;
    Ok(catalog)
}

/// Deserialises a whole document (nothing but whitespace after it); with
/// `track_path`, an error names the path of the value it is about.
fn read(document_json: &[u8], track_path: bool) -> Result<Catalog, CatalogError> {
    let mut de = serde_json::Deserializer::from_slice(document_json);
    let catalog: Catalog = if track_path {
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            CatalogError::at(if path == "." { String::new() } else { path }, e.into_inner().to_string())
        })?
    } else {
        Catalog::deserialize(&mut de).map_err(|e| CatalogError::at("", e.to_string()))?
    };
    de.end().map_err(|e| CatalogError::at("", e.to_string()))?;
    Ok(catalog)
}

/// Checks every rule of a catalog that its types alone do not enforce:
/// unique ids, references, ranges, geometry, sizes.
pub fn validate(catalog: &Catalog) -> Result<(), CatalogError> {
    if catalog.issued_at >= catalog.expires_at {
        return Err(CatalogError::at(
            "expires_at",
            format!("{} is not after issued_at {}", catalog.expires_at, catalog.issued_at),
        ));
    }
    let merchants = DocPath::Root.key("merchants");
    limit(&merchants, catalog.merchants.len(), MAX_CATALOG_MERCHANTS)?;
    let places: usize = catalog.merchants.iter().map(|m| m.places.len()).sum();
    let offers: usize = catalog.merchants.iter().map(|m| m.offers.len()).sum();
    for (what, count, max) in [("places", places, MAX_CATALOG_PLACES), ("offers", offers, MAX_CATALOG_OFFERS)] {
        if count > max {
            return Err(CatalogError::at("merchants", format!("{count} {what} in all, more than the limit of {max}")));
        }
    }

    let mut merchant_ids = HashSet::with_capacity(catalog.merchants.len());
    for (i, m) in catalog.merchants.iter().enumerate() {
        let path = merchants.item(i);
        check_id(&m.id, &path.key("id"))?;
        if m.id == "self" {
            return Err(CatalogError::at(
                path.key("id"),
                "\"self\" is reserved (it names the offer's own merchant in targeting)",
            ));
        }
        if !merchant_ids.insert(m.id.as_str()) {
            return Err(CatalogError::at(path.key("id"), format!("duplicate merchant id {:?}", m.id)));
        }
    }
    let mut place_ids = HashSet::with_capacity(places);
    let mut offer_ids = HashSet::with_capacity(offers);
    for (i, m) in catalog.merchants.iter().enumerate() {
        let path = merchants.item(i);
        check_merchant(m, &path)?;
        let place_paths = path.key("places");
        for (j, p) in m.places.iter().enumerate() {
            if !place_ids.insert(p.id.as_str()) {
                return Err(CatalogError::at(place_paths.item(j).key("id"), format!("duplicate place id {:?}", p.id)));
            }
        }
        let place_index = PlaceIndex::new(m);
        let offer_paths = path.key("offers");
        for (j, o) in m.offers.iter().enumerate() {
            let path = offer_paths.item(j);
            if !offer_ids.insert(o.id.as_str()) {
                return Err(CatalogError::at(path.key("id"), format!("duplicate offer id {:?}", o.id)));
            }
            check_offer(o, m, &place_index, &mut |id| merchant_ids.contains(id), &path)?;
        }
    }
    Ok(())
}

pub(super) fn check_merchant(m: &Merchant, path: &DocPath<'_>) -> Result<(), CatalogError> {
    check_text(&m.name, &path.key("name"), MAX_CATALOG_SHORT_TEXT_BYTES, false)?;
    check_text(&m.category, &path.key("category"), MAX_CATALOG_SHORT_TEXT_BYTES, false)?;
    check_attributes(&m.attributes, &path.key("attributes"))?;
    let places = path.key("places");
    limit(&places, m.places.len(), MAX_PLACES_PER_MERCHANT)?;
    limit(&path.key("offers"), m.offers.len(), MAX_OFFERS_PER_MERCHANT)?;
    for (j, p) in m.places.iter().enumerate() {
        let path = places.item(j);
        check_id(&p.id, &path.key("id"))?;
        check_place(p, &path).map_err(|e| e.in_place(&p.id))?;
    }
    Ok(())
}

/// Checks a place (its id aside): its fence, with the fence index's own
/// check, and its opening hours.
fn check_place(p: &MerchantPlace, path: &DocPath<'_>) -> Result<(), CatalogError> {
    check_fence(&p.fence, &path.key("fence"))?;
    let hours = path.key("opening_hours");
    limit(&hours, p.opening_hours.len(), MAX_OPENING_HOURS_RULES)?;
    for (k, h) in p.opening_hours.iter().enumerate() {
        let path = hours.item(k);
        check_days(&h.days, &path.key("days"))?;
        check_window(h.open, h.close, ("open", "close"), &path)?;
    }
    Ok(())
}

/// Where each place of a merchant is in its list, for offers that name
/// places: a hash map for a large merchant (up to
/// [`MAX_PLACES_PER_MERCHANT`] places, named by up to
/// [`MAX_OFFERS_PER_MERCHANT`] offers), a scan for a small one.
pub(super) enum PlaceIndex<'a> {
    Scan(&'a Merchant),
    Map(HashMap<&'a str, usize>),
}

impl<'a> PlaceIndex<'a> {
    const SCAN_UP_TO: usize = 16;

    pub(super) fn new(m: &'a Merchant) -> Self {
        if m.places.len() <= Self::SCAN_UP_TO || m.offers.iter().all(|o| o.places.is_empty()) {
            PlaceIndex::Scan(m)
        } else {
            PlaceIndex::Map(m.places.iter().enumerate().map(|(j, p)| (p.id.as_str(), j)).collect())
        }
    }

    fn get(&self, place_id: &str) -> Option<usize> {
        match self {
            PlaceIndex::Scan(m) => m.places.iter().position(|p| p.id == place_id),
            PlaceIndex::Map(map) => map.get(place_id).copied(),
        }
    }
}

/// Checks an offer of `m`; `known_merchant` says whether a merchant id
/// that targeting names is one of the catalog's.
pub(super) fn check_offer(
    o: &Offer,
    m: &Merchant,
    place_index: &PlaceIndex<'_>,
    known_merchant: &mut dyn FnMut(&str) -> bool,
    path: &DocPath<'_>,
) -> Result<(), CatalogError> {
    check_id(&o.id, &path.key("id"))?;
    check_text(&o.title, &path.key("title"), MAX_CATALOG_SHORT_TEXT_BYTES, false)?;
    check_text(&o.body, &path.key("body"), MAX_OFFER_BODY_BYTES, true)?;
    check_friends_text(o, path)?;
    match o.trigger {
        Trigger::Dwell { minutes } if !(1..=MAX_DWELL_MINUTES).contains(&minutes) => {
            return Err(CatalogError::at(
                path.key("trigger").key("minutes"),
                format!("dwell of {minutes} minutes is outside 1..={MAX_DWELL_MINUTES}"),
            ));
        }
        Trigger::Nearby { radius_m } if !(radius_m.is_finite() && (1.0..=MAX_NEARBY_RADIUS_M).contains(&radius_m)) => {
            return Err(CatalogError::at(
                path.key("trigger").key("radius_m"),
                format!("nearby radius {radius_m} is outside 1..={MAX_NEARBY_RADIUS_M} m"),
            ));
        }
        _ => {}
    }
    check_schedule(&o.schedule, &path.key("schedule"))?;
    if !(1..=MAX_CLAIM_WINDOW_MINUTES).contains(&o.claim_window_minutes) {
        return Err(CatalogError::at(
            path.key("claim_window_minutes"),
            format!("{} is outside 1..={MAX_CLAIM_WINDOW_MINUTES}", o.claim_window_minutes),
        ));
    }
    let mut nodes = 0;
    check_rule(&o.targeting, known_merchant, &path.key("targeting"), 1, &mut nodes)?;
    for (name, cap) in [("total", o.caps.total), ("per_day", o.caps.per_day)] {
        if cap == Some(0) {
            return Err(CatalogError::at(
                path.key("caps").key(name),
                "a cap of 0 never lets the offer fire; remove the offer instead",
            ));
        }
    }
    if !(o.value.is_finite() && (0.0..=MAX_OFFER_VALUE).contains(&o.value)) {
        return Err(CatalogError::at(path.key("value"), format!("{} is outside 0..={MAX_OFFER_VALUE}", o.value)));
    }
    if let Some(r) = o.expected_redemption_rate.filter(|r| !(r.is_finite() && *r > 0.0 && *r < 1.0)) {
        return Err(CatalogError::at(
            path.key("expected_redemption_rate"),
            format!("{r} is not strictly between 0 and 1"),
        ));
    }
    if !(o.holdout_percent.is_finite() && (0.0..=100.0).contains(&o.holdout_percent)) {
        return Err(CatalogError::at(path.key("holdout_percent"), format!("{} is outside 0..=100", o.holdout_percent)));
    }
    let places = path.key("places");
    // Repeats: a scan of the few places before, or marks by position.
    let mut seen = vec![false; if o.places.len() > PlaceIndex::SCAN_UP_TO { m.places.len() } else { 0 }];
    for (k, place) in o.places.iter().enumerate() {
        let Some(j) = place_index.get(place) else {
            return Err(CatalogError::at(places.item(k), format!("{place:?} is not a place of merchant {:?}", m.id)));
        };
        let repeated = match seen.get_mut(j) {
            Some(mark) => std::mem::replace(mark, true),
            None => o.places[..k].contains(place),
        };
        if repeated {
            return Err(CatalogError::at(places.item(k), format!("place {place:?} is listed twice")));
        }
    }
    check_attributes(&o.attributes, &path.key("attributes"))
}

fn check_schedule(s: &Schedule, path: &DocPath<'_>) -> Result<(), CatalogError> {
    if let (Some(from), Some(until)) = (s.valid_from, s.valid_until) {
        if from >= until {
            return Err(CatalogError::at(path.key("valid_until"), format!("{until} is not after valid_from {from}")));
        }
    }
    if let Some(days) = &s.days {
        check_days(days, &path.key("days"))?;
    }
    if let Some(hours) = &s.hours {
        let path = path.key("hours");
        if hours.is_empty() {
            return Err(CatalogError::at(path, "an empty list never matches; omit the field for all day"));
        }
        limit(&path, hours.len(), MAX_SCHEDULE_WINDOWS)?;
        for (i, w) in hours.iter().enumerate() {
            check_window(w.start, w.end, ("start", "end"), &path.item(i))?;
        }
    }
    Ok(())
}

fn check_rule(
    rule: &Rule,
    known_merchant: &mut dyn FnMut(&str) -> bool,
    path: &DocPath<'_>,
    depth: usize,
    nodes: &mut usize,
) -> Result<(), CatalogError> {
    *nodes += 1;
    if *nodes > MAX_RULE_NODES {
        return Err(CatalogError::at(path, format!("the rule has more than {MAX_RULE_NODES} parts")));
    }
    if depth > MAX_RULE_DEPTH {
        return Err(CatalogError::at(path, format!("rules nest deeper than {MAX_RULE_DEPTH} levels")));
    }
    let mut check_scope = |scope: &ScopeRef, what: &str| match scope {
        ScopeRef::Merchant(id) if !known_merchant(id) => {
            Err(CatalogError::at(path.key(what).key("merchant"), format!("{id:?} is not a merchant of this catalog")))
        }
        ScopeRef::Category(c) if c.is_empty() => {
            Err(CatalogError::at(path.key(what).key("category"), "must not be empty"))
        }
        _ => Ok(()),
    };
    match rule {
        Rule::All(rules) | Rule::Any(rules) => {
            let kind = if matches!(rule, Rule::All(_)) { "all" } else { "any" };
            if rules.is_empty() && kind == "any" {
                return Err(CatalogError::at(path.key("any"), "an empty \"any\" is never true"));
            }
            let list = path.key(kind);
            for (i, r) in rules.iter().enumerate() {
                check_rule(r, known_merchant, &list.item(i), depth + 1, nodes)?;
            }
        }
        Rule::Not(r) => check_rule(r, known_merchant, &path.key("not"), depth + 1, nodes)?,
        Rule::Visits(v) => {
            check_scope(&v.scope, "visits")?;
            if !(1..=MAX_RULE_WITHIN_DAYS).contains(&v.within_days) {
                return Err(CatalogError::at(
                    path.key("visits").key("within_days"),
                    format!("{} is outside 1..={MAX_RULE_WITHIN_DAYS}", v.within_days),
                ));
            }
            check_bounds(v.min, v.max, &path.key("visits"))?;
        }
        Rule::RoutineOverdue(r) => {
            check_scope(&r.scope, "routine_overdue")?;
            if r.min_days.is_some_and(|d| !(d.is_finite() && d >= 0.0)) {
                return Err(CatalogError::at(
                    path.key("routine_overdue").key("min_days"),
                    "must be a number of days, 0 or more",
                ));
            }
        }
        Rule::StepsToday(s) => check_bounds(s.min, s.max, &path.key("steps_today"))?,
        Rule::LocalTime(w) => check_window(w.start, w.end, ("start", "end"), &path.key("local_time"))?,
        Rule::DaysOfWeek(days) => check_days(days, &path.key("days_of_week"))?,
        Rule::Speed(s) => {
            for v in [s.min_mps, s.max_mps].into_iter().flatten() {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(CatalogError::at(path.key("speed"), format!("speed {v} is not 0 or more")));
                }
            }
            check_bounds(s.min_mps, s.max_mps, &path.key("speed"))?;
        }
        Rule::FriendsVisited(f) if f.min == 0 => {
            return Err(CatalogError::at(
                path.key("friends_visited").key("min"),
                "must be at least 1 (a rule true for everyone is no rule)",
            ));
        }
        Rule::FriendsVisited(_) => {}
        Rule::Attribute(a) => {
            let path = path.key("attribute");
            check_id(&a.name, &path.key("name"))?;
            if matches!(a.value, AttributeValue::Bool(_)) && a.op.is_ordering() {
                return Err(CatalogError::at(path.key("op"), "booleans only compare with == or !="));
            }
        }
    }
    Ok(())
}

/// `min`/`max` bounds: at least one given, and `min <= max`.
fn check_bounds<T: PartialOrd + std::fmt::Display>(
    min: Option<T>,
    max: Option<T>,
    path: &DocPath<'_>,
) -> Result<(), CatalogError> {
    match (min, max) {
        (None, None) => Err(CatalogError::at(path, "give min, max or both")),
        (Some(a), Some(b)) if a > b => Err(CatalogError::at(path, format!("min {a} is greater than max {b}"))),
        _ => Ok(()),
    }
}

fn check_days(days: &[DayOfWeek], path: &DocPath<'_>) -> Result<(), CatalogError> {
    if days.is_empty() {
        return Err(CatalogError::at(path, "an empty list of days never matches"));
    }
    Ok(())
}

/// A window of local hours: `names` are its field names in the document.
fn check_window(start: LocalTime, end: LocalTime, names: (&str, &str), path: &DocPath<'_>) -> Result<(), CatalogError> {
    if start.is_end_of_day() {
        return Err(CatalogError::at(path, format!("{} 24:00 is only allowed as {}", names.0, names.1)));
    }
    if start == end {
        return Err(CatalogError::at(
            path,
            format!("{} and {} are both {start}; use 00:00 to 24:00 for all day", names.0, names.1),
        ));
    }
    Ok(())
}

/// An id (merchant, place, offer) or attribute name: not blank, at most
/// [`MAX_CATALOG_ID_BYTES`], and no control character. Ids travel in the
/// summaries the phone sends, and the backend refuses a summary whose ids
/// break any of these rules: a catalog it would break is refused here.
pub(super) fn check_id(id: &str, path: &DocPath<'_>) -> Result<(), CatalogError> {
    check_text(id, path, MAX_CATALOG_ID_BYTES, false)?;
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(CatalogError::at(path, format!("control character {c:?} in an id")));
    }
    Ok(())
}

fn check_text(text: &str, path: &DocPath<'_>, max_bytes: usize, may_be_empty: bool) -> Result<(), CatalogError> {
    if !may_be_empty && text.trim().is_empty() {
        return Err(CatalogError::at(path, "must not be empty"));
    }
    if text.len() > max_bytes {
        return Err(CatalogError::at(path, format!("{} bytes, more than the limit of {max_bytes}", text.len())));
    }
    Ok(())
}

fn check_attributes(attributes: &Attributes, path: &DocPath<'_>) -> Result<(), CatalogError> {
    limit(path, attributes.len(), MAX_ATTRIBUTES)?;
    for (name, value) in attributes {
        let at = path.key(name);
        check_id(name, &at)?;
        if let AttributeValue::Text(t) = value {
            check_text(t, &at, MAX_CATALOG_SHORT_TEXT_BYTES, true)?;
        }
    }
    Ok(())
}

pub(super) fn limit(path: &DocPath<'_>, count: usize, max: usize) -> Result<(), CatalogError> {
    if count > max {
        return Err(CatalogError::at(path, format!("{count} entries, more than the limit of {max}")));
    }
    Ok(())
}

/// An offer whose title or body holds the `{friends_visited}` placeholder
/// gives the text shown instead when the count is unknown or below the
/// threshold (`fallback_text.title` / `.body`), and that text holds no
/// placeholder itself.
fn check_friends_text(o: &Offer, path: &DocPath<'_>) -> Result<(), CatalogError> {
    use crate::domain::catalog::FRIENDS_VISITED_PLACEHOLDER as P;
    let fallback = o.fallback_text.clone().unwrap_or_default();
    let fb = path.key("fallback_text");
    for (what, text, alt, max, empty_ok) in [
        ("title", &o.title, &fallback.title, MAX_CATALOG_SHORT_TEXT_BYTES, false),
        ("body", &o.body, &fallback.body, MAX_OFFER_BODY_BYTES, true),
    ] {
        match alt {
            Some(alt) if alt.contains(P) => {
                return Err(CatalogError::at(fb.key(what), format!("the fallback text must not hold {P}")));
            }
            Some(alt) => check_text(alt, &fb.key(what), max, empty_ok)?,
            None if text.contains(P) => {
                return Err(CatalogError::at(
                    fb.key(what),
                    format!(
                        "the {what} holds {P}: give the text shown when the count is unknown or below the threshold"
                    ),
                ));
            }
            None => {}
        }
    }
    Ok(())
}
