//! Invitations after the result (SPEC §11, METHODOLOGY "Invitations after the result"): the
//! routes a message may take, the house policy (hours, caps per number), what a provider's
//! answer means, and the outcomes the figures count. Pure rules; the sending is a service's.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use super::local_offset;

/// How an invitation reaches a citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// Zalo Notification Service (a template message to the number's Zalo account).
    Zns,
    /// A text message through an SMS gateway.
    Sms,
    /// The demo's provider inside the process: takes every message, sends nothing.
    Demo,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Zns => "zns",
            Route::Sms => "sms",
            Route::Demo => "demo",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        match s {
            "zns" => Some(Route::Zns),
            "sms" => Some(Route::Sms),
            "demo" => Some(Route::Demo),
            _ => None,
        }
    }
}

/// `--invite-via`: the routes in the order they are tried (`zns,sms`: Zalo first, a text
/// message for a number without Zalo). Empty: invitations are off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Via(Vec<Route>);

impl Via {
    pub fn parse(s: &str) -> Result<Via, String> {
        let s = s.trim();
        if s == "off" || s.is_empty() {
            return Ok(Via::default());
        }
        let mut routes = Vec::new();
        for part in s.split(',') {
            let route = Route::parse(part.trim()).ok_or_else(|| {
                format!("\"{part}\" is not a route: off, zns, sms, zns,sms or demo")
            })?;
            if routes.contains(&route) {
                return Err(format!("\"{part}\" is named twice"));
            }
            routes.push(route);
        }
        if routes.contains(&Route::Demo) && routes.len() > 1 {
            return Err("demo is a route of its own (nothing leaves the machine)".into());
        }
        Ok(Via(routes))
    }

    pub fn is_off(&self) -> bool {
        self.0.is_empty()
    }

    /// The route a new invitation takes first.
    pub fn first(&self) -> Option<Route> {
        self.0.first().copied()
    }

    /// The route to try when `route` says the number cannot be reached that way.
    pub fn after(&self, route: Route) -> Option<Route> {
        let at = self.0.iter().position(|r| *r == route)?;
        self.0.get(at + 1).copied()
    }

    pub fn routes(&self) -> &[Route] {
        &self.0
    }
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("off");
        }
        let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

/// `--invite-hours 07-22`: the local hours in which a message may be sent (from the first
/// hour, up to but not including the second); `00-24` is any hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    from: u32,
    to: u32,
}

impl Default for Hours {
    fn default() -> Hours {
        Hours { from: 7, to: 22 }
    }
}

impl Hours {
    pub fn parse(s: &str) -> Result<Hours, String> {
        let bad = || format!("\"{s}\" is not an hour range such as 07-22 (00-24: any hour)");
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let from: u32 = a.trim().parse().ok().ok_or_else(bad)?;
        let to: u32 = b.trim().parse().ok().ok_or_else(bad)?;
        if from >= to || to > 24 {
            return Err(bad());
        }
        Ok(Hours { from, to })
    }

    /// The first instant at or after `now` inside the hours (local time, UTC+7).
    pub fn next_open(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&local_offset());
        let hour = local.hour();
        if hour >= self.from && hour < self.to {
            return now;
        }
        let day = if hour >= self.to {
            local.date_naive() + Duration::days(1)
        } else {
            local.date_naive()
        };
        super::local_midnight_utc(day) + Duration::hours(i64::from(self.from))
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.from, self.to)
    }
}

/// `--invite-per-number 1/24h,3/30d`: at most N invitations to one number within each
/// window (counted by the number's keyed hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps(Vec<(usize, Duration)>);

impl Default for Caps {
    fn default() -> Caps {
        Caps(vec![(1, Duration::hours(24)), (3, Duration::days(30))])
    }
}

impl Caps {
    pub fn parse(s: &str) -> Result<Caps, String> {
        let mut caps = Vec::new();
        for part in s.split(',') {
            let bad = || format!("\"{part}\" is not a cap such as 1/24h or 3/30d");
            let (n, window) = part.trim().split_once('/').ok_or_else(bad)?;
            let n: usize = n.trim().parse().ok().ok_or_else(bad)?;
            let window = window.trim();
            let (digits, unit) = window.split_at(window.len().saturating_sub(1));
            let size: i64 = digits.parse().ok().ok_or_else(bad)?;
            let window = match unit {
                "h" => Duration::hours(size),
                "d" => Duration::days(size),
                _ => return Err(bad()),
            };
            if n == 0 || size <= 0 || window > Duration::days(366) {
                return Err(bad());
            }
            caps.push((n, window));
        }
        Ok(Caps(caps))
    }

    /// Whether one more may be sent at `now`, given the times earlier ones were sent.
    pub fn allow(&self, sent: &[DateTime<Utc>], now: DateTime<Utc>) -> bool {
        self.0.iter().all(|(n, window)| {
            let start = now - *window;
            sent.iter().filter(|t| **t > start).count() < *n
        })
    }

    /// The longest window: sendings older than this are no longer needed.
    pub fn longest(&self) -> Duration {
        self.0
            .iter()
            .map(|(_, w)| *w)
            .max()
            .unwrap_or_else(Duration::zero)
    }
}

impl std::fmt::Display for Caps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(n, w)| {
                if w.num_hours() % 24 == 0 {
                    format!("{n}/{}d", w.num_days())
                } else {
                    format!("{n}/{}h", w.num_hours())
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// What Zalo ZNS's `error` field means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZnsAnswer {
    /// 0: the provider took the message.
    Accepted,
    /// −118: the number has no Zalo account (send it another way, when there is one).
    NoZalo,
    /// −124: the access token is not valid (refresh it once and send again).
    TokenInvalid,
    /// −100: the provider's own trouble (send again later).
    Later,
    /// Anything else: the message will not go this way.
    Refused(i64),
}

impl ZnsAnswer {
    pub fn of(error: i64) -> ZnsAnswer {
        match error {
            0 => ZnsAnswer::Accepted,
            -118 => ZnsAnswer::NoZalo,
            -124 => ZnsAnswer::TokenInvalid,
            -100 => ZnsAnswer::Later,
            other => ZnsAnswer::Refused(other),
        }
    }
}

/// What happened to invitations, as the figures count them (per unit, day and route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Put in the outbox.
    Queued,
    /// The provider took the message.
    Delivered,
    /// Sending gave up (refused, or not taken within 24 hours).
    Failed,
    /// Not sent by the house policy: the number opted out, or had its invitations for now.
    Held,
    /// A citizen asked, from an invitation's page, for no more invitations.
    OptedOut,
    /// An invitation's code brought a response.
    Answered,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Queued,
        Outcome::Delivered,
        Outcome::Failed,
        Outcome::Held,
        Outcome::OptedOut,
        Outcome::Answered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::Held => "held",
            Outcome::OptedOut => "opted_out",
            Outcome::Answered => "answered",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// The text of an SMS invitation: `{unit}` and `{link}` filled in.
pub fn sms_text(template: &str, unit: &str, link: &str) -> String {
    template.replace("{unit}", unit).replace("{link}", link)
}

/// The SMS text when none is configured (Vietnamese without diacritics: one SMS segment
/// holds 160 such characters, against 70 with them).
pub const DEFAULT_SMS_TEMPLATE: &str =
    "{unit}: moi ong/ba danh gia su hai long ve ket qua ho so (1 phut, an danh): {link}";

/// How long sending an invitation keeps trying before it gives up.
pub fn give_up_after() -> Duration {
    Duration::hours(24)
}

/// Invitations counted for a unit over a period, by route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub queued: u64,
    pub delivered: u64,
    pub failed: u64,
    pub held: u64,
    pub opted_out: u64,
    pub answered: u64,
}

impl Counts {
    pub fn add(&mut self, outcome: Outcome, n: u64) {
        let slot = match outcome {
            Outcome::Queued => &mut self.queued,
            Outcome::Delivered => &mut self.delivered,
            Outcome::Failed => &mut self.failed,
            Outcome::Held => &mut self.held,
            Outcome::OptedOut => &mut self.opted_out,
            Outcome::Answered => &mut self.answered,
        };
        *slot += n;
    }

    /// Adds another count, outcome by outcome.
    pub fn add_all(&mut self, other: &Counts) {
        self.queued += other.queued;
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.held += other.held;
        self.opted_out += other.opted_out;
        self.answered += other.answered;
    }

    /// `invited_response_pct` (METHODOLOGY §3): responses with an invitation's code per
    /// invitation delivered; none when none was delivered.
    pub fn response_pct(&self) -> Option<f64> {
        super::num::percent(self.answered, self.delivered)
    }
}

/// One unit's invitations by one route over a period (`hailong export invitations`,
/// `/api/v1/invitations`), and how many wait now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub unit: String,
    pub route: Route,
    pub counts: Counts,
    pub waiting: u64,
}

/// One counted event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tallied {
    pub unit: String,
    pub day: NaiveDate,
    pub route: Route,
    pub outcome: Outcome,
    pub n: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // Local (UTC+7) 2026-03-10 h:m.
        local_offset()
            .with_ymd_and_hms(2026, 3, 10, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn hours_hold_a_message_until_morning() {
        let h = Hours::default();
        assert_eq!(h.next_open(at(9, 30)), at(9, 30));
        assert_eq!(h.next_open(at(21, 59)), at(21, 59));
        assert_eq!(h.next_open(at(6, 10)), at(7, 0));
        // 22:00 is closed; the next morning at 07:00.
        assert_eq!(h.next_open(at(22, 0)), at(7, 0) + Duration::days(1));
        assert_eq!(Hours::parse("00-24").unwrap().next_open(at(3, 0)), at(3, 0));
        assert!(Hours::parse("22-07").is_err());
        assert!(Hours::parse("7").is_err());
        assert_eq!(Hours::parse("07-22").unwrap().to_string(), "07-22");
    }

    #[test]
    fn caps_count_each_window() {
        let caps = Caps::default();
        let now = at(12, 0);
        assert!(caps.allow(&[], now));
        assert!(!caps.allow(&[now - Duration::hours(23)], now));
        assert!(caps.allow(&[now - Duration::hours(25)], now));
        let three = [
            now - Duration::days(2),
            now - Duration::days(10),
            now - Duration::days(29),
        ];
        assert!(!caps.allow(&three, now));
        assert!(caps.allow(&three[..2], now));
        assert_eq!(caps.longest(), Duration::days(30));
        assert_eq!(caps.to_string(), "1/1d,3/30d");
        assert!(Caps::parse("0/24h").is_err());
        assert!(Caps::parse("1/24x").is_err());
        assert_eq!(Caps::parse("2/12h").unwrap().to_string(), "2/12h");
    }

    #[test]
    fn routes_fall_back_in_the_order_given() {
        let via = Via::parse("zns,sms").unwrap();
        assert_eq!(via.first(), Some(Route::Zns));
        assert_eq!(via.after(Route::Zns), Some(Route::Sms));
        assert_eq!(via.after(Route::Sms), None);
        assert!(Via::parse("off").unwrap().is_off());
        assert!(Via::parse("zns,zns").is_err());
        assert!(Via::parse("demo,sms").is_err());
        assert!(Via::parse("email").is_err());
        assert_eq!(via.to_string(), "zns,sms");
    }

    #[test]
    fn zns_codes_say_what_to_do() {
        assert_eq!(ZnsAnswer::of(0), ZnsAnswer::Accepted);
        assert_eq!(ZnsAnswer::of(-118), ZnsAnswer::NoZalo);
        assert_eq!(ZnsAnswer::of(-124), ZnsAnswer::TokenInvalid);
        assert_eq!(ZnsAnswer::of(-100), ZnsAnswer::Later);
        assert_eq!(ZnsAnswer::of(-139), ZnsAnswer::Refused(-139));
    }

    #[test]
    fn the_response_share_needs_a_delivery() {
        let mut c = Counts::default();
        assert_eq!(c.response_pct(), None);
        c.add(Outcome::Delivered, 8);
        c.add(Outcome::Answered, 2);
        assert_eq!(c.response_pct(), Some(25.0));
    }
}
