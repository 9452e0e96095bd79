//! The staff dashboard: this quarter's units with today's and the quarter's responses and
//! SIPAS, downloads, reports, and the management pages the role may use.

use crate::domain::lang::Lang;
use crate::domain::local_date;
use crate::domain::period::Period;
use crate::render::table::pct;
use crate::service::access::{self, Action};
use crate::service::indices;
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::StaffSession;
use crate::web::pages::PageMeta;
use crate::web::{run, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::*;

pub struct UnitLine {
    code: String,
    name: String,
    today: u64,
    quarter: u64,
    sipas: String,
    /// Desk ratings: today's and the quarter's satisfied share with n (another instrument).
    desk: (String, String),
    /// What the quarter's comments complain about most: "Thời gian (4) · Thái độ (2)".
    topics: String,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage {
    page: PageMeta,
    heading: &'static str,
    username: String,
    role: String,
    csrf: String,
    period: String,
    period_label: String,
    units: Vec<UnitLine>,
    may_read_responses: bool,
    t_logout: &'static str,
    t_period: &'static str,
    t_unit: &'static str,
    t_today: &'static str,
    t_quarter: &'static str,
    t_desk: &'static str,
    t_topics: &'static str,
    t_print: &'static str,
    t_poster: &'static str,
    t_downloads: &'static str,
    t_indices: &'static str,
    t_long: &'static str,
    t_responses: &'static str,
    t_change_password: &'static str,
    t_tickets: &'static str,
    t_show: &'static str,
    reports: Vec<(String, String)>,
    t_reports: &'static str,
    manage: Vec<(&'static str, &'static str)>,
    t_manage: &'static str,
    /// The counter and officers' figures pages the member of staff may use.
    desk_pages: Vec<(&'static str, &'static str)>,
    feedback_line: String,
    /// "Quầy 2 was taken over by binh on 06/12/2026": told once, at the next page.
    takeovers: Vec<String>,
    /// Where the desk column leads: the tablets (leads, admins) or one's own figures.
    desk_link: &'static str,
    feedback_overdue: bool,
    feedback_link: Option<(&'static str, &'static str)>,
    /// This quarter's responses by source, and the paper sheets not yet counted.
    sources_line: String,
    /// What needs someone now (held feedback; for admins, background jobs failing), with
    /// where to act.
    alerts: Vec<(String, Option<&'static str>)>,
    /// Invitations this quarter per unit (SPEC §11): waiting now, delivered, failed, held,
    /// opted out, answered; and the table's heading and column heads.
    invitations: Vec<[String; 7]>,
    t_invitations: [&'static str; 8],
}

/// The dashboard's alerts: held feedback for those who handle it; for admins, each background
/// job of this node whose last run failed, with its cause.
fn alerts(
    lang: Lang,
    staff: &crate::service::users::Staff,
    held: i64,
    (breaches, releases): (
        &[crate::service::privacy::BreachRow],
        &[crate::service::calendar::Release],
    ),
) -> Vec<(String, Option<&'static str>)> {
    let mut out = Vec::new();
    // A breach not notified yet, with its 72 hours, until the notification is recorded.
    for b in breaches {
        let (state, _) = super::breaches::state_text(lang, b, Utc::now());
        let text = tr(lang, "privacy.breach_dashboard")
            .replace("{id}", &b.id.to_string())
            .replace("{state}", &state);
        out.push((text, Some("/staff/breaches")));
    }
    for r in releases {
        let name = crate::render::period_name(&r.period, lang);
        let due = r.due_on.format("%d/%m/%Y").to_string();
        let text = match r.state {
            crate::service::calendar::ReleaseState::Overdue(n) => {
                tr(lang, "calendar.warn_overdue").replace("{n}", &n.to_string())
            }
            crate::service::calendar::ReleaseState::Upcoming(n) => {
                tr(lang, "calendar.warn_soon").replace("{n}", &n.to_string())
            }
            crate::service::calendar::ReleaseState::Published(..) => continue,
        };
        out.push((
            text.replace("{period}", &name).replace("{due}", &due),
            Some("/staff/calendar"),
        ));
    }
    if held > 0 && access::role_may(staff.role, Action::HandleFeedback) {
        out.push((
            tr(lang, "staff_feedback.dashboard_held").replace("{n}", &held.to_string()),
            Some("/staff/feedback?status=held"),
        ));
    }
    if staff.role == crate::domain::user::Role::Admin {
        for (job, n, cause) in crate::telemetry::failing_jobs() {
            out.push((
                tr(lang, "staff_dashboard.job_failing")
                    .replace("{job}", job)
                    .replace("{n}", &n.to_string())
                    .replace("{cause}", &cause),
                None,
            ));
        }
    }
    out
}

/// What the dashboard shows: this quarter's table, today's responses per unit, and the
/// feedback items past a deadline, of the caller's scope.
struct Figures {
    table: indices::IndexTable,
    desk_today: crate::domain::desk::DeskTable,
    desk_quarter: crate::domain::desk::DeskTable,
    today: Vec<(String, i64)>,
    overdue: usize,
    /// Feedback held over a unit's hourly cap, of the scope.
    held: i64,
    paper: crate::domain::paper::NotCounted,
    /// The officer's counters taken over by colleagues, not told yet: day, counter, who.
    takeovers: Vec<(chrono::NaiveDate, String, String)>,
    invitations: std::collections::BTreeMap<String, crate::service::invite::UnitInvitations>,
    /// Breaches not notified yet (admins).
    breaches: Vec<crate::service::privacy::BreachRow>,
    /// The signed-in person's shown name and unit's name.
    me: (String, Option<String>),
    /// Each unit's most complained-about topics of the quarter.
    topics: crate::service::topics::TopComplaints,
    /// Releases due within three days or past their date (those who publish).
    releases: Vec<crate::service::calendar::Release>,
}

pub async fn home(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    let today = local_date(Utc::now());
    // The domain knows which quarter a day is in (under Decree 09 it starts on the 15th).
    let period = Period::quarter_containing(today, state.scheme)?;
    let caller = access::Caller::Staff(session.staff.clone());
    let scope = access::unit_for(&caller, Action::ReadIndices, None)?;
    let (p, me, day) = (
        period.clone(),
        session.staff.clone(),
        Period::custom(today, today)?,
    );
    let figures = run(&state, move |s| {
        read_figures(s, &me, &p, &day, scope.as_deref(), Utc::now())
    })
    .await?;
    let page = home_page(lang, state.demo, session, &period, today, figures);
    render(StatusCode::OK, &page)
}

/// What the dashboard shows of a quarter. Today's unit desk figure is for leads and admins;
/// every other desk figure runs to the end of yesterday (METHODOLOGY "No live figures").
fn read_figures(
    s: &AppState,
    me: &crate::service::users::Staff,
    p: &Period,
    day: &Period,
    scope: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Result<Figures, indices::IndicesError> {
    let today = local_date(now);
    let yesterday = crate::service::kiosks::last_closed_day(now);
    let sees_today = me.role == crate::domain::user::Role::Admin || me.lead;
    let day = day
        .clone()
        .through(if sees_today { today } else { yesterday });
    let rules = s.topics.rules(&s.store)?;
    let releases = if access::role_may(me.role, Action::Publish) {
        let all =
            crate::service::calendar::calendar(&s.store, s.scheme, s.publishing.after_days, today)?;
        crate::service::calendar::warnings(&all)
            .into_iter()
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    Ok(Figures {
        releases,
        topics: crate::service::topics::top_complaints(&s.store, &rules, p, scope, 2)?,
        me: crate::service::users::shown(&s.store, me)?,
        takeovers: crate::service::counters::untold_takeovers(&s.store, me)?,
        table: indices::table(&s.store, &s.forms, p, scope)?,
        today: indices::responses_on(&s.store, today)?,
        desk_today: crate::service::kiosks::table(&s.store, &day, scope)?,
        desk_quarter: crate::service::kiosks::table_through(&s.store, p, scope, yesterday)?,
        paper: crate::service::paper::waiting(&s.store, scope)?,
        overdue: crate::service::feedback::overdue_count(&s.store, &s.feedback, scope, now)?,
        held: crate::service::feedback::held_count(&s.store, scope)?,
        breaches: if me.role == crate::domain::user::Role::Admin {
            crate::service::privacy::unnotified(&s.store)?
        } else {
            Vec::new()
        },
        invitations: crate::service::invite::by_unit(&s.store, p.start, p.end)?
            .into_iter()
            .filter(|(u, _)| scope.is_none_or(|s| s == u))
            .collect(),
    })
}

/// The role in words: an officer, a unit's lead, a leader (viewer), an admin.
fn role_word(staff: &crate::service::users::Staff) -> &'static str {
    use crate::domain::user::Role;
    match staff.role {
        Role::Admin => "staff_dashboard.role_admin",
        Role::Viewer => "staff_dashboard.role_viewer",
        Role::Officer if staff.lead => "staff_dashboard.role_lead",
        Role::Officer => "staff_dashboard.role_officer",
    }
}

/// The invitations' table: one row per unit that had some this quarter or has some waiting.
fn invitation_rows(
    table: &indices::IndexTable,
    invitations: &std::collections::BTreeMap<String, crate::service::invite::UnitInvitations>,
) -> Vec<[String; 7]> {
    invitations
        .iter()
        .map(|(code, u)| {
            let c = u.total();
            let name = table
                .rows
                .iter()
                .find(|r| &r.unit_code == code)
                .map_or_else(|| code.clone(), |r| r.unit_name.clone());
            let waiting: u64 = u.waiting.values().sum();
            let answered = format!("{} ({})", c.answered, pct(c.response_pct()));
            [
                name,
                waiting.to_string(),
                c.delivered.to_string(),
                c.failed.to_string(),
                c.held.to_string(),
                c.opted_out.to_string(),
                answered,
            ]
        })
        .collect()
}

fn invitation_heads(lang: Lang) -> [&'static str; 8] {
    [
        "staff_dashboard.inv_heading",
        "staff_dashboard.unit",
        "staff_dashboard.inv_waiting",
        "staff_dashboard.inv_delivered",
        "staff_dashboard.inv_failed",
        "staff_dashboard.inv_held",
        "staff_dashboard.inv_opted_out",
        "staff_dashboard.inv_answered",
    ]
    .map(|k| tr(lang, k))
}

/// A unit's desk satisfaction today and this quarter ("92.00 (12)", "89.10 (420)"), or "–".
fn desk_line(
    unit: &str,
    today: &crate::domain::desk::DeskTable,
    quarter: &crate::domain::desk::DeskTable,
) -> (String, String) {
    let of = |t: &crate::domain::desk::DeskTable| {
        t.rows
            .iter()
            .find(|r| r.unit_code == unit && r.counter.is_none())
            .filter(|r| r.figures.ratings > 0)
            .map(|r| format!("{} ({})", pct(r.figures.satisfied_pct), r.figures.ratings))
            .unwrap_or_else(|| "–".into())
    };
    (of(today), of(quarter))
}

/// The take-overs told to the officer displaced, in words.
pub(crate) fn takeover_lines(
    lang: Lang,
    takeovers: &[(chrono::NaiveDate, String, String)],
) -> Vec<String> {
    takeovers
        .iter()
        .map(|(day, counter, by)| {
            tr(lang, "officers.taken_from_you")
                .replace("{counter}", counter)
                .replace("{name}", by)
                .replace("{day}", &day.format("%d/%m/%Y").to_string())
        })
        .collect()
}

/// The quarter's responses by how they came (the TOTAL row, or an officer's unit row).
fn sources_line(
    lang: Lang,
    table: &indices::IndexTable,
    paper: crate::domain::paper::NotCounted,
) -> String {
    let sources = table
        .rows
        .iter()
        .find(|r| r.unit_code == indices::TOTAL)
        .or_else(|| table.rows.first())
        .map(|r| &r.extras.sources);
    crate::render::report::sources_text(lang, sources, paper)
}

/// A unit's most complained-about topics, with their counts.
fn topics_line(lang: Lang, topics: Option<&Vec<(&'static str, u64)>>) -> String {
    topics
        .map(|list| {
            list.iter()
                .map(|(t, n)| format!("{} ({n})", crate::render::report::topic_name(lang, t)))
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "–".into())
}

/// Each unit's answers today and this quarter, its index, its desk's line and what its
/// comments complain about most.
fn unit_lines(lang: Lang, f: &Figures) -> Vec<UnitLine> {
    f.table
        .rows
        .iter()
        .filter(|r| r.unit_code != indices::TOTAL)
        .map(|r| UnitLine {
            code: r.unit_code.clone(),
            name: r.unit_name.clone(),
            today: f
                .today
                .iter()
                .find(|(u, _)| u == &r.unit_code)
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .unwrap_or(0),
            quarter: r.responses,
            sipas: pct(r.indices.sipas.index),
            desk: desk_line(&r.unit_code, &f.desk_today, &f.desk_quarter),
            topics: topics_line(lang, f.topics.get(&r.unit_code)),
        })
        .collect()
}

/// This quarter's live report, the last quarter's (the one usually published) and the year's.
fn report_links(lang: Lang, period: &Period, today: chrono::NaiveDate) -> Vec<(String, String)> {
    [
        Some(period.label.clone()),
        period.previous().ok().map(|p| p.label),
        Some(chrono::Datelike::year(&today).to_string()),
    ]
    .into_iter()
    .flatten()
    .map(|label| {
        (
            format!("/reports/{label}{}", tr(lang, "staff_dashboard.lang_en")),
            label,
        )
    })
    .collect()
}

fn home_page(
    lang: Lang,
    demo: bool,
    session: StaffSession,
    period: &Period,
    today: chrono::NaiveDate,
    figures: Figures,
) -> HomePage {
    let units = unit_lines(lang, &figures);
    let Figures {
        table,
        overdue,
        held,
        paper,
        takeovers,
        invitations,
        breaches,
        me,
        releases,
        ..
    } = figures;
    let invitations = invitation_rows(&table, &invitations);
    let sources_line = sources_line(lang, &table, paper);
    let StaffSession { staff, csrf } = session;
    HomePage {
        page: PageMeta::new(lang, demo),
        heading: tr(lang, "staff_dashboard.units"),
        username: me.0,
        role: [Some(tr(lang, role_word(&staff))), me.1.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        csrf,
        period: period.to_string(),
        period_label: period.label.clone(),
        reports: report_links(lang, period, today),
        t_reports: tr(lang, "staff_dashboard.reports_preview_publish"),
        units,
        may_read_responses: access::role_may(staff.role, Action::ReadResponses),
        t_logout: tr(lang, "staff_dashboard.sign_out"),
        t_period: tr(lang, "staff_dashboard.this_quarter"),
        t_unit: tr(lang, "staff_dashboard.unit"),
        t_today: tr(lang, "staff_dashboard.today"),
        t_quarter: tr(lang, "staff_dashboard.this_quarter_2"),
        t_desk: tr(lang, "staff_dashboard.desk"),
        t_topics: tr(lang, "staff_dashboard.topics"),
        t_print: tr(lang, "staff_dashboard.print"),
        t_poster: tr(lang, "staff_dashboard.qr_poster"),
        t_downloads: tr(lang, "staff_dashboard.downloads"),
        t_indices: tr(lang, "staff_dashboard.index_table"),
        t_long: tr(lang, "staff_dashboard.long_form"),
        t_responses: tr(lang, "staff_dashboard.responses_anonymised"),
        t_change_password: tr(lang, "staff_dashboard.change_password"),
        t_tickets: tr(lang, "staff_dashboard.print_survey_code_slips"),
        t_show: tr(lang, "staff_dashboard.show"),
        manage: crate::web::staff::manage::manage_links(lang, &staff),
        t_manage: tr(lang, "staff_dashboard.manage"),
        desk_pages: crate::web::staff::desk_links(lang, &staff),
        takeovers: takeover_lines(lang, &takeovers),
        desk_link: if access::staff_may(&staff, Action::ManageKiosks) {
            "/staff/kiosks"
        } else if staff.role == crate::domain::user::Role::Officer {
            "/staff/me"
        } else {
            "/staff/officers"
        },
        alerts: alerts(lang, &staff, held, (&breaches, &releases)),
        feedback_overdue: overdue > 0,
        feedback_line: tr(lang, "staff_feedback.dashboard_line")
            .replace("{n}", &overdue.to_string()),
        sources_line,
        invitations,
        t_invitations: invitation_heads(lang),
        feedback_link: access::role_may(staff.role, Action::HandleFeedback)
            .then(|| ("/staff/feedback", tr(lang, "staff_feedback.queue"))),
    }
}
