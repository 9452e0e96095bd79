//! Officers' desk figures (issue 21): `/staff/counter` (an officer opens and closes the
//! counter they sit at), `/staff/me` (an officer's own figures and the masked comments on
//! their ratings), `/staff/officers` (a unit's lead: the unit's officers; admins: every
//! unit's; viewers: the counters, no names). Who sees what is `service::officers`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use super::manage::*;
use crate::domain::lang::Lang;
use crate::domain::period::Period;
use crate::domain::user::Role;
use crate::domain::{local_date, local_offset};
use crate::render::officers::{unit_view, UnitView};
use crate::service::counters::{self, CounterError};
use crate::service::officers::{self, Mine, OfficerTable, OfficersError};
use crate::service::users::Staff;
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::{CsrfForm, StaffSession};
use crate::web::pages::PageMeta;
use crate::web::staff::render;
use crate::web::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct FiguresQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

/// The period a page asks for (`?period=2026-Q3`, any period the exports take), or else
/// this quarter; a bad one is a 400 page that says how to write one.
fn period_asked(state: &AppState, lang: Lang, asked: Option<&str>) -> Result<Period, PageError> {
    let asked = asked.map(str::trim).filter(|p| !p.is_empty());
    let parsed = match asked {
        Some(p) => Period::from_parts(Some(p), None, None, state.scheme),
        None => Some(Period::quarter_containing(
            local_date(Utc::now()),
            state.scheme,
        )),
    };
    match parsed {
        Some(Ok(p)) => Ok(p),
        _ => {
            let mut e = PageError::bad_request(lang);
            e.paragraphs
                .push(tr(lang, "errors.bad_period_hint").to_string());
            Err(e)
        }
    }
}

#[derive(Template)]
#[template(path = "staff_officers.html")]
struct FiguresPage {
    page: PageMeta,
    heading: &'static str,
    lang_suffix: &'static str,
    nav: Vec<(&'static str, &'static str)>,
    action: &'static str,
    period: String,
    unit: String,
    unit_options: Vec<(String, String)>,
    /// Links to this quarter and the two before it.
    quick: Vec<(String, String)>,
    note: String,
    warning: Option<String>,
    /// The officer's counters taken over by colleagues, told once.
    told: Vec<String>,
    /// The take-overs of the period, by day (leads, admins).
    takeovers: Vec<String>,
    t_takeovers: &'static str,
    csv: Option<String>,
    units: Vec<UnitView>,
    /// The last four periods per officer and counter.
    trends: Vec<crate::render::officers::TrendView>,
    t_trend: &'static str,
    t_trend_note: &'static str,
    show_comments: bool,
    comments: Vec<(String, String, String, String)>,
    t_period: &'static str,
    t_unit: &'static str,
    t_show: &'static str,
    t_csv: &'static str,
    t_none: &'static str,
    t_ratings: &'static str,
    t_adjusted: &'static str,
    t_raw: &'static str,
    t_bar: &'static str,
    t_plain: &'static str,
    t_note_h: &'static str,
    t_band: &'static str,
    t_survey: String,
    t_comments: &'static str,
    t_no_comments: &'static str,
    t_only: &'static str,
}

fn figures_page(lang: Lang, state: &AppState, staff: &Staff, period: &Period) -> FiguresPage {
    let rule = state.kiosk.fairness;
    FiguresPage {
        page: PageMeta::new(lang, state.demo),
        heading: tr(lang, "officers.heading"),
        lang_suffix: tr(lang, "admin.lang_en"),
        nav: nav(lang, staff),
        action: "/staff/officers",
        period: period.label.clone(),
        unit: String::new(),
        unit_options: Vec::new(),
        quick: quick_periods(state, lang),
        note: tr(lang, "officers.note")
            .replace("{k}", &rule.prior.to_string())
            .replace("{n}", &rule.min_n.to_string()),
        warning: None,
        told: Vec::new(),
        takeovers: Vec::new(),
        t_takeovers: tr(lang, "officers.takeovers_h"),
        csv: None,
        units: Vec::new(),
        trends: Vec::new(),
        t_trend: tr(lang, "officers.trend"),
        t_trend_note: tr(lang, "officers.trend_note"),
        show_comments: false,
        comments: Vec::new(),
        t_period: tr(lang, "officers.period"),
        t_unit: tr(lang, "officers.unit"),
        t_show: tr(lang, "officers.show"),
        t_csv: tr(lang, "officers.csv"),
        t_none: tr(lang, "officers.no_ratings"),
        t_ratings: tr(lang, "officers.ratings"),
        t_adjusted: tr(lang, "officers.adjusted"),
        t_raw: tr(lang, "officers.raw"),
        t_bar: tr(lang, "officers.bar"),
        t_plain: tr(lang, "officers.plain"),
        t_note_h: tr(lang, "officers.note_h"),
        t_band: tr(lang, "officers.band"),
        t_survey: tr(lang, "officers.survey").replace("{n}", &rule.min_n.to_string()),
        t_comments: tr(lang, "officers.comments"),
        t_no_comments: tr(lang, "officers.no_comments"),
        t_only: tr(lang, "officers.only_you"),
    }
}

/// `?period=` links to this quarter and the two before it (the page's own path).
fn quick_periods(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    let suffix = if lang == Lang::En { "&lang=en" } else { "" };
    let mut out = Vec::new();
    let mut q = Period::quarter_containing(local_date(Utc::now()), state.scheme).ok();
    while let Some(p) = q.take().filter(|_| out.len() < 3) {
        out.push((format!("?period={}{suffix}", p.label), p.label.clone()));
        q = p.previous().ok();
    }
    out
}

/// The desk pages a member of staff may use (the dashboard lists them too), after the
/// management pages of the role (the pages' navigation).
pub(crate) fn desk_links(lang: Lang, staff: &Staff) -> Vec<(&'static str, &'static str)> {
    let mut links = Vec::new();
    if staff.role == Role::Officer {
        links.push(("/staff/counter", tr(lang, "officers.counter_heading")));
        links.push(("/staff/me", tr(lang, "officers.mine")));
    }
    if officers::may_see_names(staff) {
        links.push(("/staff/officers", tr(lang, "officers.heading")));
    } else if staff.role == Role::Viewer {
        links.push(("/staff/officers", tr(lang, "officers.heading_counters")));
    }
    links
}

/// The pages' navigation: the role's management pages, then the desk pages.
fn nav(lang: Lang, staff: &Staff) -> Vec<(&'static str, &'static str)> {
    let mut links = manage_links(lang, staff);
    links.extend(desk_links(lang, staff));
    links
}

/// People by their names, not their logins: the lines and the take-overs of a page.
fn show_names(page: &mut FiguresPage, shown: &Shown) {
    let name = |who: &mut String| {
        if let Some(n) = shown.get(who.as_str()) {
            who.clone_from(n);
        }
    };
    for u in &mut page.units {
        for t in &mut u.tables {
            t.lines.iter_mut().for_each(|l| name(&mut l.who));
            t.few.iter_mut().for_each(|l| name(&mut l.who));
        }
    }
    for t in &mut page.trends {
        t.rows.iter_mut().for_each(|(who, _)| name(who));
    }
}

type Shown = std::collections::BTreeMap<String, String>;

/// A page's figures: the period's table (or an officer's own), the trend, the shown names.
type Read<T> = (T, crate::service::officers::Trend, Shown);

/// The units to choose from: code, name.
type Options = Vec<(String, String)>;

fn table_page(
    lang: Lang,
    state: &AppState,
    staff: &Staff,
    (t, trend, shown): Read<OfficerTable>,
) -> FiguresPage {
    let mut page = figures_page(lang, state, staff, &t.period);
    page.trends = crate::render::officers::trend_views(lang, &trend);
    if !t.names_shown {
        page.heading = tr(lang, "officers.heading_counters");
    }
    let min_n = t.rule.min_n;
    page.units = t.units.iter().map(|u| unit_view(lang, u, min_n)).collect();
    page.takeovers = t
        .takeovers
        .iter()
        .map(|k| {
            let who = |login: &String| shown.get(login).unwrap_or(login).clone();
            tr(lang, "officers.takeover_line")
                .replace("{day}", &k.day.format("%d/%m/%Y").to_string())
                .replace("{counter}", &format!("{} · {}", k.unit_code, k.counter))
                .replace("{by}", &who(&k.by))
                .replace("{from}", &who(&k.from))
        })
        .collect();
    show_names(&mut page, &shown);
    page.csv = t.names_shown.then(|| {
        let unit = t
            .units
            .first()
            .filter(|_| t.units.len() == 1 && staff.role != Role::Admin);
        let unit = unit
            .map(|u| format!("&unit={}", u.unit_code))
            .unwrap_or_default();
        format!("/exports/officers.csv?period={}{unit}", t.period.label)
    });
    page
}

/// The officers' page's figures: the period's table, the trend, the shown names, and the
/// units to choose from (for those who choose).
fn read_table(
    s: &AppState,
    lang: Lang,
    staff: &Staff,
    period: &Period,
    asked: Option<&str>,
    rule: &crate::domain::desk::Fairness,
    picks_unit: bool,
) -> Result<(Read<OfficerTable>, Options), OfficersError> {
    let now = Utc::now();
    let t = officers::table(&s.store, &s.forms, staff, period, asked, rule, now)?;
    let options = if picks_unit {
        unit_options(s, lang, Some(tr(lang, "officers.all_units")))?
    } else {
        Vec::new()
    };
    let trend = officers::trend(&s.store, staff, (period, &t.units), asked, rule, now)?;
    let shown = crate::service::users::shown_names(&s.store)?;
    Ok(((t, trend, shown), options))
}

/// `GET /staff/officers?period=P&unit=U`: a lead's unit, an admin's units, a viewer's
/// counters; each look at names is audited.
pub async fn officers_figures(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    q: web::Query<FiguresQuery>,
) -> Result<HttpResponse, PageError> {
    let period = period_asked(&state, lang, q.period.as_deref())?;
    let (staff, asked, rule) = (session.staff.clone(), q.unit.clone(), state.kiosk.fairness);
    let picks_unit = staff.role != Role::Officer;
    let (table, options) = run(&state, move |s| {
        read_table(
            s,
            lang,
            &staff,
            &period,
            asked.as_deref(),
            &rule,
            picks_unit,
        )
    })
    .await?;
    let mut page = table_page(lang, &state, &session.staff, table);
    page.unit_options = options;
    page.unit = q.unit.clone().unwrap_or_default();
    render(StatusCode::OK, &page)
}

fn mine_page(
    lang: Lang,
    state: &AppState,
    staff: &Staff,
    (mine, mut trend, shown): Read<Mine>,
) -> FiguresPage {
    // Their own line only, whoever asks (a lead's page shows the unit elsewhere).
    for (_, units) in &mut trend {
        for u in units.iter_mut() {
            u.officers.retain(|o| o.id == Some(staff.id));
            u.counters.clear();
        }
    }
    let mut page = figures_page(lang, state, staff, &mine.period);
    page.heading = tr(lang, "officers.mine");
    page.action = "/staff/me";
    page.show_comments = mine.unit.is_some();
    let mine_has_unit = mine.unit.is_some();
    page.warning = mine
        .unit
        .is_none()
        .then(|| tr(lang, "officers.not_officer").to_string());
    page.units = mine
        .unit
        .iter()
        .map(|u| {
            let mut own = u.clone();
            own.counters.clear();
            unit_view(lang, &own, mine.rule.min_n)
        })
        .collect();
    page.comments = mine
        .comments
        .into_iter()
        .map(|c| {
            (
                c.day.format("%d/%m/%Y").to_string(),
                c.counter,
                c.score.to_string(),
                c.text,
            )
        })
        .collect();
    if mine_has_unit {
        page.trends = crate::render::officers::trend_views(lang, &trend);
    }
    show_names(&mut page, &shown);
    page
}

/// `GET /staff/me?period=P`: an officer's own figures and the comments on their ratings.
pub async fn my_figures(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    q: web::Query<FiguresQuery>,
) -> Result<HttpResponse, PageError> {
    let period = period_asked(&state, lang, q.period.as_deref())?;
    let (staff, rule) = (session.staff.clone(), state.kiosk.fairness);
    let (mine, told) = run(&state, move |s| -> Result<_, crate::store::StoreError> {
        let told = counters::untold_takeovers(&s.store, &staff)?;
        let mine = officers::mine(&s.store, &s.forms, &staff, &period, &rule, Utc::now())?;
        let current = (&period, mine.unit.as_slice());
        let trend = match officers::trend(&s.store, &staff, current, None, &rule, Utc::now()) {
            Ok(t) => t,
            Err(OfficersError::Store(e)) => return Err(e),
            Err(OfficersError::Denied(_)) => Vec::new(),
        };
        Ok((
            (mine, trend, crate::service::users::shown_names(&s.store)?),
            told,
        ))
    })
    .await?;
    let mut page = mine_page(lang, &state, &session.staff, mine);
    page.told = crate::web::staff::dashboard::takeover_lines(lang, &told);
    render(StatusCode::OK, &page)
}

fn local_time(at: chrono::NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
        .with_timezone(&local_offset())
        .format("%H:%M")
        .to_string()
}

/// The counter page: the unit's open counters (the officer's own can be closed), the
/// officer's state, and the form that opens one of the unit's counters.
async fn counter_page(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    mut outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let staff = session.staff.clone();
    let (open, names, told) = run(&state, move |s| -> Result<_, crate::store::StoreError> {
        let open = counters::open_now(&s.store, staff.unit.as_deref(), Utc::now())?;
        let told = counters::untold_takeovers(&s.store, &staff)?;
        Ok((open, counters::counters_of(&s.store, &staff)?, told))
    })
    .await?;
    let me = session.staff.id;
    let mut page = base(
        lang,
        &state,
        &session.staff,
        session.csrf.clone(),
        tr(lang, "officers.counter_heading"),
    );
    page.nav = nav(lang, &session.staff);
    page.t_empty = tr(lang, "officers.nobody");
    page.columns = ["officers.counter", "officers.officer", "officers.opened"]
        .into_iter()
        .map(|k| tr(lang, k))
        .collect();
    if outcome.notice.is_none() {
        outcome.notice = Some(state_line(lang, &open, me));
    }
    let told = crate::web::staff::dashboard::takeover_lines(lang, &told);
    if !told.is_empty() {
        outcome.error = Some(told.join(" "));
    }
    page.rows = open_rows(lang, &open, me);
    page.form = Some(open_form(lang, names));
    finish(page, outcome)
}

/// What the officer has open now, in words.
fn state_line(lang: Lang, open: &[(counters::CounterSession, String)], me: i64) -> String {
    match open.iter().find(|(s, _)| s.officer_id == me) {
        Some((s, _)) => tr(lang, "officers.yours")
            .replace("{counter}", &s.counter)
            .replace("{time}", &local_time(s.opened_at)),
        None => tr(lang, "officers.closed_now").to_string(),
    }
}

/// The unit's open counters; the officer's own can be closed.
fn open_rows(lang: Lang, open: &[(counters::CounterSession, String)], me: i64) -> Vec<Row> {
    open.iter()
        .map(|(s, name)| Row {
            cells: vec![s.counter.clone(), name.clone(), local_time(s.opened_at)],
            actions: (s.officer_id == me)
                .then(|| RowAction {
                    url: "/staff/counter/close",
                    name: "counter",
                    value: s.counter.clone(),
                    label: tr(lang, "officers.close"),
                })
                .into_iter()
                .collect(),
        })
        .collect()
}

fn open_form(lang: Lang, names: Vec<String>) -> FormView {
    let help = if names.is_empty() {
        tr(lang, "officers.no_counters")
    } else {
        tr(lang, "officers.open_help")
    };
    FormView {
        title: tr(lang, "officers.open"),
        help: help.to_string(),
        action: "/staff/counter",
        upload: false,
        fields: vec![Field {
            name: "counter",
            label: tr(lang, "officers.counter"),
            kind: "select",
            value: String::new(),
            options: names.into_iter().map(|n| (n.clone(), n)).collect(),
            required: true,
        }],
        submit: tr(lang, "officers.open"),
    }
}

fn only_officers(session: &StaffSession) -> Result<(), PageError> {
    match (session.staff.role, &session.staff.unit) {
        (Role::Officer, Some(_)) => Ok(()),
        _ => Err(PageError::later(PageError::not_allowed)),
    }
}

/// `GET /staff/counter` (officers).
pub async fn counter_show(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    only_officers(&session)?;
    counter_page(state, lang, session, Outcome::default()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct CounterForm {
    #[serde(default)]
    counter: String,
}

/// `POST /staff/counter` (`counter`): opens it for the officer (taking it over from whoever
/// had it, closing the officer's other one).
pub async fn counter_open(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    form: CsrfForm<CounterForm>,
) -> Result<HttpResponse, PageError> {
    only_officers(&session)?;
    let (st, staff, counter) = (
        state.clone(),
        session.staff.clone(),
        form.form.counter.clone(),
    );
    let opened = blocking(move || counters::open(&st.store, &staff, &counter, Utc::now())).await?;
    let outcome = match opened {
        Ok(o) => {
            let mut notice =
                tr(lang, "officers.opened_notice").replace("{counter}", &o.session.counter);
            if let Some(name) = o.taken_from {
                notice = format!(
                    "{notice} {}",
                    tr(lang, "officers.taken_over").replace("{name}", &name)
                );
            }
            Outcome {
                notice: Some(notice),
                ..Default::default()
            }
        }
        Err(e @ CounterError::Store(_)) => return Err(e.into()),
        Err(e) => Outcome::error(e.to_string(), form.pairs),
    };
    counter_page(state, lang, session, outcome).await
}

/// `POST /staff/counter/close`: closes the officer's counter.
pub async fn counter_close(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    _form: CsrfForm<CounterForm>,
) -> Result<HttpResponse, PageError> {
    only_officers(&session)?;
    let staff = session.staff.clone();
    let closed = run(&state, move |s| counters::close(&s.store, &staff)).await?;
    let notice = match closed {
        Some(c) => tr(lang, "officers.closed_notice").replace("{counter}", &c),
        None => tr(lang, "officers.none_to_close").to_string(),
    };
    let outcome = Outcome {
        notice: Some(notice),
        ..Default::default()
    };
    counter_page(state, lang, session, outcome).await
}
