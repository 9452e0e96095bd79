//! Staff pages that manage the service: users, API tokens and units (admins), and dossier
//! counts (admins for every unit, officers for their own). What the CLI does, for a clerk
//! with a browser: every form carries the session's CSRF token, every change is audited,
//! a secret (a new password, a new token) is shown once, and a bad CSV line is named.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::domain::form::Lang;
use crate::domain::user::Role;
use crate::service::access::{self, Action as Can};
use crate::service::dossiers::{self, DossierError};
use crate::service::tokens::{self, TokenError};
use crate::service::units::{self, ImportError};
use crate::service::users::{self, NewUser, Staff, UserError};
use crate::store::StoreError;
use crate::web::errors::PageError;
use crate::web::pages::PageMeta;
use crate::web::staff::{
    field, form_with_csrf, form_with_csrf_up_to, render, require, IMPORT_LIMIT,
};
use crate::web::{lang_of, AppState};

pub struct Action {
    url: &'static str,
    name: &'static str,
    value: String,
    label: &'static str,
}

pub struct Row {
    cells: Vec<String>,
    actions: Vec<Action>,
}

pub struct Field {
    name: &'static str,
    label: &'static str,
    /// `text`, `select`, `textarea` or `file`.
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    required: bool,
}

impl Field {
    fn file(lang: Lang) -> Field {
        Field {
            name: "file",
            label: lang.pick(
                "Tệp CSV (Excel: Lưu thành → CSV UTF-8)",
                "CSV file (Excel: Save As → CSV UTF-8)",
            ),
            kind: "file",
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    fn text(name: &'static str, label: &'static str, value: String) -> Field {
        Field {
            name,
            label,
            kind: "text",
            value,
            options: Vec::new(),
            required: true,
        }
    }
}

pub struct FormView {
    /// Sent as `multipart/form-data` (it has a file field).
    upload: bool,
    title: &'static str,
    help: String,
    action: &'static str,
    fields: Vec<Field>,
    submit: &'static str,
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
struct AdminPage {
    page: PageMeta,
    heading: &'static str,
    lang_suffix: &'static str,
    nav: Vec<(&'static str, &'static str)>,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
    secret: Option<String>,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    has_actions: bool,
    form: Option<FormView>,
    t_actions: &'static str,
    t_empty: &'static str,
}

/// What a handler says besides the page's list: an error, a notice, a secret shown once,
/// and the values to put back in the form.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    error: Option<String>,
    notice: Option<String>,
    secret: Option<String>,
    kept: Vec<(String, String)>,
}

impl Outcome {
    fn error(message: String, kept: Vec<(String, String)>) -> Outcome {
        Outcome {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(message),
            kept,
            ..Default::default()
        }
    }
    fn kept(&self, name: &str) -> String {
        field(&self.kept, name)
    }
}

/// The management pages a role may use: the dashboard lists them, and each of them links to
/// the others.
pub(crate) fn manage_links(lang: Lang, role: Role) -> Vec<(&'static str, &'static str)> {
    [
        (
            Can::ManageUsers,
            "/staff/users",
            lang.pick("Người dùng", "Users"),
        ),
        (
            Can::ManageTokens,
            "/staff/tokens",
            lang.pick("Mã truy cập API", "API tokens"),
        ),
        (
            Can::ManageUnits,
            "/staff/units",
            lang.pick("Đơn vị", "Units"),
        ),
        (
            Can::ImportDossiers,
            "/staff/dossiers",
            lang.pick("Số hồ sơ tiếp nhận", "Dossier counts"),
        ),
        (
            Can::ReadAuditLog,
            "/staff/audit",
            lang.pick("Nhật ký hoạt động", "Audit log"),
        ),
    ]
    .into_iter()
    .filter(|(action, _, _)| access::role_may(role, *action))
    .map(|(_, href, label)| (href, label))
    .collect()
}

async fn blocking<T: Send + 'static>(
    lang: Lang,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PageError> {
    web::block(f)
        .await
        .map_err(|e| PageError::internal(lang, &e))
}

fn base(
    lang: Lang,
    state: &AppState,
    staff: &Staff,
    csrf: String,
    heading: &'static str,
) -> AdminPage {
    AdminPage {
        page: PageMeta::new(lang, state.demo),
        heading,
        lang_suffix: lang.pick("", "?lang=en"),
        nav: manage_links(lang, staff.role),
        csrf,
        error: None,
        notice: None,
        secret: None,
        columns: Vec::new(),
        rows: Vec::new(),
        has_actions: false,
        form: None,
        t_actions: lang.pick("Thao tác", "Actions"),
        t_empty: lang.pick("Chưa có gì.", "Nothing yet."),
    }
}

fn finish(mut page: AdminPage, outcome: Outcome, lang: Lang) -> Result<HttpResponse, PageError> {
    page.error = outcome.error;
    page.notice = outcome.notice;
    page.secret = outcome.secret;
    page.has_actions = page.rows.iter().any(|r| !r.actions.is_empty());
    render(outcome.status.unwrap_or(StatusCode::OK), &page, lang)
}

fn unit_options(
    state: &AppState,
    lang: Lang,
    with_none: Option<&'static str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let today = crate::domain::local_date(Utc::now());
    let mut options: Vec<(String, String)> = with_none
        .map(|label| (String::new(), label.to_string()))
        .into_iter()
        .collect();
    options.extend(
        units::list(&state.store)?
            .into_iter()
            .filter(|u| u.is_valid_on(today))
            .map(|u| {
                (
                    u.code.to_string(),
                    format!("{} ({})", u.display_name(lang), u.code),
                )
            }),
    );
    Ok(options)
}

// ---------------------------------------------------------------- users

async fn users_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let (list, options) = blocking(lang, move || {
        let list = users::list(&st.store)?;
        let options = unit_options(&st, lang, Some(lang.pick("(mọi đơn vị)", "(all units)")))?;
        Ok::<_, StoreError>((list, options))
    })
    .await?
    .map_err(|e| PageError::internal(lang, &e))?;
    let mut page = base(lang, &state, &staff, csrf, lang.pick("Người dùng", "Users"));
    page.columns = vec![
        lang.pick("Tên đăng nhập", "User name"),
        lang.pick("Vai trò", "Role"),
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Tạo lúc (UTC)", "Created (UTC)"),
        lang.pick("Trạng thái", "State"),
    ];
    let now = Utc::now().naive_utc();
    page.rows = list
        .into_iter()
        .map(|u| Row {
            actions: vec![
                if u.disabled {
                    Action {
                        url: "/staff/users/enable",
                        name: "username",
                        value: u.username.clone(),
                        label: lang.pick("Mở khóa", "Enable"),
                    }
                } else {
                    Action {
                        url: "/staff/users/disable",
                        name: "username",
                        value: u.username.clone(),
                        label: lang.pick("Khóa", "Disable"),
                    }
                },
                Action {
                    url: "/staff/users/reset",
                    name: "username",
                    value: u.username.clone(),
                    label: lang.pick("Cấp lại mật khẩu", "New password"),
                },
            ],
            cells: vec![
                u.username,
                u.role,
                u.unit_code.unwrap_or_default(),
                u.created_at.format("%Y-%m-%d %H:%M").to_string(),
                if u.disabled {
                    lang.pick("đã khóa", "disabled").to_string()
                } else if u.locked_until.is_some_and(|t| t > now) {
                    lang.pick("tạm khóa (đăng nhập sai)", "locked (failed sign-ins)")
                        .to_string()
                } else {
                    lang.pick("hoạt động", "active").to_string()
                },
            ],
        })
        .collect();
    let role = outcome.kept("role");
    page.form = Some(FormView {
        title: lang.pick("Thêm người dùng", "Add a user"),
        help: lang
            .pick(
                "Quản trị: mọi quyền. Cán bộ (officer): một đơn vị — phiếu mã, áp phích, kết quả và góp ý của đơn vị mình. Lãnh đạo (viewer): báo cáo và chỉ số mọi đơn vị, không xem góp ý. Mật khẩu được tạo ngẫu nhiên và chỉ hiện một lần.",
                "Admin: everything. Officer: one unit — codes, posters, its own results and comments. Viewer (leaders): reports and indices of all units, no raw comments. The password is generated and shown once.",
            )
            .to_string(),
        action: "/staff/users",
        upload: false,
        fields: vec![
            Field::text("username", lang.pick("Tên đăng nhập", "User name"), outcome.kept("username")),
            Field {
                name: "role",
                label: lang.pick("Vai trò", "Role"),
                kind: "select",
                value: if role.is_empty() { "officer".into() } else { role },
                options: vec![
                    ("officer".into(), lang.pick("Cán bộ một cửa (officer)", "Desk officer (officer)").into()),
                    ("viewer".into(), lang.pick("Lãnh đạo (viewer)", "Leader (viewer)").into()),
                    ("admin".into(), lang.pick("Quản trị (admin)", "Admin (admin)").into()),
                ],
                required: true,
            },
            Field {
                name: "unit",
                label: lang.pick("Đơn vị (chỉ với cán bộ)", "Unit (officers only)"),
                kind: "select",
                value: outcome.kept("unit"),
                options,
                required: false,
            },
        ],
        submit: lang.pick("Thêm", "Add"),
    });
    finish(page, outcome, lang)
}

pub async fn users_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    users_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn users_add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let username = field(&pairs, "username");
    let unit = field(&pairs, "unit");
    let role: Option<Role> = Role::parse(&field(&pairs, "role")).ok();
    let Some(role) = role else {
        let outcome = Outcome::error(
            lang.pick("Xin chọn vai trò.", "Please choose a role.")
                .into(),
            pairs,
        );
        return users_page(state, lang, staff, csrf, outcome).await;
    };
    let (st, actor, name) = (state.clone(), staff.username.clone(), username.clone());
    let added = blocking(lang, move || {
        let unit = Some(unit.trim()).filter(|u| !u.is_empty() && role == Role::Officer);
        users::add(
            &st.store,
            &mut rand::rng(),
            NewUser {
                username: &name,
                role,
                unit,
                password: None,
            },
            &actor,
            Utc::now(),
        )
    })
    .await?;
    let outcome = match added {
        Ok(password) => Outcome {
            notice: Some(format!(
                "{} \"{}\" ({role}). {}",
                lang.pick("Đã thêm", "Added"),
                username.trim(),
                lang.pick(
                    "Mật khẩu dưới đây chỉ hiện một lần: hãy trao tận tay; người dùng đổi mật khẩu sau lần đăng nhập đầu.",
                    "The password below is shown once: hand it over in person; the user changes it after signing in."
                )
            )),
            secret: Some(password),
            ..Default::default()
        },
        Err(e @ (UserError::Hash | UserError::Store(_))) => return Err(PageError::internal(lang, &e)),
        Err(e) => Outcome::error(e.to_string(), pairs),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

/// `POST /staff/users/{disable,enable,reset}`: one account, named by `username`.
async fn user_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    action: UserAction,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUsers).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let username = field(&pairs, "username");
    let (st, actor, name) = (state.clone(), staff.username.clone(), username.clone());
    let done = blocking(lang, move || match action {
        UserAction::Disable => {
            users::set_disabled(&st.store, &actor, &name, true, Utc::now()).map(|()| None)
        }
        UserAction::Enable => {
            users::set_disabled(&st.store, &actor, &name, false, Utc::now()).map(|()| None)
        }
        UserAction::Reset => {
            users::reset_password(&st.store, &mut rand::rng(), &actor, &name, Utc::now()).map(Some)
        }
    })
    .await?;
    let outcome = match done {
        Ok(secret) => Outcome {
            notice: Some(match action {
                UserAction::Disable => format!(
                    "{} \"{username}\"; {}",
                    lang.pick("Đã khóa", "Disabled"),
                    lang.pick(
                        "các phiên đăng nhập đã kết thúc.",
                        "their sessions have ended."
                    )
                ),
                UserAction::Enable => {
                    format!("{} \"{username}\".", lang.pick("Đã mở khóa", "Enabled"))
                }
                UserAction::Reset => format!(
                    "{} \"{username}\". {}",
                    lang.pick("Mật khẩu mới của", "New password of"),
                    lang.pick(
                        "Chỉ hiện một lần: hãy trao tận tay.",
                        "Shown once: hand it over in person."
                    )
                ),
            }),
            secret,
            ..Default::default()
        },
        Err(e @ (UserError::Hash | UserError::Store(_))) => {
            return Err(PageError::internal(lang, &e))
        }
        Err(e) => Outcome::error(e.to_string(), Vec::new()),
    };
    users_page(state, lang, staff, csrf, outcome).await
}

#[derive(Debug, Clone, Copy)]
enum UserAction {
    Disable,
    Enable,
    Reset,
}

pub async fn users_disable(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Disable).await
}

pub async fn users_enable(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Enable).await
}

pub async fn users_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user_action(state, req, payload, UserAction::Reset).await
}

// ---------------------------------------------------------------- tokens

async fn tokens_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let (list, options) = blocking(lang, move || {
        let list = tokens::list(&st.store)?;
        let options = unit_options(&st, lang, Some(lang.pick("(mọi đơn vị)", "(all units)")))?;
        Ok::<_, StoreError>((list, options))
    })
    .await?
    .map_err(|e| PageError::internal(lang, &e))?;
    let mut page = base(
        lang,
        &state,
        &staff,
        csrf,
        lang.pick("Mã truy cập API", "API tokens"),
    );
    page.columns = vec![
        lang.pick("Tên", "Name"),
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Tạo lúc (UTC)", "Created (UTC)"),
        lang.pick("Thu hồi lúc (UTC)", "Revoked (UTC)"),
    ];
    page.rows = list
        .into_iter()
        .map(|t| Row {
            actions: t
                .revoked_at
                .is_none()
                .then(|| Action {
                    url: "/staff/tokens/revoke",
                    name: "name",
                    value: t.name.clone(),
                    label: lang.pick("Thu hồi", "Revoke"),
                })
                .into_iter()
                .collect(),
            cells: vec![
                t.name,
                t.unit_code.unwrap_or_else(|| "*".into()),
                t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                t.revoked_at
                    .map(|r| r.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
            ],
        })
        .collect();
    page.form = Some(FormView {
        title: lang.pick("Tạo mã truy cập", "Create a token"),
        help: lang
            .pick(
                "Cho phần mềm một cửa, ki-ốt hoặc máy đọc số liệu (Authorization: Bearer …). Mã chỉ hiện một lần; chỉ lưu bản băm.",
                "For the one-stop software, kiosks or data readers (Authorization: Bearer …). Shown once; only its hash is stored.",
            )
            .to_string(),
        action: "/staff/tokens",
        upload: false,
        fields: vec![
            Field::text("name", lang.pick("Tên (để nhận biết)", "Name (to recognise it)"), outcome.kept("name")),
            Field {
                name: "unit",
                label: lang.pick("Phạm vi", "Scope"),
                kind: "select",
                value: outcome.kept("unit"),
                options,
                required: false,
            },
        ],
        submit: lang.pick("Tạo", "Create"),
    });
    finish(page, outcome, lang)
}

pub async fn tokens_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    tokens_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn tokens_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let (name, unit) = (field(&pairs, "name"), field(&pairs, "unit"));
    let (st, n, u, actor) = (state.clone(), name.clone(), unit, staff.username.clone());
    let created = blocking(lang, move || {
        let unit = Some(u.trim()).filter(|u| !u.is_empty());
        tokens::create_by(&st.store, &mut rand::rng(), &n, unit, &actor, Utc::now())
    })
    .await?;
    let outcome = match created {
        Ok(token) => Outcome {
            notice: Some(format!(
                "{} \"{}\". {}",
                lang.pick("Đã tạo mã", "Created token"),
                name.trim(),
                lang.pick(
                    "Sao chép ngay: mã chỉ hiện một lần.",
                    "Copy it now: it is shown once."
                )
            )),
            secret: Some(token),
            ..Default::default()
        },
        Err(TokenError::Store(e)) => return Err(PageError::internal(lang, &e)),
        Err(e) => Outcome::error(e.to_string(), pairs),
    };
    tokens_page(state, lang, staff, csrf, outcome).await
}

pub async fn tokens_revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageTokens).await?;
    let pairs = form_with_csrf(&req, payload, &csrf, lang).await?;
    let name = field(&pairs, "name");
    let (st, n, actor) = (state.clone(), name.clone(), staff.username.clone());
    let revoked = blocking(lang, move || {
        tokens::revoke(&st.store, &n, &actor, Utc::now())
    })
    .await?
    .map_err(|e| PageError::internal(lang, &e))?;
    let outcome = if !revoked {
        Outcome::error(
            format!(
                "{} \"{name}\"",
                lang.pick(
                    "Không có mã đang dùng tên",
                    "There is no active token named"
                )
            ),
            Vec::new(),
        )
    } else {
        Outcome {
            notice: Some(format!(
                "{} \"{name}\".",
                lang.pick("Đã thu hồi mã", "Revoked token")
            )),
            ..Default::default()
        }
    };
    tokens_page(state, lang, staff, csrf, outcome).await
}

// ---------------------------------------------------------------- units

/// The fields of a CSV import: a file, or text pasted into a box that holds the text of a
/// refused try (to correct it), or else the header row to start from.
fn import_fields(lang: Lang, header: &str, kept: String) -> Vec<Field> {
    vec![
        Field::file(lang),
        Field {
            name: "csv",
            label: lang.pick("… hoặc dán nội dung CSV", "… or paste the CSV"),
            kind: "textarea",
            value: if kept.is_empty() {
                format!("{header}\n")
            } else {
                kept
            },
            options: Vec::new(),
            required: true,
        },
    ]
}

/// A refused import (the service audited it): its text given back to be corrected.
fn refused(error: &dyn std::fmt::Display, text: String, lang: Lang) -> Outcome {
    Outcome::error(
        format!(
            "{} {error}",
            lang.pick(
                "Không nhập được, không dòng nào được lưu:",
                "Not imported, nothing was kept:"
            )
        ),
        vec![("csv".to_string(), text)],
    )
}

/// The CSV of an import: the uploaded file if one was chosen, otherwise the pasted text.
fn import_text(pairs: &[(String, String)]) -> String {
    let file = field(pairs, "file");
    if file.trim().is_empty() {
        field(pairs, "csv")
    } else {
        file
    }
}

const UNITS_HEADER: &str = "code,name,name_en,parent,form,valid_from,valid_to,predecessors";

async fn units_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let st = state.clone();
    let list = blocking(lang, move || units::list(&st.store))
        .await?
        .map_err(|e| PageError::internal(lang, &e))?;
    let mut page = base(lang, &state, &staff, csrf, lang.pick("Đơn vị", "Units"));
    page.columns = vec![
        lang.pick("Mã", "Code"),
        lang.pick("Tên", "Name"),
        lang.pick("Trực thuộc", "Parent"),
        lang.pick("Phiếu", "Form"),
        lang.pick("Hiệu lực", "Valid"),
        lang.pick("Tiếp nhận từ", "Took over"),
    ];
    page.rows = list
        .into_iter()
        .map(|u| Row {
            cells: vec![
                u.code.to_string(),
                u.display_name(lang).to_string(),
                u.parent.map(|p| p.to_string()).unwrap_or_default(),
                u.form_id.clone(),
                format!(
                    "{} – {}",
                    u.valid_from.map(|d| d.to_string()).unwrap_or_default(),
                    u.valid_to.map(|d| d.to_string()).unwrap_or_default()
                ),
                u.predecessors
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ],
            actions: Vec::new(),
        })
        .collect();
    let kept = outcome.kept("csv");
    page.form = Some(FormView {
        title: lang.pick("Nhập danh sách đơn vị (CSV)", "Import units (CSV)"),
        help: format!(
            "{} {UNITS_HEADER}",
            lang.pick(
                "Dán bảng từ Excel (lưu dạng CSV UTF-8). Đơn vị đã có được cập nhật theo mã; một dòng sai thì không dòng nào được lưu. Dòng tiêu đề:",
                "Paste the sheet from Excel (saved as CSV UTF-8). Existing units are updated by code; one bad line and nothing is kept. Header:"
            )
        ),
        action: "/staff/units",
        upload: true,
        fields: import_fields(lang, UNITS_HEADER, kept),
        submit: lang.pick("Nhập", "Import"),
    });
    finish(page, outcome, lang)
}

pub async fn units_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUnits).await?;
    units_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn units_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ManageUnits).await?;
    let pairs = form_with_csrf_up_to(&req, payload, &csrf, lang, IMPORT_LIMIT).await?;
    let text = import_text(&pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let imported = blocking(lang, move || {
        units::import_csv_by(&st.store, &st.forms, &text, &actor, Utc::now())
    })
    .await?;
    let outcome = match imported {
        Ok(summary) => Outcome {
            notice: Some(format!(
                "{} {}, {} {}.",
                lang.pick("Đã thêm", "Added"),
                summary.added,
                lang.pick("cập nhật", "updated"),
                summary.updated
            )),
            ..Default::default()
        },
        Err(ImportError::Store(e)) => return Err(PageError::internal(lang, &e)),
        Err(e) => refused(&e, kept, lang),
    };
    units_page(state, lang, staff, csrf, outcome).await
}

// ---------------------------------------------------------------- dossier counts

const DOSSIERS_HEADER: &str = "unit_code,date,dossiers";

async fn dossiers_page(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff,
    csrf: String,
    outcome: Outcome,
) -> Result<HttpResponse, PageError> {
    let mut page = base(
        lang,
        &state,
        &staff,
        csrf,
        lang.pick("Số hồ sơ tiếp nhận", "Dossier counts"),
    );
    let kept = outcome.kept("csv");
    let scope = match &staff.unit {
        Some(u) => format!(
            "{} {u}.",
            lang.pick("Chỉ nhập được cho đơn vị", "You can import for unit")
        ),
        None => String::new(),
    };
    page.form = Some(FormView {
        title: lang.pick("Nhập số hồ sơ (CSV)", "Import dossier counts (CSV)"),
        help: format!(
            "{} {DOSSIERS_HEADER} {scope}",
            lang.pick(
                "Số hồ sơ tiếp nhận mỗi ngày của mỗi đơn vị là mẫu số của tỷ lệ tham gia. Nhập lại một đơn vị và ngày thì thay số cũ; một dòng sai thì không dòng nào được lưu. Dòng tiêu đề:",
                "Dossiers received per unit and day are the denominator of participation. Re-importing a unit and day replaces its count; one bad line and nothing is kept. Header:"
            )
        ),
        action: "/staff/dossiers",
        upload: true,
        fields: import_fields(lang, DOSSIERS_HEADER, kept),
        submit: lang.pick("Nhập", "Import"),
    });
    finish(page, outcome, lang)
}

pub async fn dossiers_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ImportDossiers).await?;
    dossiers_page(state, lang, staff, csrf, Outcome::default()).await
}

pub async fn dossiers_import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let lang = lang_of(&req);
    let (staff, csrf) = require(&req, lang, Can::ImportDossiers).await?;
    let pairs = form_with_csrf_up_to(&req, payload, &csrf, lang, IMPORT_LIMIT).await?;
    let text = import_text(&pairs);
    let kept = text.clone();
    let (st, actor) = (state.clone(), staff.username.clone());
    let scope = access::unit_for(
        &access::Caller::Staff(staff.clone()),
        Can::ImportDossiers,
        None,
    )
    .map_err(|_| PageError::not_allowed(lang))?;
    let imported = blocking(lang, move || {
        dossiers::import_csv_by(&st.store, &text, scope.as_deref(), &actor, Utc::now())
    })
    .await?;
    let outcome = match imported {
        Ok(n) => Outcome {
            notice: Some(format!(
                "{} {n} {}.",
                lang.pick("Đã lưu", "Stored"),
                lang.pick("dòng", "counts")
            )),
            ..Default::default()
        },
        Err(DossierError::Store(e)) => return Err(PageError::internal(lang, &e)),
        Err(e) => refused(&e, kept, lang),
    };
    dossiers_page(state, lang, staff, csrf, outcome).await
}
