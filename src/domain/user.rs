//! Staff: who they are and what their role lets them do (SPEC §1).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Phòng Nội vụ, the Home Affairs Office: everything.
    Admin,
    /// A desk officer of one unit: tickets, posters, that unit's results and comments.
    Officer,
    /// Leaders: reports and indices of all units, no raw comments.
    Viewer,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "officer" => Ok(Role::Officer),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!(
                "\"{other}\" is not a role: use admin, officer or viewer"
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user name: 3–40 characters of lower-case ASCII letters, digits, `.`, `_` and `-`.
pub fn check_username(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    let ok = (3..=40).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "\"{s}\" is not a user name: 3 to 40 lower-case letters, digits, '.', '_' or '-'"
        ))
    }
}

/// At least 10 characters; a generated password has 20.
pub fn check_password(p: &str) -> Result<(), String> {
    if p.chars().count() < 10 {
        return Err("a password needs at least 10 characters".into());
    }
    if p.chars().count() > 200 {
        return Err("a password may have at most 200 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_names() {
        assert_eq!(Role::parse("Officer").unwrap(), Role::Officer);
        assert!(Role::parse("root").is_err());
        assert_eq!(check_username(" Nguyen.VanA ").unwrap(), "nguyen.vana");
        assert!(check_username("ab").is_err());
        assert!(check_username("người").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("đủ mười ký tự rồi").is_ok());
    }
}
