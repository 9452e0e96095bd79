//! The demo's synthetic data: tickets, dossier counts and responses drawn around a latent
//! satisfaction per unit, from a fixed seed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::world::{ymd, COMMENTS, UNITS};
use crate::domain::form::{AnswerValue, Answers, Form};
use crate::domain::index::Tally;
use crate::domain::local_midnight_utc;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::{Predecessor, Unit, UnitCode};
use crate::service::submit::digest_for;
use crate::store::dossiers::DossierCountRow;
use crate::store::responses::NewResponseRow;
use crate::store::tallies::TallyKey;
use crate::store::tickets::TicketRow;
use crate::store::units::UnitRow;

pub(super) struct DemoData {
    pub(super) tallies: BTreeMap<TallyKey, Tally>,
    pub(super) units: Vec<UnitRow>,
    pub(super) tickets: Vec<TicketRow>,
    pub(super) dossiers: Vec<DossierCountRow>,
    pub(super) responses: Vec<NewResponseRow>,
    /// The invitations' counts (from 2026 in the merged wards; METHODOLOGY "Invitations").
    pub(super) invitations: Vec<crate::domain::invite::Tallied>,
}

/// The standard normal quantile (statrs).
fn probit(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

fn uniform_noise(rng: &mut StdRng, spread: f64) -> f64 {
    // The sum of three uniforms: a cheap bell shape.
    (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5) * spread
}

/// A drawn amount as a whole count: rounded, never below 0.
fn whole(x: f64) -> u32 {
    u32::try_from(crate::domain::num::count_of(x.round())).unwrap_or(u32::MAX)
}

/// Factor effects on the latent scale: feedback handling is where citizens are least
/// satisfied, results where they are most.
fn factor_shift(code: &str) -> f64 {
    match code {
        "access" => -0.15,
        "procedure" => 0.05,
        "result" => 0.12,
        "feedback" => -0.3,
        _ => 0.0,
    }
}

pub(super) fn generate(form: &Form, now: DateTime<Utc>) -> DemoData {
    let units: Vec<UnitRow> = UNITS
        .iter()
        .filter_map(|d| {
            let unit = Unit {
                code: UnitCode::parse(d.code).ok()?,
                name: d.vi.to_string(),
                name_en: Some(d.en.to_string()),
                parent: d.parent.and_then(|p| UnitCode::parse(p).ok()),
                form_id: form.id.clone(),
                valid_from: ymd(d.from),
                valid_to: ymd(d.to),
                predecessors: Predecessor::parse_list(d.predecessors).ok()?,
            };
            Some(UnitRow::from_unit(&unit, true, now.naive_utc()))
        })
        .collect();
    let mut g = Generator {
        rng: StdRng::seed_from_u64(2021),
        form,
        data: DemoData {
            tallies: BTreeMap::new(),
            units,
            tickets: Vec::new(),
            dossiers: Vec::new(),
            responses: Vec::new(),
            invitations: Vec::new(),
        },
        invite_rng: StdRng::seed_from_u64(2026),
    };
    // 2021 (the plan's year) and 2025-Q1 to 2026-Q3 (across the reorganisation).
    let spans = [
        ((2021, 1, 4), (2021, 12, 31)),
        ((2025, 1, 2), (2026, 9, 30)),
    ];
    for (from, to) in spans {
        let (Some(start), Some(end)) = (ymd(Some(from)), ymd(Some(to))) else {
            continue;
        };
        let mut day = start;
        while day <= end {
            g.day(day);
            day = day.succ_opt().unwrap_or(end + Duration::days(1));
        }
    }
    g.data
}

/// The demo's one generator (a fixed seed: the same data on every machine) and what it drew.
/// The order of the draws is the data: a change of order changes every figure.
struct Generator<'a> {
    rng: StdRng,
    form: &'a Form,
    data: DemoData,
    /// The invitations draw from a generator of their own, so that everything else is
    /// drawn as it was before there were invitations.
    invite_rng: StdRng,
}

impl Generator<'_> {
    /// One day of every unit open on it.
    fn day(&mut self, day: chrono::NaiveDate) {
        // Desks open Monday to Friday and Saturday morning. The summer 2021 lockdown in
        // Ho Chi Minh City (Directive 16, mid-July to September) cut visits to a trickle.
        let lockdown = day.year() == 2021
            && day.month() >= 7
            && day.month() <= 9
            && !(day.month() == 7 && day.day() < 9);
        let open_share = match day.weekday() {
            Weekday::Sun => 0.0,
            Weekday::Sat => 0.4,
            _ => 1.0,
        } * if lockdown { 0.25 } else { 1.0 };
        if open_share <= 0.0 {
            return;
        }
        for d in UNITS {
            let valid = ymd(d.from).is_none_or(|f| f <= day) && ymd(d.to).is_none_or(|t| day <= t);
            if valid && d.base != 0 {
                self.unit_day(d, day, open_share);
            }
        }
    }

    /// One unit's day: its dossiers, the codes handed out, and the answers that came.
    fn unit_day(&mut self, d: &super::world::DemoUnit, day: chrono::NaiveDate, open_share: f64) {
        // Later years: fewer one-time codes (dossiers go online), a thinner sample.
        let later = day.year() > 2021;
        let quarter_trend = f64::from(day.month0() / 3) * 0.012;
        let rng = &mut self.rng;
        let dossiers = whole(f64::from(d.base) * open_share * (0.75 + rng.random::<f64>() * 0.5));
        if dossiers == 0 {
            return;
        }
        self.data.dossiers.push(DossierCountRow {
            unit_code: d.code.to_string(),
            day,
            dossiers: i32::try_from(dossiers).unwrap_or(i32::MAX),
            synthetic: true,
        });
        let day_start = local_midnight_utc(day);
        let issued = if d.tickets {
            whole(f64::from(dossiers) * if later { 0.3 } else { 0.55 })
        } else {
            0
        };
        let mut arrivals: Vec<(Option<String>, DateTime<Utc>)> = self
            .tickets(d.code, day, day_start, issued)
            .into_iter()
            .map(|(c, t)| (Some(c), t))
            .collect();
        let rng = &mut self.rng;
        let poster =
            whole(f64::from(dossiers) * if later { 0.05 } else { 0.07 } + uniform_noise(rng, 2.0));
        for _ in 0..poster {
            arrivals.push((
                None,
                day_start + Duration::minutes(460 + rng.random_range(0..600)),
            ));
        }
        let year_trend = if later { 0.02 } else { 0.0 };
        let level = d.level + quarter_trend + year_trend;
        for (ticket, at) in arrivals {
            let source = if ticket.is_some() { "ticket" } else { "poster" };
            self.respond(d.code, day, level, source, at);
        }
        let merged_ward = d.from == super::world::NEW_START && d.parent.is_some();
        if merged_ward && !d.code.starts_with("vpdkdd") && day.year() >= 2026 {
            std::mem::swap(&mut self.rng, &mut self.invite_rng);
            self.invite(d.code, day, dossiers, level);
            std::mem::swap(&mut self.rng, &mut self.invite_rng);
        }
    }

    /// A merged ward's invitations of a day (from 2026): 60 % of the citizens agree to be
    /// asked; Zalo takes 80 % of the messages, SMS the numbers without Zalo; 2 % fail; about
    /// a quarter answer, in the days after (counted on the day sent, answered that day or
    /// the next few — here, that day). Drawn from the invitations' own generator.
    fn invite(&mut self, code: &str, day: chrono::NaiveDate, dossiers: u32, level: f64) {
        use crate::domain::invite::{Outcome, Route, Tallied};
        let mut counts: BTreeMap<(Route, Outcome), u64> = BTreeMap::new();
        let day_start = local_midnight_utc(day);
        for _ in 0..whole(f64::from(dossiers) * 0.6) {
            *counts.entry((Route::Zns, Outcome::Queued)).or_default() += 1;
            let route = if self.rng.random::<f64>() < 0.8 {
                Route::Zns
            } else {
                Route::Sms
            };
            if self.rng.random::<f64>() < 0.02 {
                *counts.entry((route, Outcome::Failed)).or_default() += 1;
                continue;
            }
            *counts.entry((route, Outcome::Delivered)).or_default() += 1;
            if self.rng.random::<f64>() < 0.25 {
                *counts.entry((route, Outcome::Answered)).or_default() += 1;
                let at = day_start + Duration::minutes(720 + self.rng.random_range(0..540));
                self.respond(code, day, level, "invitation", at);
            }
        }
        let unit = code.to_string();
        self.data
            .invitations
            .extend(counts.into_iter().map(|((route, outcome), n)| Tallied {
                unit: unit.clone(),
                day,
                route,
                outcome,
                n,
            }));
    }

    /// The one-time codes handed out at a desk on a day; those answered, with when.
    fn tickets(
        &mut self,
        code: &str,
        day: chrono::NaiveDate,
        day_start: DateTime<Utc>,
        issued: u32,
    ) -> Vec<(String, DateTime<Utc>)> {
        let rng = &mut self.rng;
        let mut answered = Vec::new();
        for _ in 0..issued {
            let code_t = TicketCode::generate(rng);
            let issued_at = day_start + Duration::minutes(450 + rng.random_range(0..570));
            let used = rng.random::<f64>() < 0.38;
            let used_at = issued_at + Duration::minutes(rng.random_range(2..90));
            self.data.tickets.push(TicketRow {
                code: code_t.as_str().to_string(),
                unit_code: code.to_string(),
                issued_at: issued_at.naive_utc(),
                issued_date: day,
                expires_at: (issued_at + Duration::days(30)).naive_utc(),
                dossier_ref: None,
                field: None,
                used_at: used.then(|| crate::domain::day_of(used_at.naive_utc())),
                synthetic: true,
                officer_id: None,
                invite_route: None,
                number_hash: None,
            });
            if used {
                answered.push((code_t.as_str().to_string(), used_at));
            }
        }
        answered
    }

    /// One citizen's answers, tallied and kept as a response.
    fn respond(
        &mut self,
        code: &str,
        day: chrono::NaiveDate,
        level: f64,
        source: &'static str,
        at: DateTime<Utc>,
    ) {
        let via_ticket = source != "poster";
        let form = self.form;
        let answers = synthetic_answers(&mut self.rng, form, level, &factor_shift, day.month());
        let form_version = i32::try_from(form.version).unwrap_or(1);
        self.data
            .tallies
            .entry(TallyKey {
                unit_code: code.to_string(),
                day,
                form_id: form.id.clone(),
                form_version,
            })
            .or_default()
            .add(form, &answers.values, via_ticket);
        let mut id = [0u8; 16];
        self.rng.fill(&mut id);
        let submission_id = uuid::Builder::from_random_bytes(id)
            .into_uuid()
            .hyphenated()
            .to_string();
        self.data.responses.push(NewResponseRow {
            submission_id,
            unit_code: code.to_string(),
            form_id: form.id.clone(),
            form_version,
            source: source.to_string(),
            via_ticket,
            submitted_at: crate::domain::day_of(at.naive_utc()),
            local_date: day,
            answers: answers.to_json(),
            comment: answers.comment.clone(),
            digest: digest_for(code, form, &answers),
            synthetic: true,
            via_predecessor: false,
            officer_id: None,
        });
    }
}

/// A standard normal draw (Box–Muller), from the demo's own generator.
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Spread of the latent scale an answer is read from: respondent (1), factor (0.45) and
/// criterion (0.8) parts. Criteria of one factor share the first two, so they agree as real
/// answers do (Cronbach's α near 0.85).
const LATENT_SD: f64 = 1.36;

/// A score 1–5 from a point on the latent scale: 4 or 5 (satisfied) above 0.
fn score_of(x: f64) -> u8 {
    match x {
        x if x < -2.2 => 1,
        x if x < -1.3 => 2,
        x if x < 0.0 => 3,
        x if x < 1.3 => 4,
        _ => 5,
    }
}

fn synthetic_answers(
    rng: &mut StdRng,
    form: &Form,
    level: f64,
    factor_shift: &dyn Fn(&str) -> f64,
    month: u32,
) -> Answers {
    let mut answers = Answers::default();
    let mut worst: Vec<(f64, String)> = Vec::new();
    // The unit's level (share satisfied) as the mean of the latent scale.
    let mean = LATENT_SD * probit(level.clamp(0.05, 0.99));
    let person = mean + normal(rng);
    for component in &form.components {
        let factor = person + factor_shift(&component.code) + 0.45 * normal(rng);
        for criterion in &component.criteria {
            let score = if rng.random::<f64>() < 0.03 {
                0
            } else {
                score_of(factor + 0.8 * normal(rng))
            };
            answers
                .values
                .insert(criterion.code.clone(), AnswerValue::Score(score));
        }
        worst.push((factor, component.code.clone()));
    }
    if let Some(overall) = &form.overall {
        let score = score_of(person + 0.5 * normal(rng));
        answers
            .values
            .insert(overall.code.clone(), AnswerValue::Score(score));
    }
    if let Some(e) = &form.expectations {
        if rng.random::<f64>() < 0.8 {
            worst.sort_by(|a, b| a.0.total_cmp(&b.0));
            let n = 1 + usize::from(rng.random::<f64>() < 0.4);
            let chosen: Vec<String> = worst
                .iter()
                .map(|(_, c)| c.clone())
                .filter(|c| e.options.iter().any(|o| &o.code == c))
                .take(n)
                .collect();
            if !chosen.is_empty() {
                answers
                    .values
                    .insert(e.code.clone(), AnswerValue::Choices(chosen));
            }
        }
    }
    for q in &form.profile {
        if rng.random::<f64>() < 0.1 {
            continue; // profile questions are optional, and some skip them
        }
        let pick = profile_pick(rng, q.role, month);
        if q.options.iter().any(|o| o.code == pick) {
            answers
                .values
                .insert(q.code.clone(), AnswerValue::Choice(pick.to_string()));
        }
    }
    if form.comment.is_some() && rng.random::<f64>() < 0.05 {
        let i = rng.random_range(0..COMMENTS.len());
        answers.comment = COMMENTS.get(i).map(|c| c.to_string());
    }
    answers
}

/// A profile question's answer: how the dossier was filed (online more often as the year
/// goes on), or who filed it.
fn profile_pick(
    rng: &mut StdRng,
    role: crate::domain::form::ProfileRole,
    month: u32,
) -> &'static str {
    match role {
        crate::domain::form::ProfileRole::Channel => {
            let online = 0.18 + f64::from(month) * 0.015;
            let r = rng.random::<f64>();
            if r < online * 0.6 {
                "online_partial"
            } else if r < online {
                "online_full"
            } else if r < online + 0.05 {
                "postal"
            } else {
                "in_person"
            }
        }
        _ => {
            if rng.random::<f64>() < 0.86 {
                "citizen"
            } else {
                "organisation"
            }
        }
    }
}
