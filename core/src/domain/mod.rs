//! The domain layer: pure types and pure logic. Nothing here touches SQLite,
//! the file system or the network; the store persists these types and the
//! engine drives them.
//!
//! | module | concern |
//! | --- | --- |
//! | [`time`], [`geo`] | timestamps and local days (DST-correct); distances and a local frame |
//! | [`location`] | fixes, validation, the ordering/duplicate/jump filter |
//! | [`visits`] | streaming stay detection, places, home and work |
//! | [`steps`] | counter and interval samples, daily totals, inactivity |
//! | [`routines`] | regular visits: period, next expected visit, overdue, on-the-way reminders |
//! | [`fences`] | geofences: the R-tree index over every fence, enter/dwell/exit tracking |
//! | [`catalog`] | the signed offer catalog: format, verification, schedules, targeting |
//! | [`offers`] | the catalog in force, decisions, ranking, caps and manners, holdout |
//! | [`privacy`] | sealing, consent purposes, daily summaries, local differential privacy |
//! | [`sensing`] | the sensing plan: what to ask of the platform's location services next |
//! | [`event`] | what the engine tells the app |
//! | [`track`] | track files (CSV, GPX, GeoJSON) and synthetic tracks with ground truth |

pub mod catalog;
pub mod event;
pub mod fences;
pub mod geo;
pub mod location;
pub mod offers;
pub mod privacy;
pub mod routines;
pub mod sensing;
pub mod steps;
pub mod time;
pub mod track;
pub mod visits;
