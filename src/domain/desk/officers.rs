//! Officers' desk figures for an appraisal (METHODOLOGY "Officers and counters"): each officer's adjusted share, its band against the unit, and the standings of a unit.

use super::*;

/// How an officer's (or a counter's) desk figure stands against the unit's share m
/// (METHODOLOGY "Officers and counters"): a band, never a rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// The whole interval is above m.
    Above,
    /// The interval holds m: no difference from the unit can be told.
    Within,
    /// The whole interval is below m.
    Below,
    /// Fewer than `min_n` ratings: no figure.
    TooFew,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Above => "above",
            Band::Within => "within",
            Band::Below => "below",
            Band::TooFew => "too_few",
        }
    }
}

/// The settings of officers' figures: the fewest ratings a figure is shown for, and the
/// prior strength (in ratings) of the shrinkage toward the unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fairness {
    pub min_n: u64,
    pub prior: f64,
}

impl Default for Fairness {
    fn default() -> Fairness {
        Fairness {
            min_n: 30,
            prior: 20.0,
        }
    }
}

/// An officer's figure: x satisfied of n unflagged ratings, against the unit's share `m`
/// (percent, over all the unit's unflagged ratings). Below `min_n` only the band `too_few`.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficerFigure {
    pub ratings: u64,
    pub raw_pct: Option<f64>,
    pub ci: Option<Interval>,
    /// (x + k·m) / (n + k): the figure to read, the raw share beside it.
    pub adjusted_pct: Option<f64>,
    pub band: Band,
}

pub fn officer_figure(x: u64, n: u64, unit_pct: f64, rule: &Fairness) -> OfficerFigure {
    if n < rule.min_n || n == 0 {
        return OfficerFigure {
            ratings: n,
            raw_pct: None,
            ci: None,
            adjusted_pct: None,
            band: Band::TooFew,
        };
    }
    let m = unit_pct / 100.0;
    let ci = stats::wilson(x, n);
    let band = match ci {
        Some(i) if i.high < unit_pct => Band::Below,
        Some(i) if i.low > unit_pct => Band::Above,
        _ => Band::Within,
    };
    OfficerFigure {
        ratings: n,
        raw_pct: Some(100.0 * x.real() / n.real()),
        ci,
        adjusted_pct: Some(100.0 * (x.real() + rule.prior * m) / (n.real() + rule.prior)),
        band,
    }
}

/// A counter taken over on a day: who took it from whom (the day only, never a time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Takeover {
    pub unit_code: String,
    pub day: chrono::NaiveDate,
    pub counter: String,
    pub by: String,
    pub from: String,
}

/// The officers' and counters' figures of a period, unit by unit.
#[derive(Debug, Clone)]
pub struct OfficerTable {
    pub period: crate::domain::period::Period,
    /// The counters taken over in the period, by day (for those who see names).
    pub takeovers: Vec<Takeover>,
    pub units: Vec<UnitStandings>,
    /// False for viewers: the officers' lists are empty, the counters are shown.
    pub names_shown: bool,
    pub synthetic: bool,
    pub rule: Fairness,
}

/// One rating as the officers' figures read it: its counter, the officer who had the counter
/// open (if anyone), its score, and whether a misuse flag keeps it apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    pub counter: String,
    pub officer: Option<i64>,
    pub score: u8,
    pub flagged: bool,
}

/// An officer's or a counter's standing in a unit for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The officer's user name, or the counter's name.
    pub who: String,
    /// The officer's id (none for a counter).
    pub id: Option<i64>,
    /// Survey answers given with the officer's code slips in the period, and their SIPAS
    /// (another instrument; shown from `min_n` answers).
    pub survey: u64,
    pub survey_sipas: Option<f64>,
    /// x: unflagged ratings of 4 or 5.
    pub satisfied: u64,
    pub flagged: u64,
    pub figure: OfficerFigure,
}

/// A unit's officers and counters against its share m (over all its unflagged ratings,
/// attributed or not).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitStandings {
    pub unit_code: String,
    pub unit_name: String,
    /// x_u and n_u.
    pub satisfied: u64,
    pub ratings: u64,
    pub flagged: u64,
    /// m, in percent (none without ratings).
    pub unit_pct: Option<f64>,
    /// The unflagged ratings given while nobody had the counter open.
    pub unattributed: u64,
    /// By name (never by figure).
    pub officers: Vec<Standing>,
    /// By counter name.
    pub counters: Vec<Standing>,
}

#[derive(Default)]
struct Tally {
    satisfied: u64,
    ratings: u64,
    flagged: u64,
}

impl Tally {
    fn add(&mut self, r: &Attributed) {
        if r.flagged {
            self.flagged += 1;
        } else {
            self.ratings += 1;
            self.satisfied += u64::from(r.score >= 4);
        }
    }
}

/// The standings of one unit: every officer in `names` (id → user name; officers without
/// ratings stand as `too_few`) and every officer and counter that has ratings, each against
/// the unit's share m, listed by name.
pub fn standings(
    unit_code: &str,
    unit_name: &str,
    ratings: &[Attributed],
    names: &BTreeMap<i64, String>,
    rule: &Fairness,
) -> UnitStandings {
    let mut unit = Tally::default();
    let mut unattributed = 0u64;
    let mut by_officer: BTreeMap<i64, Tally> =
        names.keys().map(|id| (*id, Tally::default())).collect();
    let mut by_counter: BTreeMap<&str, Tally> = BTreeMap::new();
    for r in ratings {
        unit.add(r);
        by_counter.entry(r.counter.as_str()).or_default().add(r);
        match r.officer {
            Some(id) => by_officer.entry(id).or_default().add(r),
            None => unattributed += u64::from(!r.flagged),
        }
    }
    let unit_pct = crate::domain::num::percent(unit.satisfied, unit.ratings);
    let stand = |who: String, id: Option<i64>, t: &Tally| Standing {
        who,
        id,
        survey: 0,
        survey_sipas: None,
        satisfied: t.satisfied,
        flagged: t.flagged,
        figure: officer_figure(t.satisfied, t.ratings, unit_pct.unwrap_or(0.0), rule),
    };
    let mut officers: Vec<Standing> = by_officer
        .iter()
        .map(|(id, t)| {
            let name = names.get(id).cloned().unwrap_or_else(|| format!("#{id}"));
            stand(name, Some(*id), t)
        })
        .collect();
    officers.sort_by(|a, b| a.who.cmp(&b.who));
    let counters = by_counter
        .iter()
        .map(|(c, t)| stand(c.to_string(), None, t))
        .collect();
    UnitStandings {
        unit_code: unit_code.to_string(),
        unit_name: unit_name.to_string(),
        satisfied: unit.satisfied,
        ratings: unit.ratings,
        flagged: unit.flagged,
        unit_pct,
        unattributed,
        officers,
        counters,
    }
}
