//! The record of processing (Law 91/2025/QH15, Decree 356/2025/NĐ-CP; SPEC §13): which
//! personal data the service holds, why, on what basis, for how long, who receives it and how
//! it is protected — built from the running settings, so the notice (`/privacy`), the staff
//! page and `hailong privacy register` never drift from what the service does. Codes and
//! numbers only: the words are the texts' (`privacy.*`), in Vietnamese and English.

use serde::{Deserialize, Serialize};

/// What the register is built from: the settings that decide what is held and for how long.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processing {
    /// Who is responsible (the People's Committee running the desks) and how to reach them.
    pub controller_name: String,
    pub controller_contact: String,
    /// Free-text survey comments are deleted after this many days; 0 keeps them.
    pub comment_retention_days: i64,
    /// A feedback item's contact is deleted this many days after the item is closed.
    pub contact_retention_days: i64,
    /// A citizen's request is deleted this many days after it was completed.
    pub request_retention_days: i64,
    /// Audit rows are deleted after this many years.
    pub audit_retention_years: i64,
    /// Where events go (host only), when a webhook is set.
    pub webhook_host: Option<String>,
    /// The invitations' providers (host, or `demo`), in the order tried.
    pub invite_recipients: Vec<String>,
    /// Days an invitation's code stays valid.
    pub invite_valid_days: i64,
}

/// One category of data in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// `feedback_contact`, `feedback_text`, `invitation_number`, `staff_account`,
    /// `audit_log`, `survey_answer`, `dossier_reference`, `privacy_request`.
    pub code: String,
    /// `consent`, `public_task` (Law 91 Art. 19: a state agency's task), `legal_obligation`
    /// (answering a data subject's request), `not_personal`.
    pub basis: String,
    /// How long, as `days:N`, `years:N`, `until_sent`, `while_active`, `until_deleted`,
    /// `kept` (no identifier), or `hashed`.
    pub retention: String,
    /// Who receives it besides the unit's staff: hosts, `public` (masked), or none.
    pub recipients: Vec<String>,
    /// Codes of the safeguards: `masked`, `hashed`, `sealed`, `secure_delete`, `argon2id`,
    /// `no_identifier`, `access_by_role`.
    pub safeguards: Vec<String>,
    /// Whether the category is held under the running settings (an invitation number is not
    /// held when invitations are off).
    pub held: bool,
}

/// The register: the controller, and every category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub controller_name: String,
    pub controller_contact: String,
    pub categories: Vec<Category>,
    /// The notice's version: a digest of everything above, so that a consent recorded with
    /// it says which notice the citizen was shown.
    pub version: String,
}

fn strings(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

fn days(n: i64) -> String {
    if n > 0 {
        format!("days:{n}")
    } else {
        "until_deleted".into()
    }
}

fn category(
    code: &str,
    basis: &str,
    retention: String,
    recipients: Vec<String>,
    safeguards: &[&str],
    held: bool,
) -> Category {
    Category {
        code: code.into(),
        basis: basis.into(),
        retention,
        recipients,
        safeguards: strings(safeguards),
        held,
    }
}

/// What citizens give: contacts, texts, numbers, references.
fn citizens_data(p: &Processing) -> Vec<Category> {
    let invitations = !p.invite_recipients.is_empty();
    vec![
        category(
            "feedback_contact",
            "consent",
            days(p.contact_retention_days),
            vec![],
            &["masked", "access_by_role"],
            true,
        ),
        category(
            "feedback_text",
            "public_task",
            "until_deleted".to_string(),
            vec!["public".into()],
            &["masked", "access_by_role"],
            true,
        ),
        category(
            "invitation_number",
            "consent",
            "until_sent".to_string(),
            p.invite_recipients.clone(),
            &["sealed", "hashed", "secure_delete"],
            invitations,
        ),
        category(
            "dossier_reference",
            "public_task",
            "hashed".to_string(),
            vec![],
            &["hashed"],
            true,
        ),
    ]
}

/// What the house keeps: requests, staff accounts, the audit log, the survey's answers.
fn house_data(p: &Processing) -> Vec<Category> {
    vec![
        category(
            "privacy_request",
            "legal_obligation",
            format!("request_days:{}", p.request_retention_days),
            vec![],
            &["hashed", "access_by_role"],
            true,
        ),
        category(
            "staff_account",
            "public_task",
            "while_active".to_string(),
            vec![],
            &["argon2id", "access_by_role"],
            true,
        ),
        category(
            "audit_log",
            "public_task",
            format!("years:{}", p.audit_retention_years),
            p.webhook_host.iter().cloned().collect(),
            &["access_by_role"],
            true,
        ),
        category(
            "survey_answer",
            "not_personal",
            if p.comment_retention_days > 0 {
                format!("comments_days:{}", p.comment_retention_days)
            } else {
                "kept".into()
            },
            vec!["public".into()],
            &["no_identifier", "masked"],
            true,
        ),
    ]
}

impl Register {
    pub fn of(p: &Processing) -> Register {
        let mut categories = citizens_data(p);
        categories.extend(house_data(p));
        let mut r = Register {
            controller_name: p.controller_name.clone(),
            controller_contact: p.controller_contact.clone(),
            categories,
            version: String::new(),
        };
        r.version = version_of(&r);
        r
    }

    /// Every host that receives something (for the notice's list of recipients).
    pub fn recipients(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .categories
            .iter()
            .filter(|c| c.held)
            .flat_map(|c| c.recipients.iter().map(String::as_str))
            .filter(|r| *r != "public")
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The first 12 hex digits of a SHA-256 of the register's JSON (without its version).
fn version_of(r: &Register) -> String {
    use sha2::Digest;
    let json = serde_json::to_string(&(&r.controller_name, &r.controller_contact, &r.categories))
        .unwrap_or_default();
    let digest = sha2::Sha256::digest(json.as_bytes());
    hex::encode(digest).chars().take(12).collect()
}

/// The host of a URL (`https://rest.esms.vn/x` → `rest.esms.vn`), what a notice names.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit_once('@').map_or(host, |(_, h)| h).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_follows_the_settings() {
        let mut p = Processing {
            controller_name: "UBND phường An Lạc".into(),
            controller_contact: "0283 000 000".into(),
            comment_retention_days: 730,
            contact_retention_days: 365,
            audit_retention_years: 5,
            ..Default::default()
        };
        let off = Register::of(&p);
        let number = |r: &Register| {
            r.categories
                .iter()
                .find(|c| c.code == "invitation_number")
                .cloned()
                .unwrap()
        };
        assert!(!number(&off).held);
        assert!(off.recipients().is_empty());
        p.invite_recipients = vec!["business.openapi.zalo.me".into(), "rest.esms.vn".into()];
        p.webhook_host = Some("10.0.0.5:9000".into());
        let on = Register::of(&p);
        assert!(number(&on).held);
        assert_eq!(
            on.recipients(),
            ["10.0.0.5:9000", "business.openapi.zalo.me", "rest.esms.vn"]
        );
        assert_ne!(
            on.version, off.version,
            "a changed register is another notice"
        );
        p.comment_retention_days = 365;
        let shorter = Register::of(&p);
        let answers = shorter
            .categories
            .iter()
            .find(|c| c.code == "survey_answer")
            .unwrap();
        assert_eq!(answers.retention, "comments_days:365");
        assert_eq!(shorter.version.len(), 12);
    }

    #[test]
    fn a_notice_names_hosts_not_secrets() {
        assert_eq!(
            host_of("https://user:pw@rest.esms.vn/api?x=1"),
            "rest.esms.vn"
        );
        assert_eq!(host_of("http://10.0.0.5:9000/hook"), "10.0.0.5:9000");
        assert_eq!(host_of("demo"), "demo");
    }
}

/// A personal-data breach as staff record it (Decree 356/2025: notify within 72 hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachInput {
    pub found_at: chrono::DateTime<chrono::Utc>,
    pub what: String,
    pub people: i64,
    pub measures: String,
}

/// Why a breach cannot be recorded as typed (the field, and the problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachProblem {
    FoundAt,
    InFuture,
    What,
    People,
    Measures,
}

/// The longest text a breach field takes.
pub const BREACH_TEXT_MAX: usize = 4000;

/// Hours from finding a breach to the notification's deadline.
pub const NOTIFY_HOURS: i64 = 72;

/// Checks what staff typed: `found_at` as a form's local date and time (`2026-12-06T14:30`,
/// UTC+7), not in the future; a description; a count of people (0 when not known yet).
pub fn check_breach(
    found_at: &str,
    what: &str,
    people: &str,
    measures: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BreachInput, Vec<BreachProblem>> {
    let mut problems = Vec::new();
    let found = chrono::NaiveDateTime::parse_from_str(found_at.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| t.and_local_timezone(super::local_offset()).single())
        .map(|t| t.with_timezone(&chrono::Utc));
    match found {
        None => problems.push(BreachProblem::FoundAt),
        Some(t) if t > now => problems.push(BreachProblem::InFuture),
        Some(_) => {}
    }
    let text_ok = |s: &str| {
        let s = s.trim();
        !s.is_empty()
            && s.chars().count() <= BREACH_TEXT_MAX
            && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\r')
    };
    if !text_ok(what) {
        problems.push(BreachProblem::What);
    }
    let people_n = people
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=100_000_000).contains(n));
    if people_n.is_none() {
        problems.push(BreachProblem::People);
    }
    if !measures.trim().is_empty() && !text_ok(measures) {
        problems.push(BreachProblem::Measures);
    }
    match (found, people_n) {
        (Some(found_at), Some(people)) if problems.is_empty() => Ok(BreachInput {
            found_at,
            what: what.trim().to_string(),
            people,
            measures: measures.trim().to_string(),
        }),
        _ => Err(problems),
    }
}

/// Where a breach stands against its 72 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachState {
    Notified,
    /// Hours left (rounded down).
    Due(i64),
    /// Hours past the deadline.
    Overdue(i64),
}

pub fn breach_state(
    found_at: chrono::DateTime<chrono::Utc>,
    notified: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> BreachState {
    if notified {
        return BreachState::Notified;
    }
    let deadline = found_at + chrono::Duration::hours(NOTIFY_HOURS);
    if now <= deadline {
        BreachState::Due((deadline - now).num_hours())
    } else {
        BreachState::Overdue((now - deadline).num_hours())
    }
}

#[cfg(test)]
mod breach_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_breach_is_checked_and_counted_against_72_hours() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap();
        let b = check_breach("2026-12-06T14:30", "Mất máy tính xách tay", "12", "", now).unwrap();
        // 14:30 in Hồ Chí Minh City is 07:30 UTC.
        assert_eq!(
            b.found_at,
            chrono::Utc.with_ymd_and_hms(2026, 12, 6, 7, 30, 0).unwrap()
        );
        assert_eq!(
            check_breach("2026-12-06T17:30", "x", "1", "", now),
            Err(vec![BreachProblem::InFuture])
        );
        assert_eq!(
            check_breach("hôm qua", " ", "nhiều", "", now),
            Err(vec![
                BreachProblem::FoundAt,
                BreachProblem::What,
                BreachProblem::People
            ])
        );
        assert_eq!(breach_state(b.found_at, false, now), BreachState::Due(69));
        let later = now + chrono::Duration::hours(80);
        assert_eq!(
            breach_state(b.found_at, false, later),
            BreachState::Overdue(10)
        );
        assert_eq!(breach_state(b.found_at, true, later), BreachState::Notified);
    }
}
