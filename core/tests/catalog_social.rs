//! Social proof in the catalog (purpose `social`): the `friends_visited`
//! rule, the `{friends_visited}` placeholder and its fallback text, and
//! their validation.

mod offer_common;

use chrono_tz::Tz;
use kairos_core::catalog::{parse_document, with_friends_visited, Rule, Scope, Subject, TargetingContext};
use kairos_core::Timestamp;
use offer_common::*;
use serde_json::{json, Value};

struct Friends(Option<u32>);

impl TargetingContext for Friends {
    fn now(&self) -> Timestamp {
        t("2026-11-28T10:30:00-08:00")
    }
    fn device_tz(&self) -> Tz {
        chrono_tz::America::Los_Angeles
    }
    fn visits(&self, _: &Scope, _: u32) -> u32 {
        0
    }
    fn routine_overdue_days(&self, _: &Scope) -> Option<f64> {
        None
    }
    fn steps_today(&self) -> u64 {
        0
    }
    fn speed_mps(&self) -> Option<f64> {
        None
    }
    fn friends_visited(&self, merchant_id: &str) -> Option<u32> {
        assert_eq!(merchant_id, "boutique", "the offer's own merchant is asked");
        self.0
    }
}

fn parse(offer_extra: Value) -> Result<kairos_core::catalog::Catalog, String> {
    let doc = catalog(1, vec![merchant("boutique", 0.0, vec![offer("o", offer_extra)])]);
    parse_document(doc.to_string().as_bytes()).map_err(|e| e.to_string())
}

#[test]
fn friends_visited_holds_from_its_minimum_and_never_on_an_unknown_or_sub_threshold_count() {
    let c = parse(json!({"targeting": {"friends_visited": {"min": 3}}})).unwrap();
    let (m, o) = (&c.merchants[0], &c.merchants[0].offers[0]);
    assert!(matches!(o.targeting, Rule::FriendsVisited(_)));
    let holds = |n| o.targeting.eval_for(&Friends(n), &Subject::of(m, o));
    assert_eq!((holds(Some(4)), holds(Some(3)), holds(Some(2)), holds(None)), (true, true, false, false));
    // `min: 1` still needs the threshold: a single friend is never counted.
    let one = parse(json!({"targeting": {"friends_visited": {"min": 1}}})).unwrap();
    let (m, o) = (&one.merchants[0], &one.merchants[0].offers[0]);
    assert!(!o.targeting.eval_for(&Friends(Some(1)), &Subject::of(m, o)));
    assert!(o.targeting.eval_for(&Friends(Some(2)), &Subject::of(m, o)));
}

#[test]
fn the_placeholder_shows_the_count_else_the_fallback_text() {
    let text = "{friends_visited} of your friends shopped here";
    assert_eq!(with_friends_visited(text, Some("Welcome"), Some(3)), "3 of your friends shopped here");
    assert_eq!(with_friends_visited(text, Some("Welcome"), None), "Welcome");
    assert_eq!(with_friends_visited(text, Some("Welcome"), Some(1)), "Welcome", "below the threshold");
    assert_eq!(with_friends_visited("20% off", None, Some(3)), "20% off", "no placeholder, no change");
}

#[test]
fn a_placeholder_without_its_fallback_text_and_a_fallback_holding_one_are_refused_naming_the_path() {
    let title = "{friends_visited} friends";
    let e = parse(json!({"title": title})).unwrap_err();
    assert!(e.contains("merchants[0].offers[0].fallback_text.title"), "{e}");
    let e = parse(json!({"body": title, "fallback_text": {"title": "x"}})).unwrap_err();
    assert!(e.contains("merchants[0].offers[0].fallback_text.body"), "{e}");
    let e = parse(json!({"title": title, "fallback_text": {"title": title}})).unwrap_err();
    assert!(e.contains("must not hold {friends_visited}"), "{e}");
    let e = parse(json!({"targeting": {"friends_visited": {"min": 0}}})).unwrap_err();
    assert!(e.contains("friends_visited.min"), "{e}");
    assert!(parse(json!({"title": title, "fallback_text": {"title": "Welcome"}})).is_ok());
}
