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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<UnitCode>,
    /// The form this unit's desk uses now (its latest version).
    pub form_id: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The units this one took over (a merger), `;`-separated codes in storage.
    pub predecessors: Vec<UnitCode>,
}

impl Unit {
    pub fn display_name(&self, lang: super::form::Lang) -> &str {
        match lang {
            super::form::Lang::En => self.name_en.as_deref().unwrap_or(&self.name),
            super::form::Lang::Vi => &self.name,
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
    fn codes_are_slugs() {
        assert!(UnitCode::parse("an-lac-a").is_ok());
        assert!(UnitCode::parse("An Lạc").is_err());
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("-x").is_err());
    }
}
