//! The report's "Người dân nói về" (issue 36): each topic's share of the period's comments
//! that complain about it, with its Wilson interval and quotes whose matched words are marked.

use crate::domain::lang::Lang;
use crate::domain::quote::Quote;
use crate::domain::report::{TopicLine, TopicsSection};
use crate::render::numbers::{count, percent};
use crate::texts::tr;

/// A topic's row: name, comments, share, interval, quotes.
pub struct TopicRow {
    pub name: &'static str,
    pub n: String,
    pub share: String,
    pub ci: String,
    pub quotes: Vec<Quote>,
}

/// The section as printed: the note above the table, the rows, the praise line and its quotes.
pub struct TopicsView {
    pub note: String,
    pub rows: Vec<TopicRow>,
    pub praise: String,
    pub praise_quotes: Vec<Quote>,
}

/// The rows the report prints (the rest are few and named in the note).
const ROWS: usize = 6;

/// A topic's name in `lang`: the tablet's reason for the Art. 33 codes, else its own.
pub fn topic_name(lang: Lang, topic: &str) -> &'static str {
    match topic {
        "facilities" => tr(lang, "report_page.topic_facilities"),
        "praise" => tr(lang, "report_page.topic_praise"),
        code => tr(lang, super::reason_key(code)),
    }
}

fn row(lang: Lang, line: &TopicLine, comments: u64) -> TopicRow {
    let ci = crate::domain::stats::wilson(line.n, comments)
        .map(|i| {
            format!(
                "{} – {}",
                percent(Some(i.low), lang),
                percent(Some(i.high), lang)
            )
        })
        .unwrap_or_else(|| "–".into());
    TopicRow {
        name: topic_name(lang, line.topic),
        n: count(line.n, lang),
        share: percent(crate::domain::num::percent(line.n, comments), lang),
        ci,
        quotes: line.quotes.clone(),
    }
}

/// The section, or none when the period has no comment.
pub fn view(section: &TopicsSection, lang: Lang) -> Option<TopicsView> {
    if section.comments == 0 {
        return None;
    }
    let comments = section.comments;
    let rows: Vec<TopicRow> = section
        .complaints
        .iter()
        .take(ROWS)
        .map(|l| row(lang, l, comments))
        .collect();
    let rest: Vec<String> = section
        .complaints
        .iter()
        .skip(ROWS)
        .map(|l| format!("{} {}", topic_name(lang, l.topic), count(l.n, lang)))
        .collect();
    let mut note = tr(lang, "report_page.topics_note").replace("{n}", &count(comments, lang));
    if rows.is_empty() {
        note.push(' ');
        note.push_str(tr(lang, "report_page.topics_none"));
    }
    if !rest.is_empty() {
        note.push(' ');
        note.push_str(&tr(lang, "report_page.topics_rest").replace("{rest}", &rest.join(", ")));
    }
    let praise = tr(lang, "report_page.topics_praise")
        .replace("{n}", &count(section.praise.n, lang))
        .replace(
            "{share}",
            &percent(
                crate::domain::num::percent(section.praise.n, comments),
                lang,
            ),
        );
    Some(TopicsView {
        note,
        rows,
        praise,
        praise_quotes: section.praise.quotes.clone(),
    })
}
