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

/// Passwords that lists of leaked passwords show most often (ten characters or more).
const COMMON: &str = include_str!("common_passwords.txt");
/// Vietnamese words of office passwords, without diacritics (C-13).
const WORDS: &str = include_str!("vietnamese_words.txt");

use super::fold as plain;

/// A password staff may choose: 10 to 200 characters, not blank at either end's expense,
/// at least five different characters, not the user name, not a common password, and not
/// easy to guess by zxcvbn's estimate (score 3 of 4 at least), weighed as typed and without
/// its diacritics, with the user name, the service's words, Vietnamese office words and
/// `context` (the units' codes and names) as known words (C-13). A generated password has 20
/// random characters.
pub fn check_password(p: &str, username: &str, context: &[String]) -> Result<(), String> {
    let trimmed = p.trim();
    if trimmed.chars().count() < 10 {
        return Err(
            "a password needs at least 10 characters (spaces at the ends do not count)".into(),
        );
    }
    if p.chars().count() > 200 {
        return Err("a password may have at most 200 characters".into());
    }
    let distinct: std::collections::BTreeSet<char> = trimmed.chars().collect();
    if distinct.len() < 5 {
        return Err("a password needs at least five different characters".into());
    }
    let lower = trimmed.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.len() >= 3 && lower.contains(&name) {
        return Err("a password must not contain the user name".into());
    }
    let common = COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == lower);
    if common {
        return Err(
            "this password is on the lists of the most used passwords: choose another".into(),
        );
    }
    // A real strength estimate (zxcvbn: words, names, dates, keyboard runs, sequences, l33t);
    // score 3 is the guesses an offline attack on a slow hash would not get through. Only the
    // first 100 characters are weighed: the estimate grows fast with length, and a longer
    // password is strong anyway.
    let sample: String = trimmed.chars().take(100).collect();
    let mut known: Vec<String> = vec![name.clone()];
    for c in context {
        let c = plain(c);
        known.extend(
            c.split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.len() >= 2)
                .map(str::to_string),
        );
        known.push(c.replace(|ch: char| !ch.is_alphanumeric(), ""));
        known.push(c);
    }
    known.extend(
        WORDS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.trim().to_string()),
    );
    if few_known_words(&plain(&sample), &known) {
        return Err("this password is a word or two with digits or signs (a Vietnamese word, the service's or a unit's name): choose a phrase of several words".into());
    }
    let inputs: Vec<&str> = known.iter().map(String::as_str).collect();
    let weakest = [sample.clone(), plain(&sample)]
        .iter()
        .map(|s| zxcvbn::zxcvbn(s, &inputs).score())
        .min()
        .unwrap_or(zxcvbn::Score::Zero);
    if weakest < zxcvbn::Score::Three {
        return Err("this password is easy to guess (a word, a name, a date, a run of keys or digits): choose a phrase of several words".into());
    }
    Ok(())
}

/// Whether the letters of `p` (plain) are made of at most three `known` words, whatever the
/// digits and signs around them (`Matkhau@123456`, `Ngay-1-thang-1`, `Admin@Hailong1`): the
/// pattern of an office password that zxcvbn still scores fair.
fn few_known_words(p: &str, known: &[String]) -> bool {
    let known: std::collections::HashSet<&str> = known
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphabetic))
        .collect();
    let mut words = 0;
    for run in p
        .split(|c: char| !c.is_alphabetic())
        .filter(|r| !r.is_empty())
    {
        // The fewest known words that make up `run` (none: not made of known words).
        let chars: Vec<(usize, char)> = run.char_indices().collect();
        let n = chars.len();
        let at = |i: usize| chars.get(i).map_or(run.len(), |(b, _)| *b);
        // best[i]: the fewest words that make up the first i characters.
        let mut best: Vec<Option<usize>> = vec![Some(0)];
        for end in 1..=n {
            let fewest = (0..end)
                .filter_map(|start| {
                    let prior = (*best.get(start)?)?;
                    known
                        .contains(&run[at(start)..at(end)])
                        .then_some(prior + 1)
                })
                .min();
            best.push(fewest);
        }
        match best.last().copied().flatten() {
            Some(k) => words += k,
            None => return false,
        }
    }
    words > 0 && words <= 3
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
        assert!(check_password("short", "x", &[]).is_err());
        assert!(check_password("đủ mười ký tự rồi", "noi-vu", &[]).is_ok());
    }

    #[test]
    fn trivial_and_common_passwords_are_refused() {
        for bad in [
            "aaaaaaaaaa",
            "          ",
            "   abc   ",
            "abababababab",
            "1234567890",
            "Password123",
            "QWERTYUIOP",
            "MatKhau123",
            "noi-vu-2026!",
            // What the second outside test saw accepted (issue 18, item 9).
            "abcde12345",
            "abc123456789",
            "Aa123456789",
            "Hailong@2026",
            "Binhtan2025",
            "hailong2026",
            // Accepted before C-13: Vietnamese words, the unit's name.
            "Matkhau@123456",
            "khaosat2026!",
            "Phuong-An-Lac-2026",
            "Admin@Hailong1",
            "Ngay-1-thang-1",
            "Mật-khẩu@2026",
        ] {
            let units = ["phuong-an-lac".to_string(), "Phường An Lạc".to_string()];
            assert!(check_password(bad, "noi-vu", &units).is_err(), "{bad:?}");
        }
        for good in [
            "Hồ sơ một cửa 2026",
            "Bộ phận một cửa, mật khẩu thử 2026",
            "ngựa vằn ăn cỏ bên sông",
            "correct horse battery staple",
            "Hồ sơ một cửa Bình Tân",
            "Một mật khẩu mới rất dài",
            "Mật khẩu mới của cán bộ B, 2027",
        ] {
            let units = ["phuong-an-lac".to_string(), "Phường An Lạc".to_string()];
            assert!(check_password(good, "noi-vu", &units).is_ok(), "{good:?}");
        }
    }
}
