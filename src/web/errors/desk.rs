//! The desk's errors as pages: tablets and counters, paper sheets, officers' figures. A
//! database failure is the 503 page with its logged id; a refusal by role is the page that
//! says so; any other refusal is a 422 page with its reason.

use actix_web::http::StatusCode;

use super::PageError;
use crate::service::counters::CounterError;
use crate::service::kiosks::KioskError;
use crate::service::officers::OfficersError;
use crate::service::paper::PaperError;
use crate::texts::tr;

/// A refusal that is neither the database's nor a role's: 422 with its reason.
fn refused(heading: &'static str, text: String) -> PageError {
    PageError::later(move |lang| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            tr(lang, heading),
            &text,
        )
    })
}

impl From<PaperError> for PageError {
    fn from(e: PaperError) -> PageError {
        match e {
            PaperError::Store(e) => PageError::failed(&e),
            PaperError::Denied(_) => PageError::later(PageError::not_allowed),
            other => refused("paper_staff.refused", other.to_string()),
        }
    }
}

impl From<OfficersError> for PageError {
    fn from(e: OfficersError) -> PageError {
        match e {
            OfficersError::Denied(_) => PageError::later(PageError::not_allowed),
            OfficersError::Store(e) => PageError::failed(&e),
        }
    }
}

impl From<KioskError> for PageError {
    fn from(e: KioskError) -> PageError {
        match e {
            KioskError::Store(e) => PageError::failed(&e),
            KioskError::Denied(_) => PageError::later(PageError::not_allowed),
            other => refused("paper_staff.refused", other.to_string()),
        }
    }
}

impl From<CounterError> for PageError {
    fn from(e: CounterError) -> PageError {
        match e {
            CounterError::Store(e) => PageError::failed(&e),
            CounterError::NotAnOfficer => PageError::later(PageError::not_allowed),
            other => refused("paper_staff.refused", other.to_string()),
        }
    }
}

impl From<crate::service::privacy::BreachError> for PageError {
    fn from(e: crate::service::privacy::BreachError) -> PageError {
        use crate::service::privacy::BreachError;
        match e {
            BreachError::NotAdmin => PageError::later(PageError::not_allowed),
            BreachError::Store(e) => PageError::failed(&e),
            other => PageError::failed(&other),
        }
    }
}

impl From<crate::service::requests::RequestError> for PageError {
    fn from(e: crate::service::requests::RequestError) -> PageError {
        use crate::service::requests::RequestError;
        match e {
            RequestError::NotAdmin => PageError::later(PageError::not_allowed),
            RequestError::Store(e) => PageError::failed(&e),
            other => PageError::failed(&other),
        }
    }
}

impl From<crate::service::topics::TopicsError> for PageError {
    fn from(e: crate::service::topics::TopicsError) -> PageError {
        use crate::service::topics::TopicsError;
        match e {
            TopicsError::NotAdmin => PageError::later(PageError::not_allowed),
            TopicsError::Store(e) => PageError::failed(&e),
            other => PageError::failed(&other),
        }
    }
}

impl From<crate::service::actions::ActionError> for PageError {
    fn from(e: crate::service::actions::ActionError) -> PageError {
        use crate::service::actions::ActionError;
        match e {
            ActionError::NotAllowed => PageError::later(PageError::not_allowed),
            ActionError::Store(e) => PageError::failed(&e),
            other => PageError::failed(&other),
        }
    }
}
