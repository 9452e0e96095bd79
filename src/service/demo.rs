//! The demo district (SPEC §8): Bình Tân in 2021, as the district plan describes it: the
//! district desk, the land-registration branch and ten wards, with synthetic tickets,
//! dossier counts and about 20,000 responses over the four quarters of 2021. Everything it
//! writes is marked synthetic, and the database remembers that it holds demo data.
//! The data is drawn from a fixed seed, so every demo database is the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::form::{AnswerValue, Answers, Form};
use crate::domain::index::Tally;
use crate::domain::local_midnight_utc;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::{Unit, UnitCode};
use crate::service::forms::{FormRegistry, DEFAULT_FORM};
use crate::service::submit::digest_for;
use crate::store::dossiers::{self, DossierCountRow};
use crate::store::responses::{self, NewResponseRow};
use crate::store::tallies::{self, TallyKey};
use crate::store::tickets::{self, TicketRow};
use crate::store::units::{self, UnitRow};
use crate::store::{meta, Store, StoreError};

pub const SYNTHETIC_KEY: &str = "synthetic_data";
pub const SYNTHETIC_NOTE: &str = "Bình Tân 2021 (demo)";

/// code, Vietnamese name, English name, daily dossiers, issues one-time codes, satisfaction level.
const UNITS: &[(&str, &str, &str, u32, bool, f64)] = &[
    (
        "quan-binh-tan",
        "Ủy ban nhân dân quận Bình Tân",
        "Binh Tan District People's Committee",
        70,
        true,
        0.86,
    ),
    (
        "vpdkdd-binh-tan",
        "Chi nhánh Văn phòng Đăng ký đất đai quận Bình Tân",
        "Binh Tan Land Registration Branch",
        80,
        true,
        0.74,
    ),
    ("an-lac", "Phường An Lạc", "An Lac Ward", 26, true, 0.90),
    (
        "an-lac-a",
        "Phường An Lạc A",
        "An Lac A Ward",
        20,
        false,
        0.84,
    ),
    (
        "binh-hung-hoa",
        "Phường Bình Hưng Hòa",
        "Binh Hung Hoa Ward",
        28,
        true,
        0.88,
    ),
    (
        "binh-hung-hoa-a",
        "Phường Bình Hưng Hòa A",
        "Binh Hung Hoa A Ward",
        34,
        true,
        0.81,
    ),
    (
        "binh-hung-hoa-b",
        "Phường Bình Hưng Hòa B",
        "Binh Hung Hoa B Ward",
        24,
        false,
        0.93,
    ),
    (
        "binh-tri-dong",
        "Phường Bình Trị Đông",
        "Binh Tri Dong Ward",
        25,
        true,
        0.85,
    ),
    (
        "binh-tri-dong-a",
        "Phường Bình Trị Đông A",
        "Binh Tri Dong A Ward",
        27,
        false,
        0.79,
    ),
    (
        "binh-tri-dong-b",
        "Phường Bình Trị Đông B",
        "Binh Tri Dong B Ward",
        23,
        true,
        0.89,
    ),
    ("tan-tao", "Phường Tân Tạo", "Tan Tao Ward", 25, false, 0.83),
    (
        "tan-tao-a",
        "Phường Tân Tạo A",
        "Tan Tao A Ward",
        22,
        true,
        0.87,
    ),
];

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

pub fn is_demo(store: &Store) -> Result<bool, StoreError> {
    Ok(store.read(|c| meta::setting(c, SYNTHETIC_KEY))?.is_some())
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
        let wards: Vec<&str> = data
            .units
            .iter()
            .map(|u| u.code.as_str())
            .filter(|c| {
                c.starts_with("an-lac") || c.starts_with("binh-") || c.starts_with("tan-tao")
            })
            .collect();
        crate::service::demo_feedback::insert(c, &wards)?;
        meta::set_setting(c, SYNTHETIC_KEY, SYNTHETIC_NOTE)?;
        Ok(())
    })?;
    Ok(summary)
}

struct DemoData {
    tallies: BTreeMap<TallyKey, Tally>,
    units: Vec<UnitRow>,
    tickets: Vec<TicketRow>,
    dossiers: Vec<DossierCountRow>,
    responses: Vec<NewResponseRow>,
}

fn uniform_noise(rng: &mut StdRng, spread: f64) -> f64 {
    // The sum of three uniforms: a cheap bell shape.
    (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5) * spread
}

fn generate(form: &Form, now: DateTime<Utc>) -> DemoData {
    let mut rng = StdRng::seed_from_u64(2021);
    let parent = UnitCode::parse("quan-binh-tan").ok();
    let units: Vec<UnitRow> = UNITS
        .iter()
        .filter_map(|(code, vi, en, ..)| {
            let unit = Unit {
                code: UnitCode::parse(code).ok()?,
                name: (*vi).to_string(),
                name_en: Some((*en).to_string()),
                parent: if *code == "quan-binh-tan" {
                    None
                } else {
                    parent.clone()
                },
                form_id: form.id.clone(),
                valid_from: None,
                valid_to: None,
                predecessors: Vec::new(),
            };
            Some(UnitRow::from_unit(&unit, true, now.naive_utc()))
        })
        .collect();
    let factor_shift = |code: &str| match code {
        "access" => -0.05,
        "procedure" => 0.02,
        "result" => 0.04,
        "feedback" => -0.09,
        _ => 0.0,
    };
    let mut tickets = Vec::new();
    let mut dossier_rows = Vec::new();
    let mut responses = Vec::new();
    let mut tallies: BTreeMap<TallyKey, Tally> = BTreeMap::new();
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(2021, 1, 4),
        NaiveDate::from_ymd_opt(2021, 12, 31),
    ) else {
        return DemoData {
            tallies,
            units,
            tickets,
            dossiers: dossier_rows,
            responses,
        };
    };
    let mut day = start;
    while day <= end {
        let weekday = day.weekday();
        // Desks open Monday to Friday and Saturday morning. The summer 2021 lockdown in
        // Ho Chi Minh City (Directive 16, mid-July to September) cut visits to a trickle.
        let lockdown = day.month() >= 7 && day.month() <= 9 && !(day.month() == 7 && day.day() < 9);
        let open_share = match weekday {
            Weekday::Sun => 0.0,
            Weekday::Sat => 0.4,
            _ => 1.0,
        } * if lockdown { 0.25 } else { 1.0 };
        if open_share > 0.0 {
            let quarter_trend = f64::from(day.month0() / 3) * 0.012;
            for &(code, _, _, base, uses_tickets, level) in UNITS {
                let dossiers = (f64::from(base) * open_share * (0.75 + rng.random::<f64>() * 0.5))
                    .round() as u32;
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
                    (f64::from(dossiers) * 0.55).round() as u32
                } else {
                    0
                };
                let mut answered_tickets = Vec::new();
                for _ in 0..issued {
                    let code_t = TicketCode::generate(&mut rng);
                    let issued_at = day_start + Duration::minutes(450 + rng.random_range(0..570));
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
                    });
                    if used {
                        answered_tickets.push((code_t.as_str().to_string(), used_at));
                    }
                }
                let poster = (f64::from(dossiers) * 0.07 + uniform_noise(&mut rng, 2.0))
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
                for (ticket, at) in arrivals {
                    let latent = uniform_noise(&mut rng, 0.3);
                    let answers = synthetic_answers(
                        &mut rng,
                        form,
                        level + quarter_trend + latent,
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
                    });
                }
            }
        }
        day = day.succ_opt().unwrap_or(end + Duration::days(1));
    }
    DemoData {
        tallies,
        units,
        tickets,
        dossiers: dossier_rows,
        responses,
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
    for component in &form.components {
        let p = (level + factor_shift(&component.code)).clamp(0.05, 0.99);
        let mut sum = 0.0;
        for criterion in &component.criteria {
            let score: u8 = if rng.random::<f64>() < 0.03 {
                0
            } else if rng.random::<f64>() < p {
                if rng.random::<f64>() < 0.45 {
                    5
                } else {
                    4
                }
            } else {
                let r = rng.random::<f64>();
                if r < 0.6 {
                    3
                } else if r < 0.9 {
                    2
                } else {
                    1
                }
            };
            sum += f64::from(score);
            answers
                .values
                .insert(criterion.code.clone(), AnswerValue::Score(score));
        }
        worst.push((
            sum / component.criteria.len() as f64 + rng.random::<f64>(),
            component.code.clone(),
        ));
    }
    if let Some(overall) = &form.overall {
        let score = if rng.random::<f64>() < level.clamp(0.05, 0.99) {
            4 + u8::from(rng.random::<f64>() < 0.4)
        } else {
            3 - u8::from(rng.random::<f64>() < 0.3)
        };
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
