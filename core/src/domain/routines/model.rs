//! The public face of a routine: whose it is, whether it may ever be
//! summarised, and its timing as `Engine::routines` reports it.

use crate::domain::catalog::{DayOfWeek, LocalTime};
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use serde::{Deserialize, Serialize};

/// Whose routine it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoutineSubject {
    /// Visits to one learned place. Private: the place may be home, work, or
    /// any place not in the catalog, and even a shop's learned place carries
    /// the shopper's own coordinates.
    Place {
        /// The learned place.
        place_id: i64,
    },
    /// Visits to any catalog merchant of one category (`"grocery"`).
    Category {
        /// The catalog category.
        category: String,
    },
}

/// Whether a routine may ever leave the device, even in a consented
/// summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutinePrivacy {
    /// Never leaves the device (routines over learned places).
    DeviceOnly,
    /// May be summarised, with the shopper's `visits` consent (routines over
    /// catalog merchant categories only).
    Summarisable,
}

impl RoutineSubject {
    /// The routine's stable id: `place:<id>` or `category:<name>`.
    pub fn id(&self) -> String {
        match self {
            RoutineSubject::Place { place_id } => format!("place:{place_id}"),
            RoutineSubject::Category { category } => format!("category:{category}"),
        }
    }

    /// The subject named by a routine id, if it is one.
    pub fn parse(id: &str) -> Option<Self> {
        if let Some(n) = id.strip_prefix("place:") {
            return n.parse().ok().map(|place_id| RoutineSubject::Place { place_id });
        }
        id.strip_prefix("category:").map(|c| RoutineSubject::Category { category: c.to_string() })
    }

    /// The subject as the routine table's columns: `(place_id, category)`.
    pub fn columns(&self) -> (Option<i64>, Option<&str>) {
        match self {
            RoutineSubject::Place { place_id } => (Some(*place_id), None),
            RoutineSubject::Category { category } => (None, Some(category.as_str())),
        }
    }

    /// Whether the routine may be summarised: only catalog categories are.
    pub fn privacy(&self) -> RoutinePrivacy {
        match self {
            RoutineSubject::Place { .. } => RoutinePrivacy::DeviceOnly,
            RoutineSubject::Category { .. } => RoutinePrivacy::Summarisable,
        }
    }
}

/// Where a routine stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineStatus {
    /// The next visit is not yet overdue.
    OnTrack,
    /// The expected visit is past its tolerance and has not happened.
    Overdue,
    /// Several cycles in a row were missed: the routine is dormant (no
    /// events, reminders or targeting) until the next visit.
    Lapsed,
}

/// A routine: regular visits to a place or a category, as learned on the
/// device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routine {
    /// Stable id (`place:12`, `category:grocery`).
    pub id: String,
    /// Whose routine it is.
    pub subject: RoutineSubject,
    /// For a place routine: what the place is to the shopper.
    pub place_kind: Option<PlaceKind>,
    /// For a place routine at a catalog merchant's place: the merchant.
    pub merchant_id: Option<String>,
    /// Whether it may ever be summarised.
    pub privacy: RoutinePrivacy,
    /// The period, in days (7.0 for weekly).
    pub period_days: f64,
    /// How regular the visits are, in `(0, 1]`: the share of cycles with a
    /// visit times the share of visits that fall on the cycle.
    pub regularity: f64,
    /// Visits counted for the routine (all of them, not only the window).
    pub visits: u32,
    /// The usual day of the week, for periods of whole weeks when one day
    /// holds at least half the visits on the cycle.
    pub usual_weekday: Option<DayOfWeek>,
    /// The usual local time of arrival, to five minutes.
    pub usual_time: LocalTime,
    /// Arrival of the latest visit.
    pub last_visit_at: Timestamp,
    /// When the next visit is expected (the missed one while overdue).
    pub next_expected_at: Timestamp,
    /// From this instant on, the expected visit is overdue.
    pub overdue_at: Timestamp,
    /// Where the routine stands.
    pub status: RoutineStatus,
    /// Local calendar days from the expected visit's day to today when
    /// overdue (or lapsed); otherwise zero or minus the days until it.
    pub days_overdue: i32,
    /// Consecutive cycles missed (0 while on track).
    pub cycles_missed: u32,
}

impl Routine {
    /// A short description: `"weekly, Thursdays around 18:00"`.
    pub fn describe(&self) -> String {
        let p = self.period_days;
        let weeks = (p / 7.0).round();
        let every = if (p - 1.0).abs() < 0.25 {
            "daily".to_string()
        } else if weeks >= 1.0 && (p - 7.0 * weeks).abs() <= 0.5 {
            match weeks as u32 {
                1 => "weekly".to_string(),
                2 => "every two weeks".to_string(),
                n => format!("every {n} weeks"),
            }
        } else {
            format!("every {} days", (p * 2.0).round() / 2.0)
        };
        match self.usual_weekday {
            Some(d) => format!("{every}, {}s around {}", weekday_name(d), self.usual_time),
            None => format!("{every}, around {}", self.usual_time),
        }
    }
}

fn weekday_name(d: DayOfWeek) -> &'static str {
    match d {
        DayOfWeek::Mon => "Monday",
        DayOfWeek::Tue => "Tuesday",
        DayOfWeek::Wed => "Wednesday",
        DayOfWeek::Thu => "Thursday",
        DayOfWeek::Fri => "Friday",
        DayOfWeek::Sat => "Saturday",
        DayOfWeek::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_only_categories_are_summarisable() {
        for s in [RoutineSubject::Place { place_id: 12 }, RoutineSubject::Category { category: "grocery".into() }] {
            assert_eq!(RoutineSubject::parse(&s.id()), Some(s.clone()));
        }
        assert_eq!(RoutineSubject::Place { place_id: 1 }.privacy(), RoutinePrivacy::DeviceOnly);
        assert_eq!(RoutineSubject::Category { category: "x".into() }.privacy(), RoutinePrivacy::Summarisable);
        assert_eq!(RoutineSubject::parse("place:x"), None);
        assert_eq!(RoutineSubject::parse("merchant:m"), None);
    }
}
