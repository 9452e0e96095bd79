//! Comment topics (METHODOLOGY "Comment topics", SPEC §12): what a comment is about, by
//! editable rules. A pure function of the rules and the (already masked) text: words are
//! folded (case and diacritics ignored, `đ` = `d`), chat spellings expanded (`ko`, `dc`, `nv`,
//! …), phrases matched on whole words (`*` takes a word's ending), and a complaint preceded by a
//! negator ("không phải chờ lâu") keeps its topic but is no complaint. Each tag keeps the span
//! of the words that matched, so a reader sees why.

use serde::Deserialize;

/// The topics: the nine Art. 33 codes of the desk reasons, then `facilities` and `praise`.
pub const TOPICS: [&str; 11] = {
    let r = super::desk::REASONS;
    [
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        "facilities",
        "praise",
    ]
};

/// The most phrases a rules file may hold (all topics together).
pub const MAX_PHRASES: usize = 5000;

/// How many words may stand between a negator and the complaint it negates
/// ("không thấy khó khăn": one).
const NEGATION_GAP: usize = 1;

/// Words are matched as `fold` makes them: lower case, no diacritics, `đ` as `d`.
pub use super::fold;

/// One word of a text: folded, and the bytes of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    folded: String,
    start: usize,
    end: usize,
}

/// The words of `text` (letters and digits; anything else separates), each chat spelling
/// expanded into its words, which keep the span of what was written.
fn words(text: &str, spellings: &[(String, Vec<String>)]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let push = |from: usize, to: usize, out: &mut Vec<Word>| {
        let folded = fold(&text[from..to]);
        match spellings.iter().find(|(short, _)| *short == folded) {
            Some((_, long)) => out.extend(long.iter().map(|w| Word {
                folded: w.clone(),
                start: from,
                end: to,
            })),
            None => out.push(Word {
                folded,
                start: from,
                end: to,
            }),
        }
    };
    for (i, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c);
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len(), &mut out);
    }
    out
}

/// One word of a phrase: the whole word, or (`chậm*`) its beginning.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pat {
    Exact(String),
    Prefix(String),
}

/// A phrase: words in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase(Vec<Pat>);

impl Phrase {
    /// Reads a phrase as written in the rules; why not, when it cannot be one.
    pub fn parse(written: &str) -> Result<Phrase, String> {
        let mut pats = Vec::new();
        for w in written.split_whitespace() {
            let (stem, prefix) = match w.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (w, false),
            };
            let folded = fold(stem);
            if folded.is_empty() || !folded.chars().all(char::is_alphanumeric) {
                return Err(format!(
                    "\"{written}\": a phrase is words of letters and digits, `*` only at a word's end"
                ));
            }
            pats.push(if prefix {
                Pat::Prefix(folded)
            } else {
                Pat::Exact(folded)
            });
        }
        if pats.is_empty() {
            return Err("an empty phrase".into());
        }
        Ok(Phrase(pats))
    }

    fn matches_at(&self, words: &[Word], at: usize) -> bool {
        words.get(at..).is_some_and(|rest| {
            self.0.len() <= rest.len()
                && self.0.iter().zip(rest).all(|(p, w)| match p {
                    Pat::Exact(x) => w.folded == *x,
                    Pat::Prefix(x) => w.folded.starts_with(x.as_str()),
                })
        })
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A topic's rule: the phrases that complain about it, those that speak well of it ("làm
/// nhanh" is about `time`, and positive), and those that only name it (neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRule {
    pub code: String,
    complaint: Vec<Phrase>,
    positive: Vec<Phrase>,
    mention: Vec<Phrase>,
}

/// The rules: the topics', the negators and the chat spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    topics: Vec<TopicRule>,
    negators: Vec<Phrase>,
    spellings: Vec<(String, Vec<String>)>,
}

/// A topic found in a comment: the bytes of the words that show it, and whether the comment
/// complains about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub topic: &'static str,
    pub start: usize,
    pub end: usize,
    pub complaint: bool,
}

/// The rules file as written (`topics.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    negators: Vec<String>,
    #[serde(default)]
    spellings: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    topic: Vec<TopicFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    code: String,
    #[serde(default)]
    complaint: Vec<String>,
    #[serde(default)]
    positive: Vec<String>,
    #[serde(default)]
    mention: Vec<String>,
}

/// Why a rules file was refused: the line (1-based, when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The line of `text` where `needle` first stands (for a message).
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

impl Rules {
    /// Reads a rules file; a problem is named with its line.
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let file: File = toml::from_str(text).map_err(|e| RulesError {
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1)),
            message: e.message().to_string(),
        })?;
        let refuse = |needle: &str, message: String| RulesError {
            line: line_of(text, needle),
            message,
        };
        let total: usize = file
            .topic
            .iter()
            .map(|t| t.complaint.len() + t.positive.len() + t.mention.len())
            .sum();
        if total > MAX_PHRASES {
            return Err(refuse(
                "[[topic]]",
                format!("{total} phrases: at most {MAX_PHRASES}"),
            ));
        }
        let phrases = |list: &[String]| -> Result<Vec<Phrase>, RulesError> {
            list.iter()
                .map(|p| Phrase::parse(p).map_err(|m| refuse(&format!("\"{p}\""), m)))
                .collect()
        };
        let mut topics = Vec::new();
        for t in &file.topic {
            if !TOPICS.contains(&t.code.as_str()) {
                return Err(refuse(
                    &format!("\"{}\"", t.code),
                    format!(
                        "unknown topic \"{}\" (known: {})",
                        t.code,
                        TOPICS.join(", ")
                    ),
                ));
            }
            topics.push(TopicRule {
                code: t.code.clone(),
                complaint: phrases(&t.complaint)?,
                positive: phrases(&t.positive)?,
                mention: phrases(&t.mention)?,
            });
        }
        let spellings = file
            .spellings
            .iter()
            .map(|(short, long)| (fold(short), long.split_whitespace().map(fold).collect()))
            .collect();
        Ok(Rules {
            topics,
            negators: phrases(&file.negators)?,
            spellings,
        })
    }

    /// The topics of a comment, in the order of `TOPICS`, each once with the span of its first
    /// match. `praise`: positive words or a negated complaint, and no complaint at all.
    pub fn tag(&self, text: &str) -> Vec<Tag> {
        let words = words(text, &self.spellings);
        let mut found: Vec<Tag> = Vec::new();
        let mut positive = false;
        for rule in &self.topics {
            let Some(code) = TOPICS.iter().copied().find(|c| *c == rule.code) else {
                continue;
            };
            let mut tag: Option<Tag> = None;
            let mut see = |at: usize, len: usize, complaint: bool| {
                let (Some(first), Some(last)) = (words.get(at), words.get(at + len - 1)) else {
                    return;
                };
                let span = (first.start, last.end);
                match &mut tag {
                    // The words that complain are the ones a reader is shown.
                    Some(t) if complaint && !t.complaint => {
                        (t.start, t.end, t.complaint) = (span.0, span.1, true);
                    }
                    Some(_) => {}
                    None => {
                        tag = Some(Tag {
                            topic: code,
                            start: span.0,
                            end: span.1,
                            complaint,
                        })
                    }
                }
            };
            for at in 0..words.len() {
                for p in rule.complaint.iter().filter(|p| p.matches_at(&words, at)) {
                    let negated = self.negated(&words, at);
                    positive |= negated;
                    see(at, p.len(), !negated);
                }
                // Spoken well of, unless negated: "không nhiệt tình" complains.
                for p in rule.positive.iter().filter(|p| p.matches_at(&words, at)) {
                    let negated = self.negated(&words, at);
                    positive |= !negated;
                    see(at, p.len(), negated);
                }
                for p in rule.mention.iter().filter(|p| p.matches_at(&words, at)) {
                    see(at, p.len(), false);
                }
            }
            found.extend(tag);
        }
        let complains = found.iter().any(|t| t.complaint);
        let praise_rule = found.iter().position(|t| t.topic == "praise");
        match (praise_rule, complains) {
            (Some(i), true) => {
                found.remove(i);
            }
            (None, false) if positive => found.push(Tag {
                topic: "praise",
                start: 0,
                end: 0,
                complaint: false,
            }),
            _ => {}
        }
        found.iter_mut().for_each(|t| {
            if t.topic == "praise" {
                t.complaint = false;
            }
        });
        found.sort_by_key(|t| TOPICS.iter().position(|c| *c == t.topic));
        found
    }

    /// Whether a negator ends just before `at` (at most `NEGATION_GAP` words between).
    fn negated(&self, words: &[Word], at: usize) -> bool {
        (0..=NEGATION_GAP).any(|gap| {
            self.negators
                .iter()
                .any(|n| at >= n.len() + gap && n.matches_at(words, at - n.len() - gap))
        })
    }
}

/// One unit's comments of a period and how many of them were tagged with each topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTopics {
    pub unit_code: String,
    pub unit_name: String,
    pub comments: u64,
    /// By topic code, in the order of `TOPICS`.
    pub tagged: Vec<(&'static str, u64)>,
}

/// The shipped rules (`--topics FILE` replaces them).
pub const DEFAULT_RULES: &str = include_str!("topics.toml");

/// How a topic was found in a labelled file: true positives, false positives, misses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub topic: &'static str,
    pub tp: u64,
    pub fp: u64,
    pub missed: u64,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    use crate::domain::num::Real;
    (b > 0).then(|| a.real() / b.real())
}

impl Score {
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.missed)
    }
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.missed)
    }
}

/// The rules measured on a labelled file (`comment<TAB>topic,topic`, one per line; no topic
/// after the tab: none): a score per topic, and the micro-average over all (as a `Score` named
/// `all`). A line with an unknown topic or no tab is refused with its number.
pub fn evaluate(rules: &Rules, labelled: &str) -> Result<(Vec<Score>, Score), String> {
    let mut scores: Vec<Score> = TOPICS
        .iter()
        .map(|t| Score {
            topic: t,
            ..Default::default()
        })
        .collect();
    for (n, line) in labelled.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (text, labels) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {}: no tab between the comment and its topics", n + 1))?;
        let want: Vec<&str> = labels
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if let Some(bad) = want.iter().find(|l| !TOPICS.contains(l)) {
            return Err(format!("line {}: unknown topic \"{bad}\"", n + 1));
        }
        let got: Vec<&str> = rules.tag(text).iter().map(|t| t.topic).collect();
        for s in &mut scores {
            match (got.contains(&s.topic), want.contains(&s.topic)) {
                (true, true) => s.tp += 1,
                (true, false) => s.fp += 1,
                (false, true) => s.missed += 1,
                (false, false) => {}
            }
        }
    }
    let all = scores.iter().fold(
        Score {
            topic: "all",
            ..Default::default()
        },
        |a, s| Score {
            tp: a.tp + s.tp,
            fp: a.fp + s.fp,
            missed: a.missed + s.missed,
            ..a
        },
    );
    Ok((scores, all))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
negators = ["không", "không phải", "chẳng", "chả"]

[spellings]
ko = "không"
k = "không"
dc = "được"
nv = "nhân viên"
cb = "cán bộ"
tthc = "thủ tục hành chính"

[[topic]]
code = "time"
complaint = ["chờ lâu", "lâu quá", "chậm*", "trễ hẹn"]
positive = ["nhanh", "đúng hẹn"]

[[topic]]
code = "conduct"
complaint = ["thái độ", "cáu gắt", "khó chịu"]
positive = ["nhiệt tình", "vui vẻ"]

[[topic]]
code = "visits"
complaint = ["đi lại nhiều lần", "khó khăn"]

[[topic]]
code = "praise"
positive = ["cảm ơn", "tốt"]
"#;

    fn topics(text: &str) -> Vec<(&'static str, bool)> {
        Rules::parse(RULES)
            .unwrap()
            .tag(text)
            .into_iter()
            .map(|t| (t.topic, t.complaint))
            .collect()
    }

    /// The matching rules as a table: (comment, its topics with "complains?").
    #[test]
    fn matching_edge_cases() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            // Diacritics and case ignored; đ = d.
            ("Phải CHỜ LÂU quá", &[("time", true)]),
            ("phai cho lau", &[("time", true)]),
            // `*` takes a word's ending; a whole word otherwise ("chờ" inside "chờn" is not).
            ("giải quyết chậmmm", &[("time", true)]),
            ("chờn vờn", &[]),
            // Chat spellings.
            (
                "nv nhiệt tình, cảm ơn",
                &[("conduct", false), ("praise", false)],
            ),
            ("thai do cb ko tot", &[("conduct", true)]),
            // Negation: the topic stays, the complaint goes, and it is positive.
            ("không phải chờ lâu", &[("time", false), ("praise", false)]),
            (
                "ko thấy khó khăn gì",
                &[("visits", false), ("praise", false)],
            ),
            // Several topics; praise only without a complaint.
            (
                "làm nhanh nhưng nv cáu gắt",
                &[("time", false), ("conduct", true)],
            ),
            ("Tốt", &[("praise", false)]),
            // A negated good word complains: no praise.
            ("không tốt", &[]),
            ("nv không nhiệt tình", &[("conduct", true)]),
            // Overlapping phrases of one topic: one tag.
            ("chờ lâu lâu quá", &[("time", true)]),
            // Nothing to say, or nothing but emoji.
            ("", &[]),
            ("👍👍", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(topics(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn a_tag_keeps_the_words_that_matched() {
        let rules = Rules::parse(RULES).unwrap();
        let text = "Hôm nay phải chờ  lâu.";
        let tags = rules.tag(text);
        assert_eq!(&text[tags[0].start..tags[0].end], "chờ  lâu");
        let long = "chờ lâu ".repeat(700);
        assert_eq!(
            rules.tag(&long).len(),
            1,
            "a long comment: one tag, no error"
        );
    }

    #[test]
    fn bad_rules_are_refused_with_their_line() {
        let unknown = "[[topic]]\ncode = \"parking\"\ncomplaint = [\"xe\"]\n";
        let e = Rules::parse(unknown).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown topic"), "{e}");
        let empty = "[[topic]]\ncode = \"time\"\ncomplaint = [\"chờ\", \"\"]\n";
        assert_eq!(Rules::parse(empty).unwrap_err().line, Some(3));
        let star = "[[topic]]\ncode = \"time\"\ncomplaint = [\"*\"]\n";
        assert!(Rules::parse(star).is_err());
        let broken = "[[topic]\ncode = \"time\"\n";
        assert_eq!(Rules::parse(broken).unwrap_err().line, Some(1));
        let many = format!(
            "[[topic]]\ncode = \"time\"\ncomplaint = [{}]\n",
            (0..MAX_PHRASES + 1)
                .map(|i| format!("\"w{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(Rules::parse(&many).unwrap_err().message.contains("at most"));
    }

    /// The shipped rules on the comments nobody wrote them from: micro-F1 at least 0.80.
    #[test]
    fn the_shipped_rules_reach_their_floor_on_held_out_comments() {
        let rules = Rules::parse(DEFAULT_RULES).expect("the shipped rules");
        let held_out = include_str!("../../tests/data/topics-heldout.tsv");
        let (per_topic, all) = evaluate(&rules, held_out).unwrap();
        let f1 = all.f1().unwrap();
        let table: Vec<String> = per_topic
            .iter()
            .map(|s| format!("{} {:.2}", s.topic, s.f1().unwrap_or(0.0)))
            .collect();
        assert!(f1 >= 0.80, "micro-F1 {f1:.3}: {table:?}");
        assert!(held_out.lines().count() >= 150);
    }
}
