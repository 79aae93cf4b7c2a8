//! `report lift`: per offer, the redemption rate of exposed and of
//! held-out installs and their difference (the lift), each with a 95%
//! confidence interval: Wilson's score interval for each rate, and
//! Newcombe's hybrid score interval (his method 10, 1998) for the
//! difference, which unlike the Wald interval keeps its coverage with
//! small rates and stays inside [-1, 1].
//!
//! The unit is the install: an install counts once per arm (exposed or
//! held out, see [`LiftCell`]) and as a redeemer when it redeemed the offer
//! at least once. Small cells: an offer is shown only when each arm has at
//! least `min_installs` installs, else it is left out whole, as in the
//! visits report.

use super::ReportError;
use crate::limits::{ReportEligibility, LIFT_Z_95, MIN_MIN_INSTALLS};
use crate::storage::{LiftCell, Storage};
use serde_json::{json, Value};

/// A proportion with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The point estimate.
    pub value: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

impl Interval {
    /// Whether `x` lies within the interval, ends included.
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }

    fn to_json(self) -> Value {
        json!({"value": self.value, "low": self.low, "high": self.high})
    }
}

/// One offer's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftLine {
    /// The counts it is computed from.
    pub cell: LiftCell,
    /// Redemption rate of exposed installs (Wilson).
    pub exposed_rate: Interval,
    /// Redemption rate of held-out installs (Wilson).
    pub held_out_rate: Interval,
    /// Exposed rate minus held-out rate (Newcombe hybrid score).
    pub lift: Interval,
}

/// The lift report, small cells removed.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftReport {
    /// The threshold applied to each arm.
    pub min_installs: u32,
    /// The offers shown, by offer id.
    pub lines: Vec<LiftLine>,
    /// How many offers were left out.
    pub suppressed: usize,
}

/// Builds the lift report from `storage`, counting the installs `eligible`.
pub async fn lift_report(
    storage: &dyn Storage,
    min_installs: u32,
    eligible: ReportEligibility,
) -> Result<LiftReport, ReportError> {
    if min_installs < MIN_MIN_INSTALLS {
        return Err(ReportError::ThresholdTooLow(min_installs));
    }
    Ok(lift(storage.lift_cells(eligible).await?, min_installs))
}

/// Keeps the offers whose two arms each have at least `min_installs`
/// installs, and computes their rates and lift.
pub fn lift(cells: Vec<LiftCell>, min_installs: u32) -> LiftReport {
    let total = cells.len();
    let floor = u64::from(min_installs);
    let lines: Vec<LiftLine> = cells
        .into_iter()
        .filter(|c| c.exposed >= floor && c.held_out >= floor)
        .map(|cell| {
            let exposed_rate = wilson(cell.exposed_redeemed, cell.exposed);
            let held_out_rate = wilson(cell.held_out_redeemed, cell.held_out);
            let lift = newcombe(exposed_rate, held_out_rate);
            LiftLine { cell, exposed_rate, held_out_rate, lift }
        })
        .collect();
    LiftReport { min_installs, suppressed: total - lines.len(), lines }
}

/// Wilson's score interval for `k` successes in `n > 0` trials.
pub fn wilson(k: u64, n: u64) -> Interval {
    let (k, n, z) = (k as f64, n as f64, LIFT_Z_95);
    let p = k / n;
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    Interval { value: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) }
}

/// Newcombe's hybrid score interval for `a - b`, from their Wilson intervals.
pub fn newcombe(a: Interval, b: Interval) -> Interval {
    let d = a.value - b.value;
    Interval {
        value: d,
        low: d - ((a.value - a.low).powi(2) + (b.high - b.value).powi(2)).sqrt(),
        high: d + ((a.high - a.value).powi(2) + (b.value - b.low).powi(2)).sqrt(),
    }
}

impl LiftReport {
    /// CSV with a header line; rates and lifts with 4 decimals.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "offer_id,exposed,exposed_redeemed,exposed_rate,held_out,held_out_redeemed,held_out_rate,lift,lift_low,lift_high\n",
        );
        for l in &self.lines {
            let c = &l.cell;
            out.push_str(&format!(
                "{},{},{},{:.4},{},{},{:.4},{:.4},{:.4},{:.4}\n",
                super::csv_field(&c.offer_id),
                c.exposed,
                c.exposed_redeemed,
                l.exposed_rate.value,
                c.held_out,
                c.held_out_redeemed,
                l.held_out_rate.value,
                l.lift.value,
                l.lift.low,
                l.lift.high
            ));
        }
        out
    }

    /// One JSON object: `min_installs`, `suppressed`, `interval` (the
    /// method's name) and `offers`.
    pub fn to_json(&self) -> Value {
        json!({
            "min_installs": self.min_installs,
            "suppressed": self.suppressed,
            "interval": "95% Wilson per rate, Newcombe hybrid score for the lift",
            "offers": self.lines.iter().map(|l| json!({
                "offer_id": l.cell.offer_id,
                "exposed": l.cell.exposed,
                "exposed_redeemed": l.cell.exposed_redeemed,
                "held_out": l.cell.held_out,
                "held_out_redeemed": l.cell.held_out_redeemed,
                "exposed_rate": l.exposed_rate.to_json(),
                "held_out_rate": l.held_out_rate.to_json(),
                "lift": l.lift.to_json(),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(offer: &str, exposed: u64, held_out: u64) -> LiftCell {
        LiftCell { offer_id: offer.into(), exposed, exposed_redeemed: exposed / 2, held_out, held_out_redeemed: 0 }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    #[test]
    fn wilson_matches_the_textbook_values() {
        // Newcombe (1998), table I: 81/263 gives 0.2553 to 0.3662.
        let i = wilson(81, 263);
        assert!(close(i.low, 0.2553) && close(i.high, 0.3662), "{i:?}");
        // 0/10: 0 to 0.2775.
        let i = wilson(0, 10);
        assert!(close(i.low, 0.0) && close(i.high, 0.2775), "{i:?}");
    }

    #[test]
    fn newcombe_matches_the_textbook_example() {
        // Newcombe (1998), table II example (a): 56/70 - 48/80 = 0.2,
        // method 10 gives 0.0524 to 0.3339.
        let d = newcombe(wilson(56, 70), wilson(48, 80));
        assert!(close(d.value, 0.2) && close(d.low, 0.0524) && close(d.high, 0.3339), "{d:?}");
    }

    #[test]
    fn an_offer_with_a_small_arm_is_left_out_whole() {
        let report = lift(vec![cell("a", 5, 5), cell("b", 4, 100), cell("c", 100, 4)], 5);
        assert_eq!(report.lines.len(), 1);
        assert_eq!(report.lines[0].cell.offer_id, "a");
        assert_eq!(report.suppressed, 2);
        assert!(report.to_csv().starts_with("offer_id,exposed,"));
        assert_eq!(report.to_json()["offers"][0]["exposed_redeemed"], 2);
    }
}
