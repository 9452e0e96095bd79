//! A citizen's comment quoted in a report (issue 36): masked, at most `QUOTE_MAX` characters
//! around the words that showed its topic, those words marked — and never a comment that could
//! name a person. What may name someone is judged conservatively: a quote is one of many, and
//! leaving a good one out costs nothing.

use super::privacy::MASK;
use super::topics::Tag;

/// The longest quote, in characters, the marks of an elision included.
pub const QUOTE_MAX: usize = 200;

/// A quote as printed: the words before the mark, the marked words, the words after.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quote {
    pub before: String,
    pub marked: String,
    pub after: String,
}

/// Forms of address that stand before a name ("chị Lan", "anh Tuấn").
const ADDRESS: [&str; 10] = [
    "anh", "chị", "cô", "chú", "ông", "bà", "em", "bác", "cậu", "dì",
];

/// Words that may follow a form of address without being a name ("chị nhân viên", "anh ấy").
const NOT_A_NAME: [&str; 40] = [
    "ấy", "đó", "này", "kia", "ta", "nhân", "cán", "công", "ở", "thì", "làm", "trực", "rất",
    "cũng", "không", "ko", "k", "đã", "đang", "hướng", "nói", "bảo", "và", "lại", "mới", "vẫn",
    "có", "quá", "hơi", "tiếp", "giải", "hỗ", "nhiệt", "chỉ", "hay", "nên", "phải", "được", "dc",
    "nhận",
];

/// Capitals that are no one's name: the offices and papers citizens write about.
const ACRONYMS: [&str; 12] = [
    "UBND", "CCCD", "CMND", "TTHC", "HCC", "BHXH", "BHYT", "QR", "SMS", "VNeID", "OK", "HS",
];

/// Whether a masked comment could name someone: something was masked in it (it held a
/// contact), a word inside a sentence begins with a capital (names are written so), a form of
/// address is followed by a word that may be a name, or it says "tên" (name).
pub fn may_name_someone(masked: &str) -> bool {
    if masked.contains(MASK) {
        return true;
    }
    let mut sentence_start = true;
    let mut after_address = false;
    for raw in masked.split_whitespace() {
        let word: String = raw.chars().filter(|c| c.is_alphanumeric()).collect();
        let lower = word.to_lowercase();
        if !word.is_empty() {
            let capital = word.chars().next().is_some_and(char::is_uppercase);
            if capital && !sentence_start && !ACRONYMS.contains(&word.as_str()) {
                return true;
            }
            if after_address && !NOT_A_NAME.contains(&lower.as_str()) {
                return true;
            }
            if lower == "tên" {
                return true;
            }
            after_address = ADDRESS.contains(&lower.as_str());
            sentence_start = false;
        }
        if raw.ends_with(['.', '!', '?', ':', ';']) {
            sentence_start = true;
            after_address = false;
        }
    }
    false
}

/// The quote of a comment for its tag: the whole comment when it is short, else a window of
/// whole words around the tag's words with "…" where it was cut; none when the comment could
/// name someone.
pub fn quote(masked: &str, tag: &Tag) -> Option<Quote> {
    let text = masked.trim();
    if text.is_empty() || may_name_someone(text) {
        return None;
    }
    let offset = masked.len() - masked.trim_start().len();
    let (start, end) = (
        tag.start.saturating_sub(offset).min(text.len()),
        tag.end.saturating_sub(offset).min(text.len()),
    );
    let (Some(before), Some(marked), Some(after)) =
        (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return None;
    };
    let marked_len = marked.chars().count();
    if marked_len + 2 > QUOTE_MAX {
        return None;
    }
    if text.chars().count() <= QUOTE_MAX {
        return Some(Quote {
            before: before.to_string(),
            marked: marked.to_string(),
            after: after.to_string(),
        });
    }
    // Room left for the words around the mark, each side's "…" counted.
    let room = QUOTE_MAX - marked_len - 2;
    let keep_before = (room / 2).min(before.chars().count());
    let keep_after = room - keep_before;
    Some(Quote {
        before: tail_words(before, keep_before),
        marked: marked.to_string(),
        after: head_words(after, keep_after),
    })
}

/// The last whole words of `s` within `n` characters, "…" first when something was cut.
fn tail_words(s: &str, n: usize) -> String {
    let total = s.chars().count();
    if total <= n {
        return s.to_string();
    }
    let cut: String = s.chars().skip(total - n).collect();
    // A word cut in two is dropped: start after the first blank (the mark's neighbour stays
    // whole even when it is all that fits).
    let kept = match cut.find(char::is_whitespace) {
        Some(i) if cut.get(..i).is_some_and(|w| !w.is_empty()) => cut.get(i..).unwrap_or(""),
        _ => cut.as_str(),
    };
    format!("…{}", kept.trim_start())
}

/// The first whole words of `s` within `n` characters, "…" last when something was cut.
fn head_words(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let cut: String = s.chars().take(n).collect();
    let kept = match cut.rfind(char::is_whitespace) {
        Some(i) => cut.get(..i).unwrap_or(""),
        None => cut.as_str(),
    };
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(text: &str, words: &str) -> Tag {
        let start = text.find(words).unwrap_or(0);
        Tag {
            topic: "time",
            start,
            end: start + words.len(),
            complaint: true,
        }
    }

    #[test]
    fn comments_that_could_name_someone_are_never_quoted() {
        for (text, names) in [
            ("Chờ lâu quá, cả buổi sáng.", false),
            ("Chờ lâu quá. Nhân viên không hướng dẫn.", false),
            ("chị nhân viên làm chậm", false),
            ("anh ấy làm chậm", false),
            ("UBND phường làm chậm, CCCD trả trễ", false),
            ("chị Lan làm chậm", true),
            ("chị lan làm chậm", true),
            ("nhân viên Hùng ở quầy 2 làm chậm", true),
            ("cán bộ tên hùng làm chậm", true),
            ("gọi [...] cho tôi", false),
            ("gọi [… ] cho tôi", true),
            ("gọi [[…]] cho tôi", true),
        ] {
            let masked = text.replace("[… ]", MASK).replace("[[…]]", MASK);
            assert_eq!(may_name_someone(&masked), names, "{text}");
            assert_eq!(
                quote(&masked, &tag(&masked, "chậm")).is_none(),
                names,
                "{text}"
            );
        }
    }

    #[test]
    fn a_long_comment_is_cut_around_its_words_to_at_most_200_characters() {
        let before = "thủ tục đất đai rất phức tạp và ".repeat(10);
        let after = " nên phải đi lại nhiều lần mới xong hồ sơ".repeat(10);
        let text = format!("{before}chờ lâu{after}");
        let q = quote(&text, &tag(&text, "chờ lâu")).expect("a quote");
        let whole = format!("{}{}{}", q.before, q.marked, q.after);
        assert!(
            whole.chars().count() <= QUOTE_MAX,
            "{}",
            whole.chars().count()
        );
        assert!(whole.chars().count() >= QUOTE_MAX - 20, "room is used");
        assert_eq!(q.marked, "chờ lâu");
        assert!(q.before.starts_with('…') && q.after.ends_with('…'));
        // Whole words only: what follows the "…" is a word of the comment.
        let first = q
            .before
            .trim_start_matches('…')
            .split(' ')
            .next()
            .unwrap_or("");
        assert!(before.split(' ').any(|w| w == first), "{first}");
        // A short comment is quoted whole, unmarked praise too.
        let short = "Làm nhanh, cảm ơn";
        let q = quote(short, &tag(short, "nhanh")).expect("a quote");
        assert_eq!(
            (q.before.as_str(), q.marked.as_str(), q.after.as_str()),
            ("Làm ", "nhanh", ", cảm ơn")
        );
    }
}
