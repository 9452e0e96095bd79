//! `/staff/kiosks` (a unit's lead for their unit, admins for all): the rating tablets with
//! their last day seen, today's count of ratings (no figure: the day is open), the flagged
//! ratings of each recent day (a line when one day's flagged share passes 10 %), and the
//! quarter's desk satisfaction per counter up to yesterday; adding a tablet (a pairing code
//! shown once; replacing the counter's live tablet when asked) and revoking one.

use crate::domain::num::Real;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};

use super::manage::*;
use crate::domain::desk::DeskFigures;
use crate::domain::lang::Lang;
use crate::domain::local_offset;
use crate::domain::period::Period;
use crate::render::numbers;
use crate::service::access::{Action, Caller};
use crate::service::kiosks::{self, DeskTable, KioskError, KioskRow};
use crate::service::users::Staff;
use crate::store::StoreError;
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::AppState;

/// "n ratings · 86.00 %", or "–".
fn figure(lang: Lang, f: Option<&DeskFigures>) -> String {
    match f.filter(|f| f.ratings + f.flagged > 0) {
        Some(f) => format!(
            "{} · {}",
            tr(lang, "kiosks_staff.ratings_n").replace("{n}", &numbers::count(f.ratings, lang)),
            numbers::percent(f.satisfied_pct, lang)
        ),
        None => "–".into(),
    }
}

fn of<'a>(t: &'a DeskTable, k: &KioskRow) -> Option<&'a DeskFigures> {
    t.rows
        .iter()
        .find(|r| r.unit_code == k.unit_code && r.counter.as_deref() == Some(&k.counter))
        .map(|r| &r.figures)
}

fn local(at: chrono::NaiveDateTime, fmt: &str) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
        .with_timezone(&local_offset())
        .format(fmt)
        .to_string()
}

/// A day's flagged share past this is worth the lead's look (METHODOLOGY "Desk ratings").
const FLAGGED_LINE: f64 = 0.10;

/// The flagged ratings of a tablet's recent days, newest first: "06/12: 3 / 40", with a
/// warning mark on a day whose flagged share passes 10 %.
fn flagged_days(lang: Lang, days: &[(NaiveDate, i64, i64)]) -> String {
    let mut shown: Vec<String> = days
        .iter()
        .filter(|(_, _, flagged)| *flagged > 0)
        .map(|(day, n, flagged)| {
            let mark = if flagged.real() > FLAGGED_LINE * n.real() {
                format!(" ⚠ {}", tr(lang, "kiosks_staff.flagged_line"))
            } else {
                String::new()
            };
            format!("{}: {flagged} / {n}{mark}", day.format("%d/%m"))
        })
        .collect();
    shown.reverse();
    if shown.is_empty() {
        "0".into()
    } else {
        shown.join("; ")
    }
}

fn kiosk_row(lang: Lang, k: KioskRow, found: &Found) -> Row {
    let state = match (k.revoked_at, k.paired_at, k.pairing_expires_at) {
        (Some(at), _, _) => format!(
            "{} {}",
            tr(lang, "kiosks_staff.revoked"),
            local(at, "%d/%m/%Y")
        ),
        (None, Some(at), _) => format!(
            "{} {}",
            tr(lang, "kiosks_staff.paired"),
            local(at, "%d/%m/%Y")
        ),
        (None, None, Some(until)) => format!(
            "{} {}",
            tr(lang, "kiosks_staff.waiting"),
            local(until, "%H:%M")
        ),
        _ => String::new(),
    };
    let revoke = k.revoked_at.is_none().then(|| RowAction {
        url: "/staff/kiosks/revoke",
        name: "id",
        value: k.id.to_string(),
        label: tr(lang, "kiosks_staff.revoke"),
    });
    let days: Vec<(NaiveDate, i64, i64)> = found
        .days
        .iter()
        .filter(|(id, ..)| *id == k.id)
        .map(|(_, day, n, f)| (*day, *n, *f))
        .collect();
    let today = days
        .iter()
        .find(|(day, ..)| *day == found.today)
        .map_or(0, |(_, n, _)| *n);
    Row {
        cells: vec![
            format!("#{}", k.id),
            found
                .units
                .iter()
                .find(|(code, _)| *code == k.unit_code)
                .map_or_else(|| k.unit_code.clone(), |(_, name)| name.clone()),
            k.counter.clone(),
            state,
            k.last_seen_day
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "–".into()),
            tr(lang, "kiosks_staff.ratings_n").replace(
                "{n}",
                &numbers::count(u64::try_from(today).unwrap_or(0), lang),
            ),
            flagged_days(lang, &days),
            figure(lang, of(&found.quarter, &k)),
        ],
        actions: revoke.into_iter().collect(),
    }
}

/// What the page lists: the kiosks a member of staff may see, each tablet's ratings and
/// flagged ratings of the last week's days (today's counted, never scored), the quarter's
/// desk figures up to yesterday, and the units they may add a kiosk for.
struct Found {
    list: Vec<KioskRow>,
    today: NaiveDate,
    days: Vec<(i64, NaiveDate, i64, i64)>,
    quarter: DeskTable,
    units: Vec<(String, String)>,
}

fn read(state: &AppState, staff: &Staff, lang: Lang) -> Result<Found, KioskError> {
    // A refusal (a viewer) is a refusal page, not "stored data not readable".
    let list = kiosks::list(&state.store, staff)?;
    let now = Utc::now();
    let today = crate::domain::local_date(now);
    let day = Period::custom(today, today)
        .map_err(|e| KioskError::Store(StoreError::corrupt("a day", e.0)))?;
    let quarter = Period::quarter_containing(today, state.scheme).unwrap_or_else(|_| day.clone());
    let scope = staff.unit.as_deref();
    let units = unit_options(state, lang, None)?
        .into_iter()
        .filter(|(code, _)| scope.is_none_or(|mine| mine == code))
        .collect();
    let week = today - chrono::Duration::days(7);
    Ok(Found {
        list,
        today,
        days: kiosks::tablet_days(&state.store, week, today, scope)?,
        quarter: kiosks::table_through(
            &state.store,
            &quarter,
            scope,
            kiosks::last_closed_day(now),
        )?,
        units,
    })
}

fn columns(lang: Lang) -> Vec<&'static str> {
    [
        "kiosks_staff.number",
        "kiosks_staff.unit",
        "kiosks_staff.counter",
        "kiosks_staff.state",
        "kiosks_staff.last_seen",
        "kiosks_staff.today",
        "kiosks_staff.flagged",
        "kiosks_staff.quarter",
    ]
    .into_iter()
    .map(|k| tr(lang, k))
    .collect()
}

async fn kiosks_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let mut found = run(&state, move |s| read(s, &staff, lang)).await?;
    let heading = tr(lang, "kiosks_staff.heading");
    let mut page = base(lang, &state, &session.staff, session.csrf, heading);
    page.columns = columns(lang);
    let list = std::mem::take(&mut found.list);
    page.rows = list
        .into_iter()
        .map(|k| kiosk_row(lang, k, &found))
        .collect();
    page.form = Some(add_form(lang, &outcome, found.units));
    finish(page, outcome)
}

fn add_form(lang: Lang, outcome: &Outcome, units: Vec<(String, String)>) -> FormView {
    FormView {
        title: tr(lang, "kiosks_staff.add"),
        help: format!(
            "{} {}",
            tr(lang, "kiosks_staff.add_help"),
            tr(lang, "kiosks_staff.figures_note")
        ),
        action: "/staff/kiosks",
        upload: false,
        fields: vec![
            Field {
                name: "unit",
                label: tr(lang, "kiosks_staff.unit"),
                kind: "select",
                value: outcome.kept("unit"),
                options: units,
                required: true,
            },
            Field::text(
                "counter",
                tr(lang, "kiosks_staff.counter_label"),
                outcome.kept("counter"),
            ),
            Field {
                name: "replace",
                label: tr(lang, "kiosks_staff.replace"),
                kind: "checkbox",
                value: outcome.kept("replace"),
                options: Vec::new(),
                required: false,
            },
        ],
        submit: tr(lang, "kiosks_staff.create"),
    }
}

/// `GET /staff/kiosks`
pub async fn kiosks_list(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageKiosks)?;
    kiosks_page(state, lang, session, Outcome::default()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct KioskForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    counter: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    replace: String,
    /// Revoking: the question was asked and answered yes.
    #[serde(default)]
    confirm: String,
}

/// `POST /staff/kiosks`: a kiosk for a counter; its pairing code is shown once.
pub async fn kiosks_add(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<KioskForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageKiosks)?;
    let CsrfForm { form, pairs } = form;
    let st = state.clone();
    let c = Caller::Staff(session.staff.clone());
    let (unit, counter) = (form.unit.clone(), form.counter.clone());
    let replace = !form.replace.is_empty();
    let added = blocking(move || {
        kiosks::add(
            &st.store,
            &mut rand::rng(),
            &c,
            &unit,
            &counter,
            replace,
            Utc::now(),
        )
    })
    .await?;
    let mut outcome = added_outcome(lang, &form, pairs, added)?;
    if let Some(code) = &outcome.secret {
        outcome.pairing = Some(pairing_of(lang, &state.public_url, code)?);
    }
    kiosks_page(state, lang, session, outcome).await
}

/// How a tablet is paired with this code: the address its camera opens from the QR code (the
/// pairing form, filled in), in words and as a QR code.
fn pairing_of(lang: Lang, public_url: &str, code: &str) -> Result<Pairing, PageError> {
    let url = format!(
        "{}/kiosk/pair?code={}",
        public_url.trim_end_matches('/'),
        code.replace(' ', "")
    );
    let label = tr(lang, "kiosks_staff.pair_qr");
    let qr_svg =
        crate::render::qr::inline_svg(&url, 220, label).map_err(|e| PageError::failed(&e))?;
    Ok(Pairing {
        how: tr(lang, "kiosks_staff.pair_how"),
        url,
        qr_svg,
    })
}

/// What adding a tablet says: its pairing code (shown once), or why not.
fn added_outcome(
    lang: Lang,
    form: &KioskForm,
    pairs: Vec<(String, String)>,
    added: Result<(i64, String), KioskError>,
) -> Result<Outcome, PageError> {
    Ok(match added {
        Ok((_, code)) => Outcome {
            notice: Some(format!(
                "{} {} · {}. {}",
                tr(lang, "kiosks_staff.created"),
                form.unit.trim(),
                form.counter.trim(),
                tr(lang, "kiosks_staff.shown_once")
            )),
            secret: Some(kiosks::grouped(&code)),
            ..Default::default()
        },
        Err(e @ (KioskError::Store(_) | KioskError::Denied(_))) => return Err(e.into()),
        Err(KioskError::Occupied(old)) => Outcome {
            status: Some(actix_web::http::StatusCode::CONFLICT),
            ..Outcome::error(
                tr(lang, "kiosks_staff.occupied").replace("{id}", &old.to_string()),
                pairs,
            )
        },
        Err(KioskError::Counter) => {
            Outcome::error(tr(lang, "kiosks_staff.bad_counter").into(), pairs)
        }
        Err(e) => Outcome::error(e.to_string(), pairs),
    })
}

/// "Revoke tablet #3?", with the button that does it and a way back.
fn revoke_question(lang: Lang, id: i64) -> Outcome {
    let confirm = Confirm {
        question: tr(lang, "kiosks_staff.revoke_q").replace("{id}", &id.to_string()),
        action: RowAction {
            url: "/staff/kiosks/revoke",
            name: "id",
            value: id.to_string(),
            label: tr(lang, "kiosks_staff.revoke_yes"),
        },
        cancel: "/staff/kiosks",
        cancel_label: tr(lang, "kiosks_staff.revoke_no"),
    };
    Outcome {
        confirm: Some(confirm),
        ..Default::default()
    }
}

/// `POST /staff/kiosks/revoke` (`id`): the tablet shows "not paired" at its next request.
pub async fn kiosks_revoke(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<KioskForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::ManageKiosks)?;
    let id: i64 = form.id.trim().trim_start_matches('#').parse().unwrap_or(0);
    if form.confirm.is_empty() {
        return kiosks_page(state, lang, session, revoke_question(lang, id)).await;
    }
    let (st, c) = (state.clone(), Caller::Staff(session.staff.clone()));
    let revoked = blocking(move || kiosks::revoke(&st.store, &c, id, Utc::now())).await?;
    let outcome = match revoked {
        Ok(_) => Outcome {
            notice: Some(format!(
                "{} #{id}.",
                tr(lang, "kiosks_staff.revoked_notice")
            )),
            ..Default::default()
        },
        Err(e @ (KioskError::Store(_) | KioskError::Denied(_))) => return Err(e.into()),
        Err(e) => Outcome::error(e.to_string(), Vec::new()),
    };
    kiosks_page(state, lang, session, outcome).await
}
