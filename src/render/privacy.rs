//! The record of processing in words (SPEC §13): one row per category of data, the same rows
//! for the notice (`/privacy`), the staff page and `hailong privacy register` (Markdown).

use crate::domain::lang::Lang;
use crate::domain::personal::{Category, Register};
use crate::texts::tr;

/// One category in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub category: &'static str,
    pub purpose: &'static str,
    pub basis: &'static str,
    pub retention: String,
    pub recipients: String,
    pub safeguards: String,
    /// Held under the running settings.
    pub held: bool,
}

fn names(code: &str) -> (&'static str, &'static str) {
    match code {
        "feedback_contact" => (
            "privacy.cat_feedback_contact",
            "privacy.pur_feedback_contact",
        ),
        "feedback_text" => ("privacy.cat_feedback_text", "privacy.pur_feedback_text"),
        "invitation_number" => (
            "privacy.cat_invitation_number",
            "privacy.pur_invitation_number",
        ),
        "dossier_reference" => (
            "privacy.cat_dossier_reference",
            "privacy.pur_dossier_reference",
        ),
        "staff_account" => ("privacy.cat_staff_account", "privacy.pur_staff_account"),
        "privacy_request" => ("privacy.cat_privacy_request", "privacy.pur_privacy_request"),
        "audit_log" => ("privacy.cat_audit_log", "privacy.pur_audit_log"),
        _ => ("privacy.cat_survey_answer", "privacy.pur_survey_answer"),
    }
}

fn basis(code: &str) -> &'static str {
    match code {
        "consent" => "privacy.basis_consent",
        "public_task" => "privacy.basis_public_task",
        "legal_obligation" => "privacy.basis_legal_obligation",
        _ => "privacy.basis_not_personal",
    }
}

fn safeguard(code: &str) -> &'static str {
    match code {
        "masked" => "privacy.sg_masked",
        "hashed" => "privacy.sg_hashed",
        "sealed" => "privacy.sg_sealed",
        "secure_delete" => "privacy.sg_secure_delete",
        "argon2id" => "privacy.sg_argon2id",
        "access_by_role" => "privacy.sg_access_by_role",
        _ => "privacy.sg_no_identifier",
    }
}

/// `days:365` and the like, in words; a contact's days run from the item's close.
fn retention(c: &Category, lang: Lang) -> String {
    let (kind, n) = c
        .retention
        .split_once(':')
        .unwrap_or((c.retention.as_str(), ""));
    let key = match (kind, c.code.as_str()) {
        ("days", "feedback_contact") => "privacy.ret_contact_days",
        ("days", _) => "privacy.ret_days",
        ("years", _) => "privacy.ret_years",
        ("request_days", _) => "privacy.ret_request_days",
        ("comments_days", _) => "privacy.ret_comments_days",
        ("until_sent", _) => "privacy.ret_until_sent",
        ("while_active", _) => "privacy.ret_while_active",
        ("hashed", _) => "privacy.ret_hashed",
        ("kept", _) => "privacy.ret_kept",
        _ => "privacy.ret_until_deleted",
    };
    tr(lang, key).replace("{n}", n)
}

pub fn rows(r: &Register, lang: Lang) -> Vec<Row> {
    r.categories
        .iter()
        .map(|c| {
            let (category, purpose) = names(&c.code);
            let recipients: Vec<&str> = c
                .recipients
                .iter()
                .map(|x| {
                    if x == "public" {
                        tr(lang, "privacy.rec_public")
                    } else {
                        x.as_str()
                    }
                })
                .collect();
            Row {
                category: tr(lang, category),
                purpose: tr(lang, purpose),
                basis: tr(lang, basis(&c.basis)),
                retention: retention(c, lang),
                recipients: if recipients.is_empty() {
                    "–".into()
                } else {
                    recipients.join(", ")
                },
                safeguards: c
                    .safeguards
                    .iter()
                    .map(|s| tr(lang, safeguard(s)))
                    .collect::<Vec<_>>()
                    .join("; "),
                held: c.held,
            }
        })
        .collect()
}

/// The words of a category's six parts: data, purpose, basis, retention, recipients, safeguards.
pub fn heads(lang: Lang) -> [&'static str; 6] {
    [
        "privacy.h_category",
        "privacy.h_purpose",
        "privacy.h_basis",
        "privacy.h_retention",
        "privacy.h_recipients",
        "privacy.h_safeguards",
    ]
    .map(|k| tr(lang, k))
}

/// The controller's name and contact, or the flags to set.
pub fn controller(r: &Register, lang: Lang) -> (String, String) {
    let or_unset = |s: &str| {
        if s.trim().is_empty() {
            tr(lang, "privacy.unset").to_string()
        } else {
            s.to_string()
        }
    };
    (
        or_unset(&r.controller_name),
        or_unset(&r.controller_contact),
    )
}

/// The register as Markdown (`hailong privacy register`).
pub fn markdown(r: &Register, lang: Lang) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let (name, contact) = controller(r, lang);
    let mut out = format!(
        "# {}\n\n- {}: {}\n- {}: {}\n- {}: {}\n\n",
        tr(lang, "privacy.register"),
        tr(lang, "privacy.controller"),
        cell(&name),
        tr(lang, "privacy.contact"),
        cell(&contact),
        tr(lang, "privacy.version"),
        r.version
    );
    let heads = heads(lang);
    out.push_str(&format!(
        "| {} |\n|{}\n",
        heads.join(" | "),
        "---|".repeat(6)
    ));
    for row in rows(r, lang) {
        let held = if row.held {
            ""
        } else {
            tr(lang, "privacy.not_held")
        };
        out.push_str(&format!(
            "| {} {held} | {} | {} | {} | {} | {} |\n",
            cell(row.category),
            cell(row.purpose),
            cell(row.basis),
            cell(&row.retention),
            cell(&row.recipients),
            cell(&row.safeguards)
        ));
    }
    out
}
