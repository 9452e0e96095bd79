//! The demo (SPEC §8), in both worlds: Bình Tân district in 2021 and 2025-H1 (the district
//! desk, the land-registration branch and ten wards), then from 1 July 2025 Ho Chi Minh City
//! with the five merged wards and their lineage, to 2026-Q3 — 19 units, with synthetic
//! tickets, dossier counts and about 45,000 responses drawn around a latent satisfaction.
//! Everything it writes is marked synthetic, and the database remembers that it holds demo
//! data.
//! The data is drawn from a fixed seed, so every demo database is the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::form::{AnswerValue, Answers, Form};
use crate::domain::index::Tally;
use crate::domain::local_midnight_utc;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::{Predecessor, Unit, UnitCode};
use crate::service::forms::{FormRegistry, DEFAULT_FORM};
use crate::service::submit::digest_for;
use crate::store::dossiers::{self, DossierCountRow};
use crate::store::responses::{self, NewResponseRow};
use crate::store::tallies::{self, TallyKey};
use crate::store::tickets::{self, TicketRow};
use crate::store::units::{self, UnitRow};
use crate::store::{meta, Store, StoreError};

pub use crate::store::meta::SYNTHETIC_KEY;
pub const SYNTHETIC_NOTE: &str = "Bình Tân 2021, 2025–2026 (demo)";

/// A unit of the demo: code, Vietnamese and English names, daily dossiers, whether it issues
/// one-time codes, satisfaction level (share satisfied), parent, first and last day, and
/// predecessors (`code:share;…`).
struct DemoUnit {
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    base: u32,
    tickets: bool,
    level: f64,
    parent: Option<&'static str>,
    from: Option<(i32, u32, u32)>,
    to: Option<(i32, u32, u32)>,
    predecessors: &'static str,
}

const OLD_END: Option<(i32, u32, u32)> = Some((2025, 6, 30));
const NEW_START: Option<(i32, u32, u32)> = Some((2025, 7, 1));

const fn old(
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    base: u32,
    tickets: bool,
    level: f64,
) -> DemoUnit {
    DemoUnit {
        code,
        vi,
        en,
        base,
        tickets,
        level,
        parent: Some("quan-binh-tan"),
        from: None,
        to: OLD_END,
        predecessors: "",
    }
}

const fn new(
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    base: u32,
    tickets: bool,
    level: f64,
    predecessors: &'static str,
) -> DemoUnit {
    DemoUnit {
        code,
        vi,
        en,
        base,
        tickets,
        level,
        parent: Some("tp-hcm"),
        from: NEW_START,
        to: None,
        predecessors,
    }
}

/// Bình Tân before 1 July 2025 (the district, its land-registration branch, ten wards) and
/// after (Ho Chi Minh City as the top unit, five wards, the branch renamed), with the lineage
/// of Resolution 1685/NQ-UBTVQH15: "part of" a ward is taken as half of it. Parts of Tân Kiên
/// (Bình Chánh) and Sơn Kỳ (Tân Phú) are outside the demo and left out.
const UNITS: &[DemoUnit] = &[
    DemoUnit {
        code: "quan-binh-tan",
        vi: "Ủy ban nhân dân quận Bình Tân",
        en: "Binh Tan District People's Committee",
        base: 70,
        tickets: true,
        level: 0.86,
        parent: None,
        from: None,
        to: OLD_END,
        predecessors: "",
    },
    old(
        "vpdkdd-binh-tan",
        "Chi nhánh Văn phòng Đăng ký đất đai quận Bình Tân",
        "Binh Tan Land Registration Branch",
        80,
        true,
        0.74,
    ),
    old("an-lac", "Phường An Lạc", "An Lac Ward", 26, true, 0.90),
    old(
        "an-lac-a",
        "Phường An Lạc A",
        "An Lac A Ward",
        20,
        false,
        0.84,
    ),
    old(
        "binh-hung-hoa",
        "Phường Bình Hưng Hòa",
        "Binh Hung Hoa Ward",
        28,
        true,
        0.88,
    ),
    old(
        "binh-hung-hoa-a",
        "Phường Bình Hưng Hòa A",
        "Binh Hung Hoa A Ward",
        34,
        true,
        0.81,
    ),
    old(
        "binh-hung-hoa-b",
        "Phường Bình Hưng Hòa B",
        "Binh Hung Hoa B Ward",
        24,
        false,
        0.93,
    ),
    old(
        "binh-tri-dong",
        "Phường Bình Trị Đông",
        "Binh Tri Dong Ward",
        25,
        true,
        0.85,
    ),
    old(
        "binh-tri-dong-a",
        "Phường Bình Trị Đông A",
        "Binh Tri Dong A Ward",
        27,
        false,
        0.79,
    ),
    old(
        "binh-tri-dong-b",
        "Phường Bình Trị Đông B",
        "Binh Tri Dong B Ward",
        23,
        true,
        0.89,
    ),
    old("tan-tao", "Phường Tân Tạo", "Tan Tao Ward", 25, false, 0.83),
    old(
        "tan-tao-a",
        "Phường Tân Tạo A",
        "Tan Tao A Ward",
        22,
        true,
        0.87,
    ),
    DemoUnit {
        code: "tp-hcm",
        vi: "Thành phố Hồ Chí Minh",
        en: "Ho Chi Minh City",
        base: 0,
        tickets: false,
        level: 0.85,
        parent: None,
        from: NEW_START,
        to: None,
        predecessors: "",
    },
    new(
        "vpdkdd-khu-vuc-binh-tan",
        "Chi nhánh Văn phòng Đăng ký đất đai TP.HCM – khu vực Bình Tân",
        "HCMC Land Registration Office, Binh Tan area branch",
        80,
        true,
        0.76,
        "vpdkdd-binh-tan",
    ),
    new(
        "phuong-an-lac",
        "Phường An Lạc",
        "An Lac Ward",
        66,
        true,
        0.89,
        "an-lac;an-lac-a;binh-tri-dong-b",
    ),
    new(
        "phuong-binh-tan",
        "Phường Bình Tân",
        "Binh Tan Ward",
        50,
        false,
        0.86,
        "binh-hung-hoa-b;binh-tri-dong-a:0.5;tan-tao:0.5",
    ),
    new(
        "phuong-tan-tao",
        "Phường Tân Tạo",
        "Tan Tao Ward",
        36,
        true,
        0.84,
        "tan-tao-a;tan-tao:0.5",
    ),
    new(
        "phuong-binh-tri-dong",
        "Phường Bình Trị Đông",
        "Binh Tri Dong Ward",
        55,
        true,
        0.85,
        "binh-tri-dong;binh-hung-hoa-a:0.5;binh-tri-dong-a:0.5",
    ),
    new(
        "phuong-binh-hung-hoa",
        "Phường Bình Hưng Hòa",
        "Binh Hung Hoa Ward",
        45,
        false,
        0.87,
        "binh-hung-hoa;binh-hung-hoa-a:0.5",
    ),
];

fn ymd(d: Option<(i32, u32, u32)>) -> Option<NaiveDate> {
    d.and_then(|(y, m, dd)| NaiveDate::from_ymd_opt(y, m, dd))
}

const COMMENTS: &[&str] = &[
    "Cán bộ hướng dẫn nhiệt tình, cảm ơn.",
    "Nên bố trí thêm ghế ngồi chờ vào buổi sáng.",
    "Thời gian chờ hơi lâu.",
    "Đề nghị niêm yết rõ hơn phí, lệ phí.",
    "Nộp hồ sơ trực tuyến thuận tiện.",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    pub tickets: usize,
    pub dossier_days: usize,
    pub responses: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds units: the demo loads only into an empty database")]
    NotEmpty,
    #[error("the form {0} is missing")]
    NoForm(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the demo district into an empty database, in one transaction.
pub fn load(
    store: &Store,
    forms: &FormRegistry,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let form = forms
        .latest(DEFAULT_FORM)
        .ok_or_else(|| DemoError::NoForm(DEFAULT_FORM.into()))?;
    let data = generate(&form, now);
    let summary = DemoSummary {
        units: data.units.len(),
        tickets: data.tickets.len(),
        dossier_days: data.dossiers.len(),
        responses: data.responses.len(),
    };
    store.write(|c| -> Result<(), DemoError> {
        if units::count(c)? > 0 {
            return Err(DemoError::NotEmpty);
        }
        for u in &data.units {
            units::upsert(c, u)?;
        }
        tickets::insert(c, &data.tickets)?;
        dossiers::insert_new(c, &data.dossiers)?;
        responses::insert(c, &data.responses)?;
        tallies::insert_all(c, &data.tallies)?;
        let wards = |new: bool| -> Vec<&str> {
            UNITS
                .iter()
                .filter(|u| u.parent.is_some() && !u.code.starts_with("vpdkdd"))
                .filter(|u| (u.from == NEW_START) == new)
                .map(|u| u.code)
                .collect()
        };
        let q = |year, quarters: &[u32]| -> Vec<(i32, u32, bool)> {
            quarters.iter().map(|&k| (year, k, false)).collect()
        };
        crate::service::demo_feedback::insert(c, 766, &wards(false), &q(2021, &[1, 2, 3, 4]))?;
        crate::service::demo_feedback::insert(c, 767, &wards(false), &q(2025, &[1, 2]))?;
        let mut later = q(2025, &[3, 4]);
        later.extend(q(2026, &[1, 2, 3]));
        later.push((2026, 4, true));
        crate::service::demo_feedback::insert(c, 768, &wards(true), &later)?;
        if let (Some(from), Some(to)) = (ymd(NEW_START), ymd(Some((2026, 9, 30)))) {
            crate::service::demo_desk::insert(c, &wards(true), from, to)?;
        }
        meta::set_setting(c, SYNTHETIC_KEY, SYNTHETIC_NOTE)?;
        Ok(())
    })?;
    Ok(summary)
}

/// The quarters the demo holds responses for.
const DEMO_QUARTERS: [(i32, u32); 11] = [
    (2021, 1),
    (2021, 2),
    (2021, 3),
    (2021, 4),
    (2025, 1),
    (2025, 2),
    (2025, 3),
    (2025, 4),
    (2026, 1),
    (2026, 2),
    (2026, 3),
];

/// Publishes the demo's quarters that have ended by `now`, all but the last one (an admin
/// can try publishing it), each dated two weeks after its end, so that a visitor sees the
/// public site at once. One of them is published again with a reason, so that the list
/// shows what a revision looks like. Returns the labels published.
pub fn publish_finished(
    store: &Store,
    forms: &FormRegistry,
    feedback: &crate::service::feedback::FeedbackSettings,
    scheme: crate::domain::period::Scheme,
    now: DateTime<Utc>,
) -> Result<Vec<String>, crate::service::publish::PublishError> {
    use crate::domain::period::Period;
    use crate::service::publish::publish;
    let at = |day: NaiveDate, days: i64| {
        local_midnight_utc(day + Duration::days(days)) + Duration::hours(9)
    };
    let mut finished: Vec<Period> = DEMO_QUARTERS
        .iter()
        .filter_map(|(y, q)| Period::parse(&format!("{y}-Q{q}"), scheme).ok())
        .filter(|p| at(p.end, 1) <= now)
        .collect();
    finished.pop();
    let mut done = Vec::new();
    for p in &finished {
        publish(
            store,
            forms,
            feedback,
            p,
            "",
            "demo",
            at(p.end, 14).min(now),
        )?;
        if p.label == "2025-Q2" {
            let reason = "Công bố lại để minh họa một lần công bố có lý do (dữ liệu trình diễn)";
            publish(
                store,
                forms,
                feedback,
                p,
                reason,
                "demo",
                at(p.end, 40).min(now),
            )?;
        }
        done.push(p.label.clone());
    }
    Ok(done)
}

struct DemoData {
    tallies: BTreeMap<TallyKey, Tally>,
    units: Vec<UnitRow>,
    tickets: Vec<TicketRow>,
    dossiers: Vec<DossierCountRow>,
    responses: Vec<NewResponseRow>,
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

fn generate(form: &Form, now: DateTime<Utc>) -> DemoData {
    let mut rng = StdRng::seed_from_u64(2021);
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
    // Factor effects on the latent scale: feedback handling is where citizens are least
    // satisfied, results where they are most.
    let factor_shift = |code: &str| match code {
        "access" => -0.15,
        "procedure" => 0.05,
        "result" => 0.12,
        "feedback" => -0.3,
        _ => 0.0,
    };
    let mut tickets = Vec::new();
    let mut dossier_rows = Vec::new();
    let mut responses = Vec::new();
    let mut tallies: BTreeMap<TallyKey, Tally> = BTreeMap::new();
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
            let weekday = day.weekday();
            // Desks open Monday to Friday and Saturday morning. The summer 2021 lockdown in
            // Ho Chi Minh City (Directive 16, mid-July to September) cut visits to a trickle.
            let lockdown = day.year() == 2021
                && day.month() >= 7
                && day.month() <= 9
                && !(day.month() == 7 && day.day() < 9);
            let open_share = match weekday {
                Weekday::Sun => 0.0,
                Weekday::Sat => 0.4,
                _ => 1.0,
            } * if lockdown { 0.25 } else { 1.0 };
            // Later years: fewer one-time codes (dossiers go online), a thinner sample.
            let later = day.year() > 2021;
            if open_share > 0.0 {
                let quarter_trend = f64::from(day.month0() / 3) * 0.012;
                for d in UNITS {
                    let valid =
                        ymd(d.from).is_none_or(|f| f <= day) && ymd(d.to).is_none_or(|t| day <= t);
                    if !valid || d.base == 0 {
                        continue;
                    }
                    let (code, base, uses_tickets, level) = (d.code, d.base, d.tickets, d.level);
                    let dossiers =
                        (f64::from(base) * open_share * (0.75 + rng.random::<f64>() * 0.5)).round()
                            as u32;
                    if dossiers == 0 {
                        continue;
                    }
                    dossier_rows.push(DossierCountRow {
                        unit_code: code.to_string(),
                        day,
                        dossiers: dossiers as i32,
                        synthetic: true,
                    });
                    let day_start = local_midnight_utc(day);
                    let issued = if uses_tickets {
                        (f64::from(dossiers) * if later { 0.3 } else { 0.55 }).round() as u32
                    } else {
                        0
                    };
                    let mut answered_tickets = Vec::new();
                    for _ in 0..issued {
                        let code_t = TicketCode::generate(&mut rng);
                        let issued_at =
                            day_start + Duration::minutes(450 + rng.random_range(0..570));
                        let used = rng.random::<f64>() < 0.38;
                        let used_at = issued_at + Duration::minutes(rng.random_range(2..90));
                        tickets.push(TicketRow {
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
                        });
                        if used {
                            answered_tickets.push((code_t.as_str().to_string(), used_at));
                        }
                    }
                    let poster = (f64::from(dossiers) * if later { 0.05 } else { 0.07 }
                        + uniform_noise(&mut rng, 2.0))
                    .round()
                    .max(0.0) as u32;
                    let mut arrivals: Vec<(Option<String>, DateTime<Utc>)> = answered_tickets
                        .into_iter()
                        .map(|(c, t)| (Some(c), t))
                        .collect();
                    for _ in 0..poster {
                        arrivals.push((
                            None,
                            day_start + Duration::minutes(460 + rng.random_range(0..600)),
                        ));
                    }
                    let year_trend = if later { 0.02 } else { 0.0 };
                    for (ticket, at) in arrivals {
                        let answers = synthetic_answers(
                            &mut rng,
                            form,
                            level + quarter_trend + year_trend,
                            &factor_shift,
                            day.month(),
                        );
                        tallies
                            .entry(TallyKey {
                                unit_code: code.to_string(),
                                day,
                                form_id: form.id.clone(),
                                form_version: i32::try_from(form.version).unwrap_or(1),
                            })
                            .or_default()
                            .add(form, &answers.values, ticket.is_some());
                        let mut id = [0u8; 16];
                        rng.fill(&mut id);
                        let submission_id = uuid::Builder::from_random_bytes(id)
                            .into_uuid()
                            .hyphenated()
                            .to_string();
                        responses.push(NewResponseRow {
                            submission_id,
                            unit_code: code.to_string(),
                            form_id: form.id.clone(),
                            form_version: i32::try_from(form.version).unwrap_or(1),
                            source: if ticket.is_some() { "ticket" } else { "poster" }.to_string(),
                            via_ticket: ticket.is_some(),
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
            }
            day = day.succ_opt().unwrap_or(end + Duration::days(1));
        }
    }
    DemoData {
        tallies,
        units,
        tickets,
        dossiers: dossier_rows,
        responses,
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
        let pick = match q.role {
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
        };
        if q.options.iter().any(|o| o.code == pick) {
            answers
                .values
                .insert(q.code.clone(), AnswerValue::Choice(pick.to_string()));
        }
    }
    if form.comment.is_some() && rng.random::<f64>() < 0.05 {
        answers.comment = Some(COMMENTS[rng.random_range(0..COMMENTS.len())].to_string());
    }
    answers
}
