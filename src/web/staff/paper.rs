//! Paper questionnaires at `/staff/paper` (officers for their unit, admins for all): print
//! sheets, type them (`/staff/paper/enter`: the code, then one key per row), and settle the
//! sheets whose two entries differ (`/staff/paper/check`). The rules are `service::paper`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, Utc};

use super::manage::*;
use crate::domain::lang::Lang;
use crate::domain::paper::{Row, RowKind, COMMENT};
use crate::domain::ticket::TicketCode;
use crate::service::access::Action;
use crate::service::paper::{self, Dispute, Entered, PaperError, PrintRequest, Sheet};
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::{self, PageMeta};
use crate::web::staff::render;
use crate::web::AppState;

/// A refusal's status: 409 when a colleague changed the sheet at the same moment (C-11), 422
/// for what the entry itself got wrong.
fn refusal_status(e: &PaperError) -> StatusCode {
    match e {
        PaperError::Moved => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// A refusal in the page's language.
fn message(lang: Lang, e: &PaperError) -> String {
    let key = match e {
        PaperError::UnknownCode => "paper_staff.e_unknown",
        PaperError::Used => "paper_staff.e_used",
        PaperError::Expired(_) => "paper_staff.e_expired",
        PaperError::SameTypist => "paper_staff.e_same",
        PaperError::Disputed => "paper_staff.e_disputed",
        PaperError::Typist => "paper_staff.e_typist",
        PaperError::NotDisputed => "paper_staff.e_not_disputed",
        PaperError::Moved => "paper_staff.e_moved",
        PaperError::Mistyped(_) => "paper_staff.e_mistyped",
        PaperError::Incomplete(_) => "paper_staff.e_incomplete",
        PaperError::BadDay(_) => "paper_staff.e_day",
        PaperError::Count => "paper_staff.e_count",
        _ => return e.to_string(),
    };
    let detail = match e {
        PaperError::Mistyped(m) => m
            .iter()
            .map(|m| {
                let row = tr(lang, "paper_staff.row_name").replace("{n}", &m.number);
                format!("{row} → \"{}\"", m.typed)
            })
            .collect::<Vec<_>>()
            .join(", "),
        PaperError::Expired(d) | PaperError::BadDay(d) | PaperError::Incomplete(d) => d.clone(),
        _ => String::new(),
    };
    tr(lang, key).replace("{detail}", &detail)
}

fn nav(lang: Lang, staff: &crate::service::users::Staff) -> Vec<(&'static str, &'static str)> {
    let mut links = manage_links(lang, staff);
    links.push(("/staff/paper/enter", tr(lang, "paper_staff.enter")));
    links.push(("/staff/paper/check", tr(lang, "paper_staff.check")));
    links
}

/// `GET /staff/paper`: sheets waiting per unit, and the form that prints sheets.
pub async fn paper_home(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    let scope = session.staff.unit.clone();
    let (units, waiting) = run(&state, move |s| {
        let units: Vec<(String, String)> = unit_options(s, lang, None)?
            .into_iter()
            .filter(|(code, _)| scope.as_ref().is_none_or(|mine| mine == code))
            .collect();
        let waiting = paper::waiting(&s.store, scope.as_deref())?;
        Ok::<_, crate::store::StoreError>((units, waiting))
    })
    .await?;
    let mut page = base(
        lang,
        &state,
        &session.staff,
        session.csrf.clone(),
        tr(lang, "paper_staff.heading"),
    );
    page.nav = nav(lang, &session.staff);
    let line = tr(lang, "paper_staff.waiting")
        .replace("{pending}", &waiting.pending.to_string())
        .replace("{disputed}", &waiting.disputed.to_string())
        .replace("{void}", &waiting.void.to_string());
    page.form = Some(print_form(lang, units));
    finish(
        page,
        Outcome {
            notice: Some(line),
            ..Default::default()
        },
    )
}

fn print_form(lang: Lang, units: Vec<(String, String)>) -> FormView {
    FormView {
        title: tr(lang, "paper_staff.print"),
        help: tr(lang, "paper_staff.print_help").to_string(),
        action: "/staff/paper",
        upload: false,
        fields: vec![
            Field {
                name: "unit",
                label: tr(lang, "paper_staff.unit"),
                kind: "select",
                value: String::new(),
                options: units,
                required: true,
            },
            Field::text("count", tr(lang, "paper_staff.count"), "10".into()),
        ],
        submit: tr(lang, "paper_staff.print_button"),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    count: String,
}

/// `POST /staff/paper`: issues the codes and answers with the sheets to print.
pub async fn paper_print(
    state: web::Data<AppState>,
    session: StaffSession,
    form: CsrfForm<PrintForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    let request = PrintRequest {
        unit: form.form.unit.clone(),
        count: form.form.count.trim().parse().unwrap_or(0),
        ttl: chrono::Duration::days(60),
    };
    let staff = session.staff.clone();
    let (issued, f) = run(&state, move |s| {
        paper::print(
            &s.store,
            &s.forms,
            &mut rand::rng(),
            Some(&staff),
            &request,
            Utc::now(),
        )
    })
    .await?;
    let html = crate::render::paper::sheets(&state.public_url, &f, &issued)?;
    Ok(pages::html(StatusCode::OK, html))
}

/// One row of the entry form.
pub struct EntryRow {
    row: Row,
    /// Differs from the first entry (told to the second typist, never the first's value).
    marked: bool,
    /// What the field takes, in words ("1–5, 0", "1–4", "1").
    takes: String,
    pattern: &'static str,
}

#[derive(Template)]
#[template(path = "staff_paper_entry.html")]
struct EntryPage {
    page: PageMeta,
    heading: &'static str,
    lang_suffix: &'static str,
    nav: Vec<(&'static str, &'static str)>,
    csrf: String,
    code: String,
    notice: Option<String>,
    error: Option<String>,
    unit_name: String,
    rows: Vec<EntryRow>,
    has_comment: bool,
    kept: Vec<(String, String)>,
    /// The comment and the date differ from the first entry.
    comment_marked: bool,
    written_marked: bool,
    t_differs: &'static str,
    t_code: &'static str,
    t_open: &'static str,
    t_help: &'static str,
    t_comment: &'static str,
    t_written: &'static str,
    t_save: &'static str,
    t_number: &'static str,
    t_question: &'static str,
    t_answer: &'static str,
}

impl EntryPage {
    /// What was typed in a field, to put back after a refusal.
    fn value(&self, key: &str) -> &str {
        self.kept
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn entry_rows(sheet: &Sheet) -> Vec<EntryRow> {
    sheet
        .rows
        .iter()
        .map(|r| {
            let (takes, pattern) = match &r.kind {
                RowKind::Score => ("1–5 · 0".to_string(), "[0-5]"),
                RowKind::Level(l) => (format!("1–{}", l.len()), "[1-9]"),
                RowKind::Tick { .. } => ("1".to_string(), "1"),
                RowKind::Choice { options } => (format!("1–{}", options.len()), "[1-9]"),
            };
            EntryRow {
                row: r.clone(),
                marked: false,
                takes,
                pattern,
            }
        })
        .collect()
}

fn entry_page(
    lang: Lang,
    state: &AppState,
    session: &StaffSession,
    sheet: Option<&Sheet>,
) -> EntryPage {
    EntryPage {
        page: PageMeta::new(lang, state.demo),
        heading: tr(lang, "paper_staff.enter"),
        lang_suffix: tr(lang, "admin.lang_en"),
        nav: nav(lang, &session.staff),
        csrf: session.csrf.clone(),
        code: sheet.map(|s| s.code.grouped()).unwrap_or_default(),
        notice: None,
        error: None,
        unit_name: sheet.map(|s| s.unit.name.clone()).unwrap_or_default(),
        rows: sheet.map(entry_rows).unwrap_or_default(),
        has_comment: sheet.is_some_and(|s| s.form.comment.is_some()),
        kept: Vec::new(),
        comment_marked: false,
        written_marked: false,
        t_differs: tr(lang, "paper_staff.differs_mark"),
        t_code: tr(lang, "paper_staff.code"),
        t_open: tr(lang, "paper_staff.open"),
        t_help: tr(lang, "paper_staff.enter_help"),
        t_comment: tr(lang, "paper_staff.comment"),
        t_written: tr(lang, "paper_staff.written"),
        t_save: tr(lang, "paper_staff.save"),
        t_number: tr(lang, "paper_staff.number"),
        t_question: tr(lang, "paper_staff.question"),
        t_answer: tr(lang, "paper_staff.answer"),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: Option<String>,
}

/// A posted form naming a sheet (its other fields are read from the pairs).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `GET /staff/paper/enter[?code=…]`: the code box, or the sheet's rows to type.
pub async fn paper_entry(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    q: web::Query<CodeQuery>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    let Some(code) = q.code.clone().filter(|c| !c.trim().is_empty()) else {
        return render(StatusCode::OK, &entry_page(lang, &state, &session, None));
    };
    let staff = session.staff.clone();
    let found = run(&state, move |s| {
        Ok::<_, crate::store::StoreError>(paper::sheet(
            &s.store,
            &s.forms,
            &staff,
            &code,
            lang,
            Utc::now(),
        ))
    })
    .await?;
    let mut page = entry_page(lang, &state, &session, found.as_ref().ok());
    match found {
        Ok(_) => render(StatusCode::OK, &page),
        Err(PaperError::Store(e)) => Err(PageError::failed(&e)),
        Err(PaperError::Denied(_)) => Err(PageError::later(PageError::not_allowed)),
        Err(e) => {
            page.error = Some(message(lang, &e));
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A date as written on a sheet: `dd/mm/yyyy` (or `yyyy-mm-dd`); blank is none.
fn written_day(text: &str) -> Result<Option<NaiveDate>, PaperError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .map(Some)
        .ok()
        .ok_or_else(|| PaperError::BadDay(t.chars().take(12).collect()))
}

/// The words of what an entry did.
fn entered_line(lang: Lang, e: &Entered, code: &str) -> String {
    match e {
        Entered::First => tr(lang, "paper_staff.first"),
        Entered::Counted => tr(lang, "paper_staff.counted"),
        Entered::Differs(_) => tr(lang, "paper_staff.differs"),
        Entered::Void => tr(lang, "paper_staff.void"),
        Entered::Recheck(_) => tr(lang, "paper_staff.recheck"),
    }
    .replace("{code}", code)
    .replace(
        "{n}",
        &match e {
            Entered::Differs(n) => n.to_string(),
            _ => String::new(),
        },
    )
}

/// `POST /staff/paper/enter` (`code`, a field per row, `comment`, `written`): one entry.
pub async fn paper_enter(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    let pairs = form.pairs.clone();
    let (code, staff) = (form.form.code.clone(), session.staff.clone());
    let done = run(&state, move |s| {
        let now = Utc::now();
        let written = crate::web::field(&pairs, "written");
        let attempt = (|| {
            let sheet = paper::sheet(&s.store, &s.forms, &staff, &code, lang, now)?;
            let r = paper::enter(
                &s.store,
                &s.forms,
                &staff,
                &sheet,
                &pairs,
                written_day(&written)?,
                now,
            );
            Ok::<_, PaperError>((sheet, r))
        })();
        Ok::<_, crate::store::StoreError>(attempt)
    })
    .await?;
    after_entry(lang, &state, &session, form.pairs, done)
}

fn after_entry(
    lang: Lang,
    state: &AppState,
    session: &StaffSession,
    typed: Vec<(String, String)>,
    done: Result<(Sheet, Result<Entered, PaperError>), PaperError>,
) -> Result<HttpResponse, PageError> {
    let (sheet, result) = match done {
        Ok(found) => found,
        Err(e @ (PaperError::Store(_) | PaperError::Denied(_))) => return Err(e.into()),
        Err(e) => {
            let mut page = entry_page(lang, state, session, None);
            page.error = Some(message(lang, &e));
            return render(refusal_status(&e), &page);
        }
    };
    match result {
        Ok(Entered::Recheck(keys)) => {
            let mut page = entry_page(lang, state, session, Some(&sheet));
            mark(lang, &mut page, &sheet, &keys);
            page.kept = typed;
            render(StatusCode::OK, &page)
        }
        Ok(e) => {
            let mut page = entry_page(lang, state, session, None);
            page.notice = Some(entered_line(lang, &e, &sheet.code.grouped()));
            render(StatusCode::OK, &page)
        }
        Err(e @ (PaperError::Store(_) | PaperError::Denied(_))) => Err(e.into()),
        Err(e) => {
            let mut page = entry_page(lang, state, session, Some(&sheet));
            page.error = Some(message(lang, &e));
            page.kept = typed;
            render(refusal_status(&e), &page)
        }
    }
}

/// How a row is named to a clerk: as the sheet names it ("câu 22", "Ý kiến", the date).
pub fn row_name(lang: Lang, sheet: &Sheet, key: &str) -> String {
    match key {
        crate::domain::paper::COMMENT => tr(lang, "paper_staff.comment_row").to_string(),
        "written_on" => tr(lang, "paper_staff.written_row").to_string(),
        _ => sheet.rows.iter().find(|r| r.key == key).map_or_else(
            || key.to_string(),
            |r| tr(lang, "paper_staff.row_name").replace("{n}", &r.number),
        ),
    }
}

/// The rows of a second entry that differ from the first, marked for a re-read (never with
/// the first entry's values).
fn mark(lang: Lang, page: &mut EntryPage, sheet: &Sheet, keys: &[String]) {
    for r in &mut page.rows {
        r.marked = keys.contains(&r.row.key);
    }
    page.comment_marked = keys.iter().any(|k| k == crate::domain::paper::COMMENT);
    page.written_marked = keys.iter().any(|k| k == "written_on");
    let names: Vec<String> = keys.iter().map(|k| row_name(lang, sheet, k)).collect();
    page.error = Some(
        tr(lang, "paper_staff.recheck")
            .replace("{code}", &sheet.code.grouped())
            .replace("{rows}", &names.join(", ")),
    );
}

#[derive(Template)]
#[template(path = "staff_paper_check.html")]
struct CheckPage {
    page: PageMeta,
    heading: &'static str,
    lang_suffix: &'static str,
    nav: Vec<(&'static str, &'static str)>,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    disputes: Vec<Dispute>,
    /// Sheets that cannot be shown: code, why.
    apart: Vec<(String, String)>,
    t_apart: &'static str,
    t_none: &'static str,
    t_first: &'static str,
    t_second: &'static str,
    t_read: &'static str,
    t_written: &'static str,
    t_settle: &'static str,
    t_help: &'static str,
}

impl CheckPage {
    fn day(d: &Option<NaiveDate>) -> String {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "–".into())
    }
}

async fn check_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    outcome: (StatusCode, Option<String>, Option<String>),
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let (disputes, apart) = run(&state, move |s| {
        paper::disputes(&s.store, &s.forms, &staff, lang, Utc::now())
    })
    .await?;
    let apart = apart
        .into_iter()
        .map(|(code, e)| {
            let shown = TicketCode::parse(&code).map_or(code, |c| c.grouped());
            (shown, message(lang, &e))
        })
        .collect();
    let page = CheckPage {
        page: PageMeta::new(lang, state.demo),
        heading: tr(lang, "paper_staff.check"),
        lang_suffix: tr(lang, "admin.lang_en"),
        nav: nav(lang, &session.staff),
        csrf: session.csrf.clone(),
        notice: outcome.1,
        error: outcome.2,
        disputes,
        apart,
        t_apart: tr(lang, "paper_staff.apart"),
        t_none: tr(lang, "paper_staff.no_disputes"),
        t_first: tr(lang, "paper_staff.first_entry"),
        t_second: tr(lang, "paper_staff.second_entry"),
        t_read: tr(lang, "paper_staff.read"),
        t_written: tr(lang, "paper_staff.written"),
        t_settle: tr(lang, "paper_staff.settle"),
        t_help: tr(lang, "paper_staff.check_help"),
    };
    render(outcome.0, &page)
}

/// `GET /staff/paper/check`: the sheets whose entries differ, side by side.
pub async fn paper_check(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    check_page(state, lang, session, (StatusCode::OK, None, None)).await
}

/// `POST /staff/paper/check` (`code`, the value of each differing row, `written`).
pub async fn paper_settle(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    session.may(Action::EnterPaper)?;
    let (pairs, staff) = (form.pairs.clone(), session.staff.clone());
    let code = form.form.code.clone();
    let settled = run(&state, move |s| {
        let written = written_day(&crate::web::field(&pairs, "written"));
        let r = written
            .and_then(|w| paper::settle(&s.store, &s.forms, &staff, &code, &pairs, w, Utc::now()));
        Ok::<_, crate::store::StoreError>(r)
    })
    .await?;
    let outcome = match settled {
        Ok(()) => (
            StatusCode::OK,
            Some(tr(lang, "paper_staff.settled").to_string()),
            None,
        ),
        Err(e @ (PaperError::Store(_) | PaperError::Denied(_))) => return Err(e.into()),
        Err(e) => (refusal_status(&e), None, Some(message(lang, &e))),
    };
    check_page(state, lang, session, outcome).await
}

/// The comment row's key, for the templates.
pub const COMMENT_KEY: &str = COMMENT;
