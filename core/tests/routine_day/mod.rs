//! The canonical day's grocery routine, set up through the engine: a signed
//! catalog with a grocery store 250 m off the road home, six Thursday
//! visits at about 18:00 (the last on Thursday 19 November 2026, nine days
//! before the canonical Saturday 28 November), and nights at home.
#![allow(dead_code)]

use crate::offer_common::{at_xy, catalog, engine_with, signed, t, Key, TZ};
use kairos_core::{Engine, Event, EventKind, LocationFix, Timestamp};
use serde_json::{json, Value};

/// The grocery store's centre, metres east and north of the origin.
pub const GROCERY: (f64, f64) = (3000.0, 250.0);
/// The store's fence radius.
pub const GROCERY_RADIUS_M: f64 = 60.0;
/// Home, at the end of the road.
pub const HOME: (f64, f64) = (6000.0, 0.0);

/// The grocery merchant (category `grocery`, open 07:00–22:00) with `offers`.
pub fn grocery(offers: Vec<Value>) -> Value {
    let (lat, lon) = at_xy(GROCERY.0, GROCERY.1);
    json!({"id": "fresh-market", "name": "Fresh Market", "category": "grocery", "time_zone": TZ,
           "places": [{"id": "fresh-market-place",
                       "fence": {"type": "circle", "lat": lat, "lon": lon, "radius_m": GROCERY_RADIUS_M},
                       "opening_hours": [{"days": ["mon","tue","wed","thu","fri","sat","sun"],
                                          "open": "07:00", "close": "22:00"}]}],
           "offers": offers})
}

/// The six Thursday arrivals (a few minutes around 18:00, across the end of
/// DST on 1 November), oldest first.
pub fn thursdays() -> Vec<Timestamp> {
    [
        "2026-10-15T18:00:00-07:00",
        "2026-10-22T18:10:00-07:00",
        "2026-10-29T17:50:00-07:00",
        "2026-11-05T18:05:00-08:00",
        "2026-11-12T17:55:00-08:00",
        "2026-11-19T18:00:00-08:00",
    ]
    .iter()
    .map(|s| t(s))
    .collect()
}

/// An engine with the catalog loaded and the history recorded through
/// `record_visit`: the Thursdays at the store (40 minutes each) and nights
/// at `home` from the 19th to the 26th of November (20:30 to 07:30 the next
/// morning), so the clock stands at Friday 27 November 07:30.
pub fn engine_with_history(dir: &std::path::Path, key: &Key, home: (f64, f64), offers: Vec<Value>) -> Engine {
    let e = engine_with(dir, key);
    e.load_catalog(&signed(&catalog(1, vec![grocery(offers)]), key), t("2026-11-01T12:00:00-08:00")).unwrap();
    let mut visits: Vec<((f64, f64), Timestamp, Timestamp)> =
        thursdays().into_iter().map(|a| (GROCERY, a, a.plus_millis(40 * 60_000))).collect();
    for d in 19..27 {
        let from = t(&format!("2026-11-{d}T20:30:00-08:00"));
        visits.push((home, from, from.plus_millis(11 * 3_600_000)));
    }
    visits.sort_by_key(|v| v.1);
    for ((x, y), arrived, departed) in visits {
        let (lat, lon) = at_xy(x, y);
        let ev = e.record_visit(lat, lon, arrived, departed).unwrap();
        assert!(ev.iter().any(|e| matches!(e.kind, EventKind::VisitEnded { .. })), "{ev:?}");
    }
    e
}

/// A straight trip from `from` to `to` at `speed` m/s, a fix every 5 s.
pub fn trip(start: Timestamp, from: (f64, f64), to: (f64, f64), speed: f64) -> Vec<LocationFix> {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = dx.hypot(dy);
    let secs = (len / speed) as i64;
    (0..=secs / 5)
        .map(|i| {
            let s = (i * 5) as f64;
            let k = (speed * s / len).min(1.0);
            let (lat, lon) = at_xy(from.0 + dx * k, from.1 + dy * k);
            let mut f = LocationFix::new(start.plus_millis(i * 5_000), lat, lon, 8.0);
            f.speed_mps = Some(speed);
            f
        })
        .collect()
}

/// The on-the-way reminders among `events`.
pub fn reminders(events: &[Event]) -> Vec<&Event> {
    events.iter().filter(|e| matches!(e.kind, EventKind::OnTheWayReminder { .. })).collect()
}

/// The routine-overdue events among `events`: `(routine id, at, days overdue)`.
pub fn overdue(events: &[Event]) -> Vec<(String, Timestamp, i32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RoutineOverdue { routine_id, days_overdue, .. } => {
                Some((routine_id.clone(), e.at, *days_overdue))
            }
            _ => None,
        })
        .collect()
}

/// Distance from `(x, y)` to the grocery's fence, metres.
pub fn to_fence(x: f64, y: f64) -> f64 {
    (x - GROCERY.0).hypot(y - GROCERY.1) - GROCERY_RADIUS_M
}
