//! Evaluating targeting rules against the private profile. The engine
//! implements [`TargetingContext`] over what it knows of the shopper; the
//! rules only ever see these few answers, never the profile itself.

use super::attribute::{AttributeValue, Attributes};
use super::document::{Merchant, Offer};
use super::rule::{AttributeRule, CompareOp, Rule, ScopeRef};
use super::wall_clock::DayOfWeek;
use crate::domain::time::Timestamp;
use chrono::Datelike;
use chrono_tz::Tz;
use std::cmp::Ordering;

/// Whose visits or routine a question is about, with `"self"` resolved to
/// the offer's merchant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The catalog merchant with this id.
    Merchant(String),
    /// Every catalog merchant of this category.
    Category(String),
}

impl ScopeRef {
    /// This reference made concrete for an offer of merchant `merchant_id`.
    pub fn resolve(&self, merchant_id: &str) -> Scope {
        match self {
            ScopeRef::ThisMerchant => Scope::Merchant(merchant_id.to_owned()),
            ScopeRef::Merchant(id) => Scope::Merchant(id.clone()),
            ScopeRef::Category(c) => Scope::Category(c.clone()),
        }
    }
}

/// What targeting may ask about the shopper. The engine implements it over
/// its private profile; tests implement it with fixed answers.
pub trait TargetingContext {
    /// The instant of the evaluation.
    fn now(&self) -> Timestamp;
    /// The device's time zone, in which "today" is counted for steps.
    fn device_tz(&self) -> Tz;
    /// Visits to `scope` that started within the last `within_days` days.
    fn visits(&self, scope: &Scope, within_days: u32) -> u32;
    /// By how many days the next visit of the shopper's routine for
    /// `scope` is overdue: positive when overdue, zero or negative when not
    /// yet due, `None` when the shopper has no such routine.
    fn routine_overdue_days(&self, scope: &Scope) -> Option<f64>;
    /// Steps taken so far today, in the device's zone.
    fn steps_today(&self) -> u64;
    /// Current speed in metres per second, `None` when unknown.
    fn speed_mps(&self) -> Option<f64>;
    /// How many distinct friends visited `merchant_id` recently (purpose
    /// `social`, from the last sync), `None` when unknown. By default
    /// unknown.
    fn friends_visited(&self, merchant_id: &str) -> Option<u32> {
        let _ = merchant_id;
        None
    }
}

/// What targeting asks of the shopper's profile where an answer may fail
/// (the engine's profile is in the store): rules are evaluated over this,
/// and a failed answer fails the evaluation instead of reading as "no".
/// [`TargetingContext`] is its infallible form, for fixed profiles.
pub(crate) trait ProfileFacts {
    /// Why an answer could not be given.
    type Error;
    /// The instant of the evaluation.
    fn now(&self) -> Timestamp;
    /// Visits to `scope` that started within the last `within_days` days.
    fn visits(&self, scope: &Scope, within_days: u32) -> Result<u32, Self::Error>;
    /// As [`TargetingContext::routine_overdue_days`].
    fn routine_overdue_days(&self, scope: &Scope) -> Result<Option<f64>, Self::Error>;
    /// Steps taken so far today, in the device's zone.
    fn steps_today(&self) -> Result<u64, Self::Error>;
    /// Current speed in metres per second, `None` when unknown.
    fn speed_mps(&self) -> Option<f64>;
    /// As [`TargetingContext::friends_visited`].
    fn friends_visited(&self, merchant_id: &str) -> Result<Option<u32>, Self::Error>;
}

/// A [`TargetingContext`] as [`ProfileFacts`] that never fail.
struct FixedAnswers<'a, C: ?Sized>(&'a C);

impl<C: TargetingContext + ?Sized> ProfileFacts for FixedAnswers<'_, C> {
    type Error = std::convert::Infallible;
    fn now(&self) -> Timestamp {
        self.0.now()
    }
    fn visits(&self, scope: &Scope, within_days: u32) -> Result<u32, Self::Error> {
        Ok(self.0.visits(scope, within_days))
    }
    fn routine_overdue_days(&self, scope: &Scope) -> Result<Option<f64>, Self::Error> {
        Ok(self.0.routine_overdue_days(scope))
    }
    fn steps_today(&self) -> Result<u64, Self::Error> {
        Ok(self.0.steps_today())
    }
    fn speed_mps(&self) -> Option<f64> {
        self.0.speed_mps()
    }
    fn friends_visited(&self, merchant_id: &str) -> Result<Option<u32>, Self::Error> {
        Ok(self.0.friends_visited(merchant_id))
    }
}

/// What a rule is evaluated for: the parts of an offer and its merchant
/// that targeting reads.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The merchant's id (what `"self"` resolves to).
    pub merchant_id: &'a str,
    /// The merchant's time zone (local times and days).
    pub time_zone: Tz,
    /// The merchant's attributes, looked up first.
    pub merchant_attributes: &'a Attributes,
    /// The offer's attributes, looked up next.
    pub offer_attributes: &'a Attributes,
}

impl<'a> Subject<'a> {
    /// `offer` of `merchant`.
    pub fn of(merchant: &'a Merchant, offer: &'a Offer) -> Self {
        Subject {
            merchant_id: &merchant.id,
            time_zone: merchant.time_zone,
            merchant_attributes: &merchant.attributes,
            offer_attributes: &offer.attributes,
        }
    }
}

impl Rule {
    /// Whether the rule holds now for `offer` of `merchant`, as `ctx` sees
    /// the shopper. Local times and days are the merchant's.
    pub fn eval<C: TargetingContext + ?Sized>(&self, ctx: &C, merchant: &Merchant, offer: &Offer) -> bool {
        self.eval_for(ctx, &Subject::of(merchant, offer))
    }

    /// [`Rule::eval`] for an offer given by its parts.
    pub fn eval_for<C: TargetingContext + ?Sized>(&self, ctx: &C, subject: &Subject<'_>) -> bool {
        match self.try_eval_for(&FixedAnswers(ctx), subject) {
            Ok(holds) => holds,
            Err(never) => match never {},
        }
    }

    /// [`Rule::eval_for`] over answers that may fail: the first failed
    /// answer is the result (sub-rules are asked in order, and `all`/`any`
    /// stop at the first rule that decides them, as before).
    pub(crate) fn try_eval_for<F: ProfileFacts + ?Sized>(
        &self,
        ctx: &F,
        subject: &Subject<'_>,
    ) -> Result<bool, F::Error> {
        let merchant = subject;
        Ok(match self {
            Rule::All(rules) => {
                for r in rules {
                    if !r.try_eval_for(ctx, subject)? {
                        return Ok(false);
                    }
                }
                true
            }
            Rule::Any(rules) => {
                for r in rules {
                    if r.try_eval_for(ctx, subject)? {
                        return Ok(true);
                    }
                }
                false
            }
            Rule::Not(rule) => !rule.try_eval_for(ctx, subject)?,
            Rule::Visits(v) => {
                let n = ctx.visits(&v.scope.resolve(merchant.merchant_id), v.within_days)?;
                within(n, v.min, v.max)
            }
            Rule::RoutineOverdue(r) => match ctx.routine_overdue_days(&r.scope.resolve(merchant.merchant_id))? {
                Some(days) => match r.min_days {
                    Some(min) => days >= min,
                    None => days > 0.0,
                },
                None => false,
            },
            Rule::StepsToday(s) => within(ctx.steps_today()?, s.min, s.max),
            Rule::LocalTime(w) => w.contains(ctx.now().in_tz(merchant.time_zone).naive_local(), None),
            Rule::DaysOfWeek(days) => {
                let today = DayOfWeek::from(ctx.now().in_tz(merchant.time_zone).weekday());
                days.contains(&today)
            }
            Rule::Speed(s) => match ctx.speed_mps() {
                Some(v) if v.is_finite() => {
                    s.min_mps.is_none_or(|min| v >= min) && s.max_mps.is_none_or(|max| v <= max)
                }
                _ => false,
            },
            Rule::Attribute(a) => attribute_holds(a, subject),
            Rule::FriendsVisited(f) => ctx
                .friends_visited(merchant.merchant_id)?
                .is_some_and(|n| n >= crate::policy::SOCIAL_MIN_FRIENDS && n >= f.min),
        })
    }
}

fn within<T: PartialOrd>(n: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
}

/// The attribute from the merchant, else from the offer, compared with the
/// rule's value. Missing attributes and values of different types are
/// false, whatever the operator; booleans only compare for (in)equality.
fn attribute_holds(rule: &AttributeRule, subject: &Subject<'_>) -> bool {
    let Some(actual) = subject.merchant_attributes.get(&rule.name).or_else(|| subject.offer_attributes.get(&rule.name))
    else {
        return false;
    };
    let ordering = match (actual, &rule.value) {
        (AttributeValue::Number(a), AttributeValue::Number(b)) => a.partial_cmp(b),
        (AttributeValue::Text(a), AttributeValue::Text(b)) => Some(a.cmp(b)),
        (AttributeValue::Bool(a), AttributeValue::Bool(b)) if !rule.op.is_ordering() => Some(a.cmp(b)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match rule.op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Lt => ordering == Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    /// A profile with fixed answers.
    struct FakeProfile {
        now: Timestamp,
        visits: HashMap<(Scope, u32), u32>,
        overdue: HashMap<Scope, f64>,
        steps: u64,
        speed: Option<f64>,
    }

    impl TargetingContext for FakeProfile {
        fn now(&self) -> Timestamp {
            self.now
        }
        fn device_tz(&self) -> Tz {
            chrono_tz::America::Los_Angeles
        }
        fn visits(&self, scope: &Scope, within_days: u32) -> u32 {
            self.visits.get(&(scope.clone(), within_days)).copied().unwrap_or(0)
        }
        fn routine_overdue_days(&self, scope: &Scope) -> Option<f64> {
            self.overdue.get(scope).copied()
        }
        fn steps_today(&self) -> u64 {
            self.steps
        }
        fn speed_mps(&self) -> Option<f64> {
            self.speed
        }
    }

    fn profile() -> FakeProfile {
        FakeProfile {
            // Tuesday 2026-11-24, 10:32 in Los Angeles (19:32 in Paris).
            now: Timestamp::parse_rfc3339("2026-11-24T10:32:00-08:00").unwrap(),
            visits: HashMap::new(),
            overdue: HashMap::new(),
            steps: 1_430,
            speed: Some(1.3),
        }
    }

    fn merchant(tz: &str, attributes: serde_json::Value) -> Merchant {
        serde_json::from_value(json!({
            "id": "boutique", "name": "B", "category": "fashion", "time_zone": tz,
            "attributes": attributes, "places": []
        }))
        .unwrap()
    }

    fn offer(attributes: serde_json::Value) -> Offer {
        serde_json::from_value(json!({
            "id": "o", "title": "t", "trigger": {"type": "enter"}, "claim_window_minutes": 1,
            "attributes": attributes
        }))
        .unwrap()
    }

    fn rule(v: serde_json::Value) -> Rule {
        serde_json::from_value(v).unwrap()
    }

    fn holds(r: serde_json::Value, ctx: &FakeProfile) -> bool {
        rule(r).eval(ctx, &merchant("America/Los_Angeles", json!({})), &offer(json!({})))
    }

    #[test]
    fn combinators() {
        let ctx = profile();
        let yes = json!({"steps_today": {"min": 0}});
        let no = json!({"steps_today": {"min": 1_000_000}});
        assert!(Rule::always().eval(&ctx, &merchant("UTC", json!({})), &offer(json!({}))));
        assert!(holds(json!({"all": [yes, yes]}), &ctx));
        assert!(!holds(json!({"all": [yes, no]}), &ctx));
        assert!(holds(json!({"any": [no, yes]}), &ctx));
        assert!(!holds(json!({"any": [no, no]}), &ctx));
        assert!(holds(json!({"not": no}), &ctx));
        assert!(!holds(json!({"not": {"not": no}}), &ctx));
    }

    #[test]
    fn visits_resolve_self_and_bound_the_count() {
        let mut ctx = profile();
        let never = json!({"visits": {"merchant": "self", "within_days": 3650, "max": 0}});
        assert!(holds(never.clone(), &ctx));
        ctx.visits.insert((Scope::Merchant("boutique".into()), 3650), 1);
        assert!(!holds(never, &ctx));
        ctx.visits.insert((Scope::Category("grocery".into()), 30), 4);
        assert!(holds(json!({"visits": {"category": "grocery", "within_days": 30, "min": 4, "max": 6}}), &ctx));
        assert!(!holds(json!({"visits": {"category": "grocery", "within_days": 30, "min": 5}}), &ctx));
        // The window length is passed through as given.
        assert!(!holds(json!({"visits": {"category": "grocery", "within_days": 7, "min": 1}}), &ctx));
        assert!(!holds(json!({"visits": {"merchant": "cafe", "within_days": 30, "min": 1}}), &ctx));
    }

    #[test]
    fn routine_overdue() {
        let mut ctx = profile();
        let grocery = Scope::Merchant("grocer".into());
        let any = json!({"routine_overdue": {"merchant": "grocer"}});
        let two = json!({"routine_overdue": {"merchant": "grocer", "min_days": 2}});
        assert!(!holds(any.clone(), &ctx), "no routine");
        ctx.overdue.insert(grocery.clone(), -1.0);
        assert!(!holds(any.clone(), &ctx), "not yet due");
        ctx.overdue.insert(grocery.clone(), 0.0);
        assert!(!holds(any.clone(), &ctx), "due today is not overdue");
        ctx.overdue.insert(grocery.clone(), 1.5);
        assert!(holds(any, &ctx));
        assert!(!holds(two.clone(), &ctx));
        ctx.overdue.insert(grocery, 2.0);
        assert!(holds(two, &ctx));
    }

    #[test]
    fn steps_today_bounds_are_inclusive() {
        let ctx = profile();
        assert!(holds(json!({"steps_today": {"max": 1430}}), &ctx));
        assert!(!holds(json!({"steps_today": {"max": 1429}}), &ctx));
        assert!(holds(json!({"steps_today": {"min": 1430, "max": 7500}}), &ctx));
        assert!(!holds(json!({"steps_today": {"min": 7500}}), &ctx));
    }

    #[test]
    fn local_time_and_days_are_in_the_merchants_zone() {
        let ctx = profile();
        let (o, la, paris) =
            (offer(json!({})), merchant("America/Los_Angeles", json!({})), merchant("Europe/Paris", json!({})));
        let morning = rule(json!({"local_time": {"start": "10:00", "end": "12:00"}}));
        assert!(morning.eval(&ctx, &la, &o));
        assert!(!morning.eval(&ctx, &paris, &o));
        let evening = rule(json!({"local_time": {"start": "19:00", "end": "02:00"}}));
        assert!(!evening.eval(&ctx, &la, &o));
        assert!(evening.eval(&ctx, &paris, &o));
        let tuesday = rule(json!({"days_of_week": ["tue"]}));
        assert!(tuesday.eval(&ctx, &la, &o));
        // 23:30 Tuesday in Los Angeles is Wednesday in Paris.
        let late = FakeProfile { now: Timestamp::parse_rfc3339("2026-11-24T23:30:00-08:00").unwrap(), ..profile() };
        assert!(tuesday.eval(&late, &la, &o));
        assert!(!tuesday.eval(&late, &paris, &o));
        assert!(rule(json!({"days_of_week": ["wed", "thu"]})).eval(&late, &paris, &o));
    }

    #[test]
    fn speed_needs_a_known_speed() {
        let mut ctx = profile();
        let walking = json!({"speed": {"max_mps": 2.0}});
        assert!(holds(walking.clone(), &ctx));
        assert!(!holds(json!({"speed": {"min_mps": 7.0}}), &ctx));
        ctx.speed = Some(13.0);
        assert!(!holds(walking.clone(), &ctx));
        assert!(holds(json!({"speed": {"min_mps": 7.0, "max_mps": 40.0}}), &ctx));
        ctx.speed = None;
        assert!(!holds(walking.clone(), &ctx));
        assert!(!holds(json!({"not": {"speed": {"max_mps": 2.0}}}), &profile()));
    }

    #[test]
    fn attributes_merchant_first_then_offer() {
        let ctx = profile();
        let m = merchant("UTC", json!({"friends_visited": 3, "tier": "gold", "premium": true}));
        let o = offer(json!({"friends_visited": 0, "discount": 20, "tier": 5}));
        let check = |name: &str, op: &str, value: serde_json::Value| {
            rule(json!({"attribute": {"name": name, "op": op, "value": value}})).eval(&ctx, &m, &o)
        };
        // The merchant's value wins over the offer's.
        assert!(check("friends_visited", ">=", json!(3)));
        assert!(!check("friends_visited", "<", json!(3)));
        // The offer's value is used when the merchant has none.
        assert!(check("discount", "==", json!(20)));
        assert!(check("discount", ">", json!(19.5)));
        assert!(check("discount", "<=", json!(20)));
        assert!(check("discount", "!=", json!(21)));
        // Strings compare as strings; booleans only for equality.
        assert!(check("tier", "==", json!("gold")));
        assert!(check("tier", "<", json!("platinum")));
        assert!(check("premium", "==", json!(true)));
        assert!(check("premium", "!=", json!(false)));
        assert!(!check("premium", ">=", json!(false)));
        // Unknown attributes and mismatched types are false for every op.
        for op in ["==", "!=", ">=", ">", "<=", "<"] {
            assert!(!check("unknown", op, json!(1)), "unknown {op}");
            assert!(!check("tier", op, json!(5)), "mismatch {op}");
        }
    }

    #[test]
    fn canonical_boutique_targeting() {
        // Never visited the boutique, and the catalog says 3 friends did.
        let r = json!({"all": [
            {"visits": {"merchant": "self", "within_days": 3650, "max": 0}},
            {"attribute": {"name": "friends_visited", "op": ">=", "value": 3}}
        ]});
        let m = merchant("America/Los_Angeles", json!({"friends_visited": 3}));
        let mut ctx = profile();
        assert!(rule(r.clone()).eval(&ctx, &m, &offer(json!({}))));
        ctx.visits.insert((Scope::Merchant("boutique".into()), 3650), 2);
        assert!(!rule(r).eval(&ctx, &m, &offer(json!({}))));
    }
}
