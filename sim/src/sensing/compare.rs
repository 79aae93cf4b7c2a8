//! Matching the adaptive replay's events against the dense replay's: each
//! offer trigger (by offer), visit start and end, and on-the-way reminder
//! (by place) of the dense replay is matched to an unmatched one of the
//! same kind and key within [`MATCH_WINDOW_MS`], or missed; what is left of
//! the adaptive replay is extra. History lines (before the scenario's
//! start) are left out: both replays share them.

use crate::timeline::Line;
use kairos_core::Timestamp;
use serde_json::Value;

/// Two events match when they are at most this far apart.
pub const MATCH_WINDOW_MS: i64 = 60_000;

/// The kinds compared, with the field that must agree.
const COMPARED: [(&str, Option<&str>); 4] = [
    ("offer_triggered", Some("offer_id")),
    ("visit_started", None),
    ("visit_ended", None),
    ("on_the_way_reminder", Some("place_id")),
];

/// One compared event, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Its time.
    pub at: Timestamp,
    /// Its kind.
    pub kind: String,
    /// Its key (offer id, place id), if the kind has one.
    pub key: Option<String>,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matching {
    /// Pairs found, with the adaptive event's delay (ms, negative: earlier).
    pub matched: Vec<(Compared, i64)>,
    /// Dense events with no partner.
    pub missed: Vec<Compared>,
    /// Adaptive events with no partner.
    pub extra: Vec<Compared>,
}

impl Matching {
    /// Share of the dense replay's events kept (1 when it had none).
    pub fn kept_share(&self) -> f64 {
        let total = self.matched.len() + self.missed.len();
        if total == 0 {
            1.0
        } else {
            self.matched.len() as f64 / total as f64
        }
    }

    /// Extra offer triggers: offers the shopper would have seen only
    /// because of adaptive sensing.
    pub fn extra_offers(&self) -> usize {
        self.extra.iter().filter(|c| c.kind == "offer_triggered").count()
    }
}

fn compared(lines: &[Line]) -> Vec<Compared> {
    lines
        .iter()
        .filter(|l| !l.history)
        .filter_map(|l| {
            let (kind, key) = COMPARED.iter().find(|(k, _)| *k == l.kind)?;
            let key = key.map(|k| l.field(k).and_then(Value::as_str).unwrap_or_default().to_string());
            Some(Compared { at: l.at, kind: kind.to_string(), key })
        })
        .collect()
}

/// Matches `adaptive`'s events against `dense`'s.
pub fn compare(dense: &[Line], adaptive: &[Line]) -> Matching {
    let mut rest = compared(adaptive);
    let mut m = Matching::default();
    for d in compared(dense) {
        let partner = rest
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind == d.kind && a.key == d.key && (a.at.since(d.at)).abs() <= MATCH_WINDOW_MS)
            .min_by_key(|(_, a)| (a.at.since(d.at)).abs())
            .map(|(i, _)| i);
        match partner {
            Some(i) => {
                let a = rest.remove(i);
                let delay = a.at.since(d.at);
                m.matched.push((d, delay));
            }
            None => m.missed.push(d),
        }
    }
    m.extra = rest;
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn line(s: i64, kind: &str, offer: Option<&str>) -> Line {
        let mut fields = Map::new();
        if let Some(o) = offer {
            fields.insert("offer_id".into(), json!(o));
        }
        Line::sim(Timestamp(1_800_000_000_000 + s * 1000), kind, fields)
    }

    #[test]
    fn events_match_by_kind_and_key_within_a_minute_and_the_rest_is_missed_or_extra() {
        let dense =
            [line(0, "offer_triggered", Some("a")), line(100, "visit_started", None), line(500, "visit_ended", None)];
        let adaptive = [
            line(30, "offer_triggered", Some("a")),
            line(170, "visit_started", None),
            line(520, "visit_ended", None),
            line(600, "offer_triggered", Some("b")),
            line(700, "fence_entered", None),
        ];
        let m = compare(&dense, &adaptive);
        assert_eq!(m.matched.len(), 2, "{m:?}");
        assert_eq!(m.matched[0].1, 30_000);
        assert_eq!(m.missed.len(), 1, "70 s late is a miss");
        assert_eq!(m.extra.len(), 2, "the late visit start and offer b: {m:?}");
        assert_eq!(m.extra_offers(), 1);
        assert!((m.kept_share() - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn another_offer_at_the_same_time_is_no_match() {
        let m = compare(&[line(0, "offer_triggered", Some("a"))], &[line(0, "offer_triggered", Some("b"))]);
        assert_eq!((m.matched.len(), m.missed.len(), m.extra.len()), (0, 1, 1));
    }
}
