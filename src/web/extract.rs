//! What a handler takes as arguments instead of reading the request itself: the page's
//! language, the signed-in member of staff with the session's CSRF token, and a staff form
//! whose token is checked and whose fields are parsed into a struct.
//!
//! ```ignore
//! pub async fn save(session: StaffSession, form: CsrfForm<SubjectsForm>, state: Data<AppState>)
//!     -> Result<HttpResponse, PageError> {
//!     session.may(Action::HandleFeedback)?;
//!     let n = run(&state, move |s| service::f(&s.store, &session.staff, &form.unit)).await?;
//!     …
//! }
//! ```

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::domain::lang::Lang;
use crate::service::access::{self, Action};
use crate::service::users::Staff;
use crate::web::errors::PageError;
use crate::web::lang_of;
use crate::web::staff::{form_with_csrf_up_to, require_staff};

impl FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Lang, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(lang_of(req)))
    }
}

/// A signed-in member of staff whose password is their own (otherwise the request is sent
/// to `/staff/password`; without a session, to `/login`), and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub staff: Staff,
    pub csrf: String,
}

impl StaffSession {
    /// Refused with 403 unless the role may do `action` (`service::access`).
    pub fn may(&self, action: Action) -> Result<(), PageError> {
        if access::staff_may(&self.staff, action) {
            Ok(())
        } else {
            Err(PageError::later(PageError::not_allowed))
        }
    }
}

impl FromRequest for StaffSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<StaffSession, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let known = req.extensions().get::<StaffSession>().cloned();
            if let Some(found) = known {
                return Ok(found);
            }
            let (staff, csrf) = require_staff(&req, lang_of(&req)).await?;
            let found = StaffSession { staff, csrf };
            // Read once a request: a `CsrfForm` after it finds it here.
            req.extensions_mut().insert(found.clone());
            Ok(found)
        })
    }
}

/// A staff form (URL-encoded or multipart, up to `LIMIT` bytes: the usual size unless the
/// handler asks for [`CsrfUpload`]) that carries the session's CSRF token, its fields parsed
/// into `T` (string fields; a missing one is an error unless `T` gives it a default). A
/// forged post is refused with 403, a bad body with 400, a body over the limit with 413.
#[derive(Debug)]
pub struct CsrfForm<T, const LIMIT: usize = { crate::web::BODY_LIMIT }> {
    pub form: T,
    /// Every field as sent, in order (for fields sent more than once).
    pub pairs: Vec<(String, String)>,
}

/// A staff import (a CSV file of units, dossier counts or holidays), up to 4 MB.
pub type CsrfUpload<T> = CsrfForm<T, { crate::web::staff::IMPORT_LIMIT }>;

impl<T, const LIMIT: usize> std::ops::Deref for CsrfForm<T, LIMIT> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.form
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for CsrfForm<T, LIMIT> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = actix_web::web::Payload::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let payload = body.await.map_err(|e| {
                tracing::debug!(error = %e, "a form's body could not be read");
                PageError::later(PageError::bad_request)
            })?;
            let lang = lang_of(&req);
            let known = req
                .extensions()
                .get::<StaffSession>()
                .map(|found| found.csrf.clone());
            let csrf = match known {
                Some(csrf) => csrf,
                None => require_staff(&req, lang).await?.1,
            };
            let pairs = form_with_csrf_up_to(&req, payload, &csrf, lang, LIMIT).await?;
            // The last value of a field sent twice (a select and a hidden field), as a form
            // post is usually read; all of them stay in `pairs`.
            let fields: std::collections::BTreeMap<String, String> =
                pairs.iter().filter(|(k, _)| k != "csrf").cloned().collect();
            let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
                fields.into_iter(),
            );
            let form = T::deserialize(de).map_err(|e| {
                tracing::debug!(error = %e, "a form's fields do not fit it");
                PageError::later(PageError::bad_request)
            })?;
            Ok(CsrfForm { form, pairs })
        })
    }
}
