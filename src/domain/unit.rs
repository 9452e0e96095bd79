//! Units (đơn vị): the places with a one-stop reception desk (Bộ phận Tiếp nhận và Trả kết quả).
//! Units are data: since 1 July 2025 districts are gone and wards merged, so a unit has
//! validity dates and may name the units it succeeds.

use std::fmt;

use chrono::NaiveDate;

use super::form::is_slug;

/// A unit's stable code: an ASCII slug such as `an-lac-a`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a unit code: use lower-case ASCII letters, digits and '-' (for example an-lac-a)")]
pub struct UnitCodeError(pub String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<UnitCode, UnitCodeError> {
        let s = s.trim();
        if is_slug(s) {
            Ok(UnitCode(s.to_string()))
        } else {
            Err(UnitCodeError(s.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A unit this one took over, and the share of its dossiers that moved here (0–1).
#[derive(Debug, Clone, PartialEq)]
pub struct Predecessor {
    pub code: UnitCode,
    pub share: f64,
}

/// How far the shares of one predecessor over its successors may be from 1.
pub const SHARE_TOLERANCE: f64 = 0.01;

impl Predecessor {
    /// Reads `code:share;code:share` (a bare code means share 1; `,` is taken for the decimal
    /// point too, as Vietnamese Excel writes it).
    pub fn parse_list(s: &str) -> Result<Vec<Predecessor>, String> {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (code, share) = match p.split_once(':') {
                    Some((c, sh)) => {
                        let sh = sh.trim().replace(',', ".");
                        let v: f64 = sh.parse().ok().ok_or_else(|| {
                            format!("\"{p}\": the share after ':' is not a number")
                        })?;
                        if !(v > 0.0 && v <= 1.0) {
                            return Err(format!("\"{p}\": a share is more than 0 and at most 1"));
                        }
                        (c, v)
                    }
                    None => (p, 1.0),
                };
                let code = UnitCode::parse(code).map_err(|e| e.to_string())?;
                Ok(Predecessor { code, share })
            })
            .collect()
    }

    /// The list as stored and exported: `code` for share 1, else `code:share`.
    pub fn format_list(list: &[Predecessor]) -> String {
        list.iter()
            .map(|p| {
                if (p.share - 1.0).abs() < 1e-12 {
                    p.code.to_string()
                } else {
                    format!("{}:{}", p.code, p.share)
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The shares of every predecessor named by `units`, summed over its successors; the first
/// predecessor whose sum is not 1 (± `SHARE_TOLERANCE`), with the sum and the index of the
/// last unit that names it.
/// The most predecessors one unit may name (a merger joins a handful).
pub const MAX_PREDECESSORS: usize = 50;

/// The years a unit's validity may start or end in.
pub const UNIT_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Checks the lineage of the units from `first` on (the ones being imported) against all
/// units: every predecessor is a unit, no unit is its own parent, no chain of parents or of
/// predecessors comes back to where it started, dates lie in `UNIT_YEARS`. The error gives
/// the index of the unit at fault and why.
pub fn check_lineage(all: &[&Unit], first: usize) -> Result<(), (usize, String)> {
    use chrono::Datelike;
    let index: std::collections::HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    for (i, u) in all.iter().enumerate().skip(first) {
        if u.predecessors.len() > MAX_PREDECESSORS {
            return Err((
                i,
                format!(
                    "{} names {} predecessors; at most {MAX_PREDECESSORS}",
                    u.code,
                    u.predecessors.len()
                ),
            ));
        }
        if let Some(p) = u
            .predecessors
            .iter()
            .find(|p| !index.contains_key(p.code.as_str()))
        {
            return Err((
                i,
                format!(
                    "the predecessor {} is not a unit (list it in the file, or import it first)",
                    p.code
                ),
            ));
        }
        if u.parent.as_ref() == Some(&u.code) {
            return Err((i, format!("{} is named as its own parent", u.code)));
        }
        for d in [u.valid_from, u.valid_to].into_iter().flatten() {
            if !UNIT_YEARS.contains(&d.year()) {
                return Err((i, format!("the date {d} is not between 1990 and 2100")));
            }
        }
        // Up the parents: at most one step per unit before it must have ended.
        let mut parent = u.parent.as_ref();
        for _ in 0..all.len() {
            let Some(p) = parent else { break };
            if p == &u.code {
                return Err((i, format!("the parents of {} lead back to it", u.code)));
            }
            parent = index
                .get(p.as_str())
                .and_then(|j| all.get(*j)?.parent.as_ref());
        }
        // Back through the predecessors: a unit cannot come (at any remove) from itself.
        let mut seen = vec![false; all.len()];
        let mut stack: Vec<usize> = u
            .predecessors
            .iter()
            .filter_map(|p| index.get(p.code.as_str()).copied())
            .collect();
        while let Some(j) = stack.pop() {
            if j == i {
                return Err((
                    i,
                    format!("the predecessors of {} lead back to it (a cycle)", u.code),
                ));
            }
            match seen.get_mut(j) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            stack.extend(
                all.get(j)
                    .into_iter()
                    .flat_map(|u| &u.predecessors)
                    .filter_map(|p| index.get(p.code.as_str()).copied()),
            );
        }
    }
    Ok(())
}

pub fn check_shares(units: &[&Unit]) -> Result<(), (String, f64, usize)> {
    let mut sums: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
    for (i, u) in units.iter().enumerate() {
        for p in &u.predecessors {
            let e = sums.entry(p.code.as_str()).or_insert((0.0, i));
            e.0 += p.share;
            e.1 = i;
        }
    }
    match sums
        .into_iter()
        .find(|(_, (sum, _))| (sum - 1.0).abs() > SHARE_TOLERANCE)
    {
        Some((code, (sum, i))) => Err((code.to_string(), sum, i)),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<UnitCode>,
    /// The form this unit's desk uses now (its latest version).
    pub form_id: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The units this one took over (a merger or a split), with the share of each one's
    /// dossiers that moved here; `code:share;code` in storage.
    pub predecessors: Vec<Predecessor>,
}

impl Unit {
    pub fn display_name(&self, lang: super::lang::Lang) -> &str {
        match lang {
            super::lang::Lang::En => self.name_en.as_deref().unwrap_or(&self.name),
            super::lang::Lang::Vi => &self.name,
        }
    }

    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predecessors_carry_shares_that_must_sum_to_one() {
        let list = Predecessor::parse_list("an-lac; tan-tao:0.5 ;binh-tri-dong-a:0,5").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].share, 1.0);
        assert_eq!(list[2].share, 0.5);
        assert_eq!(
            Predecessor::format_list(&list),
            "an-lac;tan-tao:0.5;binh-tri-dong-a:0.5"
        );
        assert!(Predecessor::parse_list("a:x").is_err());
        assert!(Predecessor::parse_list("a:0").is_err());
        assert!(Predecessor::parse_list("a:1.5").is_err());
        let unit = |code: &str, preds: &str| Unit {
            code: UnitCode::parse(code).unwrap(),
            name: code.into(),
            name_en: None,
            parent: None,
            form_id: "f".into(),
            valid_from: None,
            valid_to: None,
            predecessors: Predecessor::parse_list(preds).unwrap(),
        };
        let a = unit("new-a", "old-1;old-2:0.5");
        let b = unit("new-b", "old-2:0.495");
        assert!(check_shares(&[&a, &b]).is_ok(), "0.995 is within 0.01 of 1");
        let c = unit("new-c", "old-2:0.4");
        assert_eq!(check_shares(&[&a, &c]).unwrap_err().0, "old-2");
        let d = unit("new-d", "old-1:0.3");
        let (code, sum, i) = check_shares(&[&a, &b, &d]).unwrap_err();
        assert_eq!((code.as_str(), i), ("old-1", 2));
        assert!((sum - 1.3).abs() < 1e-9);
    }

    #[test]
    fn codes_are_slugs() {
        assert!(UnitCode::parse("an-lac-a").is_ok());
        assert!(UnitCode::parse("An Lạc").is_err());
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("-x").is_err());
    }
}
