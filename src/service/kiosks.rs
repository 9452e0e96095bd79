//! Rating tablets at the counters (Decree 118/2025 Art. 31(b)): adding one with a pairing
//! code, pairing the tablet (a device secret, stored hashed), revoking, taking ratings with
//! the misuse flags decided on arrival, and the desk figures of a period.
//!
//! A device's recent arrival times live in this process's memory only: the stored rating
//! keeps its day, and nothing in the database can order a day's ratings or match one to a
//! clock. A burst that straddles a restart is not flagged (documented in the README).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::desk::{self, Misuse, Rating, RatingError, Scored};
pub use crate::domain::desk::{DeskRow, DeskTable};
use crate::domain::period::Period;
use crate::domain::ticket::hash_secret;
use crate::domain::{local_date, unit::Unit};
use crate::service::access::{self, Action, Caller, Denied};
use crate::service::audit::write as audit;
use crate::service::users::Staff;
pub use crate::store::kiosks::KioskRow;
use crate::store::kiosks::{self as store_kiosks, NewKiosk, RatingRow};
use crate::store::{units, Store, StoreError};

/// How long a pairing code may be used.
pub const PAIRING_MINUTES: i64 = 10;
/// A pairing code: 8 symbols of the ticket alphabet (no look-alikes), about 40 bits, typed
/// once on a tablet within ten minutes, with attempts limited per address.
const PAIRING_LEN: usize = 8;
/// A counter's name, at most this many characters ("Quầy 1", "Quầy tiếp nhận đất đai").
pub const MAX_COUNTER: usize = 40;

#[derive(Debug, Clone, Copy)]
pub struct KioskSettings {
    pub misuse: Misuse,
    /// Seconds a tablet waits after a face before it shows the faces again.
    pub idle_secs: u32,
    /// The rules of officers' figures (`--officer-min-n`, `--officer-prior`).
    pub fairness: desk::Fairness,
}

impl Default for KioskSettings {
    fn default() -> KioskSettings {
        KioskSettings {
            misuse: Misuse::default(),
            idle_secs: 30,
            fairness: desk::Fairness::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("there is no unit \"{0}\" open today")]
    UnknownUnit(String),
    #[error("a counter's name has 1 to {MAX_COUNTER} characters")]
    Counter,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("there is no kiosk #{0}")]
    NoKiosk(i64),
    #[error("this pairing code is not known, was used already, or was revoked")]
    UnknownCode,
    #[error("this pairing code has expired (a code is valid {PAIRING_MINUTES} minutes); ask for a new one")]
    Expired,
    #[error("the rating's id is not a UUID")]
    BadId,
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The recent arrival times of each device (kiosk id), newest last.
#[derive(Debug, Default)]
pub struct Arrivals(Mutex<HashMap<i64, VecDeque<DateTime<Utc>>>>);

impl Arrivals {
    /// The flag of a rating arriving now from `kiosk`, recorded as an arrival.
    pub fn arrive(&self, rule: &Misuse, kiosk: i64, now: DateTime<Utc>) -> Option<desk::Flag> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let times = all.entry(kiosk).or_default();
        let window = Duration::seconds(rule.window_secs);
        while times.front().is_some_and(|t| now - *t >= window) {
            times.pop_front();
        }
        let flag = rule.judge(times.make_contiguous(), now);
        times.push_back(now);
        while times.len() > rule.burst.max(1) + 1 {
            times.pop_front();
        }
        flag
    }
}

/// A pairing code as typed (any case, spaces or dashes between groups), as stored.
fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A code as shown: `ABCD-EFGH`.
pub fn grouped(code: &str) -> String {
    let (a, b) = code.split_at(code.len().min(4));
    format!("{a}-{b}")
}

fn open_unit(store: &Store, code: &str, now: DateTime<Utc>) -> Result<Unit, KioskError> {
    crate::service::units::cached(store, code)?
        .filter(|u| u.is_valid_on(local_date(now)))
        .ok_or_else(|| KioskError::UnknownUnit(code.to_string()))
}

/// Adds a kiosk for a counter of a unit (officers: their own); its id and pairing code
/// (shown once).
pub fn add<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    caller: &Caller,
    unit: &str,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<(i64, String), KioskError> {
    let unit = unit.trim();
    let scope = access::unit_for(caller, Action::ManageKiosks, Some(unit))?;
    let unit = open_unit(store, scope.as_deref().unwrap_or(unit), now)?;
    let counter = counter.trim();
    if counter.is_empty() || counter.chars().count() > MAX_COUNTER {
        return Err(KioskError::Counter);
    }
    let code = crate::domain::ticket::random_symbols(rng, PAIRING_LEN);
    let row = NewKiosk {
        unit_code: unit.code.to_string(),
        counter: counter.to_string(),
        pairing_hash: Some(hash_secret(&code)),
        pairing_expires_at: Some((now + Duration::minutes(PAIRING_MINUTES)).naive_utc()),
        secret_hash: None,
        created_at: now.naive_utc(),
        created_by: caller.name(),
        paired_at: None,
        synthetic: false,
    };
    let id = store.write(|c| -> Result<i64, KioskError> {
        let id = store_kiosks::insert(c, &row)?;
        let target = format!("#{id} {} {}", row.unit_code, row.counter);
        audit(c, now, &caller.name(), "kiosk.add", &target, "ok")?;
        Ok(id)
    })?;
    Ok((id, code))
}

/// Pairs a tablet with a code: the kiosk, and the device's secret for its cookie.
pub fn pair<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<(KioskRow, String), KioskError> {
    let code = normalise_code(typed);
    if code.len() != PAIRING_LEN {
        return Err(KioskError::UnknownCode);
    }
    let secret = hex::encode(rng.random::<[u8; 32]>());
    store.write(|c| -> Result<(KioskRow, String), KioskError> {
        let kiosk = store_kiosks::by_pairing_hash(c, &hash_secret(&code))?
            .ok_or(KioskError::UnknownCode)?;
        if kiosk.pairing_expires_at.is_none_or(|t| t < now.naive_utc()) {
            return Err(KioskError::Expired);
        }
        if store_kiosks::pair(c, kiosk.id, &hash_secret(&secret), now.naive_utc())? != 1 {
            return Err(KioskError::UnknownCode);
        }
        let target = format!("#{} {} {}", kiosk.id, kiosk.unit_code, kiosk.counter);
        audit(
            c,
            now,
            &format!("kiosk #{}", kiosk.id),
            "kiosk.pair",
            &target,
            "ok",
        )?;
        Ok((kiosk, secret.clone()))
    })
}

/// The paired kiosk of a device secret (none: unknown or revoked).
pub fn device(store: &Store, secret: &str) -> Result<Option<KioskRow>, StoreError> {
    store.read(|c| store_kiosks::by_secret_hash(c, &hash_secret(secret)))
}

/// The kiosks a member of staff may see (officers: their unit's).
pub fn list(store: &Store, staff: &Staff) -> Result<Vec<KioskRow>, KioskError> {
    let caller = Caller::Staff(staff.clone());
    let scope = access::unit_for(&caller, Action::ManageKiosks, None)?;
    Ok(store.read(|c| store_kiosks::list(c, scope.as_deref()))?)
}

/// Every kiosk (the command line: whoever runs it holds the database).
pub fn list_all(store: &Store) -> Result<Vec<KioskRow>, StoreError> {
    store.read(|c| store_kiosks::list(c, None))
}

/// Revokes a kiosk: its tablet shows "not paired" at its next request.
pub fn revoke(
    store: &Store,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, KioskError> {
    store.write(|c| -> Result<bool, KioskError> {
        let kiosk = store_kiosks::get(c, id)?.ok_or(KioskError::NoKiosk(id))?;
        access::unit_for(caller, Action::ManageKiosks, Some(&kiosk.unit_code))?;
        let changed = store_kiosks::revoke(c, id, now.naive_utc())? == 1;
        let target = format!("#{id} {} {}", kiosk.unit_code, kiosk.counter);
        let outcome = if changed { "ok" } else { "already revoked" };
        audit(c, now, &caller.name(), "kiosk.revoke", &target, outcome)?;
        Ok(changed)
    })
}

/// What became of a rating sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// False when the id was stored before (nothing new, or the reasons added to its face).
    pub new: bool,
    pub flag: Option<desk::Flag>,
}

/// Stores a rating from a paired kiosk. The same `id` twice stores one rating; a rating
/// first stored with its face alone (a score of 3 or less) takes its reasons and comment
/// once, when they come with the same id and score.
pub fn rate(
    store: &Store,
    arrivals: &Arrivals,
    settings: &KioskSettings,
    kiosk: &KioskRow,
    id: &str,
    rating: &Rating,
    now: DateTime<Utc>,
) -> Result<Stored, KioskError> {
    let id = uuid::Uuid::parse_str(id.trim())
        .map_err(|_| KioskError::BadId)?
        .hyphenated()
        .to_string();
    let reasons = rating.reasons.join(",");
    let result = store.write(|c| -> Result<Stored, KioskError> {
        if let Some(known) = store_kiosks::rating(c, &id)? {
            let same = known.kiosk_id == kiosk.id && known.score == i16::from(rating.score);
            if same && (!reasons.is_empty() || rating.comment.is_some()) {
                store_kiosks::amend(c, &id, &reasons, rating.comment.as_deref())?;
            }
            let flag = known.flag.as_deref().and_then(desk::Flag::parse);
            return Ok(Stored { new: false, flag });
        }
        let flag = arrivals.arrive(&settings.misuse, kiosk.id, now);
        let officer = crate::service::counters::holder(c, &kiosk.unit_code, &kiosk.counter, now)?;
        let row = RatingRow {
            id: id.clone(),
            kiosk_id: kiosk.id,
            unit_code: kiosk.unit_code.clone(),
            counter: kiosk.counter.clone(),
            day: local_date(now),
            score: i16::from(rating.score),
            reasons: reasons.clone(),
            comment: rating.comment.clone(),
            flag: flag.map(|f| f.as_str().to_string()),
            synthetic: false,
            officer_id: officer,
        };
        store_kiosks::insert_ratings(c, std::slice::from_ref(&row))?;
        Ok(Stored { new: true, flag })
    });
    match result {
        // Two copies of one rating at once (a retry racing the first): one is stored.
        Err(KioskError::Store(e)) if e.is_unique_violation() => Ok(Stored {
            new: false,
            flag: None,
        }),
        other => other,
    }
}

/// The desk figures of a period: per unit and counter, per unit, and over all units
/// (`unit`: one unit's rows only, and its own total as the last row).
pub fn table(store: &Store, period: &Period, unit: Option<&str>) -> Result<DeskTable, StoreError> {
    let scored = store.read(|c| store_kiosks::scored_between(c, period.start, period.end))?;
    let names: BTreeMap<String, String> = store
        .read(units::list)?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let mut by_counter: BTreeMap<(String, String), Vec<Scored>> = BTreeMap::new();
    for (u, counter, score, reasons, flag) in scored {
        if unit.is_some_and(|only| only != u) {
            continue;
        }
        let s = Scored {
            score: u8::try_from(score).unwrap_or(0),
            reasons: reasons
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            flag: flag.as_deref().and_then(desk::Flag::parse),
        };
        by_counter.entry((u, counter)).or_default().push(s);
    }
    let name = |u: &str| names.get(u).cloned().unwrap_or_else(|| u.to_string());
    // The map is ordered by unit then counter: a unit's counters come together, and its own
    // row follows its last counter.
    let mut rows = Vec::new();
    let mut unit_ratings: Vec<&Scored> = Vec::new();
    let mut entries = by_counter.iter().peekable();
    while let Some(((u, counter), ratings)) = entries.next() {
        rows.push(DeskRow {
            unit_code: u.clone(),
            unit_name: name(u),
            counter: Some(counter.clone()),
            figures: desk::figures(ratings),
        });
        unit_ratings.extend(ratings.iter());
        if entries.peek().is_none_or(|((next, _), _)| next != u) {
            rows.push(DeskRow {
                unit_code: u.clone(),
                unit_name: name(u),
                counter: None,
                figures: desk::figures(unit_ratings.drain(..)),
            });
        }
    }
    rows.push(DeskRow {
        unit_code: "TOTAL".into(),
        unit_name: "TOTAL".into(),
        counter: None,
        figures: desk::figures(by_counter.values().flatten()),
    });
    let synthetic = crate::service::demo::is_demo(store)?;
    Ok(DeskTable {
        period: period.clone(),
        rows,
        synthetic,
    })
}

/// What the rating screen of a kiosk shows: its unit, and the five levels of the unit's
/// form scale (their words in both languages).
pub fn screen(
    store: &Store,
    forms: &crate::service::forms::FormRegistry,
    kiosk: &KioskRow,
) -> Result<(Option<Unit>, Vec<crate::domain::form::ScaleLevel>), StoreError> {
    let unit = crate::service::units::cached(store, &kiosk.unit_code)?;
    let form = unit
        .as_ref()
        .and_then(|u| forms.latest(&u.form_id))
        .or_else(|| forms.latest(crate::service::forms::DEFAULT_FORM));
    let scale = form.map(|f| f.scale.clone()).unwrap_or_default();
    Ok((unit, scale))
}
