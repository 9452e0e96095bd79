//! Who may do what, for which unit: every rule of SPEC §1 and §4 about roles, unit scope and
//! limits, in one place. Handlers and the CLI ask here; nothing else decides.
//!
//! - `admin` (Phòng Nội vụ / Sở Nội vụ): everything, every unit; alone manages users, tokens,
//!   units, reads the audit log and publishes.
//! - `officer`: one unit: its indices, raw responses, live report, code slips, dossier counts.
//! - `viewer` (leaders): indices and reports of every unit; no raw responses or comments.
//! - a bearer token: what the one-stop software does, for one unit or all.

use crate::domain::user::Role;
use crate::service::tokens::TokenIdentity;
use crate::service::users::Staff;

/// Most code slips on one printed sheet (a staff page); the API and the CLI may issue up to
/// `MAX_CODES_PER_REQUEST` at once.
pub const MAX_SLIPS_PER_SHEET: u32 = 200;
pub const MAX_CODES_PER_REQUEST: u32 = 1000;

/// Someone asking: a member of staff (session) or a machine (bearer token).
#[derive(Debug, Clone)]
pub enum Caller {
    Token(TokenIdentity),
    Staff(Staff),
}

impl Caller {
    /// The name written to the audit log.
    pub fn name(&self) -> String {
        match self {
            Caller::Token(t) => format!("token:{}", t.name),
            Caller::Staff(s) => s.username.clone(),
        }
    }

    /// The one unit this caller may see and act for, if limited to one.
    pub fn unit_scope(&self) -> Option<&str> {
        match self {
            Caller::Token(t) => t.unit.as_deref(),
            Caller::Staff(s) => match s.role {
                Role::Officer => s.unit.as_deref(),
                _ => None,
            },
        }
    }
}

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The dashboard and one's own password.
    UseStaffPages,
    ManageUsers,
    ManageTokens,
    ManageUnits,
    ReadAuditLog,
    Publish,
    ImportDossiers,
    IssueSlips,
    ReadIndices,
    /// Raw responses and comments.
    ReadResponses,
    /// The live (unpublished) report.
    ReadLiveReport,
    /// What the one-stop software does for a unit: codes, submissions, dossier counts.
    ActForUnit,
    /// The feedback queue: read citizens' texts and contacts, decide, answer, publish.
    HandleFeedback,
    /// Feedback items (masked, no contacts) through the API or an export.
    ReadFeedback,
    /// Rating tablets: add (a pairing code), list, revoke. Admins, and a unit's lead for their
    /// unit: an officer must not set up a tablet at a colleague's counter (issue 30).
    ManageKiosks,
    /// Paper questionnaires: print sheets, type them, settle differences.
    EnterPaper,
}

/// Whether a member of staff may do this at all: their role's rights, and for the rating
/// tablets, an admin or a unit's lead.
pub fn staff_may(staff: &Staff, action: Action) -> bool {
    role_may(staff.role, action)
        && (action != Action::ManageKiosks || staff.role == Role::Admin || staff.lead)
}

/// Why a caller is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("{0}")]
    Role(&'static str),
    #[error("{who} may not act for unit \"{unit}\"")]
    OtherUnit { who: String, unit: String },
    #[error("between 1 and {max} at once")]
    Count { max: u32 },
}

/// Whether a role may do this at all (for some unit).
pub fn role_may(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        UseStaffPages | ReadIndices | ReadLiveReport => true,
        ManageUsers | ManageTokens | ManageUnits | ReadAuditLog | Publish => role == Role::Admin,
        ImportDossiers | IssueSlips | ReadResponses | HandleFeedback | ReadFeedback
        | ManageKiosks | EnterPaper => role != Role::Viewer,
        // Machines only: no cookie can be made to post for a signed-in user.
        ActForUnit => false,
    }
}

fn refusal(action: Action) -> &'static str {
    match action {
        Action::ReadResponses => {
            "leaders (viewers) read indices and reports; raw responses and comments are for the Home Affairs Office and unit officers"
        }
        Action::ActForUnit => "a bearer token is needed",
        Action::ManageKiosks => {
            "rating tablets are set up by the unit's lead or an admin (an officer is rated by them)"
        }
        Action::HandleFeedback | Action::ReadFeedback => {
            "leaders (viewers) read the feedback figures; citizens' texts are for the unit's officers and the Home Affairs Office"
        }
        _ => "this role may not do that",
    }
}

/// Checks a caller may do `action` and finds the unit it applies to: the caller's own unit
/// when it is limited to one (asking for another is refused), else the unit asked for (None:
/// every unit).
pub fn unit_for(
    caller: &Caller,
    action: Action,
    asked: Option<&str>,
) -> Result<Option<String>, Denied> {
    let allowed = match caller {
        Caller::Staff(s) => staff_may(s, action),
        Caller::Token(_) => matches!(
            action,
            Action::ReadIndices
                | Action::ReadResponses
                | Action::ReadFeedback
                | Action::ActForUnit
                | Action::ImportDossiers
        ),
    };
    if !allowed {
        return Err(Denied::Role(refusal(action)));
    }
    match (caller.unit_scope(), asked) {
        (Some(mine), Some(asked)) if mine != asked => Err(Denied::OtherUnit {
            who: caller.name(),
            unit: asked.to_string(),
        }),
        (Some(mine), _) => Ok(Some(mine.to_string())),
        (None, asked) => Ok(asked.map(str::to_string)),
    }
}

/// Whether a token may act for `unit` (issue codes, submit, push counts).
pub fn token_acts_for(token: &TokenIdentity, unit: &str) -> bool {
    unit_for(
        &Caller::Token(token.clone()),
        Action::ActForUnit,
        Some(unit),
    )
    .is_ok()
}

/// A sheet of code slips for `unit`: officers for their own unit, at most a sheet at once.
pub fn slips(staff: &Staff, unit: &str, count: u32) -> Result<(), Denied> {
    unit_for(
        &Caller::Staff(staff.clone()),
        Action::IssueSlips,
        Some(unit),
    )?;
    if !(1..=MAX_SLIPS_PER_SHEET).contains(&count) {
        return Err(Denied::Count {
            max: MAX_SLIPS_PER_SHEET,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, unit: Option<&str>) -> Caller {
        Caller::Staff(Staff {
            id: 1,
            username: "x".into(),
            role,
            unit: unit.map(str::to_string),
            must_change_password: false,
            lead: false,
        })
    }

    #[test]
    fn roles_and_scopes() {
        let officer = staff(Role::Officer, Some("a"));
        assert_eq!(
            unit_for(&officer, Action::ReadIndices, None).unwrap(),
            Some("a".into())
        );
        assert!(matches!(
            unit_for(&officer, Action::ReadIndices, Some("b")),
            Err(Denied::OtherUnit { .. })
        ));
        assert!(unit_for(&officer, Action::ManageUsers, None).is_err());
        let viewer = staff(Role::Viewer, None);
        assert!(unit_for(&viewer, Action::ReadResponses, None).is_err());
        assert_eq!(
            unit_for(&viewer, Action::ReadIndices, Some("b")).unwrap(),
            Some("b".into())
        );
        let token = Caller::Token(TokenIdentity {
            name: "t".into(),
            unit: Some("a".into()),
        });
        assert!(unit_for(&token, Action::ActForUnit, Some("a")).is_ok());
        assert!(unit_for(&token, Action::ActForUnit, Some("b")).is_err());
        assert!(unit_for(&token, Action::ManageUsers, None).is_err());
        let Caller::Staff(o) = officer else {
            unreachable!()
        };
        assert!(slips(&o, "a", 200).is_ok());
        assert!(slips(&o, "a", 201).is_err());
        assert!(slips(&o, "b", 1).is_err());
    }
}
