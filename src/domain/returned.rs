//! Returned dossiers (SPEC §11): what the one-stop software says when a dossier's result is
//! handed back — checked row by row, so that one bad row is refused by its index and the
//! others are taken — and a citizen's mobile number written one way.

use chrono::NaiveDate;
use serde::Deserialize;

/// How a dossier was filed (the profile question's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    InPerson,
    OnlinePartial,
    OnlineFull,
    Postal,
}

impl Channel {
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "in_person" => Some(Channel::InPerson),
            "online_partial" => Some(Channel::OnlinePartial),
            "online_full" => Some(Channel::OnlineFull),
            "postal" => Some(Channel::Postal),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::OnlinePartial => "online_partial",
            Channel::OnlineFull => "online_full",
            Channel::Postal => "postal",
        }
    }
}

/// A Vietnamese mobile number, written `84` and its nine digits (the form Zalo ZNS and SMS
/// gateways take). Mobile numbers start 03, 05, 07, 08 or 09 at home; landlines (02…) are not
/// mobile numbers and are refused.
#[derive(Clone, PartialEq, Eq)]
pub struct Mobile(String);

impl Mobile {
    /// Reads `0912 345 678`, `0912.345.678`, `+84 912 345 678`, `84912345678`, `0084…`, with
    /// spaces, dots, dashes and brackets between the digits.
    pub fn parse(typed: &str) -> Result<Mobile, MobileProblem> {
        let mut digits = String::with_capacity(12);
        for c in typed.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                // A plus only before the first digit (`+84`, `(+84)`).
                '+' if digits.is_empty() => {}
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(MobileProblem::NotANumber),
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("0084") {
            rest
        } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            rest
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest
        } else {
            return Err(MobileProblem::NotVietnamese);
        };
        if national.len() != 9 {
            return Err(MobileProblem::Length);
        }
        match national.chars().next() {
            Some('3' | '5' | '7' | '8' | '9') => Ok(Mobile(format!("84{national}"))),
            _ => Err(MobileProblem::NotMobile),
        }
    }

    /// `84` and nine digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: a number in a log or a panic message would outlive its use.
impl std::fmt::Debug for Mobile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mobile(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MobileProblem {
    #[error("a phone number holds digits, spaces, dots and dashes only")]
    NotANumber,
    #[error("not a Vietnamese number (0…, +84… or 84…)")]
    NotVietnamese,
    #[error("a mobile number has ten digits (0912 345 678)")]
    Length,
    #[error("not a mobile number (mobile numbers start 03, 05, 07, 08 or 09)")]
    NotMobile,
}

/// One row as sent (JSON object or CSV line): text until checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentRow {
    #[serde(rename = "ref")]
    pub reference: String,
    pub unit: String,
    #[serde(default)]
    pub procedure: Option<String>,
    pub received_on: String,
    pub due_on: String,
    pub returned_on: String,
    pub channel: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub invite: Option<bool>,
}

/// A returned dossier, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    /// The software's dossier id, as sent (stored only as a keyed hash).
    pub reference: String,
    pub unit: String,
    pub procedure: Option<String>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub returned_on: NaiveDate,
    pub channel: Channel,
    pub phone: Option<Mobile>,
    /// The citizen agreed to be asked (absent = no).
    pub invite: bool,
}

impl Returned {
    /// Returned by the day it was due (Decision 766's timeliness).
    pub fn on_time(&self) -> bool {
        self.returned_on <= self.due_on
    }
}

/// Dossiers returned in a period and how many by their due day (Decision 766's timeliness).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeliness {
    pub returned: u64,
    pub on_time: u64,
}

impl Timeliness {
    pub fn add(&mut self, other: Timeliness) {
        self.returned += other.returned;
        self.on_time += other.on_time;
    }

    /// `on_time_return_pct` (METHODOLOGY §3); none when none was returned.
    pub fn on_time_pct(&self) -> Option<f64> {
        super::num::percent(self.on_time, self.returned)
    }
}

/// The longest dossier id and procedure code taken.
pub const REF_MAX: usize = 100;

/// Checks one sent row; the reason a person can act on when it is refused.
pub fn check(row: &SentRow) -> Result<Returned, String> {
    let reference = row.reference.trim();
    if reference.is_empty() || reference.chars().count() > REF_MAX {
        return Err(format!("ref must be 1 to {REF_MAX} characters"));
    }
    let unit = row.unit.trim();
    if unit.is_empty() {
        return Err("unit is missing".into());
    }
    let procedure = match row.procedure.as_deref().map(str::trim) {
        Some(p) if p.chars().count() > REF_MAX => {
            return Err(format!("procedure is longer than {REF_MAX} characters"))
        }
        Some("") | None => None,
        Some(p) => Some(p.to_string()),
    };
    let date = |name: &str, s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .filter(|_| s.trim().len() == 10)
            .ok_or_else(|| format!("{name} \"{}\" is not a date like 2026-03-31", s.trim()))
    };
    let received_on = date("received_on", &row.received_on)?;
    let due_on = date("due_on", &row.due_on)?;
    let returned_on = date("returned_on", &row.returned_on)?;
    if returned_on < received_on {
        return Err("returned_on is before received_on".into());
    }
    if due_on < received_on {
        return Err("due_on is before received_on".into());
    }
    let channel = Channel::parse(row.channel.trim()).ok_or_else(|| {
        format!(
            "channel \"{}\" is not in_person, online_partial, online_full or postal",
            row.channel.trim()
        )
    })?;
    let phone = match row.phone.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(p) => Some(Mobile::parse(p).map_err(|e| format!("phone: {e}"))?),
    };
    let invite = row.invite.unwrap_or(false);
    if invite && phone.is_none() {
        return Err("invite is true but there is no phone to invite".into());
    }
    Ok(Returned {
        reference: reference.to_string(),
        unit: unit.to_string(),
        procedure,
        received_on,
        due_on,
        returned_on,
        channel,
        phone,
        invite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_read_in_every_usual_form() {
        for typed in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "+84 912 345 678",
            "+84912345678",
            "84912345678",
            "0084 912 345 678",
            "(+84) 912 345 678",
        ] {
            assert_eq!(
                Mobile::parse(typed).map(|m| m.as_str().to_string()),
                Ok("84912345678".to_string()),
                "{typed}"
            );
        }
        for prefix in ["03", "05", "07", "08", "09"] {
            assert!(
                Mobile::parse(&format!("{prefix}12345678")).is_ok(),
                "{prefix}"
            );
        }
    }

    #[test]
    fn landlines_and_strangers_are_refused_with_a_reason() {
        assert_eq!(
            Mobile::parse("028 3823 4567").err(),
            Some(MobileProblem::Length)
        );
        assert_eq!(
            Mobile::parse("0283823456").err(),
            Some(MobileProblem::NotMobile)
        );
        assert_eq!(
            Mobile::parse("091234567").err(),
            Some(MobileProblem::Length)
        );
        assert_eq!(
            Mobile::parse("+1 415 555 0100").err(),
            Some(MobileProblem::NotVietnamese)
        );
        assert_eq!(
            Mobile::parse("0912 345 67x").err(),
            Some(MobileProblem::NotANumber)
        );
        assert_eq!(Mobile::parse("").err(), Some(MobileProblem::NotVietnamese));
        assert!(!format!("{:?}", Mobile::parse("0912345678")).contains("912"));
    }

    fn row() -> SentRow {
        SentRow {
            reference: "000.00.12.H29-260105-0001".into(),
            unit: "phuong-an-lac".into(),
            procedure: Some("1.001193".into()),
            received_on: "2026-01-05".into(),
            due_on: "2026-01-12".into(),
            returned_on: "2026-01-09".into(),
            channel: "online_partial".into(),
            phone: Some("0912 345 678".into()),
            invite: Some(true),
        }
    }

    #[test]
    fn a_good_row_is_taken_and_on_time() {
        let r = check(&row()).unwrap();
        assert!(r.on_time() && r.invite);
        assert_eq!(r.channel, Channel::OnlinePartial);
        assert_eq!(r.phone.unwrap().as_str(), "84912345678");
    }

    #[test]
    fn each_bad_field_says_what_is_wrong() {
        let bad = |change: fn(&mut SentRow), says: &str| {
            let mut r = row();
            change(&mut r);
            let e = check(&r).unwrap_err();
            assert!(e.contains(says), "{e}");
        };
        bad(|r| r.reference = " ".into(), "ref");
        bad(|r| r.unit = String::new(), "unit");
        bad(|r| r.received_on = "2026-02-30".into(), "received_on");
        bad(|r| r.returned_on = "5/1/2026".into(), "returned_on");
        bad(
            |r| r.returned_on = "2026-01-04".into(),
            "before received_on",
        );
        bad(|r| r.due_on = "2026-01-01".into(), "due_on is before");
        bad(|r| r.channel = "fax".into(), "channel");
        bad(|r| r.phone = Some("028 3823 4567".into()), "phone");
        bad(|r| r.phone = None, "no phone");
        let mut late = row();
        late.returned_on = "2026-01-13".into();
        late.invite = None;
        let late = check(&late).unwrap();
        assert!(!late.on_time() && !late.invite);
    }
}
