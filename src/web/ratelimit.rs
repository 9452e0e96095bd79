//! Per-client rate limits for the poster submission route and sign-in (SPEC §4), in memory.
//! A client is known only by a keyed hash of its address (the key is random per process),
//! which is never stored or logged. Generous by default: citizens at one desk share the
//! office Wi-Fi.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl Limit {
    /// Reads `60/600` (60 requests per 600 seconds) or `off`.
    pub fn parse(s: &str) -> Result<Option<Limit>, String> {
        if s.trim().eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (n, secs) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("\"{s}\": write N/SECONDS, e.g. 60/600, or off"))?;
        let max: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("\"{s}\": {n} is not a count"))?;
        let secs: u64 = secs
            .trim()
            .parse()
            .map_err(|_| format!("\"{s}\": {secs} is not a number of seconds"))?;
        if max == 0 || secs == 0 {
            return Err(format!("\"{s}\": use a positive count and window, or off"));
        }
        Ok(Some(Limit {
            max,
            window: Duration::from_secs(secs),
        }))
    }
}

pub struct RateLimiter {
    limit: Option<Limit>,
    keys: std::collections::hash_map::RandomState,
    windows: Mutex<HashMap<u64, (Instant, u32)>>,
}

const MAX_TRACKED: usize = 200_000;

impl RateLimiter {
    pub fn new(limit: Option<Limit>) -> RateLimiter {
        RateLimiter {
            limit,
            keys: Default::default(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// True when the client may go on; counts the attempt.
    pub fn allow(&self, client: Option<IpAddr>, now: Instant) -> bool {
        let Some(limit) = self.limit else { return true };
        let Some(ip) = client else { return true };
        let key = self.keys.hash_one(ip);
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        if map.len() > MAX_TRACKED {
            map.retain(|_, (start, _)| now.duration_since(*start) < limit.window);
        }
        let entry = map.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_stopped_and_others_pass() {
        let rl = RateLimiter::new(Limit::parse("3/60").unwrap());
        let t = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| rl.allow(Some(a), t)));
        assert!(!rl.allow(Some(a), t));
        assert!(rl.allow(Some(b), t));
        assert!(
            rl.allow(Some(a), t + Duration::from_secs(61)),
            "a new window"
        );
        assert!(RateLimiter::new(None).allow(Some(a), t));
        assert!(Limit::parse("off").unwrap().is_none());
        assert!(Limit::parse("60").is_err());
    }
}
