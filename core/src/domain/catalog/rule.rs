//! Targeting rules: who an offer is for, as a tree of predicates over the
//! private profile and the catalog's attributes. A rule is a JSON object
//! with exactly one key naming its kind (`{"all": [...]}`,
//! `{"visits": {...}}`). Evaluation is in [`super::targeting`].

use super::attribute::AttributeValue;
use super::wall_clock::{DayOfWeek, TimeWindow};
use serde::{Deserialize, Serialize};

/// A targeting rule. The default, `{"all": []}`, is always true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// True when every rule in the list is (true for an empty list).
    All(Vec<Rule>),
    /// True when at least one rule in the list is (the list is not empty).
    Any(Vec<Rule>),
    /// True when the rule is false.
    Not(Box<Rule>),
    /// Visits to a merchant or category within the last days, within bounds.
    Visits(VisitsRule),
    /// A routine (regular visits) to a merchant or category is overdue.
    RoutineOverdue(RoutineOverdueRule),
    /// Steps taken today (in the device's zone), within bounds.
    StepsToday(StepsRule),
    /// The merchant's local time is within the window.
    LocalTime(TimeWindow),
    /// The merchant's local day is one of these.
    DaysOfWeek(Vec<DayOfWeek>),
    /// The current speed is within bounds (false when speed is unknown).
    Speed(SpeedRule),
    /// An attribute of the merchant (else of the offer) compares as given
    /// (false when neither has it, or the types differ).
    Attribute(AttributeRule),
    /// At least `min` of the shopper's friends visited the offer's merchant
    /// recently (purpose `social`; false when the count is unknown or below
    /// [`crate::policy::SOCIAL_MIN_FRIENDS`]).
    FriendsVisited(FriendsVisitedRule),
}

impl Default for Rule {
    fn default() -> Self {
        Rule::always()
    }
}

impl Rule {
    /// The rule that is always true, `{"all": []}`.
    pub fn always() -> Self {
        Rule::All(Vec::new())
    }
}

/// Whose visits or routine a rule is about, as written in the document:
/// `"merchant": "<id>"` (or `"self"` for the offer's own merchant), or
/// `"category": "<name>"`. Exactly one of the two keys is given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeRef {
    /// The merchant that makes the offer (`"merchant": "self"`).
    ThisMerchant,
    /// The merchant with this id.
    Merchant(String),
    /// Every merchant of this category.
    Category(String),
}

/// `{"visits": {"merchant" | "category": ..., "within_days": N, "min"?: A,
/// "max"?: B}}`: the shopper visited the scope between `min` and `max`
/// times (inclusive) in the last `within_days` days. "Never visited" is
/// `"max": 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ScopedRuleForm", into = "ScopedRuleForm")]
pub struct VisitsRule {
    /// Whose visits are counted.
    pub scope: ScopeRef,
    /// How many days back visits are counted (at least 1).
    pub within_days: u32,
    /// Fewest visits (inclusive).
    pub min: Option<u32>,
    /// Most visits (inclusive).
    pub max: Option<u32>,
}

/// `{"routine_overdue": {"merchant" | "category": ..., "min_days"?: D}}`:
/// the shopper has a routine of visiting the scope, and the next visit is
/// overdue by at least `min_days` days (by any amount when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ScopedRuleForm", into = "ScopedRuleForm")]
pub struct RoutineOverdueRule {
    /// Whose routine.
    pub scope: ScopeRef,
    /// Least days overdue; when absent, any positive amount.
    pub min_days: Option<f64>,
}

/// `{"steps_today": {"min"?: A, "max"?: B}}`: steps today within bounds
/// (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepsRule {
    /// Fewest steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Most steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// `{"speed": {"min_mps"?: A, "max_mps"?: B}}`: current speed in metres per
/// second within bounds (inclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRule {
    /// Lowest speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_mps: Option<f64>,
    /// Highest speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mps: Option<f64>,
}

/// `{"friends_visited": {"min": N}}`: at least `N` distinct friends of
/// the shopper visited the offer's merchant in the backend's window (30
/// days), as the last sync told the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendsVisitedRule {
    /// Fewest friends (at least 1; counts under
    /// [`crate::policy::SOCIAL_MIN_FRIENDS`] are never known).
    pub min: u32,
}

/// `{"attribute": {"name": N, "op": "==", "value": V}}`: the attribute `N`
/// of the merchant, or else of the offer, compared with `V`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeRule {
    /// Attribute name.
    pub name: String,
    /// Comparison.
    pub op: CompareOp,
    /// Value compared with.
    pub value: AttributeValue,
}

/// A comparison of an attribute with a value.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `<`
    #[serde(rename = "<")]
    Lt,
}

impl CompareOp {
    /// Whether this is an ordering (`<`, `<=`, `>`, `>=`) rather than an
    /// equality test.
    pub fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

/// The JSON form shared by `visits` and `routine_overdue`: the scope as two
/// optional keys, checked to be exactly one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ScopedRuleForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merchant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_days: Option<f64>,
}

impl ScopedRuleForm {
    fn scope(&self) -> Result<ScopeRef, String> {
        match (&self.merchant, &self.category) {
            (Some(m), None) if m == "self" => Ok(ScopeRef::ThisMerchant),
            (Some(m), None) => Ok(ScopeRef::Merchant(m.clone())),
            (None, Some(c)) => Ok(ScopeRef::Category(c.clone())),
            _ => Err("give exactly one of \"merchant\" or \"category\"".into()),
        }
    }

    fn with_scope(scope: ScopeRef) -> Self {
        let mut form = ScopedRuleForm::default();
        match scope {
            ScopeRef::ThisMerchant => form.merchant = Some("self".into()),
            ScopeRef::Merchant(m) => form.merchant = Some(m),
            ScopeRef::Category(c) => form.category = Some(c),
        }
        form
    }
}

impl TryFrom<ScopedRuleForm> for VisitsRule {
    type Error = String;

    fn try_from(f: ScopedRuleForm) -> Result<Self, String> {
        let scope = f.scope()?;
        let within_days = f.within_days.ok_or("missing field `within_days`")?;
        Ok(VisitsRule { scope, within_days, min: f.min, max: f.max })
    }
}

impl From<VisitsRule> for ScopedRuleForm {
    fn from(r: VisitsRule) -> Self {
        ScopedRuleForm {
            within_days: Some(r.within_days),
            min: r.min,
            max: r.max,
            ..ScopedRuleForm::with_scope(r.scope)
        }
    }
}

impl TryFrom<ScopedRuleForm> for RoutineOverdueRule {
    type Error = String;

    fn try_from(f: ScopedRuleForm) -> Result<Self, String> {
        Ok(RoutineOverdueRule { scope: f.scope()?, min_days: f.min_days })
    }
}

impl From<RoutineOverdueRule> for ScopedRuleForm {
    fn from(r: RoutineOverdueRule) -> Self {
        ScopedRuleForm { min_days: r.min_days, ..ScopedRuleForm::with_scope(r.scope) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind() {
        let json = r#"{"all": [
            {"visits": {"merchant": "self", "within_days": 3650, "max": 0}},
            {"any": [
                {"routine_overdue": {"category": "grocery", "min_days": 1.5}},
                {"not": {"steps_today": {"min": 7500}}}
            ]},
            {"local_time": {"start": "10:00", "end": "14:00"}},
            {"days_of_week": ["sat", "sun"]},
            {"speed": {"max_mps": 2.0}},
            {"attribute": {"name": "friends_visited", "op": ">=", "value": 3}}
        ]}"#;
        let rule: Rule = serde_json::from_str(json).unwrap();
        let Rule::All(parts) = &rule else { panic!("not all: {rule:?}") };
        assert_eq!(parts.len(), 6);
        assert_eq!(
            parts[0],
            Rule::Visits(VisitsRule { scope: ScopeRef::ThisMerchant, within_days: 3650, min: None, max: Some(0) })
        );
        assert_eq!(
            parts[5],
            Rule::Attribute(AttributeRule {
                name: "friends_visited".into(),
                op: CompareOp::Ge,
                value: AttributeValue::Number(3.0)
            })
        );
        // Writing it back reads back the same rule.
        let again: Rule = serde_json::from_str(&serde_json::to_string(&rule).unwrap()).unwrap();
        assert_eq!(again, rule);
    }

    #[test]
    fn scope_must_be_exactly_one() {
        for json in [
            r#"{"visits": {"within_days": 3}}"#,
            r#"{"visits": {"merchant": "a", "category": "b", "within_days": 3}}"#,
            r#"{"routine_overdue": {}}"#,
        ] {
            let e = serde_json::from_str::<Rule>(json).unwrap_err().to_string();
            assert!(e.contains("exactly one of"), "{json}: {e}");
        }
        let e = serde_json::from_str::<Rule>(r#"{"visits": {"category": "b"}}"#).unwrap_err();
        assert!(e.to_string().contains("within_days"), "{e}");
    }

    #[test]
    fn unknown_kind_and_bad_operator_are_errors() {
        assert!(serde_json::from_str::<Rule>(r#"{"weather": {}}"#).is_err());
        assert!(serde_json::from_str::<Rule>(r#"{"attribute": {"name": "a", "op": "=~", "value": 1}}"#).is_err());
    }
}
