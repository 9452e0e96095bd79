//! Masking of personal data in free-text comments before they leave the service
//! (METHODOLOGY §6): e-mail addresses, phone numbers, and 9- or 12-digit ID numbers
//! (CMND/CCCD). Any run of nine or more digits, whether written with spaces, dots or dashes
//! between groups or after a +84, is masked: a false positive (a large amount of money)
//! costs little, a missed phone number costs a citizen's privacy.

pub const MASK: &str = "[…]";

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > 0 && is_email_local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_email_domain(chars[end]) {
                end += 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            let domain = domain.trim_end_matches('.');
            if start < i && domain.contains('.') && !domain.starts_with('.') {
                // Drop the local part already copied, then the whole address.
                let local_len: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
                out.truncate(out.len() - local_len);
                out.push_str(MASK);
                i += 1 + domain.chars().count();
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '(' | ')')
}

/// True when a digit follows position `j` after at most `max` separators (`) ` in `(028) 3875`).
fn next_digit_within(chars: &[char], j: usize, max: usize) -> bool {
    chars[j..]
        .iter()
        .take(max + 1)
        .find(|c| !is_sep(**c))
        .is_some_and(char::is_ascii_digit)
        && chars[j..].iter().take_while(|c| is_sep(**c)).count() <= max
}

fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
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
        // A run: digits, with single separators (space, dot, dash, parentheses) between them.
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
            } else if is_sep(chars[j]) && next_digit_within(&chars, j, 2) {
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
    mask_digit_runs(&mask_emails(text))
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
    }
}
