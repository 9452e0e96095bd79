//! Rating tablets at the counters (Decree 118/2025 Art. 31(b)): adding one with a pairing
//! code (a unit's lead or an admin; one live tablet a counter), pairing the tablet (a device
//! secret, stored hashed), revoking, taking ratings with the misuse flags decided on their
//! tap times, the desk figures of a period, and the nightly rewrite of closed days.
//!
//! A tablet's recent tap times live in this process's memory on SQLite (one process), and on
//! PostgreSQL in `kiosk_taps`, written in a transaction of their own and gone after ten
//! minutes, so that every node judges a tablet on all its taps. The stored rating keeps only
//! its day; once the day has closed its ratings are rewritten in random order
//! (`settle_closed_days`), so nothing stored orders a day's ratings.

use std::collections::{BTreeMap, HashMap};
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
    #[error("a counter's name has 1 to {MAX_COUNTER} characters, all of them visible")]
    Counter,
    #[error("this counter has a tablet already (#{0}); replace it to add another")]
    Occupied(i64),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("there is no kiosk #{0}")]
    NoKiosk(i64),
    #[error("this pairing code is not known, was used already, or was revoked")]
    UnknownCode,
    #[error("this pairing code has expired (a code is valid {PAIRING_MINUTES} minutes); ask for a new one")]
    Expired,
    #[error("the rating's id is not a random (version 4) UUID")]
    BadId,
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A tap's time, and when it was noted.
type Noted = (DateTime<Utc>, DateTime<Utc>);

/// The recent taps of each tablet (kiosk id) on SQLite.
#[derive(Debug, Default)]
pub struct Taps(Mutex<HashMap<i64, Vec<Noted>>>);

/// How long a tap time is kept: the misuse window, ten minutes at least.
fn keep_taps(rule: &Misuse) -> Duration {
    Duration::seconds(rule.window_secs.max(600))
}

impl Taps {
    /// The flag of a tap of `kiosk` at `tap`, judged against the tablet's other recent taps
    /// (whichever node they reached, on PostgreSQL), and noted for the taps after it.
    pub fn judge(
        &self,
        store: &Store,
        rule: &Misuse,
        kiosk: i64,
        tap: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<desk::Flag>, StoreError> {
        let keep = keep_taps(rule);
        if store.shares_limits() {
            let from_ms = (tap - Duration::seconds(rule.window_secs)).timestamp_millis();
            let now_s = now.timestamp();
            // A transaction of its own: never the rating's (its `xmin` would date the rating).
            return store.write(|c| {
                let times: Vec<DateTime<Utc>> =
                    store_kiosks::recent_taps(c, kiosk, from_ms, now_s)?
                        .into_iter()
                        .filter_map(DateTime::from_timestamp_millis)
                        .collect();
                let flag = rule.judge(&times, tap);
                let expires = now_s + keep.num_seconds();
                store_kiosks::record_tap(c, kiosk, tap.timestamp_millis(), expires)?;
                Ok(flag)
            });
        }
        // Only this tablet's taps are pruned here (a tap costs nothing per other tablet); a
        // tablet that stops keeps at most `most` times, and tablets are few.
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let taps = all.entry(kiosk).or_default();
        taps.retain(|(_, noted)| now - *noted < keep);
        let times: Vec<DateTime<Utc>> = taps.iter().map(|(t, _)| *t).collect();
        let flag = rule.judge(&times, tap);
        taps.push((tap, now));
        // Bounded: the newest taps are the ones a later tap is judged on.
        let most = 4 * (rule.burst + 1) + 64;
        if taps.len() > most {
            taps.sort_by_key(|(t, _)| *t);
            taps.drain(..taps.len() - most);
        }
        Ok(flag)
    }

    /// Forgets a tap noted by `judge` whose rating was not stored after all (best effort).
    pub fn forget(&self, store: &Store, kiosk: i64, tap: DateTime<Utc>) {
        if store.shares_limits() {
            let ms = tap.timestamp_millis();
            if let Err(e) = store.write(|c| store_kiosks::forget_tap(c, kiosk, ms)) {
                tracing::warn!(error = %e, "could not forget a tap whose rating was not stored");
            }
            return;
        }
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(taps) = all.get_mut(&kiosk) {
            if let Some(i) = taps.iter().position(|(t, _)| *t == tap) {
                taps.swap_remove(i);
            }
        }
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

/// Adds a kiosk for a counter of a unit (a unit's lead: their own; admins: any); its id and
/// pairing code (shown once). A counter has one live tablet: with another one there, this is
/// refused (`Occupied`) unless `replace`, which revokes it first (audited).
pub fn add<R: Rng + ?Sized>(
    store: &Store,
    rng: &mut R,
    caller: &Caller,
    unit: &str,
    counter: &str,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<(i64, String), KioskError> {
    let unit = unit.trim();
    let scope = access::unit_for(caller, Action::ManageKiosks, Some(unit))?;
    let unit = open_unit(store, scope.as_deref().unwrap_or(unit), now)?;
    let counter = desk::counter_name(counter, MAX_COUNTER).ok_or(KioskError::Counter)?;
    let code = crate::domain::ticket::random_symbols(rng, PAIRING_LEN);
    let row = NewKiosk {
        unit_code: unit.code.to_string(),
        counter,
        pairing_hash: Some(hash_secret(&code)),
        pairing_expires_at: Some((now + Duration::minutes(PAIRING_MINUTES)).naive_utc()),
        secret_hash: None,
        created_at: now.naive_utc(),
        created_by: caller.name(),
        paired_at: None,
        synthetic: false,
    };
    let id = store.write(|c| -> Result<i64, KioskError> {
        let live = store_kiosks::live_at(c, &row.unit_code, &row.counter)?;
        if let Some(first) = live.first() {
            if !replace {
                return Err(KioskError::Occupied(first.id));
            }
        }
        for old in &live {
            store_kiosks::revoke(c, old.id, now.naive_utc())?;
        }
        let id = store_kiosks::insert(c, &row)?;
        for old in &live {
            let target = format!("#{} {} {}", old.id, old.unit_code, old.counter);
            audit(
                c,
                now,
                &caller.name(),
                "kiosk.revoke",
                &target,
                &format!("replaced by #{id}"),
            )?;
        }
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

/// How many ratings, and how many of them flagged, each tablet (of one unit) sent on each of
/// the days `from`..=`to`: kiosk id, day, ratings, flagged.
pub fn tablet_days(
    store: &Store,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    unit: Option<&str>,
) -> Result<Vec<(i64, chrono::NaiveDate, i64, i64)>, StoreError> {
    store.read(|c| store_kiosks::counts_by_kiosk_day(c, from, to, unit))
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

/// One tap as a tablet sent it: the rating's id (a random UUID the tablet made), the rating,
/// and when it was tapped (the arrival less the age the tablet gave).
#[derive(Debug, Clone)]
pub struct Tap {
    pub id: String,
    pub rating: Rating,
    pub at: DateTime<Utc>,
}

/// The id a rating is stored under: a random (version 4) UUID, hyphenated. A time-based UUID
/// would carry its tap's time into the table.
fn rating_id(sent: &str) -> Result<String, KioskError> {
    uuid::Uuid::parse_str(sent.trim())
        .ok()
        .filter(|u| u.get_version_num() == 4)
        .map(|u| u.hyphenated().to_string())
        .ok_or(KioskError::BadId)
}

/// Stores a rating from a paired kiosk. The same `id` twice stores one rating; a rating
/// first stored with its face alone (a score of 3 or less) takes its reasons and comment
/// once, when they come with the same id and score. The misuse flag is decided on the tap
/// time (METHODOLOGY "Desk ratings"); the rating keeps the tap's day, and goes to the officer
/// who had the counter open at the tap, if they still have it.
pub fn rate(
    store: &Store,
    taps: &Taps,
    settings: &KioskSettings,
    kiosk: &KioskRow,
    tap: &Tap,
    now: DateTime<Utc>,
) -> Result<Stored, KioskError> {
    let id = rating_id(&tap.id)?;
    let rating = &tap.rating;
    let reasons = rating.reasons.join(",");
    if let Some(known) = store.read(|c| store_kiosks::rating(c, &id))? {
        return Ok(again(store, kiosk, &known, rating, &reasons)?);
    }
    let flag = taps.judge(store, &settings.misuse, kiosk.id, tap.at, now)?;
    let row = RatingRow {
        id: id.clone(),
        kiosk_id: kiosk.id,
        unit_code: kiosk.unit_code.clone(),
        counter: kiosk.counter.clone(),
        day: local_date(tap.at),
        score: i16::from(rating.score),
        reasons: reasons.clone(),
        comment: rating.comment.clone(),
        flag: flag.map(|f| f.as_str().to_string()),
        synthetic: false,
        officer_id: None,
        settled: false,
    };
    let stored = store.write(|c| -> Result<(), StoreError> {
        let officer =
            crate::service::counters::holder(c, &kiosk.unit_code, &kiosk.counter, tap.at, now)?;
        let row = RatingRow {
            officer_id: officer,
            ..row.clone()
        };
        store_kiosks::insert_ratings(c, std::slice::from_ref(&row))
    });
    match stored {
        Ok(()) => {
            let today = local_date(now);
            if kiosk.last_seen_day != Some(today) {
                store.write(|c| store_kiosks::seen_on(c, kiosk.id, today))?;
            }
            Ok(Stored { new: true, flag })
        }
        // Two copies of one rating at once (a retry racing the first): one is stored.
        Err(e) if e.is_unique_violation() => {
            taps.forget(store, kiosk.id, tap.at);
            let known = store.read(|c| store_kiosks::rating(c, &id))?;
            Ok(Stored {
                new: false,
                flag: stored_flag(known.and_then(|k| k.flag).as_deref())?,
            })
        }
        Err(e) => {
            taps.forget(store, kiosk.id, tap.at);
            Err(e.into())
        }
    }
}

/// A rating's stored misuse flag: none, or one this version knows (else the row is corrupt).
fn stored_flag(flag: Option<&str>) -> Result<Option<desk::Flag>, StoreError> {
    flag.map(desk::Flag::parse)
        .transpose()
        .map_err(|e| StoreError::corrupt("desk_ratings.flag", e))
}

/// A rating sent again: its reasons and comment are added once to its face stored alone.
fn again(
    store: &Store,
    kiosk: &KioskRow,
    known: &RatingRow,
    rating: &Rating,
    reasons: &str,
) -> Result<Stored, StoreError> {
    let same = known.kiosk_id == kiosk.id && known.score == i16::from(rating.score);
    if same && (!reasons.is_empty() || rating.comment.is_some()) {
        store.write(|c| store_kiosks::amend(c, &known.id, reasons, rating.comment.as_deref()))?;
    }
    let flag = stored_flag(known.flag.as_deref())?;
    Ok(Stored { new: false, flag })
}

/// Rewrites the ratings of every closed day (before today) that holds one not yet rewritten:
/// each day's ratings deleted and written again in random order, in one transaction a day,
/// so that afterwards neither row order, keys nor transaction ids (`xmin`) say in which
/// order, or when, a day's ratings came (METHODOLOGY "No order within a day"). Returns how
/// many ratings were rewritten. Run by a background task.
pub fn settle_closed_days(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    use rand::seq::SliceRandom;
    let today = local_date(now);
    let mut rewritten = 0;
    while let Some(day) = store.read(|c| store_kiosks::first_unsettled_day(c, today))? {
        rewritten += store.write(|c| -> Result<usize, StoreError> {
            let mut rows = store_kiosks::ratings_of_day(c, day)?;
            store_kiosks::delete_day(c, day)?;
            rows.shuffle(&mut rand::rng());
            for r in &mut rows {
                r.settled = true;
            }
            store_kiosks::insert_ratings(c, &rows)?;
            Ok(rows.len())
        })?;
    }
    Ok(rewritten)
}

/// The last day whose ratings anyone but an admin may read at `now`: yesterday. No figure
/// of an open day is shown per counter or officer (METHODOLOGY "No live figures").
pub fn last_closed_day(now: DateTime<Utc>) -> chrono::NaiveDate {
    local_date(now) - Duration::days(1)
}

/// The desk figures of a period up to `through` (the period's end when later): per unit and
/// counter, per unit, and over all units (`unit`: one unit's rows only, and its own total as
/// the last row). The table keeps the period it was asked for.
pub fn table_through(
    store: &Store,
    period: &Period,
    unit: Option<&str>,
    through: chrono::NaiveDate,
) -> Result<DeskTable, StoreError> {
    let mut table = table(store, &period.clone().through(through), unit)?;
    table.period = period.clone();
    Ok(table)
}

/// The desk figures of a period: per unit and counter, per unit, and over all units
/// (`unit`: one unit's rows only, and its own total as the last row).
pub fn table(store: &Store, period: &Period, unit: Option<&str>) -> Result<DeskTable, StoreError> {
    let scored = store.read(|c| store_kiosks::scored_between(c, period.start, period.end, unit))?;
    let names: BTreeMap<String, String> = store
        .read(units::list)?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let mut by_counter: BTreeMap<(String, String), Vec<Scored>> = BTreeMap::new();
    for (u, counter, score, reasons, flag) in scored {
        let s = Scored {
            score: u8::try_from(score).map_err(|e| StoreError::corrupt("desk_ratings.score", e))?,
            reasons: reasons
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            flag: stored_flag(flag.as_deref())?,
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
    let synthetic = store.read(crate::store::meta::is_demo)?;
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
