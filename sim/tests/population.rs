//! `kairos-sim population` as a QA engineer runs it: the learned next best
//! action against catalog priority on a synthetic population, held to issue
//! #16's bar (`docs/offers.md`, "The next best action on a population") on
//! a smaller population than the 1 000 shoppers, so that it runs in
//! seconds in a debug build.

use serde_json::Value;
use std::process::Command;

/// Issue #16: at least this many times the static arm's redemptions per
/// notification.
const MIN_REDEMPTION_GAIN: f64 = 1.3;
/// Issue #16: at least 30% fewer dismissals, both as a share of the
/// notifications and per shopper-day.
const MAX_DISMISSAL_RATIO: f64 = 0.7;

fn population(seed: u64) -> Value {
    let seed = seed.to_string();
    let args = ["population", "--shoppers", "200", "--days", "30", "--seed", &seed, "--concentration", "2", "--json"];
    let out = Command::new(env!("CARGO_BIN_EXE_kairos-sim")).args(args).output().expect("kairos-sim runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// `(value, low, high)` of one figure of one arm.
fn figure(report: &Value, arm: &str, name: &str) -> (f64, f64, f64) {
    let f = &report[arm][name];
    let n = |k: &str| f[k].as_f64().unwrap_or_else(|| panic!("{arm}.{name}.{k} in {report}"));
    (n("value"), n("low"), n("high"))
}

#[test]
fn the_learned_next_best_action_redeems_more_per_notification_with_fewer_dismissals_on_three_seeds() {
    for seed in 1..=3 {
        let r = population(seed);
        let ctx = format!("seed {seed}: {r}");
        // No more notifications per shopper-day.
        let (sn, _, _) = figure(&r, "static", "notifications_per_shopper_day");
        let (ln, _, _) = figure(&r, "learned", "notifications_per_shopper_day");
        assert!(ln <= sn, "notifications per shopper-day {ln} > {sn}; {ctx}");
        // At least 1.3× the redemptions per notification, intervals apart.
        let (sr, _, sr_high) = figure(&r, "static", "redemptions_per_notification");
        let (lr, lr_low, _) = figure(&r, "learned", "redemptions_per_notification");
        assert!(lr >= MIN_REDEMPTION_GAIN * sr, "redemptions per notification ×{:.3}; {ctx}", lr / sr);
        assert!(lr_low > sr_high, "redemption intervals overlap; {ctx}");
        // At least 30% fewer dismissals: the share and per shopper-day.
        for name in ["dismissed_share", "dismissals_per_shopper_day"] {
            let (s, s_low, _) = figure(&r, "static", name);
            let (l, _, l_high) = figure(&r, "learned", name);
            assert!(l <= MAX_DISMISSAL_RATIO * s, "{name} ×{:.3}; {ctx}", l / s);
            assert!(l_high < s_low, "{name} intervals overlap; {ctx}");
        }
    }
}
