//! Paper questionnaires (METHODOLOGY "Paper forms"): what a printed sheet asks, row by row, in
//! the order a typist meets it; what one key per row means; and the comparison of two entries
//! of one sheet. A sheet's typed values become the same answer pairs the phone form sends, so
//! the form's own validation and the SIPAS instrument apply unchanged.

use std::collections::BTreeMap;

use crate::domain::form::{ExpectationKind, Form};
use crate::domain::lang::Lang;

/// What one row of the sheet takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// A criterion or the overall question: 1–5, 0 for "no opinion".
    Score,
    /// An expectation rated on its own levels: one of them.
    Level(Vec<u8>),
    /// An expectation to tick (choose any): 1 when ticked.
    Tick { option: String },
    /// A profile question: the number of the option ticked (1, 2, …).
    Choice { options: Vec<String> },
}

/// One row a typist fills in: its field name, the number printed beside it, its words.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub number: String,
    pub label: String,
    /// The heading of the group it belongs to (a factor, "overall", …).
    pub group: String,
    pub kind: RowKind,
    /// The choices' words, numbered as on the sheet (profile questions).
    pub choices: Vec<String>,
}

/// The key of the comment's row.
pub const COMMENT: &str = "comment";

/// The rows of a sheet of `form`, in print order.
pub fn rows(form: &Form, lang: Lang) -> Vec<Row> {
    let mut out = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n.to_string()
    };
    for c in &form.components {
        for cr in &c.criteria {
            out.push(Row {
                key: cr.code.clone(),
                number: next(),
                label: cr.text.get(lang).to_string(),
                group: c.title.get(lang).to_string(),
                kind: RowKind::Score,
                choices: Vec::new(),
            });
        }
    }
    if let Some(o) = &form.overall {
        out.push(Row {
            key: o.code.clone(),
            number: next(),
            label: o.text.get(lang).to_string(),
            group: String::new(),
            kind: RowKind::Score,
            choices: Vec::new(),
        });
    }
    if let Some(e) = &form.expectations {
        for opt in &e.options {
            let label = opt.text.as_ref().map(|t| t.get(lang)).unwrap_or(&opt.code);
            let kind = match e.kind {
                ExpectationKind::Choose => RowKind::Tick {
                    option: opt.code.clone(),
                },
                ExpectationKind::Rate => RowKind::Level(e.levels.iter().map(|l| l.value).collect()),
            };
            out.push(Row {
                key: format!("{}.{}", e.code, opt.code),
                number: next(),
                label: label.to_string(),
                group: e.text.get(lang).to_string(),
                kind,
                choices: Vec::new(),
            });
        }
    }
    for p in &form.profile {
        let choices = p
            .options
            .iter()
            .map(|o| {
                o.text
                    .as_ref()
                    .map(|t| t.get(lang))
                    .unwrap_or(&o.code)
                    .to_string()
            })
            .collect();
        out.push(Row {
            key: p.code.clone(),
            number: next(),
            label: p.text.get(lang).to_string(),
            group: String::new(),
            kind: RowKind::Choice {
                options: p.options.iter().map(|o| o.code.clone()).collect(),
            },
            choices,
        });
    }
    out
}

/// What is wrong with a typed value: the row's number and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistyped {
    pub number: String,
    pub key: String,
    pub typed: String,
}

/// One entry of a sheet as typed: each row's key (blank rows left out) and the comment,
/// white space in the comment reduced to single spaces.
pub type Typed = BTreeMap<String, String>;

/// Reads what was typed (pairs as posted) against the sheet's rows: one key per row, each
/// within its range. Every value out of range is named; nothing is kept from a bad entry.
pub fn read(rows: &[Row], posted: &[(String, String)]) -> Result<Typed, Vec<Mistyped>> {
    let mut typed = Typed::new();
    let mut bad = Vec::new();
    for row in rows {
        let Some(v) = posted
            .iter()
            .find(|(k, _)| *k == row.key)
            .map(|(_, v)| v.trim())
        else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let ok = match &row.kind {
            RowKind::Score => matches!(v, "0" | "1" | "2" | "3" | "4" | "5"),
            RowKind::Level(levels) => levels.iter().any(|l| l.to_string() == v),
            RowKind::Tick { .. } => v == "1",
            RowKind::Choice { options } => v
                .parse::<usize>()
                .is_ok_and(|i| (1..=options.len()).contains(&i)),
        };
        if ok {
            typed.insert(row.key.clone(), v.to_string());
        } else {
            bad.push(Mistyped {
                number: row.number.clone(),
                key: row.key.clone(),
                typed: v.chars().take(10).collect(),
            });
        }
    }
    if let Some((_, c)) = posted.iter().find(|(k, _)| k == COMMENT) {
        let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
        if !c.is_empty() {
            typed.insert(COMMENT.into(), c);
        }
    }
    if bad.is_empty() {
        Ok(typed)
    } else {
        Err(bad)
    }
}

/// The answer pairs of a typed sheet, as the phone form would send them. A blank score row
/// is "no answer" for that row: sent as 0, left out of that criterion's denominator.
pub fn pairs(form: &Form, rows: &[Row], typed: &Typed) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for row in rows {
        let Some(v) = typed.get(&row.key) else {
            if row.kind == RowKind::Score {
                out.push((row.key.clone(), "0".into()));
            }
            continue;
        };
        match &row.kind {
            RowKind::Score | RowKind::Level(_) => out.push((row.key.clone(), v.clone())),
            RowKind::Tick { option } => {
                if let Some(e) = &form.expectations {
                    out.push((e.code.clone(), option.clone()));
                }
            }
            RowKind::Choice { options } => {
                if let Some(code) = v.parse::<usize>().ok().and_then(|i| options.get(i - 1)) {
                    out.push((row.key.clone(), code.clone()));
                }
            }
        }
    }
    if let (Some(c), Some(text)) = (&form.comment, typed.get(COMMENT)) {
        out.push((c.code.clone(), text.clone()));
    }
    out
}

/// Whether a typed sheet has enough to count: the overall question answered (1–5), or at
/// least half of the criteria. A blank row and 0 ("no opinion") are alike: not an answer.
pub fn sufficient(form: &Form, typed: &Typed) -> bool {
    let answered = |key: &str| {
        typed
            .get(key)
            .is_some_and(|v| matches!(v.as_str(), "1" | "2" | "3" | "4" | "5"))
    };
    if form.overall.as_ref().is_some_and(|o| answered(&o.code)) {
        return true;
    }
    let criteria: Vec<&str> = form
        .components
        .iter()
        .flat_map(|c| c.criteria.iter().map(|cr| cr.code.as_str()))
        .collect();
    let n = criteria.iter().filter(|k| answered(k)).count();
    !criteria.is_empty() && 2 * n >= criteria.len()
}

/// A comment as compared: case, surrounding spaces and closing punctuation do not make two
/// entries differ ("Tốt" and "tốt." are the same comment).
fn comparable(comment: &str) -> String {
    comment
        .trim()
        .trim_end_matches(|c: char| ".!?…,;:".contains(c) || c.is_whitespace())
        .to_lowercase()
}

/// The rows on which two entries differ (blank against a value counts), in print order, with
/// both values ("" for blank); the comment last.
pub fn differences(rows: &[Row], a: &Typed, b: &Typed) -> Vec<(String, String, String)> {
    let keys = rows
        .iter()
        .map(|r| r.key.as_str())
        .chain(std::iter::once(COMMENT));
    keys.filter_map(|k| {
        let (x, y) = (
            a.get(k).cloned().unwrap_or_default(),
            b.get(k).cloned().unwrap_or_default(),
        );
        let same = if k == COMMENT {
            comparable(&x) == comparable(&y)
        } else {
            x == y
        };
        (!same).then(|| (k.to_string(), x, y))
    })
    .collect()
}

/// Sheets not counted: waiting for a second entry, for a third look, and void.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotCounted {
    pub pending: u64,
    pub disputed: u64,
    pub void: u64,
}

/// Where a paper sheet stands (METHODOLOGY "Paper forms").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetState {
    /// Typed once; waits for a second entry by someone else.
    Pending,
    /// Typed twice, the entries differ; waits for a third person who typed neither.
    Disputed,
    /// One response (the entries agreed, or the third look settled them).
    Counted,
    /// Its code was answered by phone while it waited: out of the queues, not counted.
    Answered,
    /// Agreed, but with too few answers to count (`sufficient`): counted apart, not a response.
    Void,
}

impl SheetState {
    pub const ALL: [SheetState; 5] = [
        SheetState::Pending,
        SheetState::Disputed,
        SheetState::Counted,
        SheetState::Answered,
        SheetState::Void,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SheetState::Pending => "pending",
            SheetState::Disputed => "disputed",
            SheetState::Counted => "counted",
            SheetState::Answered => "answered",
            SheetState::Void => "void",
        }
    }

    /// A stored state; an unknown one is an error naming it, never a default.
    pub fn parse(s: &str) -> Result<SheetState, String> {
        SheetState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown sheet state \"{s}\""))
    }
}

/// Who typed a sheet so far (user ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typists {
    pub first: i64,
    pub second: Option<i64>,
}

impl Typists {
    fn typed(&self, me: i64) -> bool {
        self.first == me || self.second == Some(me)
    }
}

/// What an entry by user `me` is for a sheet: the first, the second (to be compared), or
/// refused because `me` typed it already, it waits for a third look, or it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryTurn {
    First,
    Second,
    SameTypist,
    WaitsForCheck,
    Closed,
}

/// The turn of an entry by `me` on a sheet in `state` (none: never typed). Two entries by
/// different users; never a third: a difference waits for someone who typed neither.
pub fn entry_turn(state: Option<(SheetState, Typists)>, me: i64) -> EntryTurn {
    match state {
        None => EntryTurn::First,
        Some((SheetState::Pending, t)) if t.typed(me) => EntryTurn::SameTypist,
        Some((SheetState::Pending, _)) => EntryTurn::Second,
        Some((SheetState::Disputed, t)) if t.typed(me) => EntryTurn::SameTypist,
        Some((SheetState::Disputed, _)) => EntryTurn::WaitsForCheck,
        Some((SheetState::Counted | SheetState::Answered | SheetState::Void, _)) => {
            EntryTurn::Closed
        }
    }
}

/// Why a third look is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleRefusal {
    /// The sheet has no difference to settle (not disputed).
    NotDisputed,
    /// `me` typed one of the two entries.
    Typist,
}

/// Whether `me` may settle a sheet: it is disputed and `me` typed neither entry.
pub fn may_settle(state: SheetState, typists: Typists, me: i64) -> Result<(), SettleRefusal> {
    match state {
        SheetState::Disputed if typists.typed(me) => Err(SettleRefusal::Typist),
        SheetState::Disputed => Ok(()),
        _ => Err(SettleRefusal::NotDisputed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::parse(include_str!("../../forms/sipas-2017.json")).expect("the built-in form")
    }

    #[test]
    fn a_sheet_reads_one_key_per_row_and_compares_answer_by_answer() {
        let form = form();
        let rows = rows(&form, Lang::Vi);
        let first = &rows[0];
        assert_eq!((first.number.as_str(), &first.kind), ("1", &RowKind::Score));
        let profile = rows
            .iter()
            .find(|r| matches!(r.kind, RowKind::Choice { .. }))
            .unwrap();
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let scores: Vec<&Row> = rows.iter().filter(|r| r.kind == RowKind::Score).collect();
        let mut posted: Vec<(String, String)> = scores.iter().map(|r| p(&r.key, "4")).collect();
        posted.extend([
            p(&profile.key, "2"),
            p(COMMENT, "  chờ   lâu "),
            p("ignored", "9"),
        ]);
        let expect = rows
            .iter()
            .find(|r| matches!(r.kind, RowKind::Tick { .. }))
            .unwrap();
        posted.push(p(&expect.key, ""));
        let typed = read(&rows, &posted).unwrap();
        assert_eq!(typed.get(&first.key).map(String::as_str), Some("4"));
        assert!(!typed.contains_key(&expect.key), "blank skipped");
        assert_eq!(typed.get(COMMENT).map(String::as_str), Some("chờ lâu"));
        // A profile answer is the option's number on the sheet.
        let sent = pairs(&form, &rows, &typed);
        let option = match &profile.kind {
            RowKind::Choice { options } => options[1].clone(),
            _ => unreachable!(),
        };
        assert!(sent.contains(&(profile.key.clone(), option)));
        assert!(form.validate(&sent).is_ok());
        // Out of range: named by the row's number, nothing read.
        let wrong = read(&rows, &[p(&first.key, "7"), p(&profile.key, "9")]).unwrap_err();
        assert_eq!(wrong.len(), 2);
        assert_eq!(wrong[0].number, "1");
        // Differences, blank against a value included.
        let mut other = typed.clone();
        other.insert(first.key.clone(), "5".into());
        other.remove(COMMENT);
        let d = differences(&rows, &typed, &other);
        assert_eq!(
            d,
            vec![
                (first.key.clone(), "4".into(), "5".into()),
                (COMMENT.into(), "chờ lâu".into(), String::new())
            ]
        );
        assert!(differences(&rows, &typed, &typed).is_empty());
        // Case, surrounding spaces and closing punctuation of a comment do not differ.
        let mut tot = typed.clone();
        tot.insert(COMMENT.into(), "Chờ lâu.".into());
        assert!(differences(&rows, &typed, &tot).is_empty());
        tot.insert(COMMENT.into(), "chờ lâu quá".into());
        assert_eq!(differences(&rows, &typed, &tot).len(), 1);
    }

    /// Blank rows count as "no answer" (0); a sheet counts with the overall question or half
    /// of the criteria answered, by hand on the built-in form (the overall and the criteria).
    #[test]
    fn blank_rows_and_void_sheets() {
        let form = form();
        let rows = rows(&form, Lang::Vi);
        let criteria: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                r.kind == RowKind::Score && Some(&r.key) != form.overall.as_ref().map(|o| &o.code)
            })
            .collect();
        let overall = form.overall.as_ref().unwrap().code.clone();
        let half = criteria.len().div_ceil(2);
        let with = |n: usize, value: &str| -> Typed {
            criteria[..n]
                .iter()
                .map(|r| (r.key.clone(), value.to_string()))
                .collect()
        };
        assert!(
            sufficient(&form, &with(half, "4")),
            "half of {}",
            criteria.len()
        );
        assert!(!sufficient(&form, &with(half - 1, "4")));
        assert!(
            !sufficient(&form, &with(criteria.len(), "0")),
            "0 is no answer"
        );
        let mut only_overall = Typed::new();
        only_overall.insert(overall.clone(), "5".into());
        assert!(sufficient(&form, &only_overall));
        assert!(
            !sufficient(&form, &Typed::new()),
            "an all-blank sheet is void"
        );
        // A blank criterion is sent as 0 and the form takes the sheet.
        let typed = with(criteria.len() - 1, "4");
        let sent = pairs(&form, &rows, &typed);
        let last = &criteria[criteria.len() - 1].key;
        assert!(sent.contains(&(last.clone(), "0".to_string())));
        assert!(sent.contains(&(overall, "0".to_string())));
        assert!(form.validate(&sent).is_ok());
    }

    #[test]
    fn entries_and_third_looks_over_every_state_and_typist() {
        let t = |second| Typists { first: 1, second };
        assert_eq!(entry_turn(None, 1), EntryTurn::First);
        // (state, typists, me) → turn, for the first typist, the second and a third person.
        let cases = [
            (SheetState::Pending, t(None), 1, EntryTurn::SameTypist),
            (SheetState::Pending, t(None), 2, EntryTurn::Second),
            (SheetState::Disputed, t(Some(2)), 1, EntryTurn::SameTypist),
            (SheetState::Disputed, t(Some(2)), 2, EntryTurn::SameTypist),
            (
                SheetState::Disputed,
                t(Some(2)),
                3,
                EntryTurn::WaitsForCheck,
            ),
            (SheetState::Counted, t(Some(2)), 1, EntryTurn::Closed),
            (SheetState::Counted, t(Some(2)), 3, EntryTurn::Closed),
            (SheetState::Answered, t(None), 2, EntryTurn::Closed),
            (SheetState::Void, t(Some(2)), 3, EntryTurn::Closed),
        ];
        for (state, typists, me, turn) in cases {
            assert_eq!(
                entry_turn(Some((state, typists)), me),
                turn,
                "{state:?} {me}"
            );
        }
        for me in [1, 2] {
            assert_eq!(
                may_settle(SheetState::Disputed, t(Some(2)), me),
                Err(SettleRefusal::Typist)
            );
        }
        assert_eq!(may_settle(SheetState::Disputed, t(Some(2)), 3), Ok(()));
        for state in [
            SheetState::Pending,
            SheetState::Counted,
            SheetState::Answered,
            SheetState::Void,
        ] {
            assert_eq!(
                may_settle(state, t(Some(2)), 3),
                Err(SettleRefusal::NotDisputed)
            );
        }
        for state in SheetState::ALL {
            assert_eq!(SheetState::parse(state.as_str()), Ok(state));
        }
        assert!(SheetState::parse("countd").is_err());
    }
}
