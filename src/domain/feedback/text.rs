//! What a citizen writes: the checks of a text and a contact, and what of it may be published (masked).

use super::*;

/// A survey comment this long (characters) is offered to be sent as feedback.
pub const LONG_COMMENT: usize = 160;

/// Whether a survey's thank-you page offers to turn its comment into feedback: a comment
/// that is long, or that comes with an overall score of 1–2.
pub fn offers_feedback(comment: Option<&str>, overall: Option<&str>) -> bool {
    let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) else {
        return false;
    };
    matches!(overall.map(str::trim), Some("1" | "2")) || comment.chars().count() >= LONG_COMMENT
}

/// Why a citizen's feedback cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackProblem {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the contact is neither a phone number nor an e-mail address")]
    Contact,
    #[error("the subject is not one this unit offers")]
    Subject,
}

/// Direction overrides and isolates: they turn a published text around on the page.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Characters that show nothing: blanks, zero-width and other format characters, the
/// blank braille pattern, the Hangul fillers.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
        || is_bidi_control(c)
}

/// The most combining marks kept on one letter (Vietnamese needs two).
const MARKS_PER_LETTER: usize = 3;

/// A citizen's text, trimmed and checked: not empty (nothing visible), not too long; direction
/// controls removed and stacks of combining marks cut to three a letter.
pub fn check_text(text: &str, max: usize) -> Result<String, FeedbackProblem> {
    use unicode_normalization::char::is_combining_mark;
    let mut cleaned = String::with_capacity(text.len());
    let mut marks = 0;
    for c in text.chars().filter(|c| !is_bidi_control(*c)) {
        if is_combining_mark(c) {
            marks += 1;
            if marks > MARKS_PER_LETTER {
                continue;
            }
        } else {
            marks = 0;
        }
        cleaned.push(c);
    }
    let text = cleaned.trim();
    if text
        .chars()
        .all(|c| is_invisible(c) || is_combining_mark(c))
    {
        return Err(FeedbackProblem::Empty);
    }
    if text.chars().count() > max {
        return Err(FeedbackProblem::TooLong { max });
    }
    Ok(text.to_string())
}

/// An optional contact: a phone number (8–15 digits, spaces, dots, dashes, a leading +) or
/// an e-mail address. Empty is none.
pub fn check_contact(contact: &str) -> Result<Option<String>, FeedbackProblem> {
    let c = contact.trim();
    if c.is_empty() {
        return Ok(None);
    }
    if c.chars().count() > CONTACT_MAX {
        return Err(FeedbackProblem::Contact);
    }
    let phone = {
        let digits = c.chars().filter(char::is_ascii_digit).count();
        let rest = c.trim_start_matches('+');
        (8..=15).contains(&digits)
            && rest
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '-' | '(' | ')'))
    };
    let email = match c.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !c.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if phone || email {
        Ok(Some(c.to_string()))
    } else {
        Err(FeedbackProblem::Contact)
    }
}

/// A citizen's text as it may be published: the contact they gave (wherever it appears) and
/// every e-mail address, phone and ID number masked (METHODOLOGY §6).
pub fn public_text(text: &str, contact: Option<&str>) -> String {
    let mut text = text.to_string();
    if let Some(contact) = contact.map(str::trim).filter(|c| c.chars().count() >= 3) {
        text = text.replace(contact, privacy::MASK);
    }
    privacy::mask(&text)
}
