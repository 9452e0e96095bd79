//! What leaves the unit: published replies, figures and exports of a period.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{calendar, dates_timeline, timeline, FeedbackError, FeedbackSettings};
use crate::domain::feedback::{
    self, Calendar, Deadlines, ExportItem, FigureInput, Figures, Overdue, Status,
};
use crate::domain::local_date;
use crate::domain::period::Period;
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::{audit, units};
use crate::store::feedback as fb;
use crate::store::{Store, StoreError};

/// A published item as the public sees it: no code, no contact; the question only if its
/// citizen agreed, masked.
#[derive(Debug, Clone)]
pub struct PublicItem {
    pub unit_code: String,
    pub unit_name: String,
    pub subject: String,
    pub question: Option<String>,
    pub reply: String,
    pub received: NaiveDate,
    pub answered: Option<NaiveDate>,
    pub published: Option<NaiveDate>,
}

pub const PUBLIC_PAGE: i64 = 20;

/// A page (from 1) of published items of a unit or all, and how many pages there are.
pub fn published(
    store: &Store,
    unit: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<PublicItem>, i64), FeedbackError> {
    if let Some(u) = unit {
        if units::cached(store, u)?.is_none() {
            return Err(FeedbackError::UnknownUnit(u.to_string()));
        }
    }
    let page = page.max(1);
    let (rows, total) = store.read(|c| fb::published(c, unit, (page - 1) * per_page, per_page))?;
    // The names of the page's units only, from the memo (not every unit of a province).
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in &rows {
        if !names.contains_key(&r.unit_code) {
            let name = units::cached(store, &r.unit_code)?
                .map(|u| u.name)
                .unwrap_or_default();
            names.insert(r.unit_code.clone(), name);
        }
    }
    let items = rows
        .into_iter()
        .map(|r| PublicItem {
            unit_name: names.get(&r.unit_code).cloned().unwrap_or_default(),
            unit_code: r.unit_code,
            subject: r.subject,
            // Masked again at reading: a rule made stricter later applies to old items too.
            question: r
                .published_question
                .map(|q| feedback::public_text(&q, r.contact.as_deref())),
            reply: feedback::public_text(&r.reply.unwrap_or_default(), r.contact.as_deref()),
            received: r.received_date,
            answered: r.answered_date,
            published: r.published_date,
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page).max(1);
    Ok((items, pages))
}

/// Figures per unit for items received in the period, and for all units together.
pub fn figures(
    store: &Store,
    settings: &FeedbackSettings,
    period: &Period,
    unit: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<String, Figures>, Figures), StoreError> {
    let rows = store.read(|c| fb::dates_between(c, period.start, period.end, unit))?;
    let cal = calendar(store)?;
    let today = local_date(now);
    let mut by_unit: BTreeMap<String, Vec<FigureInput>> = BTreeMap::new();
    for r in &rows {
        by_unit
            .entry(r.unit_code.clone())
            .or_default()
            .push(FigureInput {
                timeline: dates_timeline(r)?,
                reply_satisfied: r.reply_satisfied,
            });
    }
    let all: Vec<FigureInput> = by_unit.values().flatten().cloned().collect();
    let total = Figures::compute(&all, today, &cal, &settings.deadlines);
    let per = by_unit
        .into_iter()
        .map(|(u, items)| {
            (
                u,
                Figures::compute(&items, today, &cal, &settings.deadlines),
            )
        })
        .collect();
    Ok((per, total))
}

/// The most items one page of an export holds.
pub const EXPORT_PAGE_MAX: i64 = 1000;
/// Items on a page of `/api/v1/feedback` unless the caller asks for more (texts of 4,000
/// characters: a page of 200 is at most about 2.5 MB).
pub const API_PAGE_DEFAULT: i64 = 200;

/// What part of a period's items to export: those with an id above `after`, at most `limit`
/// (up to `EXPORT_PAGE_MAX`).
#[derive(Debug, Clone, Copy)]
pub struct ExportPage {
    pub after: i64,
    pub limit: i64,
}

impl Default for ExportPage {
    fn default() -> Self {
        ExportPage {
            after: 0,
            limit: EXPORT_PAGE_MAX,
        }
    }
}

/// A page of the items received in the period, by id, for a caller that may read feedback.
/// Contacts only with `with_contacts`, which only an admin may ask; an export is written to
/// the audit log once, with its first page.
#[allow(clippy::too_many_arguments)]
pub fn export(
    store: &Store,
    settings: &FeedbackSettings,
    caller: &Caller,
    period: &Period,
    unit: Option<&str>,
    with_contacts: bool,
    page: ExportPage,
    now: DateTime<Utc>,
) -> Result<Vec<ExportItem>, FeedbackError> {
    let scope = access::unit_for(caller, Action::ReadFeedback, unit)?;
    if with_contacts {
        let admin =
            matches!(caller, Caller::Staff(s) if s.role == crate::domain::user::Role::Admin);
        if !admin {
            return Err(FeedbackError::Denied(Denied::Role(
                "only an admin may export citizens' contacts",
            )));
        }
    }
    let cal = calendar(store)?;
    let today = local_date(now);
    let target = format!(
        "{} {}{}",
        period.label,
        scope.as_deref().unwrap_or("all units"),
        if with_contacts { " with contacts" } else { "" }
    );
    let limit = page.limit.clamp(1, EXPORT_PAGE_MAX);
    let read = |c: &mut crate::store::DbConnection| {
        fb::received_between(
            c,
            period.start,
            period.end,
            scope.as_deref(),
            page.after,
            limit,
        )
    };
    let rows = if page.after == 0 {
        store.write(|c| -> Result<_, StoreError> {
            audit::write(c, now, &caller.name(), "feedback.export", &target, "ok")?;
            read(c)
        })?
    } else {
        store.read(read)?
    };
    rows.into_iter()
        .map(|r| export_item(r, &cal, &settings.deadlines, today, with_contacts))
        .collect()
}

/// One exported item: its dates, its deadline (none while held), and its texts masked.
fn export_item(
    r: fb::FeedbackRow,
    cal: &Calendar,
    deadlines: &Deadlines,
    today: NaiveDate,
    with_contacts: bool,
) -> Result<ExportItem, FeedbackError> {
    let t = timeline(&r)?;
    Ok(ExportItem {
        answer_due: (t.status != Status::Held).then(|| t.due(cal, deadlines).answer),
        overdue: t.overdue(today, cal, deadlines).map(Overdue::as_str),
        answered_on_time: t.answered_on_time(cal, deadlines),
        text_masked: feedback::public_text(&r.body, r.contact.as_deref()),
        reply: r
            .reply
            .as_deref()
            .map(|x| feedback::public_text(x, r.contact.as_deref())),
        decline_reason: r
            .decline_reason
            .as_deref()
            .map(|x| feedback::public_text(x, r.contact.as_deref())),
        contact: if with_contacts { r.contact } else { None },
        id: r.id,
        unit: r.unit_code,
        subject: r.subject,
        status: r.status,
        received: r.received_date,
        decided: r.decided_date,
        answered: r.answered_date,
        published: r.published_date,
        reply_satisfied: r.reply_satisfied,
        from_survey: r.from_survey,
    })
}

/// What the feedback API gives for a period: the figures of every unit and in all, and a page
/// of the items (for a caller that may read feedback; an unknown unit is refused).
#[allow(clippy::type_complexity)]
pub fn of_period(
    store: &Store,
    settings: &FeedbackSettings,
    caller: &Caller,
    period: &Period,
    unit: Option<&str>,
    page: ExportPage,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<String, Figures>, Figures, Vec<ExportItem>), FeedbackError> {
    if let Some(u) = unit {
        if units::cached(store, u)?.is_none() {
            return Err(FeedbackError::UnknownUnit(u.to_string()));
        }
    }
    let items = export(store, settings, caller, period, unit, false, page, now)?;
    let (figures, total) = figures(store, settings, period, unit, now)?;
    Ok((figures, total, items))
}
