//! Field names that betray a location or a time finer than a day. Unknown
//! fields are refused anyway; these are refused with their own error code
//! (`forbidden_field`), so that an engine bug that starts leaking positions
//! or timestamps is told plainly what it did.

/// Words that name a position, or a time of day finer than the day itself.
const FORBIDDEN_WORDS: &[&str] = &[
    // Positions.
    "lat",
    "latitude",
    "lon",
    "lng",
    "long",
    "longitude",
    "coord",
    "coords",
    "coordinate",
    "coordinates",
    "geo",
    "geohash",
    "geometry",
    "location",
    "locations",
    "loc",
    "position",
    "pos",
    "point",
    "points",
    "altitude",
    "alt",
    "accuracy",
    "bearing",
    "heading",
    "fix",
    "fixes",
    "wkt",
    "geojson",
    // Times finer than a day.
    "timestamp",
    "timestamps",
    "ts",
    "time",
    "times",
    "datetime",
    "hour",
    "minute",
    "second",
    "seconds",
    "ms",
    "millis",
    "epoch",
    "at",
    "clock",
];

/// Whether `name` reads as a coordinate or a timestamp: one of its words
/// (split on `_`, `-`, `.`, spaces, digits and camelCase humps, compared
/// case-insensitively) is a forbidden word, or it ends in `at`/`time` glued
/// to a verb as in `createdat`.
pub fn is_forbidden(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if ["edat", "time", "stamp"].iter().any(|suffix| lower.ends_with(suffix)) {
        return true;
    }
    words(name).any(|w| FORBIDDEN_WORDS.contains(&w.as_str()))
}

fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphabetic() {
            out.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase();
        current.push(c.to_ascii_lowercase());
    }
    out.push(current);
    out.into_iter().filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_times_are_forbidden() {
        for name in [
            "lat",
            "LAT",
            "lon",
            "lng",
            "latitude",
            "Longitude",
            "home_lat",
            "homeLat",
            "coords",
            "coordinates",
            "geo",
            "location",
            "lastLocation",
            "position",
            "accuracy",
            "altitude",
            "timestamp",
            "ts",
            "time",
            "start_time",
            "startTime",
            "visited_at",
            "visitedAt",
            "createdat",
            "hour",
            "epoch_ms",
            "datetime",
            "first-seen-at",
            "geometry",
        ] {
            assert!(is_forbidden(name), "{name} should be forbidden");
        }
    }

    #[test]
    fn ordinary_names_are_not() {
        for name in [
            "steps",
            "goal_met",
            "merchants",
            "merchant_id",
            "visits",
            "minutes",
            "offers",
            "offer_id",
            "held_out",
            "category",
            "relative",
            "platform",
            "note",
            "dwell_minutes",
            "favourite",
            "noise",
            "mechanism",
            "epsilon",
        ] {
            assert!(!is_forbidden(name), "{name} should not be forbidden");
        }
    }
}
