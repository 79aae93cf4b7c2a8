//! Reading a catalog document merchant by merchant, for loading: each
//! merchant is checked as [`super::validate`] checks it, handed over, and
//! dropped, so the whole parsed document (about 80 MB of small allocations
//! for 100,000 offers) is never held, and what one merchant allocates is
//! reused by the next while it is still in the cache.
//!
//! This is the fast path only: on any problem (a syntax or type error, a
//! rule broken, a hash collision between two ids) it gives up without
//! saying why, and the caller reads the document again with
//! [`super::parse_document`], which finds the problem and its path exactly
//! as before. So the errors a catalog is refused with are unchanged, and a
//! document this accepts is one `parse_document` accepts: the same checks
//! run, only spread out (ids seen so far, merchants named by targeting
//! checked at the end).

use super::doc_path::DocPath;
use super::document::Merchant;
use super::validate::{check_id, check_merchant, check_offer, PlaceIndex};
use super::wire_formats::rfc3339;
use crate::domain::time::Timestamp;
use crate::policy::*;
use foldhash::HashSet;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};

/// The fields of a document besides its merchants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DocumentHeader {
    pub(crate) version: u64,
    pub(crate) issued_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

/// Reads `document_json`, handing each merchant to `each` once it passed
/// every check that concerns it. `None` on the first problem of any kind,
/// or when `cancel` is set (checked between merchants); the caller then
/// falls back to [`super::parse_document`] (or gives up, when cancelled).
pub(crate) fn read_merchants(
    document_json: &[u8],
    cancel: &AtomicBool,
    each: impl FnMut(&Merchant),
) -> Option<DocumentHeader> {
    if document_json.len() > MAX_CATALOG_DOCUMENT_BYTES {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(document_json);
    let mut checks = Checks::default();
    let header = de.deserialize_map(DocumentVisitor { cancel, each, checks: &mut checks }).ok()?;
    de.end().ok()?;
    checks.finish(&header).then_some(header)
}

/// The document's version when it comes before its merchants (as the
/// backend writes it), read without reading the rest; `None` otherwise.
pub(crate) fn peek_version(document_json: &[u8]) -> Option<u64> {
    struct Peek<'a>(&'a mut Option<u64>);
    impl<'de> Visitor<'de> for Peek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a catalog document")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(field) = map.next_key::<Field>()? {
                match field {
                    Field::Version => {
                        *self.0 = Some(map.next_value()?);
                        break;
                    }
                    Field::Merchants => break,
                    _ => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            // Stops here: the rest of the document is not read.
            Err(de::Error::custom("stop"))
        }
    }
    let mut version = None;
    let _ = serde_json::Deserializer::from_slice(document_json).deserialize_map(Peek(&mut version));
    version
}

/// What the checks remember from one merchant to the next.
#[derive(Default)]
struct Checks {
    merchant_ids: HashSet<String>,
    /// Hashes of the place and offer ids so far: a collision refuses the
    /// fast path, never a document.
    place_ids: HashSet<u64>,
    offer_ids: HashSet<u64>,
    /// Merchant ids named by targeting rules and not seen yet.
    named_merchants: Vec<String>,
    places: usize,
    offers: usize,
}

impl Checks {
    /// Whether merchant `m`, the `i`th, passes.
    fn merchant(&mut self, i: usize, m: &Merchant) -> bool {
        let path = DocPath::Root.key("merchants");
        let path = path.item(i);
        if i >= MAX_CATALOG_MERCHANTS || check_id(&m.id, &path.key("id")).is_err() || m.id == "self" {
            return false;
        }
        if !self.merchant_ids.insert(m.id.clone()) {
            return false;
        }
        self.places += m.places.len();
        self.offers += m.offers.len();
        if self.places > MAX_CATALOG_PLACES || self.offers > MAX_CATALOG_OFFERS {
            return false;
        }
        if check_merchant(m, &path).is_err() {
            return false;
        }
        let hash = foldhash::fast::FixedState::with_seed(0);
        if !m.places.iter().all(|p| self.place_ids.insert(hash.hash_one(p.id.as_str()))) {
            return false;
        }
        let place_index = PlaceIndex::new(m);
        let offers = path.key("offers");
        let (known, named) = (&self.merchant_ids, &mut self.named_merchants);
        let mut known_merchant = |id: &str| {
            if !known.contains(id) {
                named.push(id.to_owned());
            }
            true
        };
        for (j, o) in m.offers.iter().enumerate() {
            if !self.offer_ids.insert(hash.hash_one(o.id.as_str()))
                || check_offer(o, m, &place_index, &mut known_merchant, &offers.item(j)).is_err()
            {
                return false;
            }
        }
        true
    }

    /// Whether the document passes, once every merchant did.
    fn finish(&self, header: &DocumentHeader) -> bool {
        header.issued_at < header.expires_at && self.named_merchants.iter().all(|id| self.merchant_ids.contains(id))
    }
}

/// The document's top-level fields.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Version,
    IssuedAt,
    ExpiresAt,
    Merchants,
    #[serde(other)]
    Other,
}

/// An RFC 3339 instant, as the document writes them.
struct Instant(Timestamp);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        rfc3339::deserialize(d).map(Instant)
    }
}

struct DocumentVisitor<'a, F> {
    cancel: &'a AtomicBool,
    each: F,
    checks: &'a mut Checks,
}

impl<'de, F: FnMut(&Merchant)> Visitor<'de> for DocumentVisitor<'_, F> {
    type Value = DocumentHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a catalog document")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<DocumentHeader, A::Error> {
        let (mut version, mut issued_at, mut expires_at, mut merchants) = (None, None, None, false);
        fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
            match slot.replace(value) {
                None => Ok(()),
                Some(_) => Err(E::custom("duplicate field")),
            }
        }
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Version => once(&mut version, map.next_value::<u64>()?)?,
                Field::IssuedAt => once(&mut issued_at, map.next_value::<Instant>()?.0)?,
                Field::ExpiresAt => once(&mut expires_at, map.next_value::<Instant>()?.0)?,
                Field::Merchants if merchants => return Err(de::Error::custom("duplicate field")),
                Field::Merchants => {
                    merchants = true;
                    map.next_value_seed(MerchantsSeed { visitor: &mut self })?;
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (version, issued_at, expires_at, merchants) {
            (Some(version), Some(issued_at), Some(expires_at), true) => {
                Ok(DocumentHeader { version, issued_at, expires_at })
            }
            _ => Err(de::Error::custom("missing field")),
        }
    }
}

struct MerchantsSeed<'v, 'a, F> {
    visitor: &'v mut DocumentVisitor<'a, F>,
}

impl<'de, F: FnMut(&Merchant)> DeserializeSeed<'de> for MerchantsSeed<'_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(&Merchant)> Visitor<'de> for MerchantsSeed<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of merchants")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let v = self.visitor;
        let mut i = 0;
        while let Some(m) = seq.next_element::<Merchant>()? {
            if v.cancel.load(Ordering::Relaxed) || !v.checks.merchant(i, &m) {
                return Err(de::Error::custom("refused"));
            }
            (v.each)(&m);
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_fixtures::*;
    use super::*;

    fn read(doc: &serde_json::Value) -> Option<DocumentHeader> {
        read_merchants(&serde_json::to_vec(doc).unwrap(), &AtomicBool::new(false), |_| {})
    }

    #[test]
    fn reads_what_parse_document_accepts_merchant_by_merchant() {
        let mut doc = base_document();
        // Targeting may name a merchant further down the document.
        doc["merchants"][0]["offers"][0]["targeting"] =
            serde_json::json!({"visits": {"merchant": "grocer", "within_days": 7, "min": 1}});
        let bytes = serde_json::to_vec(&doc).unwrap();
        let catalog = super::super::parse_document(&bytes).unwrap();
        let mut seen = Vec::new();
        let header = read_merchants(&bytes, &AtomicBool::new(false), |m| seen.push(m.clone())).unwrap();
        assert_eq!(seen, catalog.merchants);
        assert_eq!(
            header,
            DocumentHeader { version: catalog.version, issued_at: catalog.issued_at, expires_at: catalog.expires_at }
        );
        assert_eq!(read_merchants(&bytes, &AtomicBool::new(true), |_| {}), None, "cancelled");
    }

    #[test]
    fn the_version_is_peeked_when_it_comes_before_the_merchants() {
        assert_eq!(peek_version(br#"{"x": [1, {"version": 3}], "version": 9, "merchants": []}"#), Some(9));
        assert_eq!(peek_version(br#"{"merchants": [], "version": 9}"#), None);
        assert_eq!(peek_version(br#"{"version": "9"}"#), None);
        assert_eq!(peek_version(b"[9]"), None);
    }

    #[test]
    fn gives_up_where_parse_document_refuses() {
        let base = base_document();
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("dates", Box::new(|d| d["expires_at"] = d["issued_at"].clone())),
            (
                "duplicate merchant",
                Box::new(|d| {
                    let m = d["merchants"][0].clone();
                    d["merchants"].as_array_mut().unwrap().push(m);
                }),
            ),
            ("self", Box::new(|d| d["merchants"][0]["id"] = "self".into())),
            ("missing version", Box::new(|d| drop(d.as_object_mut().unwrap().remove("version")))),
            ("bad place", Box::new(|d| d["merchants"][1]["places"][0]["fence"]["radius_m"] = (-1.0).into())),
            (
                "duplicate offer",
                Box::new(|d| {
                    let o = d["merchants"][0]["offers"][0].clone();
                    d["merchants"][0]["offers"].as_array_mut().unwrap().push(o);
                }),
            ),
            (
                "unknown merchant named",
                Box::new(|d| {
                    d["merchants"][0]["offers"][0]["targeting"] =
                        serde_json::json!({"visits": {"merchant": "nobody", "within_days": 7, "min": 1}});
                }),
            ),
        ];
        for (what, edit) in cases {
            let mut doc = base.clone();
            edit(&mut doc);
            let bytes = serde_json::to_vec(&doc).unwrap();
            assert!(super::super::parse_document(&bytes).is_err(), "{what}: the fixture must be invalid");
            assert_eq!(read(&doc), None, "{what}");
        }
        let mut trailing = serde_json::to_vec(&base).unwrap();
        trailing.extend_from_slice(b" x");
        assert_eq!(read_merchants(&trailing, &AtomicBool::new(false), |_| {}), None, "trailing bytes");
    }
}
