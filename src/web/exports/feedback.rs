//! The feedback of a period for the Home Affairs Office (`/api/v1/feedback`): figures per unit
//! and the items, masked, without contacts, paged.

use super::*;

/// One unit's (or all units') feedback figures for items received in the period.
#[derive(Serialize, ToSchema)]
pub struct FeedbackFiguresJson {
    /// A unit code, or `TOTAL`.
    unit: String,
    received: u64,
    answered: u64,
    declined: u64,
    /// Answered, or unanswered past the answer deadline.
    due: u64,
    /// Answered within the answer deadline.
    on_time: u64,
    /// `on_time` as a share of `due`.
    on_time_pct: Option<f64>,
    /// Median working days from receipt to answer.
    median_days_to_answer: Option<f64>,
    /// Replies rated by their citizen.
    rated: u64,
    reply_satisfied_pct: Option<f64>,
}

impl FeedbackFiguresJson {
    fn of(unit: &str, f: &crate::domain::feedback::Figures) -> FeedbackFiguresJson {
        FeedbackFiguresJson {
            unit: unit.to_string(),
            received: f.received,
            answered: f.answered,
            declined: f.declined,
            due: f.due,
            on_time: f.on_time,
            on_time_pct: f.on_time_pct().map(round2),
            median_days_to_answer: f.median_days,
            rated: f.rated,
            reply_satisfied_pct: f.reply_satisfied_pct().map(round2),
        }
    }
}

/// One feedback item: its text masked, never a contact.
#[derive(Serialize, ToSchema)]
pub struct FeedbackItemJson {
    /// The item's number (the citizen's tracking code is never given out).
    id: i64,
    unit: String,
    subject: String,
    /// received, accepted, declined, answered, published or merged.
    status: String,
    #[schema(format = Date)]
    received: String,
    #[schema(format = Date)]
    decided: Option<String>,
    #[schema(format = Date)]
    answered: Option<String>,
    #[schema(format = Date)]
    published: Option<String>,
    /// Null while the item is held (no deadline runs yet).
    #[schema(format = Date)]
    answer_due: Option<String>,
    /// The stage past its deadline: decide, answer or publish.
    overdue: Option<String>,
    answered_on_time: Option<bool>,
    reply_satisfied: Option<bool>,
    from_survey: bool,
    text_masked: String,
    reply: Option<String>,
    decline_reason: Option<String>,
}

impl FeedbackJson {
    /// The answer for a period: its figures, and a page of items (`limit` asked).
    fn of(
        period: &crate::domain::period::Period,
        d: crate::domain::feedback::Deadlines,
        figures: &BTreeMap<String, crate::domain::feedback::Figures>,
        total: &crate::domain::feedback::Figures,
        items: Vec<crate::domain::feedback::ExportItem>,
        limit: i64,
    ) -> FeedbackJson {
        let next_after = (crate::domain::num::i64_of(items.len()) == limit)
            .then(|| items.last().map(|i| i.id))
            .flatten();
        FeedbackJson {
            next_after,
            period: period.label.clone(),
            period_start: period.start.to_string(),
            period_end: period.end.to_string(),
            deadlines: DeadlinesJson {
                decide: d.decide,
                answer: d.answer,
                publish: d.publish,
            },
            units: figures
                .iter()
                .map(|(u, f)| FeedbackFiguresJson::of(u, f))
                .collect(),
            total: FeedbackFiguresJson::of(indices::TOTAL, total),
            items: items.into_iter().map(FeedbackItemJson::from).collect(),
        }
    }
}

impl From<crate::domain::feedback::ExportItem> for FeedbackItemJson {
    fn from(i: crate::domain::feedback::ExportItem) -> Self {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        FeedbackItemJson {
            id: i.id,
            unit: i.unit,
            subject: i.subject,
            status: i.status,
            received: i.received.to_string(),
            decided: day(i.decided),
            answered: day(i.answered),
            published: day(i.published),
            answer_due: i.answer_due.map(|d| d.to_string()),
            overdue: i.overdue.map(str::to_string),
            answered_on_time: i.answered_on_time,
            reply_satisfied: i.reply_satisfied,
            from_survey: i.from_survey,
            text_masked: i.text_masked,
            reply: i.reply,
            decline_reason: i.decline_reason,
        }
    }
}

/// Working days allowed for each stage.
#[derive(Serialize, ToSchema)]
pub struct DeadlinesJson {
    decide: u32,
    answer: u32,
    publish: u32,
}

/// Feedback received in a period: the figures per unit and in all, and the items.
#[derive(Serialize, ToSchema)]
pub struct FeedbackJson {
    period: String,
    #[schema(format = Date)]
    period_start: String,
    #[schema(format = Date)]
    period_end: String,
    deadlines: DeadlinesJson,
    units: Vec<FeedbackFiguresJson>,
    total: FeedbackFiguresJson,
    /// A page of the items, by id (`limit`: 200 unless asked, 1000 at most); the figures cover them all.
    items: Vec<FeedbackItemJson>,
    /// Pass as `after` for the next page; absent on the last page.
    next_after: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/feedback",
    tag = "feedback",
    params(PeriodQuery, PageQuery),
    responses(
        (status = 200, description = "Feedback received in the period: figures and a page of items (masked, no contacts)", body = FeedbackJson),
        (status = 400, description = "No period, or a bad one", body = ErrorBody),
        (status = 401, description = "Neither a session nor a bearer token", body = ErrorBody),
        (status = 403, description = "A leader's account, or another unit than the caller's own", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn feedback_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<PeriodQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::service::feedback as fb;
    let period = period_of(&q, &state)?;
    let page = paging.page()?;
    let unit = scoped_unit(&caller, Action::ReadFeedback, &q.unit)?;
    let (st, p) = (state.clone(), period.clone());
    let (figures, total, items) = web::block(move || {
        let now = chrono::Utc::now();
        fb::of_period(
            &st.store,
            &st.feedback,
            &caller,
            &p,
            unit.as_deref(),
            page,
            now,
        )
    })
    .await??;
    let body = FeedbackJson::of(
        &period,
        state.feedback.deadlines,
        &figures,
        &total,
        items,
        page.limit,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
