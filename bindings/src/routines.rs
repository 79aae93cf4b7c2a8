//! Routines: regular visits to a place or to a category of catalog
//! merchants, learned on the device (`docs/routines.md`).

use crate::time::from_core;
use crate::visits::PlaceKind;
use kairos_core::catalog::DayOfWeek;
use std::time::SystemTime;

/// Whose routine it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RoutineSubject {
    /// Visits to one learned place (see `Engine.places`). Private: never
    /// leaves the device.
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

/// Whether a routine may ever leave the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RoutinePrivacy {
    /// Never leaves the device (routines over learned places).
    DeviceOnly,
    /// May be summarised with the shopper's `Visits` consent (routines over
    /// catalog categories only).
    Summarisable,
}

/// Where a routine stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RoutineStatus {
    /// The next visit is not yet overdue.
    OnTrack,
    /// The expected visit is past its tolerance and has not happened.
    Overdue,
    /// Several cycles in a row were missed: dormant (no events, reminders
    /// or targeting) until the next visit.
    Lapsed,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<DayOfWeek> for Weekday {
    fn from(d: DayOfWeek) -> Self {
        match d {
            DayOfWeek::Mon => Weekday::Monday,
            DayOfWeek::Tue => Weekday::Tuesday,
            DayOfWeek::Wed => Weekday::Wednesday,
            DayOfWeek::Thu => Weekday::Thursday,
            DayOfWeek::Fri => Weekday::Friday,
            DayOfWeek::Sat => Weekday::Saturday,
            DayOfWeek::Sun => Weekday::Sunday,
        }
    }
}

/// A local time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct TimeOfDay {
    /// Hour, 0–23.
    pub hour: i32,
    /// Minute, 0–59.
    pub minute: i32,
}

/// A routine as it stands at the instant `Engine.routines(now)` was asked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Routine {
    /// Stable id, as events name it: `place:12`, `category:grocery`.
    pub id: String,
    /// Whose routine it is.
    pub subject: RoutineSubject,
    /// For a place routine: what the place is to the shopper.
    pub place_kind: Option<PlaceKind>,
    /// For a place routine at a catalog merchant's place: the merchant.
    pub merchant_id: Option<String>,
    /// Whether it may ever leave the device.
    pub privacy: RoutinePrivacy,
    /// The period, in days (7.0 for weekly).
    pub period_days: f64,
    /// How regular the visits are, in (0, 1].
    pub regularity: f64,
    /// Visits counted for the routine.
    pub visits: i32,
    /// The usual day of the week, when the period is whole weeks and one
    /// day holds at least half the visits.
    pub usual_weekday: Option<Weekday>,
    /// The usual local time of arrival, to five minutes.
    pub usual_time: TimeOfDay,
    /// In words, for the app to show: `weekly, Thursdays around 18:00`.
    pub description: String,
    /// Arrival of the latest visit.
    pub last_visit_at: SystemTime,
    /// When the next visit is expected (the missed one while overdue).
    pub next_expected_at: SystemTime,
    /// From this instant on, the expected visit is overdue.
    pub overdue_at: SystemTime,
    /// Where the routine stands.
    pub status: RoutineStatus,
    /// Local calendar days from the expected visit's day to today when
    /// overdue or lapsed; otherwise zero or minus the days until it.
    pub days_overdue: i32,
    /// Consecutive cycles missed (0 while on track).
    pub cycles_missed: i32,
}

impl From<kairos_core::Routine> for Routine {
    fn from(r: kairos_core::Routine) -> Self {
        let description = r.describe();
        let minutes = i32::try_from(r.usual_time.minutes()).unwrap_or(0);
        Routine {
            id: r.id,
            subject: match r.subject {
                kairos_core::RoutineSubject::Place { place_id } => RoutineSubject::Place { place_id },
                kairos_core::RoutineSubject::Category { category } => RoutineSubject::Category { category },
            },
            place_kind: r.place_kind.map(Into::into),
            merchant_id: r.merchant_id,
            privacy: match r.privacy {
                kairos_core::RoutinePrivacy::DeviceOnly => RoutinePrivacy::DeviceOnly,
                kairos_core::RoutinePrivacy::Summarisable => RoutinePrivacy::Summarisable,
            },
            period_days: r.period_days,
            regularity: r.regularity,
            visits: i32::try_from(r.visits).unwrap_or(i32::MAX),
            usual_weekday: r.usual_weekday.map(Into::into),
            usual_time: TimeOfDay { hour: (minutes / 60) % 24, minute: minutes % 60 },
            description,
            last_visit_at: from_core(r.last_visit_at),
            next_expected_at: from_core(r.next_expected_at),
            overdue_at: from_core(r.overdue_at),
            status: match r.status {
                kairos_core::RoutineStatus::OnTrack => RoutineStatus::OnTrack,
                kairos_core::RoutineStatus::Overdue => RoutineStatus::Overdue,
                kairos_core::RoutineStatus::Lapsed => RoutineStatus::Lapsed,
            },
            days_overdue: r.days_overdue,
            cycles_missed: i32::try_from(r.cycles_missed).unwrap_or(i32::MAX),
        }
    }
}
