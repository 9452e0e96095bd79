//! The citizen pages as views: what a template needs, computed from a form, the answers
//! kept from a failed submission, and the problems found. Templates hold no logic.

use crate::texts::tr;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::domain::form::{AnswerProblems, Choice, ExpectationKind, Form, NO_OPINION};
use crate::domain::lang::Lang;

pub use crate::texts::SLOGAN;

pub struct PageMeta {
    pub lang: &'static str,
    pub demo: bool,
    pub demo_text: &'static str,
    pub switch_url: &'static str,
    pub switch_lang: &'static str,
    pub switch_label: &'static str,
    /// The page's own address under `--public-url` (public pages that search engines list).
    pub canonical: Option<String>,
    pub description: Option<&'static str>,
    /// Announce the Atom feed of publications.
    pub feed: bool,
    /// The footer's link to the privacy notice (SPEC §13), in the page's language.
    pub privacy_url: &'static str,
    pub privacy_text: &'static str,
    /// The public pages' one navigation (SPEC §14): address, name, whether it is this page.
    pub nav: Vec<(String, &'static str, bool)>,
    pub nav_label: &'static str,
    /// The footer's issuing agency and contact, each already in a sentence (empty: unset).
    pub agency: Vec<String>,
}

/// Where a public page sits in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Home,
    Reports,
    Units,
    Method,
    /// A public page under none of them (a unit's replies, an error).
    Other,
}

/// The navigation's entries in `lang`, the current one marked.
pub fn nav(lang: Lang, here: Place) -> Vec<(String, &'static str, bool)> {
    let s = crate::web::lang_suffix(lang);
    [
        ("/", "nav.home", Place::Home),
        ("/reports", "nav.reports", Place::Reports),
        ("/units", "nav.units", Place::Units),
        ("/methodology", "nav.method", Place::Method),
    ]
    .into_iter()
    .map(|(path, key, place)| (format!("{path}{s}"), tr(lang, key), place == here))
    .collect()
}

impl PageMeta {
    pub fn new(lang: Lang, demo: bool) -> PageMeta {
        PageMeta {
            lang: lang.code(),
            demo,
            demo_text: tr(lang, "common.demo"),
            // Relative: the same page in the other language.
            switch_url: tr(lang, "pages.lang_vi"),
            switch_lang: tr(lang, "pages.vi"),
            switch_label: tr(lang, "pages.ti_ng_vi_t"),
            canonical: None,
            description: None,
            feed: false,
            privacy_url: if lang == Lang::En {
                "/privacy?lang=en"
            } else {
                "/privacy"
            },
            privacy_text: tr(lang, "privacy.link"),
            nav: Vec::new(),
            nav_label: tr(lang, "nav.label"),
            agency: Vec::new(),
        }
    }

    /// A public page: the navigation, and the issuing agency in the footer.
    pub fn public(
        lang: Lang,
        demo: bool,
        here: Place,
        publishing: &crate::service::calendar::Publishing,
    ) -> PageMeta {
        let mut page = PageMeta::new(lang, demo);
        page.nav = nav(lang, here);
        page.agency = agency(lang, publishing);
        page
    }
}

/// "Cơ quan công bố: …", "Liên hệ: …" (what is set).
pub fn agency(lang: Lang, p: &crate::service::calendar::Publishing) -> Vec<String> {
    [
        ("nav.issued_by", "{name}", &p.publisher),
        ("nav.contact", "{contact}", &p.contact),
    ]
    .into_iter()
    .filter(|(_, _, v)| !v.trim().is_empty())
    .map(|(key, hole, v)| tr(lang, key).replace(hole, v))
    .collect()
}

pub struct OptionView {
    pub value: u8,
    pub shown: String,
    pub hidden: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub id: String,
    pub name: String,
    pub number: String,
    pub text: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
}

pub struct GroupView {
    pub title: String,
    pub questions: Vec<QuestionView>,
}

pub struct ChoiceOption {
    pub name: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct ChoiceView {
    pub id: String,
    pub text: String,
    pub input: &'static str,
    pub options: Vec<ChoiceOption>,
    pub error: Option<String>,
}

pub struct CommentView {
    pub name: String,
    pub text: String,
    pub max: u32,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub page: PageMeta,
    pub title: String,
    pub unit_name: String,
    pub intro: String,
    pub legend: String,
    pub action: String,
    pub submission_id: String,
    pub form_ref: String,
    pub groups: Vec<GroupView>,
    pub overall: Option<QuestionView>,
    pub choices: Vec<ChoiceView>,
    pub comment: Option<CommentView>,
    pub errors: Vec<(String, String)>,
    pub t_fix: &'static str,
    pub t_overall: &'static str,
    pub t_submit: &'static str,
    pub t_privacy: &'static str,
    pub t_saved: &'static str,
    pub t_sent: &'static str,
    pub feedback_url: String,
    pub t_feedback: &'static str,
    /// An invitation's page: where "Không nhận tin nữa" posts.
    pub opt_out: Option<String>,
    pub t_stop_note: &'static str,
    pub t_stop: &'static str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub page: PageMeta,
    pub unit_name: &'a str,
    pub heading: &'a str,
    pub paragraphs: &'a [String],
    pub links: &'a [(String, String)],
}

/// The answers a citizen gave, by key, to show them again.
pub type Kept = HashMap<String, Vec<String>>;

pub fn kept(pairs: &[(String, String)]) -> Kept {
    let mut map: Kept = HashMap::new();
    for (k, v) in pairs {
        map.entry(k.clone()).or_default().push(v.clone());
    }
    map
}

fn html_id(code: &str) -> String {
    format!("q-{}", code.replace('.', "-"))
}

/// The options of a question answered by codes (expectations to choose, profile questions).
fn code_options(name: &str, options: &[Choice], lang: Lang, kept: &Kept) -> Vec<ChoiceOption> {
    options
        .iter()
        .map(|o| ChoiceOption {
            name: name.to_string(),
            value: o.code.clone(),
            label: o
                .text
                .as_ref()
                .map(|t| t.get(lang).to_string())
                .unwrap_or_else(|| o.code.clone()),
            checked: kept
                .get(name)
                .is_some_and(|v| v.iter().any(|x| x == &o.code)),
        })
        .collect()
}

pub struct FormInput<'a> {
    pub form: &'a Form,
    pub lang: Lang,
    pub demo: bool,
    pub unit_name: &'a str,
    /// For the link to the unit's feedback page.
    pub unit_code: &'a str,
    pub action: String,
    pub submission_id: String,
    pub kept: &'a Kept,
    pub problems: Option<&'a AnswerProblems>,
}

pub fn form_page(input: FormInput<'_>) -> FormPage {
    let FormInput {
        form,
        lang,
        demo,
        unit_name,
        unit_code,
        action,
        submission_id,
        kept,
        problems,
    } = input;
    let mut f = Filling {
        form,
        lang,
        kept,
        problems,
        errors: Vec::new(),
    };
    let groups = f.groups();
    let overall = form.overall.as_ref().map(|o| {
        f.scale_question(
            &o.code,
            format!("{}", form.components.len() + 1),
            o.text.get(lang),
        )
    });
    let choices = f.choices();
    let comment = f.comment();
    let legend = form
        .scale
        .iter()
        .filter(|l| l.value != NO_OPINION)
        .map(|l| format!("{} = {}", l.value, l.text.get(lang)))
        .collect::<Vec<_>>()
        .join(" · ");
    FormPage {
        page: PageMeta::new(lang, demo),
        title: form.title.get(lang).to_string(),
        unit_name: unit_name.to_string(),
        intro: form
            .intro
            .as_ref()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_default(),
        legend,
        action,
        submission_id,
        form_ref: format!("{}@{}", form.id, form.version),
        groups,
        overall,
        choices,
        comment,
        errors: f.errors,
        t_fix: tr(lang, "pages.some_questions_are_not_answered"),
        t_overall: tr(lang, "pages.overall"),
        t_submit: tr(lang, "pages.send"),
        t_saved: tr(lang, "pages.you_are_offline_your_answers_are"),
        t_sent: tr(lang, "pages.back_online_your_answers_have"),
        feedback_url: format!(
            "/feedback/{unit_code}{}",
            if lang == Lang::En { "?lang=en" } else { "" }
        ),
        t_feedback: tr(lang, "feedback.send_yours"),
        t_privacy: tr(lang, "pages.the_survey_is_anonymous_no_ip"),
        opt_out: None,
        t_stop_note: tr(lang, "invite.you_got_this_because_you_agreed"),
        t_stop: tr(lang, "invite.no_more_messages"),
    }
}

/// A form being filled in: what the citizen sent before (`kept`), what was wrong with it,
/// and the list of errors the page opens with (anchor, question).
struct Filling<'a> {
    form: &'a Form,
    lang: Lang,
    kept: &'a Kept,
    problems: Option<&'a AnswerProblems>,
    errors: Vec<(String, String)>,
}

impl Filling<'_> {
    fn first(&self, code: &str) -> Option<&str> {
        self.kept
            .get(code)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn has(&self, code: &str, value: &str) -> bool {
        self.kept
            .get(code)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    fn problem_for(&self, code: &str) -> Option<String> {
        let p = self.problems?;
        if p.missing.iter().any(|m| m == code) {
            return Some(tr(self.lang, "pages.please_choose_an_answer").to_string());
        }
        p.invalid
            .iter()
            .find(|(c, _)| c == code)
            .map(|_| tr(self.lang, "pages.this_answer_is_not_valid_please").to_string())
    }

    fn scale_label(&self, v: u8) -> String {
        self.form
            .scale
            .iter()
            .find(|l| l.value == v)
            .map(|l| l.text.get(self.lang).to_string())
            .unwrap_or_default()
    }

    fn scale_question(&mut self, code: &str, number: String, text: &str) -> QuestionView {
        let error = self.problem_for(code);
        if error.is_some() {
            self.errors
                .push((html_id(code), format!("{number}. {text}")));
        }
        let chosen = self.first(code);
        let options = [1u8, 2, 3, 4, 5, NO_OPINION]
            .into_iter()
            .map(|v| OptionView {
                value: v,
                shown: if v == NO_OPINION {
                    self.scale_label(v)
                } else {
                    v.to_string()
                },
                hidden: if v == NO_OPINION {
                    String::new()
                } else {
                    self.scale_label(v)
                },
                checked: chosen == Some(v.to_string().as_str()),
            })
            .collect();
        QuestionView {
            id: html_id(code),
            name: code.to_string(),
            number,
            text: text.to_string(),
            options,
            error,
        }
    }

    /// The components, each with its criteria numbered 1.1, 1.2 …
    fn groups(&mut self) -> Vec<GroupView> {
        let (form, lang) = (self.form, self.lang);
        form.components
            .iter()
            .enumerate()
            .map(|(i, c)| GroupView {
                title: format!("{}. {}", i + 1, c.title.get(lang)),
                questions: c
                    .criteria
                    .iter()
                    .enumerate()
                    .map(|(j, cr)| {
                        self.scale_question(
                            &cr.code,
                            format!("{}.{}", i + 1, j + 1),
                            cr.text.get(lang),
                        )
                    })
                    .collect(),
            })
            .collect()
    }

    /// The expectations (chosen, or each rated) and the profile questions.
    fn choices(&self) -> Vec<ChoiceView> {
        let (form, lang, kept) = (self.form, self.lang, self.kept);
        let mut choices = Vec::new();
        if let Some(e) = &form.expectations {
            match e.kind {
                ExpectationKind::Choose => choices.push(ChoiceView {
                    id: html_id(&e.code),
                    text: e.text.get(lang).to_string(),
                    input: "checkbox",
                    options: code_options(&e.code, &e.options, lang, kept),
                    error: self.problem_for(&e.code),
                }),
                ExpectationKind::Rate => {
                    for o in &e.options {
                        let key = format!("{}.{}", e.code, o.code);
                        choices.push(ChoiceView {
                            id: html_id(&key),
                            text: format!(
                                "{} {}",
                                e.text.get(lang),
                                o.text.as_ref().map(|t| t.get(lang)).unwrap_or(&o.code)
                            ),
                            input: "radio",
                            options: e
                                .levels
                                .iter()
                                .map(|l| ChoiceOption {
                                    name: key.clone(),
                                    value: l.value.to_string(),
                                    label: l.text.get(lang).to_string(),
                                    checked: self.has(&key, &l.value.to_string()),
                                })
                                .collect(),
                            error: self.problem_for(&key),
                        });
                    }
                }
            }
        }
        for q in &form.profile {
            choices.push(ChoiceView {
                id: html_id(&q.code),
                text: q.text.get(lang).to_string(),
                input: "radio",
                options: code_options(&q.code, &q.options, lang, kept),
                error: self.problem_for(&q.code),
            });
        }
        choices
    }

    fn comment(&mut self) -> Option<CommentView> {
        let lang = self.lang;
        let c = self.form.comment.as_ref()?;
        let view = CommentView {
            name: c.code.clone(),
            text: c.text.get(lang).to_string(),
            max: c.max_chars,
            value: self.first(&c.code).unwrap_or_default().to_string(),
            error: self
                .problems
                .and_then(|p| p.invalid.iter().find(|(code, _)| code == &c.code))
                .map(|_| {
                    format!(
                        "{} {} {}",
                        tr(lang, "pages.comments_may_have_at_most"),
                        c.max_chars,
                        tr(lang, "pages.characters")
                    )
                }),
        };
        if view.error.is_some() {
            self.errors.push(("gop-y".into(), view.text.clone()));
        }
        Some(view)
    }
}

pub use crate::render::escape;

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

pub fn message(
    status: StatusCode,
    lang: Lang,
    demo: bool,
    unit_name: &str,
    heading: &str,
    paragraphs: &[String],
    links: &[(String, String)],
) -> HttpResponse {
    let mut meta = PageMeta::new(lang, demo);
    // Error pages too (SPEC §14): a reader who followed a stale link finds the way on.
    meta.nav = nav(lang, Place::Other);
    let page = MessagePage {
        page: meta,
        unit_name,
        heading,
        paragraphs,
        links,
    };
    match page.render() {
        Ok(body) => html(status, body),
        Err(_) => HttpResponse::build(status).body(heading.to_string()),
    }
}
