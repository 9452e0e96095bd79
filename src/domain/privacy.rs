//! Masking of personal data in free-text comments before they leave the service
//! (METHODOLOGY §6): e-mail addresses, phone numbers, and 9- or 12-digit ID numbers
//! (CMND/CCCD). Any run of nine or more digits, whether written with spaces, dots, dashes,
//! slashes, underscores or commas between groups, or after a +84, is masked: a false positive
//! (a large amount of money) costs little, a missed phone number costs a citizen's privacy.
//!
//! The text is first normalised (Unicode NFKC): full-width digits (`０９１２`) become ASCII,
//! `＠` becomes `@`, non-breaking and thin spaces become spaces. Addresses written to dodge a
//! filter (`a @ gmail.com`, `a (at) gmail (dot) com`) and local parts in Vietnamese
//! (`nguyễn.văn.a@…`) are masked whole.

use unicode_normalization::UnicodeNormalization;

pub const MASK: &str = "[…]";

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// Whether `word` (lower case, in brackets) stands at `i`: `(at)`, `[at]`, `{at}`.
fn bracketed(chars: &[char], i: usize, word: &str) -> Option<usize> {
    let open = *chars.get(i)?;
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        _ => return None,
    };
    let n = word.chars().count();
    let inner = chars.get(i + 1..i + 1 + n)?;
    let same = inner
        .iter()
        .zip(word.chars())
        .all(|(a, b)| a.to_lowercase().eq(std::iter::once(b)));
    (same && chars.get(i + 1 + n) == Some(&close)).then_some(n + 2)
}

/// The length of an at-sign written at `i` (`@`, `(at)`), or None.
fn at_sign(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) == Some(&'@') {
        return Some(1);
    }
    bracketed(chars, i, "at")
}

fn spaces_from(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| *c == ' ') {
        i += 1;
    }
    i
}

/// Where an e-mail domain that starts at `i` ends, and whether it has a dot.
fn domain_end(chars: &[char], start: usize) -> (usize, bool) {
    let (mut i, mut end, mut dot) = (start, start, false);
    loop {
        if chars.get(i).is_some_and(|c| is_email_domain(*c)) {
            if chars[i] == '.' {
                dot = dot || i > start;
            } else {
                end = i + 1;
            }
            i += 1;
            continue;
        }
        // "gmail (dot) com"
        let after_spaces = spaces_from(chars, i);
        if let Some(n) = bracketed(chars, after_spaces, "dot") {
            let next = spaces_from(chars, after_spaces + n);
            if chars.get(next).is_some_and(|c| c.is_alphanumeric()) && end > start {
                dot = true;
                i = next;
                continue;
            }
        }
        return (end, dot && end > start);
    }
}

fn mask_emails(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        // An at-sign, perhaps with spaces around it.
        let at_start = spaces_from(chars, i);
        if let Some(n) = at_sign(chars, at_start) {
            let local_len = out.iter().rev().take_while(|c| is_email_local(**c)).count();
            let domain_start = spaces_from(chars, at_start + n);
            let (end, dot) = domain_end(chars, domain_start);
            if local_len > 0 && dot {
                out.truncate(out.len() - local_len);
                out.extend(MASK.chars());
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Written between the groups of a phone number; up to two in a row (`) ` in `(028) 3875`).
fn is_soft_sep(c: char) -> bool {
    matches!(
        c,
        ' ' | '.'
            | '-'
            | '('
            | ')'
            | '\u{2010}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
    )
}

/// Written between groups only as one character with digits on both sides (`0912/345/678`),
/// so that `1234/2021, 2 lần` stays three numbers.
fn is_tight_sep(c: char) -> bool {
    matches!(c, '/' | '_' | ',')
}

/// True when a digit follows position `j` after at most `max` soft separators.
fn next_digit_within(chars: &[char], j: usize, max: usize) -> bool {
    let seps = chars[j..].iter().take_while(|c| is_soft_sep(**c)).count();
    seps <= max && chars.get(j + seps).is_some_and(char::is_ascii_digit)
}

fn mask_digit_runs(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_run = chars[i].is_ascii_digit()
            || (matches!(chars[i], '+' | '(')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts_run {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run: digits, with short separators between them.
        let mut j = i;
        let mut digits = 0;
        let mut last_digit = i;
        if matches!(chars[j], '+' | '(') {
            j += 1;
        }
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                last_digit = j;
                j += 1;
            } else if (is_soft_sep(chars[j]) && next_digit_within(chars, j, 2))
                || (is_tight_sep(chars[j])
                    && j > 0
                    && chars[j - 1].is_ascii_digit()
                    && chars.get(j + 1).is_some_and(char::is_ascii_digit))
            {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 9 {
            out.push_str(MASK);
        } else {
            out.extend(&chars[i..=last_digit]);
        }
        i = last_digit + 1;
    }
    out
}

/// The comment as it may be exported: e-mails, phone numbers and ID numbers masked.
pub fn mask(text: &str) -> String {
    // Most comments are already in NFKC (Vietnamese typed on a phone is NFC, with nothing
    // full-width): the quick check spares them the normalisation.
    let chars: Vec<char> = match unicode_normalization::is_nfkc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text.chars().collect(),
        _ => text.nfkc().collect(),
    };
    // Most comments hold no at-sign and no digit: nothing to look for.
    let chars = if chars.iter().any(|c| matches!(c, '@' | '(' | '[' | '{')) {
        mask_emails(&chars)
    } else {
        chars
    };
    if !chars.iter().any(char::is_ascii_digit) {
        return chars.into_iter().collect();
    }
    mask_digit_runs(&chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_ids_and_emails_are_masked() {
        assert_eq!(mask("Gọi tôi 0912345678 nhé"), "Gọi tôi […] nhé");
        assert_eq!(mask("SĐT: 0912 345 678."), "SĐT: […].");
        assert_eq!(mask("sđt 091.234.5678"), "sđt […]");
        assert_eq!(mask("+84 912-345-678"), "[…]");
        assert_eq!(mask("(028) 3875 1234"), "[…]");
        assert_eq!(
            mask("CCCD 079123456789, CMND 023456789"),
            "CCCD […], CMND […]"
        );
        assert_eq!(mask("mail: nguyen.van.a@gmail.com."), "mail: […].");
        assert_eq!(mask("a@b"), "a@b");
    }

    /// The forms the security test found slipping through, and a few more of the same kind.
    #[test]
    fn disguised_phones_and_addresses_are_masked() {
        let cases = [
            ("gọi 0912 345 678 nhé", "gọi […] nhé"),
            ("gọi 0912/345/678 nhé", "gọi […] nhé"),
            ("gọi 0912_345_678 nhé", "gọi […] nhé"),
            ("gọi 0912,345,678 nhé", "gọi […] nhé"),
            ("gọi 0912\u{a0}345\u{a0}678 nhé", "gọi […] nhé"),
            ("gọi 0912\u{2009}345\u{2009}678 nhé", "gọi […] nhé"),
            ("gọi 0912\u{202f}345\u{202f}678 nhé", "gọi […] nhé"),
            ("gọi 0912–345–678 nhé", "gọi […] nhé"),
            ("gọi 0912—345—678 nhé", "gọi […] nhé"),
            ("gọi ０９１２３４５６７８ nhé", "gọi […] nhé"),
            ("gọi ０９１２ ３４５ ６７８ nhé", "gọi […] nhé"),
            ("CCCD ０７９１２３４５６７８９", "CCCD […]"),
            ("thư a @ gmail.com nhé", "thư […] nhé"),
            ("thư nguyenvana(at)gmail.com nhé", "thư […] nhé"),
            ("thư nguyenvana (AT) gmail (dot) com nhé", "thư […] nhé"),
            ("thư nguyenvana[at]gmail.com", "thư […]"),
            ("thư nguyenvana＠gmail.com nhé", "thư […] nhé"),
            ("thư nguyễn.văn.a@gmail.com nhé", "thư […] nhé"),
            ("thư trần_thị_b@sở.gov.vn", "thư […]"),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(text, want)| mask(text) != *want)
            .map(|(text, want)| format!("{text:?} → {:?}, want {want:?}", mask(text)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn ordinary_numbers_and_text_stay() {
        assert_eq!(
            mask("Phí 50.000 đồng, chờ 30 phút, quầy số 3"),
            "Phí 50.000 đồng, chờ 30 phút, quầy số 3"
        );
        assert_eq!(
            mask("Hồ sơ số 1234/2021, 2 lần"),
            "Hồ sơ số 1234/2021, 2 lần"
        );
        assert_eq!(mask("Cán bộ nhiệt tình 👍"), "Cán bộ nhiệt tình 👍");
        assert_eq!(mask("ngày 12/3/2021"), "ngày 12/3/2021");
        assert_eq!(mask("gặp (at) quầy 3"), "gặp (at) quầy 3");
        assert_eq!(mask("hẹn @ 9 giờ"), "hẹn @ 9 giờ");
        assert_eq!(mask("ngày 1, 2, 3 và 4"), "ngày 1, 2, 3 và 4");
    }
}
