//! Taking a citizen's answers: from the poster form, a one-time ticket, or the JSON API.
//! A response is validated in full, then stored in one transaction (ticket claimed and
//! response inserted together) before anyone is told it was received.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::form::{AnswerProblems, Form};
use crate::domain::index::Tally;
use crate::domain::local_date;
use crate::domain::ticket::TicketCode;
use crate::domain::unit::Unit;
use crate::service::forms::FormRegistry;
use crate::store::responses::{self, NewResponseRow};
use crate::store::tallies::TallyKey;
use crate::store::tickets::{self, TicketRow};
use crate::store::{units, Store, StoreError};

mod paper;
mod repeat;

pub use paper::{paper, PaperWrite};
pub use repeat::digest_for;
use repeat::{check_repeat, repeat_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The unit's standing QR code (poster).
    Poster,
    /// A one-time code for one visit.
    Ticket,
    /// A kiosk or offline-capable client through `POST /api/v1/responses`.
    Api,
    /// A printed questionnaire typed twice by staff (METHODOLOGY "Paper forms").
    Paper,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Poster => "poster",
            Source::Ticket => "ticket",
            Source::Api => "api",
            Source::Paper => "paper",
        }
    }
}

/// Where a submission is going: a unit's poster form, or one ticket.
#[derive(Debug, Clone)]
pub enum Target {
    Unit(String),
    Ticket(String),
    /// The API names both; they must agree when both are given.
    Both {
        unit: String,
        ticket: String,
    },
}

#[derive(Debug, Clone)]
pub struct Submission {
    pub target: Target,
    /// `"sipas-2017"` (the unit's form) or `"sipas-2017@1"` (a named version).
    pub form: Option<String>,
    pub pairs: Vec<(String, String)>,
    pub submission_id: Option<String>,
    pub source: Source,
    /// Days after a merged unit closed during which its old poster still takes answers,
    /// counted for its successor.
    pub grace_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub response_id: i64,
    pub submission_id: String,
    pub unit_code: String,
    /// False when this was a repeat of a submission already stored (a double tap, a retry).
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("there is no unit \"{0}\"")]
    UnknownUnit(String),
    #[error("the unit \"{}\" no longer takes responses", .0.unit.code)]
    UnitClosed(Box<ClosedUnit>),
    #[error("there is no such survey code")]
    UnknownTicket,
    #[error("this survey code has already been used")]
    TicketUsed,
    #[error("this survey code has expired")]
    TicketExpired,
    #[error("the survey code belongs to unit \"{ticket_unit}\", not \"{unit}\"")]
    TicketOtherUnit { unit: String, ticket_unit: String },
    #[error("unknown form \"{0}\"")]
    UnknownForm(String),
    #[error("the unit \"{unit}\" uses form \"{expected}\", not \"{given}\"")]
    WrongForm {
        unit: String,
        expected: String,
        given: String,
    },
    #[error("\"{0}\" is not a UUID")]
    BadSubmissionId(String),
    #[error("{}", .0.problems)]
    Invalid(Box<InvalidSubmission>),
    #[error("the submission id {0} was already used for different answers")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A unit past its validity dates, and the units that took it over.
#[derive(Debug)]
pub struct ClosedUnit {
    pub unit: Unit,
    pub successors: Vec<Unit>,
}

/// Answers that do not fit the form, with what is needed to show the form again.
#[derive(Debug)]
pub struct InvalidSubmission {
    pub problems: AnswerProblems,
    pub form: Arc<Form>,
    pub unit: Unit,
}

/// What a citizen is about to answer: the unit, its form, and (for a ticket) the code.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub unit: Unit,
    pub form: Arc<Form>,
    pub ticket: Option<TicketRow>,
    /// Reached through a closed predecessor's poster within the grace period.
    pub via_predecessor: bool,
}

/// How long an old poster of a merged unit keeps working, by default (days after it closed).
pub const DEFAULT_GRACE_DAYS: i64 = 90;

/// The successor that takes a closed unit's answers: the one that took the largest share of
/// its dossiers (the first named on a tie), if it is open on `today`.
fn heir(successors: &[Unit], closed: &str, today: chrono::NaiveDate) -> Option<Unit> {
    let share = |u: &Unit| {
        u.predecessors
            .iter()
            .find(|p| p.code.as_str() == closed)
            .map_or(0.0, |p| p.share)
    };
    let mut best: Option<&Unit> = None;
    for u in successors.iter().filter(|u| u.is_valid_on(today)) {
        if best.is_none_or(|b| share(u) > share(b)) {
            best = Some(u);
        }
    }
    best.cloned()
}

/// Finds the unit and form for a poster or ticket URL, refusing closed units and used,
/// expired or unknown tickets. Used both to show the form and to take a submission.
pub fn resolve(
    store: &Store,
    forms: &FormRegistry,
    target: &Target,
    requested_form: Option<&str>,
    grace_days: i64,
    now: DateTime<Utc>,
) -> Result<Resolved, SubmitError> {
    let (unit_code, ticket_code) = match target {
        Target::Unit(u) => (Some(u.as_str()), None),
        Target::Ticket(t) => (None, Some(t.as_str())),
        Target::Both { unit, ticket } => (Some(unit.as_str()), Some(ticket.as_str())),
    };
    let ticket = match ticket_code {
        Some(raw) => Some(open_ticket(store, raw, unit_code, now)?),
        None => None,
    };
    let unit_code = ticket
        .as_ref()
        .map(|t| t.unit_code.as_str())
        .or(unit_code)
        .unwrap_or_default()
        .to_string();
    let unit = crate::service::units::cached(store, &unit_code)?
        .ok_or_else(|| SubmitError::UnknownUnit(unit_code.clone()))?;
    let today = local_date(now);
    if !unit.is_valid_on(today) {
        let successors = store.read(|c| units::successors(c, &unit_code))?;
        // An old poster within the grace period: the answer counts for the successor.
        let in_grace = ticket.is_none()
            && unit
                .valid_to
                .is_some_and(|to| today > to && today <= to + chrono::Duration::days(grace_days));
        if let Some(next) = in_grace
            .then(|| heir(&successors, &unit_code, today))
            .flatten()
        {
            // The successor's own form: the page shown was the successor's.
            let form = pick_form(forms, &next, requested_form)?;
            return Ok(Resolved {
                unit: next,
                form,
                ticket,
                via_predecessor: true,
            });
        }
        return Err(SubmitError::UnitClosed(Box::new(ClosedUnit {
            unit,
            successors,
        })));
    }
    let form = pick_form(forms, &unit, requested_form)?;
    Ok(Resolved {
        unit,
        form,
        ticket,
        via_predecessor: false,
    })
}

/// The ticket a submission comes through: known, unused, not expired, of the unit named.
fn open_ticket(
    store: &Store,
    raw: &str,
    unit_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TicketRow, SubmitError> {
    let Ok(code) = TicketCode::parse(raw) else {
        return Err(SubmitError::UnknownTicket);
    };
    let row = store
        .read(|c| tickets::get(c, code.as_str()))?
        .ok_or(SubmitError::UnknownTicket)?;
    if row.used_at.is_some() {
        return Err(SubmitError::TicketUsed);
    }
    if row.expires_at <= now.naive_utc() {
        return Err(SubmitError::TicketExpired);
    }
    if let Some(u) = unit_code {
        if u != row.unit_code {
            return Err(SubmitError::TicketOtherUnit {
                unit: u.to_string(),
                ticket_unit: row.unit_code,
            });
        }
    }
    Ok(row)
}

/// The form a submission is for: the unit's current form, or the version the page showed
/// (`sipas-2017@1`), which must be of the unit's form.
fn pick_form(
    forms: &FormRegistry,
    unit: &Unit,
    requested_form: Option<&str>,
) -> Result<Arc<Form>, SubmitError> {
    Ok(match requested_form {
        None | Some("") => forms
            .latest(&unit.form_id)
            .ok_or_else(|| SubmitError::UnknownForm(unit.form_id.clone()))?,
        Some(name) => {
            let (id, version) = match name.split_once('@') {
                Some((id, v)) => (
                    id,
                    Some(
                        v.parse::<u32>()
                            .ok()
                            .ok_or_else(|| SubmitError::UnknownForm(name.to_string()))?,
                    ),
                ),
                None => (name, None),
            };
            if id != unit.form_id {
                return Err(SubmitError::WrongForm {
                    unit: unit.code.to_string(),
                    expected: unit.form_id.clone(),
                    given: name.to_string(),
                });
            }
            match version {
                Some(v) => forms.get(id, v),
                None => forms.latest(id),
            }
            .ok_or_else(|| SubmitError::UnknownForm(name.to_string()))?
        }
    })
}

/// Validates and stores one submission. Returns only once the response is committed.
pub fn submit(
    store: &Store,
    forms: &FormRegistry,
    submission: Submission,
    now: DateTime<Utc>,
    synthetic: bool,
) -> Result<Receipt, SubmitError> {
    // The database lost: say so in seconds (a read would wait for the pool's 15 s).
    if !store.writer_ready(std::time::Duration::from_secs(3)) {
        return Err(SubmitError::Store(StoreError::writer(
            "cannot reach the database now",
            None,
        )));
    }
    let submission_id = match &submission.submission_id {
        Some(s) if !s.trim().is_empty() => Uuid::parse_str(s.trim())
            .ok()
            .ok_or_else(|| SubmitError::BadSubmissionId(s.clone()))?
            .hyphenated()
            .to_string(),
        _ => Uuid::new_v4().hyphenated().to_string(),
    };
    // The common case costs one read and one write. A retry of something already stored
    // shows up as a used ticket or a duplicate submission id, and is answered as the first time.
    let resolved = match resolve(
        store,
        forms,
        &submission.target,
        submission.form.as_deref(),
        submission.grace_days,
        now,
    ) {
        Ok(r) => r,
        Err(SubmitError::TicketUsed) => {
            return match store.read(|c| repeat_of(c, &submission_id))? {
                Some(receipt) => check_repeat(forms, &submission, receipt),
                None => Err(SubmitError::TicketUsed),
            };
        }
        Err(e) => return Err(e),
    };
    let write = prepare(&resolved, &submission, &submission_id, now, synthetic)?;
    let unit_code = write.row.unit_code.clone();
    let stored = store.write_grouped(write.job(now));
    let response_id = match stored {
        Ok(id) => {
            crate::telemetry::count_submission(submission.source.as_str());
            id
        }
        // Two copies of one submission raced: the other one won; answer as it was answered.
        Err(SubmitError::Store(e)) if e.is_unique_violation() => {
            if let Some(receipt) = store.read(|c| repeat_of(c, &submission_id))? {
                return check_repeat(forms, &submission, receipt);
            }
            return Err(SubmitError::Store(e));
        }
        // A ticket used by a racing copy of the same submission is a repeat, not a reuse.
        Err(SubmitError::TicketUsed) => {
            if let Some(receipt) = store.read(|c| repeat_of(c, &submission_id))? {
                return check_repeat(forms, &submission, receipt);
            }
            return Err(SubmitError::TicketUsed);
        }
        Err(e) => return Err(e),
    };
    Ok(Receipt {
        response_id,
        submission_id,
        unit_code,
        created: true,
    })
}

/// A response ready to store: its row, the tally delta, and the ticket to claim.
struct Write {
    row: NewResponseRow,
    tally_key: TallyKey,
    delta: Tally,
    ticket_code: Option<String>,
    /// The route of an invitation's code: its answer is counted for the route.
    invite_route: Option<String>,
}

/// Validates the answers against the resolved form and builds what is stored.
fn prepare(
    resolved: &Resolved,
    submission: &Submission,
    submission_id: &str,
    now: DateTime<Utc>,
    synthetic: bool,
) -> Result<Write, SubmitError> {
    let answers = resolved
        .form
        .validate(&submission.pairs)
        .map_err(|problems| {
            SubmitError::Invalid(Box::new(InvalidSubmission {
                problems,
                form: resolved.form.clone(),
                unit: resolved.unit.clone(),
            }))
        })?;
    let row = NewResponseRow {
        submission_id: submission_id.to_string(),
        unit_code: resolved.unit.code.to_string(),
        form_id: resolved.form.id.clone(),
        form_version: i32::try_from(resolved.form.version).unwrap_or(i32::MAX),
        // An invitation's code (METHODOLOGY §3, invited_response_pct): whatever page took it.
        source: match resolved
            .ticket
            .as_ref()
            .and_then(|t| t.invite_route.as_ref())
        {
            Some(_) => "invitation".to_string(),
            None => submission.source.as_str().to_string(),
        },
        via_ticket: resolved.ticket.is_some(),
        submitted_at: crate::domain::day_of(now.naive_utc()),
        local_date: local_date(now),
        answers: answers.to_json(),
        comment: answers.comment.clone(),
        digest: digest_for(resolved.unit.code.as_str(), &resolved.form, &answers),
        synthetic,
        via_predecessor: resolved.via_predecessor,
        officer_id: resolved.ticket.as_ref().and_then(|t| t.officer_id),
    };
    let tally_key = TallyKey {
        unit_code: row.unit_code.clone(),
        day: row.local_date,
        form_id: row.form_id.clone(),
        form_version: row.form_version,
    };
    let mut delta = Tally::default();
    delta.add(&resolved.form, &answers.values, resolved.ticket.is_some());
    Ok(Write {
        row,
        tally_key,
        delta,
        ticket_code: resolved.ticket.as_ref().map(|t| t.code.clone()),
        invite_route: resolved
            .ticket
            .as_ref()
            .and_then(|t| t.invite_route.clone()),
    })
}

impl Write {
    /// The work of the group commit: claim the ticket (if any), insert, return the id.
    fn job(self, now: DateTime<Utc>) -> impl crate::store::GroupedWork<i64, SubmitError> {
        let Write {
            row,
            tally_key,
            delta,
            ticket_code,
            invite_route,
        } = self;
        move |conn| {
            if let Some(t) = &ticket_code {
                if !tickets::claim(conn, t, now.naive_utc())? {
                    let current = tickets::get(conn, t)?;
                    return Err(match current {
                        Some(t) if t.used_at.is_some() => SubmitError::TicketUsed,
                        Some(_) => SubmitError::TicketExpired,
                        None => SubmitError::UnknownTicket,
                    });
                }
                // A paper sheet of this code waiting to be typed leaves the queues (C-6).
                crate::store::paper::close_answered(conn, t)?;
                if let Some(route) = &invite_route {
                    crate::service::invite::count_answer(conn, &row.unit_code, route, now)?;
                }
            }
            responses::insert(conn, std::slice::from_ref(&row))?;
            let id = responses::id_of(conn, &row.submission_id)?.unwrap_or_default();
            Ok((id, Some((tally_key, delta))))
        }
    }
}

/// The common case of a request handler, without a thread of the blocking pool: a poster or
/// kiosk submission (no ticket) to a unit the store has just read (its memo), stored by an
/// awaited group commit. `None` when this needs the database before the write (a ticket, a
/// unit not in the memo, a closed unit, a repeated submission id): then call `submit`.
pub async fn submit_inline(
    store: &Store,
    forms: &FormRegistry,
    submission: &Submission,
    now: DateTime<Utc>,
) -> Option<Result<Receipt, SubmitError>> {
    let Target::Unit(code) = &submission.target else {
        return None;
    };
    // The writer is reconnecting: `submit` waits a moment for it on a blocking thread.
    if !store.writer_connected() {
        return None;
    }
    let unit = crate::service::units::remembered(store, code)?;
    if !unit.is_valid_on(local_date(now)) {
        return None;
    }
    let submission_id = match &submission.submission_id {
        Some(s) if !s.trim().is_empty() => match Uuid::parse_str(s.trim()) {
            Ok(id) => id.hyphenated().to_string(),
            Err(_) => return Some(Err(SubmitError::BadSubmissionId(s.clone()))),
        },
        _ => Uuid::new_v4().hyphenated().to_string(),
    };
    let form = match pick_form(forms, &unit, submission.form.as_deref()) {
        Ok(form) => form,
        Err(e) => return Some(Err(e)),
    };
    let resolved = Resolved {
        unit,
        form,
        ticket: None,
        via_predecessor: false,
    };
    let write = match prepare(&resolved, submission, &submission_id, now, false) {
        Ok(write) => write,
        Err(e) => return Some(Err(e)),
    };
    let unit_code = write.row.unit_code.clone();
    // No ticket to claim: the row joins the batch's one multi-row insert (PostgreSQL).
    let tally = (write.tally_key, write.delta);
    match store.insert_response_grouped(write.row, tally).await {
        Ok(Some(response_id)) => {
            crate::telemetry::count_submission(submission.source.as_str());
            Some(Ok(Receipt {
                response_id,
                submission_id,
                unit_code,
                created: true,
            }))
        }
        // A repeated submission id: `submit` finds the first and answers as it was answered.
        Ok(None) => None,
        Err(e) => Some(Err(SubmitError::Store(e))),
    }
}
