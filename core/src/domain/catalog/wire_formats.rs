//! How instants and time zones are written in a catalog document: instants
//! as RFC 3339 strings (`"2026-11-24T10:30:00-08:00"`), zones as IANA names
//! (`"America/Los_Angeles"`). Used through `#[serde(with = ...)]`.

use crate::domain::time::Timestamp;
use chrono_tz::Tz;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

fn parse_instant<E: serde::de::Error>(s: &str) -> Result<Timestamp, E> {
    Timestamp::parse_rfc3339(s).ok_or_else(|| {
        E::custom(format!("{s:?} is not an RFC 3339 date-time (expected e.g. 2026-11-24T10:30:00-08:00)"))
    })
}

/// A required instant, as RFC 3339.
pub(crate) mod rfc3339 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        parse_instant(&String::deserialize(d)?)
    }
}

/// An optional instant, as RFC 3339 (absent or `null` for none).
pub(crate) mod rfc3339_option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.to_rfc3339()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(d)?.map(|s| parse_instant(&s)).transpose()
    }
}

/// An IANA time zone name.
pub(crate) mod tz_name {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>().map_err(|_| {
            D::Error::custom(format!("{name:?} is not an IANA time zone (expected e.g. America/Los_Angeles)"))
        })
    }
}
