//! "Đã nghe – đã làm" as people read it: an action's target in words, its status, and its
//! criterion's change since, with the test's verdict (issue 37).

use crate::domain::lang::Lang;
use crate::render::numbers::percent;
use crate::service::actions::PublicAction;
use crate::service::forms::FormRegistry;
use crate::texts::tr;

/// An action as a page shows it.
pub struct ActionView {
    pub unit: String,
    pub target: String,
    pub what: String,
    pub who: String,
    pub due: String,
    pub status: &'static str,
    pub note: String,
    pub change: Option<String>,
}

/// A criterion's words: the text of the first form that has it, else its code.
pub fn criterion_name(forms: &FormRegistry, code: &str, lang: Lang) -> String {
    forms
        .all()
        .flat_map(|l| l.form.components.iter())
        .flat_map(|c| c.criteria.iter())
        .find(|c| c.code == code)
        .map(|c| c.text.get(lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

pub fn status_text(lang: Lang, status: &str) -> &'static str {
    match status {
        "done" => tr(lang, "actions.status_done"),
        "doing" => tr(lang, "actions.status_doing"),
        _ => tr(lang, "actions.status_planned"),
    }
}

pub fn view(forms: &FormRegistry, lang: Lang, a: &PublicAction, unit_name: String) -> ActionView {
    let r = &a.row;
    let target = if r.target_kind == "criterion" {
        criterion_name(forms, &r.target_code, lang)
    } else {
        crate::render::report::topic_name(lang, &r.target_code).to_string()
    };
    let change = a.change.as_ref().map(|c| {
        let key = if c.significant {
            "actions.change_significant"
        } else {
            "actions.change_not"
        };
        tr(lang, key)
            .replace("{since}", &c.since)
            .replace("{now}", &c.now)
            .replace("{before}", &percent(Some(c.before_pct), lang))
            .replace("{after}", &percent(Some(c.after_pct), lang))
            .replace(
                "{points}",
                &format!("{:+.2}", c.points).replace('.', if lang == Lang::Vi { "," } else { "." }),
            )
    });
    ActionView {
        unit: unit_name,
        target,
        what: r.what.clone(),
        who: r.who.clone(),
        due: r.due_on.format("%d/%m/%Y").to_string(),
        status: status_text(lang, &r.status),
        note: r.public_note.clone(),
        change,
    }
}

/// The latest actions done, with where each unit's are listed.
pub fn done_view(
    state: &crate::web::AppState,
    lang: Lang,
    units: &[crate::domain::unit::Unit],
    done: &[crate::service::actions::PublicAction],
) -> Vec<(crate::web::actions_view::ActionView, String)> {
    let s = crate::web::lang_suffix(lang);
    done.iter()
        .map(|a| {
            let code = &a.row.unit_code;
            let name = units.iter().find(|u| u.code.as_str() == code);
            let name = name.map_or(code.clone(), |u| u.display_name(lang).to_string());
            let view = crate::web::actions_view::view(&state.forms, lang, a, name);
            (view, format!("/units/{code}/feedback{s}"))
        })
        .collect()
}
