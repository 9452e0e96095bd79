//! The statistics of METHODOLOGY §2–3, pure functions over counts and sums: the Wilson score
//! interval, the respondent-level interval of a factor or SIPAS index, the significance of
//! a change, Cronbach's α, and the sample size for ±5 %. z = Φ⁻¹(0.975) from statrs.

use super::num::Real;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Φ⁻¹(0.975) ≈ 1.959964, the 95 % two-sided normal quantile.
pub fn z95() -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(0.975),
        Err(_) => 1.959_963_984_540_054,
    }
}

/// An interval in percent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Wilson score interval for r successes out of n, in percent. None when n = 0.
pub fn wilson(r: u64, n: u64) -> Option<Interval> {
    if n == 0 || r > n {
        return None;
    }
    let (r, n, z) = (r.real(), n.real(), z95());
    let z2 = z * z;
    let centre = 2.0 * r + z2;
    let spread = z * (z2 + 4.0 * r * (1.0 - r / n)).sqrt();
    let denom = 2.0 * (n + z2);
    Some(Interval {
        low: (100.0 * (centre - spread) / denom).max(0.0),
        high: (100.0 * (centre + spread) / denom).min(100.0),
    })
}

/// Running sums of a per-respondent value: enough for its mean and sample variance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n.real())
    }
    /// Sample variance (n − 1). None below two values.
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n.real();
        Some(((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0))
    }
    /// Standard error of the mean.
    pub fn std_error(&self) -> Option<f64> {
        Some((self.variance()? / self.n.real()).sqrt())
    }
}

/// The respondent-level interval of a factor or SIPAS index (METHODOLOGY §2): index ± z·SE,
/// SE = sd(s)/√n over respondents' shares s (in percent), clipped to [0, 100].
pub fn respondent_interval(index: f64, shares: &Moments) -> Option<Interval> {
    let se = shares.std_error()?;
    let z = z95();
    Some(Interval {
        low: (index - z * se).max(0.0),
        high: (index + z * se).min(100.0),
    })
}

/// Is a change between two indices larger than chance? |Δ| > z·√(SE₁² + SE₂²).
pub fn significant_change(change: f64, se_now: f64, se_before: f64) -> bool {
    change.abs() > z95() * (se_now * se_now + se_before * se_before).sqrt()
}

/// The standard error of the difference of two shares (two-proportion z-test, pooled), in percent.
pub fn two_proportion_se(r1: u64, n1: u64, r2: u64, n2: u64) -> Option<f64> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let p = (r1 + r2).real() / (n1 + n2).real();
    Some(100.0 * (p * (1.0 - p) * (1.0 / n1.real() + 1.0 / n2.real())).sqrt())
}

/// The sums Cronbach's α needs over respondents who answered every criterion of a factor:
/// per-criterion moments and the moments of each respondent's total.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlphaSums {
    pub items: Vec<Moments>,
    pub total: Moments,
}

impl AlphaSums {
    pub fn new(k: usize) -> AlphaSums {
        AlphaSums {
            items: vec![Moments::default(); k],
            total: Moments::default(),
        }
    }
    pub fn add(&mut self, scores: &[f64]) {
        if scores.len() != self.items.len() {
            return;
        }
        for (m, x) in self.items.iter_mut().zip(scores) {
            m.add(*x);
        }
        self.total.add(scores.iter().sum());
    }
    pub fn merge(&mut self, other: &AlphaSums) {
        if self.items.len() != other.items.len() {
            return;
        }
        for (a, b) in self.items.iter_mut().zip(&other.items) {
            a.merge(b);
        }
        self.total.merge(&other.total);
    }
    /// α = k/(k − 1) · (1 − Σ var_i / var_total). None with fewer than two criteria or
    /// respondents, or no variance in the totals.
    pub fn alpha(&self) -> Option<f64> {
        let k = self.items.len();
        if k < 2 {
            return None;
        }
        let var_total = self.total.variance()?;
        if var_total <= 0.0 {
            return None;
        }
        let sum_items: f64 = self
            .items
            .iter()
            .map(|m| m.variance())
            .sum::<Option<f64>>()?;
        let k = k.real();
        Some(k / (k - 1.0) * (1.0 - sum_items / var_total))
    }
}

/// Responses needed for ±5 % at 95 % from a population of N dossiers (finite population
/// correction): n = n₀ / (1 + (n₀ − 1)/N), n₀ = z²·0.25/0.05², rounded up.
pub fn sample_needed(population: Option<u64>) -> u64 {
    let z = z95();
    let n0 = z * z * 0.25 / (0.05 * 0.05);
    let n = match population {
        Some(big_n) if big_n > 0 => n0 / (1.0 + (n0 - 1.0) / big_n.real()),
        _ => n0,
    };
    super::num::count_of(n.ceil())
}

/// Rounds half away from zero to two decimals, for writing out (computations keep full precision).
pub fn round2(x: f64) -> f64 {
    let scaled = x * 100.0;
    // Guard against binary representation just below .5 (e.g. 1.005 stored as 1.00499…).
    let r = (scaled.abs() + 1e-9).round() * scaled.signum();
    r / 100.0
}

/// The mean of some values; none of none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len().real())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(i: Interval) -> (f64, f64) {
        (round2(i.low), round2(i.high))
    }

    #[test]
    fn wilson_matches_newcombe_table_one() {
        assert_eq!(pct(wilson(81, 263).unwrap()), (25.53, 36.62));
        assert_eq!(pct(wilson(15, 148).unwrap()), (6.24, 16.05));
        assert_eq!(pct(wilson(0, 20).unwrap()), (0.0, 16.11));
        assert_eq!(pct(wilson(1, 29).unwrap()), (0.61, 17.18));
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn z_is_the_normal_quantile() {
        assert!((z95() - 1.959_963_985).abs() < 1e-8);
    }

    #[test]
    fn respondent_interval_by_hand() {
        // Shares 100, 50, 100, 0 → mean 62.5, sd = 47.871…, SE = 23.936, ±46.91.
        let mut m = Moments::default();
        for s in [100.0, 50.0, 100.0, 0.0] {
            m.add(s);
        }
        assert_eq!(m.mean(), Some(62.5));
        let i = respondent_interval(62.5, &m).unwrap();
        assert_eq!(round2(i.low), 15.59);
        assert_eq!(i.high, 100.0, "clipped");
        let mut one = Moments::default();
        one.add(100.0);
        assert_eq!(
            respondent_interval(100.0, &one),
            None,
            "no interval below two respondents"
        );
    }

    #[test]
    fn cronbach_alpha_by_hand() {
        // Three respondents, two items: (1,2), (2,3), (3,5).
        // var items: 1, 2.3333; totals 3,5,8: var 6.3333. α = 2·(1 − 3.3333/6.3333) = 0.947368…
        let mut a = AlphaSums::new(2);
        for r in [[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]] {
            a.add(&r);
        }
        assert!((a.alpha().unwrap() - 0.947_368_421).abs() < 1e-6);
        assert_eq!(AlphaSums::new(1).alpha(), None);
    }

    #[test]
    fn sample_needed_matches_methodology() {
        assert_eq!(sample_needed(None), 385);
        assert_eq!(sample_needed(Some(1_000)), 278);
    }

    #[test]
    fn significance_and_rounding() {
        assert!(significant_change(10.0, 3.0, 3.0));
        assert!(!significant_change(8.0, 3.0, 3.0));
        assert_eq!(round2(81.245), 81.25);
        assert_eq!(round2(1.005), 1.01);
        assert_eq!(round2(-1.005), -1.01);
        assert_eq!(round2(2.0 / 3.0 * 100.0), 66.67);
    }
}

/// Post-stratification (METHODOLOGY "Dossier-weighted totals"): strata given as (weight,
/// index, standard error). Strata without an index take no part; a stratum without a standard
/// error (fewer than 2 respondents) adds nothing to the variance. Returns the weighted index,
/// its standard error and its 95 % interval clipped to [0, 100].
pub fn weighted_index(
    strata: &[(f64, Option<f64>, Option<f64>)],
) -> Option<(f64, Option<f64>, Option<Interval>)> {
    let parts: Vec<(f64, f64, Option<f64>)> = strata
        .iter()
        .filter_map(|&(w, i, se)| i.filter(|_| w > 0.0).map(|i| (w, i, se)))
        .collect();
    let total: f64 = parts.iter().map(|p| p.0).sum();
    if parts.is_empty() || total <= 0.0 {
        return None;
    }
    let index = parts.iter().map(|(w, i, _)| w * i).sum::<f64>() / total;
    let with_se: Vec<(f64, f64)> = parts
        .iter()
        .filter_map(|(w, _, se)| se.map(|s| (*w, s)))
        .collect();
    if with_se.is_empty() {
        return Some((index, None, None));
    }
    let variance: f64 = with_se
        .iter()
        .map(|(w, s)| (w / total).powi(2) * s * s)
        .sum();
    let se = variance.sqrt();
    let half = z95() * se;
    Some((
        index,
        Some(se),
        Some(Interval {
            low: (index - half).max(0.0),
            high: (index + half).min(100.0),
        }),
    ))
}

#[cfg(test)]
mod weighting_tests {
    use super::*;

    #[test]
    fn the_worked_example_of_methodology() {
        // A: W=1,000, n=50, I=80 %, s=20 pp → SE = 20/√50; B: W=3,000, n=200, I=60 %, s=25 pp.
        let a = (1000.0, Some(80.0), Some(20.0 / 50f64.sqrt()));
        let b = (3000.0, Some(60.0), Some(25.0 / 200f64.sqrt()));
        let (i, se, ci) = weighted_index(&[a, b]).unwrap();
        assert!((i - 65.0).abs() < 1e-12);
        assert!((se.unwrap().powi(2) - 2.2578125).abs() < 1e-9);
        let ci = ci.unwrap();
        assert_eq!((round2(ci.low), round2(ci.high)), (62.05, 67.95));
        // A stratum with no answers takes no part; one without an SE adds no variance.
        let (i, se, _) =
            weighted_index(&[a, (5000.0, None, None), (1000.0, Some(100.0), None)]).unwrap();
        assert!((i - 90.0).abs() < 1e-12);
        assert!((se.unwrap() - 0.5 * 20.0 / 50f64.sqrt()).abs() < 1e-12);
        assert!(weighted_index(&[(0.0, Some(50.0), None)]).is_none());
    }
}
