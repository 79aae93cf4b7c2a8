//! Places: where visits cluster. Ids are stable (the database row id) and
//! never reused. Home and work are inferred on the device from when visits
//! happen, and every learned place is private until a catalog fence
//! covers it (home and work for good).

use crate::domain::geo::distance_m;
use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::policy;
use chrono::{Datelike, Timelike, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// What the engine believes a place is to the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// Where most nights are spent.
    Home,
    /// Where most weekday working hours are spent, other than home.
    Work,
    /// Any other place.
    Other,
}

impl PlaceKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Home => "home",
            PlaceKind::Work => "work",
            PlaceKind::Other => "other",
        }
    }
    pub(crate) fn parse(s: &str) -> PlaceKind {
        match s {
            "home" => PlaceKind::Home,
            "work" => PlaceKind::Work,
            _ => PlaceKind::Other,
        }
    }
}

/// A place learned from visits. Private: it never leaves the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Stable id.
    pub id: i64,
    /// Centre latitude (mean of its visits' centres).
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Home, work or other.
    pub kind: PlaceKind,
    /// Whether the place is private. Every learned place is, until a later
    /// catalog match makes it a merchant's place.
    pub private: bool,
    /// Completed visits.
    pub visit_count: u32,
    /// Total minutes of completed visits.
    pub total_minutes: i64,
    /// First arrival.
    pub first_seen: Timestamp,
    /// Last departure (or arrival, while the first visit is under way).
    pub last_seen: Timestamp,
}

/// One visit: a stay of at least the dwell threshold at a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Stable id.
    pub id: i64,
    /// The place visited.
    pub place_id: i64,
    /// First fix of the stay.
    pub arrived_at: Timestamp,
    /// Last fix inside the stay; `None` while the visit is under way.
    pub departed_at: Option<Timestamp>,
    /// Centre of the stay.
    pub lat: f64,
    /// Centre of the stay.
    pub lon: f64,
}

/// The engine's in-memory index of places, for matching a new stay to a
/// known place and for telling private places from merchants' places.
/// Loaded at open and kept in step with the store.
#[derive(Debug, Clone, Default)]
pub struct PlaceBook {
    /// `(id, lat, lon, whose)`.
    places: Vec<(i64, f64, f64, Whose)>,
}

/// Whose a learned place is, as far as the engine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    /// Home or work: private, even inside a fence.
    Own,
    /// Learned where the catalog in force had no fence: private until a
    /// catalog brings a fence over its centre (see [`PlaceBook::match_fences`]).
    Unmatched,
    /// A catalog merchant's place.
    Merchant,
}

/// Where a stay that begins belongs (the rule of `docs/geofencing.md`,
/// "Private places").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StayPlace {
    /// At this private place: the stay is never a merchant's.
    Private(i64),
    /// At this known merchant's place: match it to the catalog.
    Known(i64),
    /// At a new place: learn it, and match it to the catalog.
    New,
}

impl PlaceBook {
    /// Builds the index from `(id, lat, lon)` rows, none private.
    #[cfg(test)]
    pub fn new(places: Vec<(i64, f64, f64)>) -> Self {
        PlaceBook { places: places.into_iter().map(|(id, lat, lon)| (id, lat, lon, Whose::Merchant)).collect() }
    }
    /// Builds the index from the stored places: home, work and every place
    /// no merchant's are private.
    pub fn from_places(places: &[Place]) -> Self {
        let whose = |p: &Place| match (p.kind, p.private) {
            (PlaceKind::Home | PlaceKind::Work, _) => Whose::Own,
            (PlaceKind::Other, true) => Whose::Unmatched,
            (PlaceKind::Other, false) => Whose::Merchant,
        };
        PlaceBook { places: places.iter().map(|p| (p.id, p.lat, p.lon, whose(p))).collect() }
    }
    /// The nearest place within the merge radius of `(lat, lon)`.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<i64> {
        self.nearest_with_distance(lat, lon).map(|(id, _, _)| id)
    }
    fn nearest_with_distance(&self, lat: f64, lon: f64) -> Option<(i64, f64, bool)> {
        self.places
            .iter()
            .map(|&(id, plat, plon, whose)| (id, distance_m(lat, lon, plat, plon), whose != Whose::Merchant))
            .filter(|&(_, d, _)| d <= policy::PLACE_MERGE_RADIUS_M)
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
    /// Where a stay beginning with centre `(lat, lon)` belongs;
    /// `in_fence` says whether the centre is within a catalog fence's
    /// matching margin. A stay at a private place stays private unless its
    /// centre is inside a fence and more than
    /// [`policy::PRIVATE_PLACE_RADIUS_M`] from the place's centre: then it
    /// is a shop next to (or below) that place, learned apart from it.
    pub fn stay_place(&self, lat: f64, lon: f64, in_fence: bool) -> StayPlace {
        match self.nearest_with_distance(lat, lon) {
            None => StayPlace::New,
            Some((id, _, false)) => StayPlace::Known(id),
            Some((_, d, true)) if in_fence && d > policy::PRIVATE_PLACE_RADIUS_M => StayPlace::New,
            Some((id, _, true)) => StayPlace::Private(id),
        }
    }
    /// Whether a private place's centre lies within `within_m` of
    /// `(lat, lon)`.
    pub fn private_within(&self, lat: f64, lon: f64, within_m: f64) -> bool {
        self.private_centres().any(|(plat, plon)| distance_m(lat, lon, plat, plon) <= within_m)
    }
    /// The centres of the private places.
    pub fn private_centres(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.places.iter().filter(|p| p.3 != Whose::Merchant).map(|p| (p.1, p.2))
    }
    /// Adds a place (private: learned where no fence was known; or a
    /// merchant's) or moves one (keeping whose it is).
    pub fn upsert(&mut self, id: i64, lat: f64, lon: f64, private: bool) {
        match self.places.iter_mut().find(|p| p.0 == id) {
            Some(p) => (p.1, p.2) = (lat, lon),
            None => self.places.push((id, lat, lon, if private { Whose::Unmatched } else { Whose::Merchant })),
        }
    }
    /// Marks a place the shopper's own (it became home or work): private
    /// for good, even inside a fence.
    pub fn set_own(&mut self, id: i64) {
        if let Some(p) = self.places.iter_mut().find(|p| p.0 == id) {
            p.3 = Whose::Own;
        }
    }
    /// Makes every place learned where no fence was known, whose centre a
    /// catalog now in force covers (`covered`: within the merchant-visit
    /// margin of one of its fences), that merchant's place; returns their
    /// ids. The catalog was not there when the place was learned (a shop
    /// added later, or a tile that arrived after the shopper stayed in
    /// it): had it been, the place would have been the merchant's from its
    /// first stay, so the engine decides now as it would have then. Home
    /// and work stay private; a merchant's place whose fence has gone
    /// (an evicted tile) stays a merchant's, with no fence to match.
    pub fn match_fences(&mut self, mut covered: impl FnMut(f64, f64) -> bool) -> Vec<i64> {
        let mut matched = Vec::new();
        for p in self.places.iter_mut().filter(|p| p.3 == Whose::Unmatched) {
            if covered(p.1, p.2) {
                p.3 = Whose::Merchant;
                matched.push(p.0);
            }
        }
        matched
    }
    /// Removes every place.
    pub fn clear(&mut self) {
        self.places.clear();
    }
}

/// Whether local hour `h` lies in `[start, end)`, a range that may wrap
/// past midnight.
pub fn in_hours(h: u32, (start, end): (u32, u32)) -> bool {
    if start <= end {
        h >= start && h < end
    } else {
        h >= start || h < end
    }
}

/// Minutes of `[from, to)` that fall in night hours, and in weekday working
/// hours, in local time `tz`. Counted minute by minute (a visit is at most
/// days long), so DST days are exact.
pub fn classify_minutes(from: Timestamp, to: Timestamp, tz: Tz) -> (i64, i64) {
    let (mut night, mut work) = (0, 0);
    let mut t = from.0 - from.0.rem_euclid(MINUTE_MS);
    // Cap the work at 31 days of minutes; longer visits are not plausible.
    let end = to.0.min(from.0 + 31 * 24 * 60 * MINUTE_MS);
    while t < end {
        let local = Timestamp(t).in_tz(tz);
        let h = local.hour();
        if in_hours(h, policy::NIGHT_HOURS) {
            night += 1;
        }
        let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        if weekday && in_hours(h, policy::WORK_HOURS) {
            work += 1;
        }
        t += MINUTE_MS;
    }
    (night, work)
}

/// What a visit given whole by the app is, against the stored visits it
/// overlaps.
#[derive(Debug, Clone, PartialEq)]
pub enum GivenVisit {
    /// Not recorded yet: record it.
    New,
    /// A stored visit at the same place, arriving and departing within
    /// [`policy::RECORD_VISIT_DUPLICATE_SLACK_MS`]: ignore it.
    Repeat,
    /// It overlaps another stored visit: refuse it, for this reason.
    Overlaps(String),
}

/// Classifies a visit at `place` (the known place it would join, if any)
/// over `[arrived, departed]`, given the stored visits that overlap it.
pub fn given_visit(overlapping: &[Visit], place: Option<i64>, arrived: Timestamp, departed: Timestamp) -> GivenVisit {
    let slack = policy::RECORD_VISIT_DUPLICATE_SLACK_MS;
    let repeat = overlapping.iter().any(|v| {
        Some(v.place_id) == place
            && v.arrived_at.since(arrived).abs() <= slack
            && v.departed_at.is_some_and(|d| d.since(departed).abs() <= slack)
    });
    if repeat {
        return GivenVisit::Repeat;
    }
    match overlapping.first() {
        None => GivenVisit::New,
        Some(v) => {
            let until = v.departed_at.map_or("now (under way)".to_string(), |d| d.to_string());
            GivenVisit::Overlaps(format!(
                "it overlaps visit {} (from {} to {until}); only visits not already recorded may be added",
                v.id, v.arrived_at
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn night_and_work_minutes() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        // Tuesday 2026-11-24 21:00 to Wednesday 10:00 local.
        let from = Timestamp::parse_rfc3339("2026-11-24T21:00:00+01:00").unwrap();
        let to = Timestamp::parse_rfc3339("2026-11-25T10:00:00+01:00").unwrap();
        let (night, work) = classify_minutes(from, to, tz);
        assert_eq!(night, 8 * 60);
        assert_eq!(work, 60);
    }

    #[test]
    fn a_stay_at_a_private_place_is_private_unless_inside_a_fence_and_away_from_its_centre() {
        let home = Place {
            id: 1,
            lat: 37.340135,
            lon: -121.89,
            kind: PlaceKind::Home,
            private: false,
            visit_count: 4,
            total_minutes: 3_000,
            first_seen: Timestamp(0),
            last_seen: Timestamp(0),
        };
        let book = PlaceBook::from_places(&[home]);
        // 15 m from home's centre, inside the shop's fence: still home.
        assert_eq!(book.stay_place(37.34, -121.89, true), StayPlace::Private(1));
        // 60 m away, inside the fence: the shop, apart from home.
        assert_eq!(book.stay_place(37.339595, -121.89, true), StayPlace::New);
        // 60 m away, in no fence: home (the merge radius).
        assert_eq!(book.stay_place(37.339595, -121.89, false), StayPlace::Private(1));
        assert!(book.private_within(37.34, -121.89, 20.0) && !book.private_within(37.34, -121.89, 10.0));
        let mut merchant = PlaceBook::new(vec![(2, 37.34, -121.89)]);
        assert_eq!(merchant.stay_place(37.34, -121.89, true), StayPlace::Known(2));
        merchant.set_own(2);
        assert_eq!(merchant.stay_place(37.34, -121.89, true), StayPlace::Private(2));
    }

    #[test]
    fn a_place_learned_before_its_fence_arrived_becomes_the_merchants_but_home_never_does() {
        let place = |id, kind, private| Place {
            id,
            lat: 37.34,
            lon: -121.89 + id as f64 * 0.01,
            kind,
            private,
            visit_count: 1,
            total_minutes: 10,
            first_seen: Timestamp(0),
            last_seen: Timestamp(0),
        };
        let mut book = PlaceBook::from_places(&[
            place(1, PlaceKind::Home, true),
            place(2, PlaceKind::Other, true),
            place(3, PlaceKind::Other, true),
        ]);
        let shop = |id: i64| (37.34, -121.89 + id as f64 * 0.01);
        assert_eq!(book.stay_place(shop(2).0, shop(2).1, true), StayPlace::Private(2));
        // A catalog now covers home and place 2, not place 3.
        let covered = |lat: f64, lon: f64| [shop(1), shop(2)].iter().any(|&(a, b)| a == lat && b == lon);
        assert_eq!(book.match_fences(covered), vec![2]);
        assert_eq!(book.stay_place(shop(2).0, shop(2).1, true), StayPlace::Known(2));
        assert_eq!(book.stay_place(shop(1).0, shop(1).1, true), StayPlace::Private(1));
        assert_eq!(book.stay_place(shop(3).0, shop(3).1, false), StayPlace::Private(3));
        assert!(!book.private_within(shop(2).0, shop(2).1, 1.0));
        assert!(book.private_within(shop(1).0, shop(1).1, 1.0));
    }

    #[test]
    fn nearest_respects_merge_radius() {
        let book = PlaceBook::new(vec![(1, 34.0, -118.0), (2, 34.01, -118.0)]);
        assert_eq!(book.nearest(34.0003, -118.0), Some(1));
        assert_eq!(book.nearest(34.005, -118.0), None);
    }
}
