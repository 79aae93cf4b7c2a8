//! Finding the period of a routine in a window of visit times.
//!
//! The occasions (local wall-clock times, in days) are matched against a
//! lattice `phase + k × period`. An occasion is *on the cycle* when it lies
//! within the fit tolerance of a lattice point (20% of the period, at most
//! 1.5 days); each cycle `k` counts once. Candidate periods come from the
//! gaps between occasions up to three apart, each divided by 1 to 4 (so a
//! missed cycle or an extra visit in between still proposes the true
//! period). For each candidate the phase that puts the most occasions on
//! the cycle is found, then period and phase are refined twice by least
//! squares over the occasions on the cycle. The candidate with the best
//! `hits² / cycles × (1 − (rms / τ)²)` wins (ties: the smaller timing
//! error): it prefers many occasions on the cycle (against multiples of the
//! period), few empty cycles (against fractions of it), and a tight fit
//! (against a slightly wrong period whose drifting lattice still catches an
//! extra visit).
//!
//! The winner is a routine only if it passes every test of
//! [`crate::policy`]: enough occasions on the cycle, a large enough share of
//! occasions on the cycle (extra visits) and of cycles visited (missed
//! cycles), and a small chance that visits at random would line up as well.

use crate::policy;

/// A period found in a window of occasions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fit {
    /// The period, in days.
    pub period: f64,
    /// The lattice's phase (a wall-clock time in days): occasions are
    /// expected at `phase + k × period`.
    pub phase: f64,
    /// The occasions on the cycle, by index into the window (one per cycle).
    pub on_cycle: Vec<usize>,
    /// Cycles spanned from the first to the last cycle visited.
    pub cycles: u32,
    /// Occasions in the window.
    pub occasions: u32,
    /// Root mean square distance of the occasions on the cycle from their
    /// lattice points, in days.
    pub rms_days: f64,
    /// The chance that random visits would line up as well.
    pub chance: f64,
}

impl Fit {
    /// Share of the window's occasions that are on the cycle.
    pub fn on_cycle_share(&self) -> f64 {
        self.on_cycle.len() as f64 / self.occasions as f64
    }
    /// Share of the spanned cycles that have a visit.
    pub fn coverage(&self) -> f64 {
        self.on_cycle.len() as f64 / f64::from(self.cycles)
    }
    /// The regularity score in `(0, 1]`: coverage × share on the cycle.
    pub fn regularity(&self) -> f64 {
        self.coverage() * self.on_cycle_share()
    }
}

/// How far from a lattice point an occasion may lie and still be on the
/// cycle, in days.
pub(crate) fn tolerance(period: f64) -> f64 {
    (period * policy::ROUTINE_FIT_TOLERANCE_SHARE).min(policy::ROUTINE_FIT_TOLERANCE_MAX_DAYS)
}

/// `x` wrapped into `[-period / 2, period / 2)`.
pub(crate) fn wrap(x: f64, period: f64) -> f64 {
    let r = x.rem_euclid(period);
    if r >= period / 2.0 {
        r - period
    } else {
        r
    }
}

/// An occasion on the lattice: its cycle, its index, its offset in days.
type OnLattice = (i64, usize, f64);

/// The occasions on the lattice, by cycle, keeping the nearest occasion of
/// each cycle. `days` is sorted, so cycles come in order.
fn on_lattice(days: &[f64], period: f64, phase: f64) -> Vec<OnLattice> {
    let tol = tolerance(period);
    let mut best: Vec<OnLattice> = Vec::with_capacity(days.len());
    for (i, &x) in days.iter().enumerate() {
        let k = ((x - phase) / period).round();
        let e = x - phase - k * period;
        if e.abs() > tol {
            continue;
        }
        match best.last_mut() {
            Some(last) if last.0 == k as i64 => {
                if e.abs() < last.2.abs() {
                    *last = (k as i64, i, e);
                }
            }
            _ => best.push((k as i64, i, e)),
        }
    }
    best
}

/// Least-squares period and phase over the occasions on the lattice.
fn regress(days: &[f64], best: &[OnLattice]) -> Option<(f64, f64)> {
    let n = best.len() as f64;
    if best.len() < 2 {
        return None;
    }
    let mk = best.iter().map(|&(k, _, _)| k as f64).sum::<f64>() / n;
    let mx = best.iter().map(|&(_, i, _)| days[i]).sum::<f64>() / n;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for &(k, i, _) in best {
        let dk = k as f64 - mk;
        sxx += dk * dk;
        sxy += dk * (days[i] - mx);
    }
    if sxx == 0.0 {
        return None;
    }
    let period = sxy / sxx;
    Some((period, mx - period * mk))
}

/// Fits one candidate period: the phase with the most occasions within
/// tolerance (a circular sliding window over the offsets), then two rounds
/// of least squares.
fn candidate(days: &[f64], period: f64) -> Option<(f64, f64, Vec<OnLattice>)> {
    let tol = tolerance(period);
    let anchor = *days.last()?;
    let mut offsets: Vec<f64> = days.iter().map(|&x| wrap(x - anchor, period)).collect();
    offsets.sort_by(f64::total_cmp);
    let n = offsets.len();
    let ext: Vec<f64> = offsets.iter().copied().chain(offsets.iter().map(|e| e + period)).collect();
    let (mut best_count, mut centre, mut j) = (0, 0.0, 0);
    for i in 0..n {
        j = j.max(i);
        while j < i + n && ext[j] - ext[i] <= 2.0 * tol {
            j += 1;
        }
        if j - i > best_count {
            best_count = j - i;
            centre = (ext[i] + ext[j - 1]) / 2.0;
        }
    }
    let (mut period, mut phase) = (period, anchor + centre);
    let mut best = on_lattice(days, period, phase);
    for _ in 0..2 {
        let Some((p, ph)) = regress(days, &best) else { break };
        if !(policy::ROUTINE_MIN_PERIOD_DAYS..=policy::ROUTINE_MAX_PERIOD_DAYS).contains(&p) {
            return None;
        }
        (period, phase) = (p, ph);
        best = on_lattice(days, period, phase);
    }
    Some((period, phase, best))
}

/// `P(X ≥ k)` for `X ~ Binomial(n, q)`.
pub(crate) fn binomial_tail(n: u32, k: u32, q: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let q = q.clamp(0.0, 1.0);
    // Terms from i = k upwards, each from the previous one.
    let mut term = 1.0;
    for i in 0..k {
        term *= f64::from(n - i) / f64::from(i + 1) * q;
    }
    term *= (1.0 - q).powi((n - k) as i32);
    let mut sum = term;
    for i in k..n {
        if q >= 1.0 {
            break;
        }
        term *= f64::from(n - i) / f64::from(i + 1) * q / (1.0 - q);
        sum += term;
    }
    if q >= 1.0 {
        1.0
    } else {
        sum.min(1.0)
    }
}

/// The chance that visits at random, at the window's own rate, would put
/// as many of the cycles' expected times within the observed spread: the
/// two occasions that fix period and phase are not counted.
fn chance(days: &[f64], hits: u32, cycles: u32, max_offset: f64, period: f64) -> f64 {
    let span = days[days.len() - 1] - days[0];
    if span <= 0.0 {
        return 1.0;
    }
    let rate = (days.len() - 1) as f64 / span;
    let half = max_offset.clamp(policy::ROUTINE_MIN_SPREAD_DAYS, tolerance(period));
    let q = 1.0 - (-rate * 2.0 * half).exp();
    binomial_tail(cycles.saturating_sub(2), hits.saturating_sub(2), q)
}

/// The routine in `days` (sorted wall-clock times in days), if there is one.
pub(crate) fn fit(days: &[f64]) -> Option<Fit> {
    let n = days.len();
    if n < policy::ROUTINE_MIN_VISITS {
        return None;
    }
    let mut periods = std::collections::BTreeSet::new();
    for i in 0..n {
        for j in i + 1..n.min(i + 4) {
            for m in 1..=4 {
                let p = (days[j] - days[i]) / f64::from(m);
                if (policy::ROUTINE_MIN_PERIOD_DAYS..=policy::ROUTINE_MAX_PERIOD_DAYS).contains(&p) {
                    periods.insert((p * 100.0).round() as i64);
                }
            }
        }
    }
    let mut winner: Option<(f64, f64, Fit)> = None;
    for p in periods {
        let Some((period, phase, best)) = candidate(days, p as f64 / 100.0) else { continue };
        if best.len() < policy::ROUTINE_MIN_VISITS {
            continue;
        }
        let cycles = (best[best.len() - 1].0 - best[0].0 + 1) as u32;
        let hits = best.len() as u32;
        let rms = (best.iter().map(|(_, _, e)| e * e).sum::<f64>() / f64::from(hits)).sqrt();
        let spread = rms / tolerance(period);
        let score = f64::from(hits * hits) / f64::from(cycles) * (1.0 - spread * spread);
        if winner.as_ref().is_some_and(|(s, r, _)| score < *s || (score == *s && rms >= *r)) {
            continue;
        }
        let max_offset = best.iter().map(|(_, _, e)| e.abs()).fold(0.0, f64::max);
        let fit = Fit {
            period,
            phase,
            on_cycle: best.iter().map(|&(_, i, _)| i).collect(),
            cycles,
            occasions: n as u32,
            rms_days: rms,
            chance: chance(days, hits, cycles, max_offset, period),
        };
        winner = Some((score, rms, fit));
    }
    let (_, _, fit) = winner?;
    let claimed = fit.on_cycle.len() >= policy::ROUTINE_MIN_VISITS
        && fit.on_cycle_share() >= policy::ROUTINE_MIN_ON_CYCLE_SHARE
        && fit.coverage() >= policy::ROUTINE_MIN_COVERAGE
        && fit.chance <= policy::ROUTINE_MAX_CHANCE;
    claimed.then_some(fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_matches_the_sum() {
        assert!((binomial_tail(3, 3, 0.5) - 0.125).abs() < 1e-12);
        assert!((binomial_tail(4, 2, 0.5) - 11.0 / 16.0).abs() < 1e-12);
        assert_eq!(binomial_tail(5, 0, 0.3), 1.0);
        assert_eq!(binomial_tail(5, 6, 0.3), 0.0);
        assert_eq!(binomial_tail(5, 2, 1.0), 1.0);
        assert_eq!(binomial_tail(5, 2, 0.0), 0.0);
    }

    #[test]
    fn exact_weekly_visits_give_seven_days() {
        let days: Vec<f64> = (0..6).map(|k| 20_000.75 + 7.0 * f64::from(k)).collect();
        let f = fit(&days).expect("a routine");
        assert!((f.period - 7.0).abs() < 1e-9, "{f:?}");
        assert_eq!((f.on_cycle.len(), f.cycles), (6, 6));
        assert!((f.regularity() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn two_visits_are_never_a_routine() {
        assert_eq!(fit(&[20_000.75, 20_007.75]), None);
    }

    #[test]
    fn wrap_is_centred() {
        assert_eq!(wrap(8.0, 7.0), 1.0);
        assert_eq!(wrap(6.0, 7.0), -1.0);
        assert_eq!(wrap(-3.0, 7.0), -3.0);
        assert_eq!(wrap(3.5, 7.0), -3.5);
    }
}
