//! The satisfaction indices of METHODOLOGY §2–3 from a `Tally`: the counts and sums of a set
//! of responses on one form version. A tally is additive (two tallies merge into the tally
//! of the union), so the service keeps one per unit, day and form version, updated in the
//! same transaction as each response, and a quarter's table merges a few hundred of them
//! instead of re-reading every answer.

use super::num::Real;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::form::{AnswerValue, ExpectationKind, Expectations, Form};
use super::stats::{self, AlphaSums, Interval, Moments};

/// Valid answers and, of those, the satisfied ones (4 or 5; for a share, "yes").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub n: u64,
    pub s: u64,
}

impl Count {
    fn merge(&mut self, o: &Count) {
        self.n += o.n;
        self.s += o.s;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub responses: u64,
    pub ticket_responses: u64,
    pub criteria: BTreeMap<String, Count>,
    pub overall: Count,
    /// Sum and number of all valid criterion answers, for the mean score.
    pub score_sum: u64,
    pub score_n: u64,
    /// Each respondent's s_i (percent), for the SIPAS interval.
    pub sipas_shares: Moments,
    /// Each respondent's y_if (percent) per factor, for the factor intervals.
    pub factor_shares: BTreeMap<String, Moments>,
    /// Cronbach's α sums per factor, over respondents who answered all its criteria.
    pub alpha: BTreeMap<String, AlphaSums>,
    pub expectation_respondents: u64,
    pub expectations: BTreeMap<String, u64>,
    /// Respondents who said how they submitted, and of those, online.
    pub channel: Count,
}

/// A rating on the 1–5 scale (0, "no opinion", is no score and counts nowhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(u8);

impl TryFrom<u8> for Score {
    type Error = u8;
    fn try_from(v: u8) -> Result<Score, u8> {
        (1..=5).contains(&v).then_some(Score(v)).ok_or(v)
    }
}

impl Score {
    /// The score an answer holds, if it is one.
    pub fn of(v: Option<&AnswerValue>) -> Option<Score> {
        match v {
            Some(AnswerValue::Score(s)) => Score::try_from(*s).ok(),
            _ => None,
        }
    }

    /// 4 (satisfied) or 5 (very satisfied): what every share of the index counts (METHODOLOGY).
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Tally {
    /// Adds one response, given as stored (answers keyed by code).
    pub fn add(&mut self, form: &Form, answers: &BTreeMap<String, AnswerValue>, from_ticket: bool) {
        self.responses += 1;
        if from_ticket {
            self.ticket_responses += 1;
        }
        let mut factor_shares = Vec::new();
        for component in &form.components {
            let mut valid = 0u64;
            let mut satisfied = 0u64;
            let mut all: Vec<f64> = Vec::with_capacity(component.criteria.len());
            for criterion in &component.criteria {
                if let Some(s) = Score::of(answers.get(&criterion.code)) {
                    let c = self.criteria.entry(criterion.code.clone()).or_default();
                    c.n += 1;
                    valid += 1;
                    if s.is_satisfied() {
                        c.s += 1;
                        satisfied += 1;
                    }
                    self.score_sum += u64::from(s.get());
                    self.score_n += 1;
                    all.push(f64::from(s.get()));
                }
            }
            if valid > 0 {
                let y = 100.0 * satisfied.real() / valid.real();
                self.factor_shares
                    .entry(component.code.clone())
                    .or_default()
                    .add(y);
                factor_shares.push(y);
            }
            if component.criteria.len() >= 2 && all.len() == component.criteria.len() {
                self.alpha
                    .entry(component.code.clone())
                    .or_insert_with(|| AlphaSums::new(component.criteria.len()))
                    .add(&all);
            }
        }
        if let Some(mean) = stats::mean(&factor_shares) {
            self.sipas_shares.add(mean);
        }
        if let Some(o) = &form.overall {
            if let Some(s) = Score::of(answers.get(&o.code)) {
                self.overall.n += 1;
                self.overall.s += u64::from(s.is_satisfied());
            }
        }
        if let Some(e) = &form.expectations {
            self.add_expectations(e, answers);
        }
        if let Some(q) = form.channel_question() {
            if let Some(AnswerValue::Choice(c)) = answers.get(&q.code) {
                self.channel.n += 1;
                if q.options.iter().any(|o| &o.code == c && o.online) {
                    self.channel.s += 1;
                }
            }
        }
    }

    /// The expectations one response chose, or rated "wanted" (one of the two highest levels).
    fn add_expectations(&mut self, e: &Expectations, answers: &BTreeMap<String, AnswerValue>) {
        let chosen: Vec<&str> = match e.kind {
            ExpectationKind::Choose => match answers.get(&e.code) {
                Some(AnswerValue::Choices(list)) => list.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            },
            ExpectationKind::Rate => {
                // "Wanted" is one of the two highest levels (Mong muốn, Rất mong muốn).
                let mut values: Vec<u8> = e.levels.iter().map(|l| l.value).collect();
                values.sort_unstable();
                let threshold = values.iter().rev().nth(1).copied().unwrap_or(u8::MAX);
                let mut answered = false;
                let mut wanted = Vec::new();
                for o in &e.options {
                    if let Some(AnswerValue::Score(v)) =
                        answers.get(&format!("{}.{}", e.code, o.code))
                    {
                        answered = true;
                        if *v >= threshold {
                            wanted.push(o.code.as_str());
                        }
                    }
                }
                if answered && wanted.is_empty() {
                    self.expectation_respondents += 1;
                }
                wanted
            }
        };
        if !chosen.is_empty() {
            self.expectation_respondents += 1;
            for c in chosen {
                *self.expectations.entry(c.to_string()).or_default() += 1;
            }
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.responses += o.responses;
        self.ticket_responses += o.ticket_responses;
        for (k, c) in &o.criteria {
            self.criteria.entry(k.clone()).or_default().merge(c);
        }
        self.overall.merge(&o.overall);
        self.score_sum += o.score_sum;
        self.score_n += o.score_n;
        self.sipas_shares.merge(&o.sipas_shares);
        for (k, m) in &o.factor_shares {
            self.factor_shares.entry(k.clone()).or_default().merge(m);
        }
        for (k, a) in &o.alpha {
            match self.alpha.get_mut(k) {
                Some(mine) => mine.merge(a),
                None => {
                    self.alpha.insert(k.clone(), a.clone());
                }
            }
        }
        self.expectation_respondents += o.expectation_respondents;
        for (k, n) in &o.expectations {
            *self.expectations.entry(k.clone()).or_default() += n;
        }
        self.channel.merge(&o.channel);
    }
}

/// One figure with its uncertainty: an index or share in percent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub code: String,
    pub n_valid: u64,
    /// For shares and criteria: how many were satisfied (or chose, or were online).
    pub n_satisfied: Option<u64>,
    pub index: Option<f64>,
    pub ci: Option<Interval>,
    /// Standard error in percentage points, for comparing periods.
    pub se: Option<f64>,
    /// Cronbach's α (factors only).
    pub alpha: Option<f64>,
}

fn share(code: &str, c: Count) -> Measure {
    let index = super::num::percent(c.s, c.n);
    Measure {
        code: code.to_string(),
        n_valid: c.n,
        n_satisfied: Some(c.s),
        index,
        ci: stats::wilson(c.s, c.n),
        se: index.map(|p| (p * (100.0 - p) / c.n.real()).sqrt()),
        alpha: None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indices {
    pub responses: u64,
    pub ticket_responses: u64,
    pub criteria: Vec<Measure>,
    pub factors: Vec<Measure>,
    pub sipas: Measure,
    pub overall: Option<Measure>,
    pub mean_score: Option<f64>,
    pub expectations: Vec<Measure>,
    pub online: Measure,
}

/// The indices of METHODOLOGY §2 from a tally on `form`.
pub fn compute(form: &Form, t: &Tally) -> Indices {
    let criteria: Vec<Measure> = form
        .criteria()
        .map(|(_, cr)| {
            share(
                &cr.code,
                t.criteria.get(&cr.code).copied().unwrap_or_default(),
            )
        })
        .collect();
    let factors: Vec<Measure> = form
        .components
        .iter()
        .map(|c| {
            let values: Vec<f64> = criteria
                .iter()
                .filter(|m| c.criteria.iter().any(|cr| cr.code == m.code))
                .filter_map(|m| m.index)
                .collect();
            let index = stats::mean(&values);
            let shares = t.factor_shares.get(&c.code).copied().unwrap_or_default();
            Measure {
                code: c.code.clone(),
                n_valid: shares.n,
                n_satisfied: None,
                index,
                ci: index.and_then(|i| stats::respondent_interval(i, &shares)),
                se: shares.std_error(),
                alpha: t.alpha.get(&c.code).and_then(AlphaSums::alpha),
            }
        })
        .collect();
    let values: Vec<f64> = factors.iter().filter_map(|f| f.index).collect();
    let sipas_index = stats::mean(&values);
    let sipas = Measure {
        code: "sipas".into(),
        n_valid: t.sipas_shares.n,
        n_satisfied: None,
        index: sipas_index,
        ci: sipas_index.and_then(|i| stats::respondent_interval(i, &t.sipas_shares)),
        se: t.sipas_shares.std_error(),
        alpha: None,
    };
    let expectations = form
        .expectations
        .iter()
        .flat_map(|e| e.options.iter())
        .map(|o| {
            share(
                &o.code,
                Count {
                    n: t.expectation_respondents,
                    s: t.expectations.get(&o.code).copied().unwrap_or(0),
                },
            )
        })
        .collect();
    Indices {
        responses: t.responses,
        ticket_responses: t.ticket_responses,
        criteria,
        factors,
        sipas,
        overall: form.overall.as_ref().map(|o| share(&o.code, t.overall)),
        mean_score: (t.score_n > 0).then(|| t.score_sum.real() / t.score_n.real()),
        expectations,
        online: share("online", t.channel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::forms::FormRegistry;

    fn answers(pairs: &[(&str, &str)], form: &Form) -> BTreeMap<String, AnswerValue> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        form.validate(&owned).unwrap().values
    }

    #[test]
    fn quick_form_indices_by_hand() {
        let reg = FormRegistry::builtin().unwrap();
        let form = reg.latest("quick").unwrap();
        let mut t = Tally::default();
        // R1: access 5, procedure 4, staff 2, result 0 (no opinion), feedback 3; overall 4; online.
        t.add(
            &form,
            &answers(
                &[
                    ("access.1", "5"),
                    ("procedure.1", "4"),
                    ("staff.1", "2"),
                    ("result.1", "0"),
                    ("feedback.1", "3"),
                    ("overall", "4"),
                    ("channel", "online_full"),
                ],
                &form,
            ),
            true,
        );
        // R2: everything 4; in person.
        t.add(
            &form,
            &answers(
                &[
                    ("access.1", "4"),
                    ("procedure.1", "4"),
                    ("staff.1", "4"),
                    ("result.1", "4"),
                    ("feedback.1", "4"),
                    ("overall", "2"),
                    ("channel", "in_person"),
                ],
                &form,
            ),
            false,
        );
        let ix = compute(&form, &t);
        let idx = |code: &str| ix.factors.iter().find(|m| m.code == code).unwrap().index;
        assert_eq!(idx("access"), Some(100.0));
        assert_eq!(idx("staff"), Some(50.0));
        assert_eq!(
            idx("result"),
            Some(100.0),
            "no opinion is not a valid answer"
        );
        assert_eq!(idx("feedback"), Some(50.0));
        // SIPAS = mean(100, 100, 50, 100, 50) = 80.
        assert_eq!(ix.sipas.index, Some(80.0));
        // s_1 = mean(100,100,0,0) = 50 over the 4 factors R1 answered; s_2 = 100. mean 75 ≠ 80: incomplete answers.
        assert_eq!(t.sipas_shares.mean(), Some(75.0));
        assert_eq!(ix.overall.as_ref().unwrap().index, Some(50.0));
        // Mean score over the 9 valid answers: (5+4+2+3 + 4·5) / 9.
        assert!((ix.mean_score.unwrap() - 34.0 / 9.0).abs() < 1e-12);
        assert_eq!(ix.online.index, Some(50.0));
        assert_eq!(ix.ticket_responses, 1);
    }

    #[test]
    fn an_empty_tally_has_no_index_never_zero() {
        let reg = FormRegistry::builtin().unwrap();
        let form = reg.latest("sipas-2017").unwrap();
        let ix = compute(&form, &Tally::default());
        assert_eq!(ix.sipas.index, None);
        assert!(ix
            .criteria
            .iter()
            .all(|m| m.index.is_none() && m.ci.is_none()));
        assert_eq!(ix.mean_score, None);
    }

    #[test]
    fn merging_equals_adding_everything_to_one() {
        let reg = FormRegistry::builtin().unwrap();
        let form = reg.latest("sipas-2017").unwrap();
        let rows: Vec<BTreeMap<String, AnswerValue>> = (0..40)
            .map(|i| {
                let pairs: Vec<(String, String)> = form
                    .criteria()
                    .enumerate()
                    .map(|(j, (_, c))| (c.code.clone(), ((i * 7 + j * 3) % 6).to_string()))
                    .chain([("overall".to_string(), ((i % 5) + 1).to_string())])
                    .collect();
                form.validate(&pairs).unwrap().values
            })
            .collect();
        let mut whole = Tally::default();
        let (mut a, mut b) = (Tally::default(), Tally::default());
        for (i, r) in rows.iter().enumerate() {
            whole.add(&form, r, i % 3 == 0);
            if i % 2 == 0 {
                a.add(&form, r, i % 3 == 0)
            } else {
                b.add(&form, r, i % 3 == 0)
            }
        }
        a.merge(&b);
        let (x, y) = (compute(&form, &whole), compute(&form, &a));
        assert_eq!(x.criteria, y.criteria);
        assert_eq!(x.sipas.index, y.sipas.index);
        let (cx, cy) = (x.sipas.ci.unwrap(), y.sipas.ci.unwrap());
        assert!((cx.low - cy.low).abs() < 1e-9 && (cx.high - cy.high).abs() < 1e-9);
    }
}
