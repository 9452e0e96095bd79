//! A citizen follows an item by its code and rates the reply.

use chrono::{DateTime, NaiveDate, Utc};

use super::{calendar, timeline, FeedbackError, FeedbackSettings};
use crate::domain::feedback::{self, Status};
use crate::domain::ticket::TicketCode;
use crate::domain::unit::Unit;
use crate::service::units;
use crate::store::feedback::{self as fb, FeedbackRow};
use crate::store::{Store, StoreError};

/// An item as its citizen follows it (a merged duplicate shows the item kept).
#[derive(Debug, Clone)]
pub struct Tracked {
    pub code: String,
    pub unit: Option<Unit>,
    pub subject: String,
    pub status: Status,
    pub received: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub answered: Option<NaiveDate>,
    pub reply: Option<String>,
    pub published: Option<NaiveDate>,
    /// None while held: no deadline runs yet.
    pub answer_due: Option<NaiveDate>,
    pub merged: bool,
    /// The citizen may rate the reply now.
    pub rateable: bool,
    pub rated: Option<bool>,
}

/// The longest merge chain followed (merges now keep chains one step long; older data may not).
const MERGE_HOPS: usize = 8;

/// The citizen's own item, the item kept (the end of its merge chain) and the code as read.
fn followed(
    store: &Store,
    code: &str,
) -> Result<Option<(FeedbackRow, FeedbackRow, TicketCode)>, StoreError> {
    let Ok(code) = TicketCode::parse(code) else {
        return Ok(None);
    };
    store.read(|c| {
        let Some(own) = fb::by_code_hash(c, &code.hash())? else {
            return Ok(None);
        };
        let mut kept = own.clone();
        for _ in 0..MERGE_HOPS {
            match kept.merged_into {
                Some(id) if id != kept.id => match fb::by_id(c, id)? {
                    Some(next) => kept = next,
                    None => break,
                },
                _ => break,
            }
        }
        Ok(Some((own, kept, code)))
    })
}

pub fn track(
    store: &Store,
    settings: &FeedbackSettings,
    code: &str,
) -> Result<Option<Tracked>, FeedbackError> {
    let Some((own, kept, code)) = followed(store, code)? else {
        return Ok(None);
    };
    let cal = calendar(store)?;
    let t = timeline(&kept)?;
    let unit = units::cached(store, &kept.unit_code)?;
    let answered = matches!(t.status, Status::Answered | Status::Published);
    // Every text this page shows is masked: the reply or the reason may quote a contact or a
    // personal number, and a merged duplicate's citizen reads another citizen's item.
    let masked = |text: &Option<String>| {
        text.as_deref()
            .map(|x| mask_for(x, &[own.contact.as_deref(), kept.contact.as_deref()]))
    };
    Ok(Some(Tracked {
        code: code.as_str().to_string(),
        unit,
        subject: own.subject.clone(),
        status: t.status,
        received: own.received_date,
        decided: kept.decided_date,
        decline_reason: masked(&kept.decline_reason),
        answered: kept.answered_date,
        reply: if answered { masked(&kept.reply) } else { None },
        published: kept.published_date,
        answer_due: (t.status != Status::Held).then(|| t.due(&cal, &settings.deadlines).answer),
        merged: own.merged_into.is_some(),
        rateable: answered && own.reply_satisfied.is_none(),
        rated: own.reply_satisfied,
    }))
}

/// A text masked as for publication, with every given contact masked too.
fn mask_for(text: &str, contacts: &[Option<&str>]) -> String {
    let once = contacts
        .iter()
        .flatten()
        .fold(text.to_string(), |t, c| feedback::public_text(&t, Some(c)));
    feedback::public_text(&once, None)
}

/// The citizen's rating of the reply, once per item (a merged duplicate's citizen rates the
/// reply they were given, on their own item).
pub fn rate(
    store: &Store,
    code: &str,
    satisfied: bool,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    let Some((own, kept, _)) = followed(store, code)? else {
        return Err(FeedbackError::NotFound);
    };
    if !matches!(
        timeline(&kept)?.status,
        Status::Answered | Status::Published
    ) {
        return Err(FeedbackError::NotRateable);
    }
    let done = store.write(|c| -> Result<bool, StoreError> {
        // A merged duplicate's citizen rates the reply of the item kept, on their own item.
        fb::rate(c, own.id, satisfied, now.naive_utc())
    })?;
    if done {
        Ok(())
    } else {
        Err(FeedbackError::NotRateable)
    }
}
