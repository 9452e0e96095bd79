//! Staff pages, one file per page: sign-in and password (`session`), the dashboard, the audit
//! log, code slips, the feedback queue, the rating tablets and counters (`kiosks`), paper
//! sheets (`paper`: print, enter, check), officers' figures (`officers`), and the management
//! pages (`users`, `tokens`, `units`, `dossiers`, on the kit in `manage`); `forms` holds the
//! guards and CSRF-checked form readers they share.

mod actions;
mod audit;
mod breaches;
mod calendar;
mod dashboard;
mod dossiers;
mod feedback;
mod forms;
mod kiosks;
pub(crate) mod manage;
mod officers;
mod paper;
mod requests;
mod session;
mod slips;
mod tokens;
mod topics;
mod units;
mod users;

pub use actions::*;
pub use audit::*;
pub use breaches::*;
pub use calendar::*;
pub use dashboard::*;
pub use dossiers::*;
pub use feedback::*;
pub use forms::*;
pub use kiosks::*;
pub use officers::*;
pub use paper::*;
pub use requests::*;
pub use session::*;
pub use slips::*;
pub use tokens::*;
pub use topics::*;
pub use units::*;
pub use users::*;

/// Signing in and the staff's pages.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/staff", web::get().to(home))
        .route("/staff/tickets", web::get().to(tickets_form))
        .route("/staff/tickets", web::post().to(tickets_issue))
        .route("/staff/audit", web::get().to(audit_page))
        .route("/staff/actions", web::get().to(actions_page))
        .route("/staff/actions", web::post().to(actions_record))
        .route("/staff/actions/{id}", web::post().to(actions_step))
        .route("/staff/calendar", web::get().to(calendar_page))
        .route("/staff/calendar", web::post().to(calendar_set))
        .route("/staff/topics", web::get().to(topics_page))
        .route("/staff/topics", web::post().to(topics_save))
        .route("/staff/topics/preview", web::post().to(topics_preview))
        .route("/staff/feedback", web::get().to(feedback_queue))
        .route("/staff/feedback/subjects", web::get().to(subjects_form))
        .route("/staff/feedback/subjects", web::post().to(subjects_save))
        .route(
            "/staff/feedback/decline",
            web::post().to(feedback_decline_many),
        )
        .route(
            "/staff/feedback/release",
            web::post().to(feedback_release_many),
        )
        .route("/staff/feedback/{id}", web::get().to(feedback_item))
        .route("/staff/feedback/{id}", web::post().to(feedback_step))
        .route("/staff/holidays", web::get().to(holidays_form))
        .route("/staff/holidays", web::post().to(holidays_import))
        .route("/staff/users", web::get().to(users_list))
        .route("/staff/users", web::post().to(users_add))
        .route("/staff/users/disable", web::post().to(users_disable))
        .route("/staff/users/enable", web::post().to(users_enable))
        .route("/staff/users/reset", web::post().to(users_reset))
        .route("/staff/kiosks", web::get().to(kiosks_list))
        .route("/staff/kiosks", web::post().to(kiosks_add))
        .route("/staff/kiosks/revoke", web::post().to(kiosks_revoke))
        .route("/staff/paper", web::get().to(paper_home))
        .route("/staff/paper", web::post().to(paper_print))
        .route("/staff/paper/enter", web::get().to(paper_entry))
        .route("/staff/paper/enter", web::post().to(paper_enter))
        .route("/staff/paper/check", web::get().to(paper_check))
        .route("/staff/paper/check", web::post().to(paper_settle))
        .route("/staff/counter", web::get().to(counter_show))
        .route("/staff/counter", web::post().to(counter_open))
        .route("/staff/counter/close", web::post().to(counter_close))
        .route("/staff/me", web::get().to(my_figures))
        .route("/staff/officers", web::get().to(officers_figures))
        .route("/staff/tokens", web::get().to(tokens_list))
        .route("/staff/tokens", web::post().to(tokens_create))
        .route("/staff/tokens/revoke", web::post().to(tokens_revoke))
        .route("/staff/units", web::get().to(units_list))
        .route("/staff/units", web::post().to(units_import))
        .route("/staff/dossiers", web::get().to(dossiers_form))
        .route("/staff/dossiers", web::post().to(dossiers_import))
        .route("/staff/dossiers/returned", web::get().to(returned_form))
        .route("/staff/dossiers/returned", web::post().to(returned_import))
        .route("/staff/audit.csv", web::get().to(audit_csv))
        .route("/staff/password", web::get().to(password_form))
        .route("/staff/password", web::post().to(change_password));
}
