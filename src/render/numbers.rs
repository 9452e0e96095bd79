//! Numbers for people: Vietnamese pages write 81,25 % and 1.234; English pages 81.25% and 1,234.
//! Rounding is `stats::round2`, the same as in CSV and JSON, so no two outputs disagree.

use crate::domain::lang::Lang;
use crate::domain::stats::round2;

/// A percentage with two decimals, or an en dash when there is none.
pub fn percent(x: Option<f64>, lang: Lang) -> String {
    match x {
        None => "–".to_string(),
        Some(v) => {
            let s = format!("{:.2}", round2(v));
            match lang {
                Lang::Vi => format!("{} %", s.replace('.', ",")),
                Lang::En => format!("{s}%"),
            }
        }
    }
}

/// A plain number with two decimals (a mean score, a change in points).
pub fn decimal(x: Option<f64>, lang: Lang) -> String {
    match x {
        None => "–".to_string(),
        Some(v) => {
            let s = format!("{:.2}", round2(v));
            match lang {
                Lang::Vi => s.replace('.', ","),
                Lang::En => s,
            }
        }
    }
}

/// A signed change in percentage points.
pub fn change(x: f64, lang: Lang) -> String {
    let sign = if round2(x) > 0.0 {
        "+"
    } else if round2(x) < 0.0 {
        "−"
    } else {
        "±"
    };
    let body = decimal(Some(x.abs()), lang);
    format!("{sign}{body}")
}

/// A count with thousands separators.
pub fn count(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_and_english_numbers() {
        assert_eq!(percent(Some(81.245), Lang::Vi), "81,25 %");
        assert_eq!(percent(Some(81.245), Lang::En), "81.25%");
        assert_eq!(percent(None, Lang::Vi), "–");
        assert_eq!(count(21772, Lang::Vi), "21.772");
        assert_eq!(count(1234567, Lang::En), "1,234,567");
        assert_eq!(count(999, Lang::Vi), "999");
        assert_eq!(change(2.004, Lang::Vi), "+2,00");
        assert_eq!(change(-0.5, Lang::En), "−0.50");
        assert_eq!(decimal(Some(4.125), Lang::Vi), "4,13");
    }
}
