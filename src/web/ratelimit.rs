//! Per-client rate limits for the poster submission route and sign-in (SPEC §4): in memory,
//! and on PostgreSQL also in the database, so that the limit holds across every node. A
//! client is known only by a keyed hash of its address (an IPv6 address by its /64), which
//! is never stored or logged. Generous by default: citizens at one desk share the
//! office Wi-Fi.

use crate::domain::num::Real;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::Store;

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
            .ok()
            .ok_or_else(|| format!("\"{s}\": {n} is not a count"))?;
        let secs: u64 = secs
            .trim()
            .parse()
            .ok()
            .ok_or_else(|| format!("\"{s}\": {secs} is not a number of seconds"))?;
        if max == 0 || secs == 0 {
            return Err(format!("\"{s}\": use a positive count and window, or off"));
        }
        Ok(Some(Limit {
            max,
            window: Duration::from_secs(secs),
        }))
    }
}

/// Per-client counts in a sliding window, in bounded memory and O(1) a request.
///
/// Clients are keyed by a keyed hash of their address (HMAC-SHA256 under a key every node of
/// the service shares); IPv6 addresses by their /64 (one host or home network gets a whole
/// /64, so a full address would give it 2^64 budgets). Windows are fixed spans of wall-clock
/// time (Unix seconds / window), the same on every node. The keys are spread over `SHARDS`
/// shards, each with a count for the current and the previous window; a client may go on
/// while `previous × (time left of it) + current` stays within the limit (the usual
/// sliding-window estimate). A window's turn swaps maps in O(1), and the old map is freed
/// outside the lock. A shard tracks at most `MAX_TRACKED / SHARDS` clients in a window
/// exactly; clients beyond that are counted each on their own but approximately, in a
/// count-min sketch of fixed size (never under a client's true count), so memory stays bounded
/// and a flood of fresh addresses never makes new clients share one budget (C-7).
///
/// On PostgreSQL (`shared`), a request this process would let through is counted once more
/// in the database, where every node counts (`Store::count_shared`, batched): the limit is
/// the whole service's. The process's own count stays in front of it, so a client over its
/// limit here is refused without a round trip.
pub struct RateLimiter {
    limit: Option<Limit>,
    keys: Hmac<Sha256>,
    shards: Vec<Mutex<Shard>>,
    shared: Option<(Store, &'static str)>,
}

/// What this process's own count says of a request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Here {
    /// No limit applies.
    Free,
    Refused,
    /// Within the limit here: `client` in window `win`, `left` of the previous one counting.
    Allowed {
        client: u64,
        win: u64,
        left: f64,
    },
    /// Within the limit here, counted in the sketch beyond the tracked clients: not counted
    /// in the database too (its table stays as bounded as this memory).
    Sketched,
}

const SHARDS: usize = 16;
/// Clients tracked per limiter and window, at most.
pub const MAX_TRACKED: usize = 131_072;
const PER_SHARD: usize = MAX_TRACKED / SHARDS;

#[derive(Default)]
struct Shard {
    /// Which window `current` counts.
    window: u64,
    current: HashMap<u64, u32>,
    previous: HashMap<u64, u32>,
    /// Clients of this window and the previous one beyond `PER_SHARD`, each counted
    /// approximately (made at the first such client).
    overflow: (Option<Box<Sketch>>, Option<Box<Sketch>>),
}

/// Rows and cells per row of a sketch: 4 × 8,192 counters of 2 bytes, 64 KiB.
const DEPTH: usize = 4;
const WIDTH: usize = 8192;

/// A count-min sketch with conservative update: a client's estimate is the least of its
/// `DEPTH` cells, never under its true count; only the cells at that least are raised, so
/// strangers rarely lift one another's estimates.
struct Sketch {
    cells: Vec<u16>,
}

impl Sketch {
    fn new() -> Box<Sketch> {
        Box::new(Sketch {
            cells: vec![0; DEPTH * WIDTH],
        })
    }

    /// The cell of `key` in `row` (the key is already a keyed hash; each row mixes it anew).
    fn cell(key: u64, row: usize) -> usize {
        let mut x = key ^ (crate::domain::num::u64_of(row) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        row * WIDTH + index_of(x, WIDTH)
    }

    fn estimate(&self, key: u64) -> u32 {
        (0..DEPTH)
            .map(|row| {
                self.cells
                    .get(Sketch::cell(key, row))
                    .map_or(0, |c| u32::from(*c))
            })
            .min()
            .unwrap_or(0)
    }

    /// Counts one more for `key`; its new estimate.
    fn add(&mut self, key: u64) -> u32 {
        let next = self.estimate(key).saturating_add(1);
        for row in 0..DEPTH {
            let raised = u16::try_from(next).unwrap_or(u16::MAX);
            if let Some(c) = self.cells.get_mut(Sketch::cell(key, row)) {
                *c = (*c).max(raised);
            }
        }
        next
    }
}

/// The part of an address that names one client: an IPv4 address, or an IPv6 /64.
fn client_key(ip: IpAddr) -> [u8; 8] {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            [4, 0, 0, 0, o[0], o[1], o[2], o[3]]
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => client_key(IpAddr::V4(v4)),
            None => {
                let mut k = [0u8; 8];
                k.copy_from_slice(&v6.octets()[..8]);
                k
            }
        },
    }
}

/// The time now as the limiters count it: since the Unix epoch.
pub fn wall_clock() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

impl RateLimiter {
    /// A limiter whose clients are hashed under `key`; with `shared`, its counts are also
    /// kept in that store's database under the name `scope` (when the store shares limits).
    pub fn new(
        limit: Option<Limit>,
        key: &[u8],
        shared: Option<(Store, &'static str)>,
    ) -> RateLimiter {
        RateLimiter {
            limit,
            // HMAC takes a key of any length.
            keys: Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shared: shared.filter(|(store, _)| store.shares_limits()),
        }
    }

    /// A limiter of this process alone, under a random key.
    #[cfg(test)]
    pub fn local(limit: Option<Limit>) -> RateLimiter {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
        RateLimiter::new(limit, &key, None)
    }

    /// True when the client may go on at `now` (since the epoch: `wall_clock()`); counts the
    /// attempt here and, when shared, in the database. A `now` older than the window counted
    /// (a late request, a clock stepped back) resets nothing.
    pub async fn allow(&self, client: Option<IpAddr>, now: Duration) -> bool {
        match client {
            Some(ip) => self.allow_key(&client_key(ip), now).await,
            None => true,
        }
    }

    /// True when the holder of `name` (a tablet's device secret: hashed under the key here,
    /// never kept) may go on; counts the attempt as `allow` does.
    pub async fn allow_name(&self, name: &str, now: Duration) -> bool {
        let mut key = b"name:".to_vec();
        key.extend_from_slice(name.as_bytes());
        self.allow_key(&key, now).await
    }

    /// Whether this process's own count would let the client go on now, without counting
    /// the attempt (for limits that count failures only, such as wrong pairing codes).
    pub fn would_allow(&self, client: Option<IpAddr>) -> bool {
        let (Some(limit), Some(ip)) = (self.limit, client) else {
            return true;
        };
        let (key, this, left) = self.place(&client_key(ip), limit, wall_clock());
        let Some(Ok(mut shard)) = self.shards.get(index_of(key, SHARDS)).map(|s| s.lock()) else {
            return true;
        };
        let freed = shard.turn(this);
        let left = if this < shard.window { 1.0 } else { left };
        let (before, now) = shard.counts(key);
        let now = now + 1;
        drop(shard);
        drop(freed);
        f64::from(before) * left + f64::from(now) <= f64::from(limit.max)
    }

    async fn allow_key(&self, bytes: &[u8], now: Duration) -> bool {
        let (client, win, left) = match self.here(bytes, now) {
            Here::Free | Here::Sketched => return true,
            Here::Refused => return false,
            Here::Allowed { client, win, left } => (client, win, left),
        };
        let (Some((store, scope)), Some(limit)) = (&self.shared, self.limit) else {
            return true;
        };
        let window = limit.window.as_secs().max(1);
        let expires = (win + 2).saturating_mul(window);
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        // The same bits as a signed number: the database's column is signed.
        let counted = store
            .count_shared(
                scope,
                i64::from_ne_bytes(client.to_ne_bytes()),
                as_i64(win),
                as_i64(expires),
            )
            .await;
        match counted {
            Some((current, previous)) => {
                f64::from(previous) * left + f64::from(current) <= f64::from(limit.max)
            }
            // The database did not answer: this process's count decides.
            None => true,
        }
    }

    /// This process's count alone: true when the client may go on at `now` (since the
    /// epoch); counts the attempt.
    #[cfg(test)]
    pub fn allow_here(&self, client: Option<IpAddr>, now: Duration) -> bool {
        match client {
            Some(ip) => !matches!(self.here(&client_key(ip), now), Here::Refused),
            None => true,
        }
    }

    /// A client's hashed key, the window `now` falls in, and how much of the previous
    /// window still counts.
    fn place(&self, bytes: &[u8], limit: Limit, now: Duration) -> (u64, u64, f64) {
        let mut mac = self.keys.clone();
        mac.update(bytes);
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        for (to, from) in first.iter_mut().zip(digest.iter()) {
            *to = *from;
        }
        let key = u64::from_le_bytes(first);
        let window = limit.window.as_nanos().max(1);
        let elapsed = now.as_nanos();
        let this = u64::try_from(elapsed / window).unwrap_or(u64::MAX);
        // How much of the previous window still counts: the part not yet slid past.
        let left = 1.0 - (elapsed % window).real() / window.real();
        (key, this, left)
    }

    fn here(&self, bytes: &[u8], now: Duration) -> Here {
        let Some(limit) = self.limit else {
            return Here::Free;
        };
        let (key, this, left) = self.place(bytes, limit, now);
        let shard_of = index_of(key, SHARDS);
        let Some(Ok(mut shard)) = self.shards.get(shard_of).map(|s| s.lock()) else {
            return Here::Free;
        };
        let freed = shard.turn(this);
        // A late request counts in the shard's window, with all of the previous one.
        let (this, left) = if this < shard.window {
            (shard.window, 1.0)
        } else {
            (this, left)
        };
        let counted = shard.count(key, limit.max, left);
        drop(shard);
        drop(freed);
        match counted {
            Counted::Refused => Here::Refused,
            Counted::Own => Here::Allowed {
                client: key,
                win: this,
                left,
            },
            Counted::Sketched => Here::Sketched,
        }
    }

    /// How long a refused client should wait, in whole minutes (the window, rounded up).
    pub fn wait_minutes(&self) -> u64 {
        self.limit
            .map_or(1, |l| l.window.as_secs().div_ceil(60).max(1))
    }

    /// Clients tracked now (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok().map(|s| s.current.len() + s.previous.len()))
            .sum()
    }
}

enum Counted {
    Refused,
    Own,
    Sketched,
}

impl Shard {
    /// Moves to window `this`; returns the map that fell out, to be freed after the lock.
    /// A request whose window is older than the shard's (it read the clock just before
    /// another moved the shard on, or the clock stepped back) changes nothing (B6: it used to
    /// reset the shard, and with it every client's count).
    fn turn(&mut self, this: u64) -> Option<HashMap<u64, u32>> {
        if this <= self.window {
            return None;
        }
        let old = if this == self.window + 1 {
            let current = std::mem::take(&mut self.current);
            Some(std::mem::replace(&mut self.previous, current))
        } else {
            self.current.clear();
            Some(std::mem::take(&mut self.previous))
        };
        self.overflow = if this == self.window + 1 {
            (None, self.overflow.0.take())
        } else {
            (None, None)
        };
        self.window = this;
        old
    }

    /// A client's counts in the previous window and this one, exact or from the sketches.
    fn counts(&self, key: u64) -> (u32, u32) {
        let of = |map: &HashMap<u64, u32>, sketch: &Option<Box<Sketch>>| {
            map.get(&key)
                .copied()
                .or_else(|| sketch.as_ref().map(|s| s.estimate(key)))
                .unwrap_or(0)
        };
        (
            of(&self.previous, &self.overflow.1),
            of(&self.current, &self.overflow.0),
        )
    }

    fn count(&mut self, key: u64, max: u32, left: f64) -> Counted {
        let within =
            |before: u32, now: u32| f64::from(before) * left + f64::from(now) <= f64::from(max);
        let before = self.counts(key).0;
        let now = if let Some(n) = self.current.get_mut(&key) {
            *n = n.saturating_add(1);
            *n
        } else if self.current.len() < PER_SHARD {
            self.current.insert(key, 1);
            1
        } else {
            let now = self.overflow.0.get_or_insert_with(Sketch::new).add(key);
            return if within(before, now) {
                Counted::Sketched
            } else {
                Counted::Refused
            };
        };
        if within(before, now) {
            Counted::Own
        } else {
            Counted::Refused
        }
    }
}

/// A hash's slot among `n` (its remainder, which is below `n` and so fits a `usize`).
fn index_of(hash: u64, n: usize) -> usize {
    let n64 = crate::domain::num::u64_of(n);
    usize::try_from(hash % n64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_request_or_a_clock_step_back_resets_nothing() {
        let rl = RateLimiter::local(Limit::parse("3/60").unwrap());
        let t = Duration::from_secs(1_700_000_040);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(rl.allow_here(Some(a), t));
        }
        assert!(!rl.allow_here(Some(a), t), "the fourth in a minute");
        // A request stamped a window earlier (late, or the clock stepped back an hour): it is
        // refused like any other, and the flood stays refused afterwards.
        for back in [Duration::from_secs(60), Duration::from_secs(3600)] {
            assert!(
                !rl.allow_here(Some(a), t.saturating_sub(back)),
                "{back:?} back"
            );
            assert!(!rl.allow_here(Some(a), t), "still over after {back:?} back");
        }
    }

    #[test]
    fn a_flood_is_stopped_and_others_pass() {
        let rl = RateLimiter::local(Limit::parse("3/60").unwrap());
        let t = Duration::from_secs(1_700_000_000);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| rl.allow_here(Some(a), t)));
        assert!(!rl.allow_here(Some(a), t));
        assert!(rl.allow_here(Some(b), t));
        assert!(
            rl.allow_here(Some(a), t + Duration::from_secs(121)),
            "forgotten two windows later"
        );
        assert!(RateLimiter::local(None).allow_here(Some(a), t));
        assert!(Limit::parse("off").unwrap().is_none());
        assert!(Limit::parse("60").is_err());
    }

    #[test]
    fn an_ipv6_network_is_one_client() {
        let rl = RateLimiter::local(Limit::parse("3/600").unwrap());
        let t = Duration::from_secs(1_700_000_000);
        let allowed = (1..=5)
            .filter(|i| rl.allow_here(Some(format!("2001:db8::{i}").parse().unwrap()), t))
            .count();
        assert_eq!(allowed, 3, "2001:db8::1 to ::5 share one /64");
        assert!(rl.allow_here(Some("2001:db8:0:1::1".parse().unwrap()), t));
        // An IPv4-mapped address is its IPv4 address.
        assert!((0..3).all(|_| rl.allow_here(Some("10.1.1.1".parse().unwrap()), t)));
        assert!(!rl.allow_here(Some("::ffff:10.1.1.1".parse().unwrap()), t));
    }

    #[test]
    fn half_a_million_addresses_keep_memory_bounded_and_known_clients_limited() {
        let rl = RateLimiter::local(Limit::parse("10/600").unwrap());
        let t = Duration::from_secs(1_700_000_000);
        let victim: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(rl.allow_here(Some(victim), t));
        let mut allowed = 0usize;
        for n in 0..500_000u32 {
            let ip = IpAddr::V6(std::net::Ipv6Addr::new(
                0x2001,
                0xdb8,
                (n >> 16) as u16,
                n as u16,
                0,
                0,
                0,
                1,
            ));
            allowed += usize::from(rl.allow_here(Some(ip), t));
        }
        assert!(rl.tracked() <= MAX_TRACKED, "{}", rl.tracked());
        // Beyond the tracked ones each address is still a client of its own (C-7: they used
        // to share their shard's budget, and every one past it was refused).
        assert_eq!(
            allowed, 500_000,
            "one request each is within everyone's limit"
        );
        // A new client after the flood has its own budget, and its limit.
        let fresh: IpAddr = "2001:db8:ffff:ffff::1".parse().unwrap();
        let taken = (0..20).filter(|_| rl.allow_here(Some(fresh), t)).count();
        // (Approximate: under 369,000 strangers a sketched count may run a little high,
        // never low.)
        assert!((6..=10).contains(&taken), "{taken} of its 10");
        // And a client counted in the sketch is stopped at its limit.
        // The last address of the flood: its shard was full long before.
        let flooder = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, 41247, 0, 0, 0, 1));
        let taken = (0..20).filter(|_| rl.allow_here(Some(flooder), t)).count();
        assert!(
            (6..=9).contains(&taken),
            "{taken}: one counted already, at most 9 more"
        );
        // A client known before the flood keeps its own budget, and its limit.
        assert!((0..9).all(|_| rl.allow_here(Some(victim), t)));
        assert!(!rl.allow_here(Some(victim), t));
        // Two windows later everything is forgotten.
        let later = t + Duration::from_secs(1201);
        assert!((0..10).all(|_| rl.allow_here(Some(victim), later)));
        assert!(rl.tracked() <= 2 * MAX_TRACKED);
    }

    #[test]
    fn the_window_slides() {
        let rl = RateLimiter::local(Limit::parse("4/100").unwrap());
        let t = Duration::from_secs(1_700_000_000);
        let a: IpAddr = "10.0.0.9".parse().unwrap();
        assert!((0..4).all(|_| rl.allow_here(Some(a), t + Duration::from_secs(90))));
        // Just after the window turns, the previous window still counts almost whole.
        assert!(!rl.allow_here(Some(a), t + Duration::from_secs(101)));
        // Half way through the next one, half of it counts: two more.
        assert!(rl.allow_here(Some(a), t + Duration::from_secs(150)));
        assert!(!rl.allow_here(Some(a), t + Duration::from_secs(150)));
    }
}
