//! The mechanism against its theory, with fixed seeds (deterministic).

use super::*;

/// `P(k)` of the two-sided geometric distribution.
fn pmf(alpha: f64, k: i64) -> f64 {
    (1.0 - alpha) / (1.0 + alpha) * alpha.powi(k.unsigned_abs() as i32)
}

#[test]
fn two_sided_geometric_matches_its_mean_variance_and_mass_at_zero() {
    for (seed, alpha) in [(1, 0.5), (2, 0.9), (3, (-0.1f64).exp())] {
        let mut src = NoiseSource::new(Some(seed));
        let n = 200_000;
        let draws: Vec<i64> = (0..n).map(|_| src.two_sided_geometric(alpha).unwrap()).collect();
        let mean = draws.iter().sum::<i64>() as f64 / n as f64;
        let var = draws.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let theory_var = 2.0 * alpha / (1.0 - alpha).powi(2);
        // Standard error of the mean is sqrt(var / n); allow five of them.
        assert!(mean.abs() < 5.0 * (theory_var / n as f64).sqrt(), "alpha {alpha}: mean {mean}");
        assert!((var / theory_var - 1.0).abs() < 0.03, "alpha {alpha}: variance {var}, theory {theory_var}");
        let mean_abs = draws.iter().map(|d| d.unsigned_abs() as f64).sum::<f64>() / n as f64;
        let theory_abs = 2.0 * alpha / (1.0 - alpha * alpha);
        assert!((mean_abs / theory_abs - 1.0).abs() < 0.03, "alpha {alpha}: E|X| {mean_abs}, theory {theory_abs}");
        let zeros = draws.iter().filter(|&&d| d == 0).count() as f64 / n as f64;
        assert!((zeros - pmf(alpha, 0)).abs() < 0.005, "alpha {alpha}: P(0) {zeros}, theory {}", pmf(alpha, 0));
    }
}

#[test]
fn clamped_counts_stay_in_range_and_match_the_exact_clamped_mean() {
    let mut src = NoiseSource::new(Some(42));
    for (value, clamp, epsilon) in [(1, 5, 0.2), (3, 10, 1.0), (65, 500, 0.5), (0, 96, 2.0)] {
        let alpha = (-epsilon / clamp as f64).exp();
        // E[clamp(v + X, 0, C)] from the pmf (the tail beyond ±20000 is negligible).
        let exact: f64 = (-20_000..=20_000).map(|k: i64| pmf(alpha, k) * (value + k).clamp(0, clamp) as f64).sum();
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let v = src.noisy_count(value, clamp, epsilon).unwrap();
            assert!((0..=clamp).contains(&v));
            sum += v as f64;
        }
        let mean = sum / n as f64;
        // The output's spread is at most the clamp: the standard error is below C / sqrt(n).
        assert!(
            (mean - exact).abs() < 4.0 * clamp as f64 / (n as f64).sqrt(),
            "v {value} C {clamp} eps {epsilon}: mean {mean}, exact {exact}"
        );
    }
}

#[test]
fn randomised_response_keeps_the_truth_at_the_documented_rate() {
    let mut src = NoiseSource::new(Some(7));
    for epsilon in [0.1, 1.0, 3.0] {
        let n = 100_000;
        let kept = (0..n).filter(|_| src.noisy_bool(true, epsilon).unwrap()).count() as f64 / n as f64;
        let p = epsilon.exp() / (1.0 + epsilon.exp());
        assert!((kept - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(), "eps {epsilon}: kept {kept}, p {p}");
    }
}

#[test]
fn seeded_sources_repeat_and_the_system_source_works() {
    let draw = |seed| {
        let mut s = NoiseSource::new(Some(seed));
        (0..16).map(|_| s.two_sided_geometric(0.8).unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(draw(5), draw(5));
    assert_ne!(draw(5), draw(6));
    let mut sys = NoiseSource::new(None);
    assert!((0..100).all(|_| (0..=5).contains(&sys.noisy_count(2, 5, 1.0).unwrap())));
}

#[test]
fn summaries_are_noised_on_their_grid_and_record_the_epsilon() {
    let mut src = NoiseSource::new(Some(11));
    let mut a = json!({"steps": 6_500, "goal_met": false});
    noise_summary(Purpose::Activity, &mut a, 1.0, &mut src).unwrap();
    let steps = a["steps"].as_i64().unwrap();
    assert!(steps % 100 == 0 && (0..=policy::LDP_STEPS_CLAMP).contains(&steps), "{a}");
    assert_eq!(a["noise"], json!({"mechanism": "geometric", "epsilon": 1.0}));
    let mut v = json!({"merchants": [{"merchant_id": "m1", "visits": 1, "minutes": 15},
                                     {"merchant_id": "m2", "visits": 2, "minutes": 30}]});
    noise_summary(Purpose::Visits, &mut v, 2.0, &mut src).unwrap();
    for row in v["merchants"].as_array().unwrap() {
        let minutes = row["minutes"].as_i64().unwrap();
        assert!(minutes % 15 == 0 && (0..=1440).contains(&minutes), "{v}");
        assert!((0..=policy::LDP_VISITS_CLAMP).contains(&row["visits"].as_i64().unwrap()));
    }
    assert_eq!(v["merchants"][1]["merchant_id"], "m2", "rows and ids are kept");
    let mut o = json!({"offers": [{"offer_id": "o", "triggered": 1, "presented": 1, "redeemed": 0,
                                   "dismissed": 0, "held_out": 0}]});
    noise_summary(Purpose::Offers, &mut o, 0.5, &mut src).unwrap();
    assert_eq!(o["noise"]["epsilon"], 0.5);
    assert!(["triggered", "presented", "redeemed", "dismissed", "held_out"]
        .iter()
        .all(|f| (0..=policy::LDP_OFFER_COUNT_CLAMP).contains(&o["offers"][0][f].as_i64().unwrap())));
}

#[test]
fn invalid_epsilons_are_typed_errors() {
    let lp = |e| LocalPrivacy { visits_epsilon: Some(e), ..Default::default() };
    assert_eq!(LocalPrivacy::default().validate(), Ok(()));
    assert!(!LocalPrivacy::default().is_on());
    assert!(lp(1.0).is_on() && lp(1.0).validate().is_ok() && lp(policy::LDP_MAX_EPSILON).validate().is_ok());
    assert!(matches!(lp(f64::NAN).validate(), Err(LocalPrivacyError::NotFinite { purpose: "visits", .. })));
    assert!(matches!(lp(f64::INFINITY).validate(), Err(LocalPrivacyError::NotFinite { .. })));
    assert!(matches!(lp(0.0).validate(), Err(LocalPrivacyError::NotPositive { .. })));
    assert!(matches!(lp(-1.0).validate(), Err(LocalPrivacyError::NotPositive { .. })));
    assert_eq!(
        lp(10.5).validate(),
        Err(LocalPrivacyError::TooLarge { purpose: "visits", epsilon: 10.5, max: policy::LDP_MAX_EPSILON })
    );
}
