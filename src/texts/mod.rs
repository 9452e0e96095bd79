//! All the words Hailong shows people, in one catalogue per language that a translator edits
//! without Rust: `vi.toml` and `en.toml` beside this file, one table per page or module and
//! one key per text, embedded at build time and read once. `tr(lang, "admin.users")` gives the
//! text; `{placeholders}` are filled by the caller. A test checks both languages have every
//! key and every key the code uses exists.
//!
//! Why TOML rather than Fluent: the texts are plain sentences with at most a named
//! placeholder, no plural or gender rules that Fluent would earn its keep on; a TOML table is
//! what a clerk-translator can read and edit in any editor, and its parser is already in the
//! build (diesel's migrations use it).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::lang::Lang;

/// The slogan of the district plan, printed on posters, code slips and thank-you pages, in
/// Vietnamese whatever the page's language (it is the district's own wording).
pub const SLOGAN: &str =
    "Hãy tự tin thực hiện dịch vụ công trực tuyến, chúng tôi luôn đồng hành cùng bạn";

pub const VI: &str = include_str!("vi.toml");
pub const EN: &str = include_str!("en.toml");

/// A catalogue's texts by `table.key`. A file that does not parse gives an empty catalogue
/// (and the keys show instead of text); the tests parse both files, so it cannot ship.
pub fn parse(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(tables) = toml::from_str::<HashMap<String, HashMap<String, String>>>(text) else {
        return out;
    };
    for (table, texts) in tables {
        for (key, text) in texts {
            out.insert(format!("{table}.{key}"), text);
        }
    }
    out
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> =
    LazyLock::new(|| [parse(VI), parse(EN)]);

/// The text of `key` in `lang`; the key itself if the catalogue lacks it.
pub fn tr(lang: Lang, key: &'static str) -> &'static str {
    let [vi, en] = &*CATALOGUES;
    let catalogue = match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    catalogue.get(key).map(String::as_str).unwrap_or(key)
}

/// The catalogue of one language, for templates: `{{ t.get("feedback.title") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &'static str) -> &'static str {
        tr(self.0, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_the_code_uses_only_known_keys() {
        let (vi, en) = (parse(VI), parse(EN));
        assert!(vi.len() > 150, "the Vietnamese catalogue parses");
        let mut missing: Vec<String> = vi
            .keys()
            .filter(|k| !en.contains_key(*k))
            .map(|k| format!("en lacks {k}"))
            .chain(
                en.keys()
                    .filter(|k| !vi.contains_key(*k))
                    .map(|k| format!("vi lacks {k}")),
            )
            .collect();
        // Every key the code names (a literal second argument of tr) is in the catalogue.
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let code = std::fs::read_to_string(&path).unwrap();
                for (i, _) in code.match_indices("tr(") {
                    let rest = &code[i + 3..];
                    let Some(comma) = rest.find(", \"") else {
                        continue;
                    };
                    if comma > 30 || rest[..comma].contains(['(', ')', '\n']) {
                        continue;
                    }
                    let key: String = rest[comma + 3..]
                        .chars()
                        .take_while(|c| *c != '"')
                        .collect();
                    if key.contains('.') && !vi.contains_key(&key) {
                        missing.push(format!("{} uses unknown key {key}", path.display()));
                    }
                }
            }
        }
        // And every key a template names (`t.get("table.key")`).
        let templates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
        for entry in std::fs::read_dir(templates).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("t.get(\"") {
                let key: String = text[i + 7..].chars().take_while(|c| *c != '"').collect();
                if !vi.contains_key(&key) {
                    missing.push(format!("{} uses unknown key {key}", path.display()));
                }
            }
        }
        missing.sort();
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn the_same_placeholders_in_both_languages() {
        let (vi, en) = (parse(VI), parse(EN));
        let holes = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_string()))
                .collect();
            v.sort();
            v
        };
        for (k, text) in &vi {
            assert_eq!(holes(text), holes(&en[k]), "{k}");
        }
    }
}
