//! Visit detection: the streaming stay-point detector and the places that
//! visits cluster into.

mod detector;
mod places;
mod scatter;
#[cfg(test)]
mod scatter_tests;

pub use detector::{StayDetector, StayEvent, StayParams};
pub use places::{classify_minutes, given_visit, in_hours, GivenVisit, Place, PlaceBook, PlaceKind, StayPlace, Visit};
