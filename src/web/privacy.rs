//! Personal data (SPEC §13): the notice `/privacy` for everyone, and the record of processing
//! for staff (`/staff/privacy/register`, `.json`), both from the register the service runs
//! under.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::domain::lang::Lang;
use crate::render::privacy::{controller, rows, Row};
use crate::texts::tr;
use crate::web::errors::PageError;
use crate::web::extract::StaffSession;
use crate::web::pages::{PageMeta, Place};
use crate::web::{render_page as render, AppState};

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    page: PageMeta,
    title: &'static str,
    intro: &'static str,
    controller: (String, String),
    version: String,
    heads: [&'static str; 6],
    rows: Vec<Row>,
    recipients: Vec<String>,
    how_to_ask: &'static str,
    json_link: Option<&'static str>,
    request_url: &'static str,
    t_request: &'static str,
    t_controller: &'static str,
    t_contact: &'static str,
    t_version: &'static str,
    t_not_held: &'static str,
    t_recipients: &'static str,
    t_no_recipients: &'static str,
}

fn page_of(state: &AppState, lang: Lang, staff: bool) -> PrivacyPage {
    let r = &state.register;
    PrivacyPage {
        page: PageMeta::public(lang, state.demo, Place::Other, &state.publishing),
        title: tr(
            lang,
            if staff {
                "privacy.register"
            } else {
                "privacy.title"
            },
        ),
        intro: tr(lang, "privacy.intro"),
        controller: controller(r, lang),
        version: r.version.clone(),
        heads: crate::render::privacy::heads(lang),
        rows: rows(r, lang),
        recipients: r
            .recipients()
            .into_iter()
            .map(|x| match x {
                "demo" => tr(lang, "privacy.rec_demo").to_string(),
                host => host.to_string(),
            })
            .collect(),
        how_to_ask: tr(lang, "privacy.how_to_ask"),
        json_link: staff.then_some("/staff/privacy/register.json"),
        request_url: if lang == Lang::En {
            "/privacy/request?lang=en"
        } else {
            "/privacy/request"
        },
        t_request: tr(lang, "privacy.req_title"),
        t_controller: tr(lang, "privacy.controller"),
        t_contact: tr(lang, "privacy.contact"),
        t_version: tr(lang, "privacy.version"),
        t_not_held: tr(lang, "privacy.not_held"),
        t_recipients: tr(lang, "privacy.recipients"),
        t_no_recipients: tr(lang, "privacy.no_recipients"),
    }
}

/// Personal data's routes: the notice and requests for citizens; the register, the requests'
/// queue and the breaches for staff.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::web::staff;
    cfg.route("/privacy", web::get().to(notice))
        .route("/privacy/request", web::get().to(request_form))
        .route("/privacy/request", web::post().to(request_file))
        .route("/privacy/request/code", web::post().to(request_code))
        .route("/staff/privacy/register", web::get().to(register))
        .route("/staff/privacy/register.json", web::get().to(register_json))
        .route("/staff/privacy", web::get().to(staff::requests_queue))
        .route(
            "/staff/privacy/{id}/data.json",
            web::get().to(staff::requests_data),
        )
        .route(
            "/staff/privacy/{id}/{step}",
            web::post().to(staff::requests_step),
        )
        .route("/staff/breaches", web::get().to(staff::breaches_page))
        .route("/staff/breaches", web::post().to(staff::breaches_record))
        .route(
            "/staff/breaches/{id}/notified",
            web::post().to(staff::breaches_notified),
        );
}

/// `GET /privacy`: who holds what, why, for how long, who receives it, whom to ask.
pub async fn notice(state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, PageError> {
    render(StatusCode::OK, &page_of(&state, lang, false))
}

/// `GET /staff/privacy/register`: the record of processing, for any member of staff.
pub async fn register(
    state: web::Data<AppState>,
    lang: Lang,
    _session: StaffSession,
) -> Result<HttpResponse, PageError> {
    render(StatusCode::OK, &page_of(&state, lang, true))
}

/// `GET /staff/privacy/register.json`: the same, as data.
pub async fn register_json(state: web::Data<AppState>, _session: StaffSession) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(&*state.register)
}

#[derive(Template)]
#[template(path = "privacy_request.html")]
struct RequestPage {
    page: PageMeta,
    t: crate::texts::Tr,
    action: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    code: String,
    correction: String,
    filed: Option<String>,
    error: Option<&'static str>,
    /// Proof by phone is offered (invitations are sent here).
    phone_on: bool,
    /// The second step by phone is shown (a code was asked for, or its filing failed).
    phone_step: bool,
    phone_kinds: Vec<(&'static str, &'static str)>,
    phone: String,
    code_sent: Option<String>,
    code_action: &'static str,
}

fn request_page(state: &AppState, lang: Lang, form: RequestForm) -> RequestPage {
    use crate::domain::requests::RequestKind;
    let en = lang == Lang::En;
    let kinds: Vec<(&'static str, &'static str)> = RequestKind::ALL
        .iter()
        .map(|k| {
            let label = match k {
                RequestKind::Access => "privacy.req_access",
                RequestKind::Correction => "privacy.req_correction",
                RequestKind::Deletion => "privacy.req_deletion",
                RequestKind::Withdrawal => "privacy.req_withdrawal",
            };
            (k.as_str(), tr(lang, label))
        })
        .collect();
    let phone_kinds = [
        (RequestKind::Access, "privacy.req_access"),
        (RequestKind::Deletion, "privacy.req_phone_deletion"),
        (RequestKind::Withdrawal, "privacy.req_phone_withdrawal"),
    ]
    .iter()
    .map(|(k, label)| (k.as_str(), tr(lang, label)))
    .collect();
    let by_phone = !form.phone.is_empty();
    RequestPage {
        page: PageMeta::public(lang, state.demo, Place::Other, &state.publishing),
        t: crate::texts::Tr(lang),
        action: if lang == Lang::En {
            "/privacy/request?lang=en"
        } else {
            "/privacy/request"
        },
        kinds,
        kind: form.kind,
        code: form.code,
        correction: form.correction,
        filed: None,
        error: None,
        phone_on: !state.invite.via.is_off(),
        phone_step: by_phone,
        phone_kinds,
        phone: form.phone,
        code_sent: None,
        code_action: if en {
            "/privacy/request/code?lang=en"
        } else {
            "/privacy/request/code"
        },
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    correction: String,
    /// Proof by phone: the number an invitation went to, and the code sent to it.
    #[serde(default)]
    phone: String,
    #[serde(default)]
    otp: String,
}

/// `GET /privacy/request`
pub async fn request_form(
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    render(
        StatusCode::OK,
        &request_page(&state, lang, RequestForm::default()),
    )
}

/// `POST /privacy/request`: a request proved by a tracking code; a few per address an hour
/// (`--privacy-request-limit`), so that codes cannot be guessed here.
pub async fn request_file(
    state: web::Data<AppState>,
    lang: Lang,
    req: actix_web::HttpRequest,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, PageError> {
    use crate::service::requests::{self, RequestError};
    crate::web::within_limit(&state, &state.request_limiter, &req, lang).await?;
    let form = form.into_inner();
    let kind = crate::domain::requests::RequestKind::parse(&form.kind);
    let (d, f) = (state.requests, form.clone());
    let st = state.clone();
    let filed = match kind {
        None => Err(RequestError::NotFound),
        Some(k) => {
            web::block(move || {
                let proof = if f.phone.is_empty() {
                    requests::Proof::Tracking(&f.code)
                } else {
                    requests::Proof::Phone {
                        phone: &f.phone,
                        code: &f.otp,
                    }
                };
                let now = chrono::Utc::now();
                requests::file(&st.store, &st.data_key, d, k, proof, &f.correction, now)
            })
            .await?
        }
    };
    let mut page = request_page(&state, lang, form);
    let status = filed_outcome(&mut page, lang, filed)?;
    render(status, &page)
}

/// What the citizen is told: the request's number and deadlines, or why it was not taken
/// (a wrong code and an unknown kind read the same, so that nothing can be enumerated).
fn filed_outcome(
    page: &mut RequestPage,
    lang: Lang,
    filed: Result<crate::service::requests::Filed, crate::service::requests::RequestError>,
) -> Result<StatusCode, PageError> {
    use crate::service::requests::RequestError;
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    match filed {
        Ok(f) => {
            page.filed = Some(
                tr(lang, "privacy.req_filed")
                    .replace("{id}", &f.id.to_string())
                    .replace("{ack}", &day(f.ack_by))
                    .replace("{done}", &day(f.done_by)),
            );
            (page.code, page.correction) = (String::new(), String::new());
            (page.phone, page.phone_step) = (String::new(), false);
            Ok(StatusCode::OK)
        }
        Err(RequestError::Store(e)) => Err(PageError::failed(&e)),
        Err(e) => {
            page.error = Some(tr(
                lang,
                match e {
                    RequestError::BadCorrection => "privacy.req_bad_correction",
                    RequestError::NoCorrectionByPhone => "privacy.req_no_correction_by_phone",
                    _ if page.phone_step => "privacy.req_wrong_code",
                    _ => "privacy.req_not_found",
                },
            ));
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    phone: String,
}

/// `POST /privacy/request/code`: a one-time code to the phone an invitation went to. The
/// answer is the same whether or not the number is known (a code is sent only if it is).
pub async fn request_code(
    state: web::Data<AppState>,
    lang: Lang,
    req: actix_web::HttpRequest,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    crate::web::within_limit(&state, &state.request_limiter, &req, lang).await?;
    let typed = form.into_inner().phone;
    let t = typed.clone();
    let asked = crate::web::run(&state, move |s| {
        let now = chrono::Utc::now();
        crate::service::requests::phone::ask(&s.store, &s.data_key, &s.sender, &t, now)
    })
    .await?;
    let mut page = request_page(
        &state,
        lang,
        RequestForm {
            phone: typed.trim().to_string(),
            ..Default::default()
        },
    );
    if asked.is_err() || !page.phone_on {
        page.phone_step = false;
        page.error = Some(tr(lang, "privacy.req_bad_phone"));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    page.code_sent = Some(tr(lang, "privacy.req_code_sent").replace("{phone}", &page.phone));
    render(StatusCode::OK, &page)
}
