//! Public pages kept ready in memory (issue 38): on publication day a ward's link is opened by
//! thousands, and a published report, its open data, the feed, the front page, the lists and a
//! unit's replies are the same for every one of them. Each is rendered once per change and
//! compressed once (gzip, and brotli for clients that take it), kept in a bounded
//! least-recently-used map with a strong `ETag` and `Last-Modified`, and answered `304` when
//! the client already has it.
//!
//! A copy is good for one generation of the store (`Store::generation`: any change this node
//! makes or, on PostgreSQL, hears of from another node — a publication, a revision, a unit
//! import, a reply or an action published, a calendar date, a PDF printed) and for
//! `FRESH` at most (a change made by another process on SQLite, such as the command line's
//! unit import, is seen within it). Anonymous readers get `Cache-Control: public` so that
//! browsers and a proxy (deploy/nginx-hailong.conf) keep it too; a signed-in member of staff
//! gets `private, no-store`.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// How long a copy is trusted without a change heard of.
pub const FRESH: Duration = Duration::from_secs(60);

/// What anonymous readers (and proxies) may keep, and for how long.
pub const PUBLIC: &str = "public, max-age=300, stale-while-revalidate=600";
/// What a signed-in member of staff gets: nothing kept anywhere.
pub const PRIVATE: &str = "private, no-store";

/// A page (or file) as rendered, before it is kept.
pub struct Made {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// When its content last changed (a publication's day); else the moment it was made.
    pub last_modified: Option<SystemTime>,
    /// Headers of its own (a file name, CORS for open data).
    pub headers: Vec<(HeaderName, String)>,
    /// Whether it is worth compressing (not a PNG or a PDF).
    pub compress: bool,
}

impl Made {
    pub fn html(body: String) -> Made {
        Made {
            body: body.into_bytes(),
            content_type: "text/html; charset=utf-8",
            last_modified: None,
            headers: Vec::new(),
            compress: true,
        }
    }

    /// A file already compressed in its own way (an image, a PDF): kept as it is.
    pub fn file(body: Vec<u8>, content_type: &'static str) -> Made {
        Made {
            body,
            content_type,
            last_modified: None,
            headers: Vec::new(),
            compress: false,
        }
    }
}

/// A page kept: its three encodings, its validators, and when and at which generation it was
/// made.
pub struct Kept {
    content_type: &'static str,
    headers: Vec<(HeaderName, HeaderValue)>,
    plain: Bytes,
    /// Empty when not worth making (`Made::compress`).
    gzip: Bytes,
    brotli: Bytes,
    /// The plain body's SHA-256, first 16 bytes in hex; each encoding's ETag adds its own.
    tag: String,
    last_modified: SystemTime,
    made: Instant,
    generation: u64,
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    // A window as large as the page (16 to 22 bits): a smaller page needs less memory to
    // compress, and the result is the same.
    let bits = usize::BITS - data.len().max(1).leading_zeros();
    let window = bits.clamp(16, 22);
    let mut w = brotli::CompressorWriter::new(Vec::new(), 4096, 9, window);
    let _ = w.write_all(data);
    w.into_inner()
}

/// A moment as HTTP writes it, to the second (what `Last-Modified` can say).
fn to_second(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

impl Kept {
    /// Compresses `made` (milliseconds of CPU for a large report: call it off the async
    /// threads), unless `before` — the copy it replaces — has the very same body: then its
    /// compressed bodies and `Last-Modified` are kept, and only its age and generation are new
    /// (a page made again after `FRESH` is most often the same, and compressing it again every
    /// minute would churn memory for nothing).
    pub fn of(made: Made, generation: u64, before: Option<&Kept>) -> Kept {
        let hash = Sha256::digest(&made.body);
        let tag = hex::encode(hash.get(..16).unwrap_or_default());
        let headers = made
            .headers
            .into_iter()
            .filter_map(|(k, v)| HeaderValue::from_str(&v).ok().map(|v| (k, v)))
            .collect();
        if let Some(old) = before.filter(|old| old.tag == tag) {
            return Kept {
                content_type: made.content_type,
                headers,
                plain: old.plain.clone(),
                gzip: old.gzip.clone(),
                brotli: old.brotli.clone(),
                tag,
                last_modified: old.last_modified,
                made: Instant::now(),
                generation,
            };
        }
        let (gzip, brotli) = match made.compress {
            true => (gzip(&made.body).into(), brotli(&made.body).into()),
            false => (Bytes::new(), Bytes::new()),
        };
        Kept {
            content_type: made.content_type,
            headers,
            gzip,
            brotli,
            plain: made.body.into(),
            tag,
            last_modified: to_second(made.last_modified.unwrap_or_else(SystemTime::now)),
            made: Instant::now(),
            generation,
        }
    }

    fn weight(&self) -> usize {
        self.plain.len() + self.gzip.len() + self.brotli.len() + 512
    }

    /// The ETag of the body in `encoding`.
    fn etag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.tag),
            Encoding::Gzip => format!("\"{}-gz\"", self.tag),
            Encoding::Identity => format!("\"{}\"", self.tag),
        }
    }
}

/// The map of kept pages, bounded by the bytes they hold.
pub struct PageCache {
    inner: Mutex<(lru::LruCache<String, Arc<Kept>>, usize)>,
    budget: usize,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
    /// The keys of the pages being made now (`serve`).
    making: Mutex<std::collections::HashSet<String>>,
}

impl PageCache {
    /// A map that holds at most `budget` bytes (its three encodings of every page).
    pub fn new(budget: usize) -> PageCache {
        PageCache {
            inner: Mutex::new((lru::LruCache::unbounded(), 0)),
            budget,
            hits: Default::default(),
            misses: Default::default(),
            making: Default::default(),
        }
    }

    /// The page kept under `key`, however old (to compare a page made again with).
    pub fn peek(&self, key: &str) -> Option<Arc<Kept>> {
        self.inner.lock().ok()?.0.peek(key).cloned()
    }

    /// The page kept under `key` if it is of this generation and fresh.
    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<Kept>> {
        use std::sync::atomic::Ordering::Relaxed;
        let found = self.inner.lock().ok().and_then(|mut inner| {
            let kept = inner.0.get(key)?;
            (kept.generation == generation && kept.made.elapsed() < FRESH).then(|| kept.clone())
        });
        match found {
            Some(_) => self.hits.fetch_add(1, Relaxed),
            None => self.misses.fetch_add(1, Relaxed),
        };
        found
    }

    /// Keeps `kept` under `key` (a page made again with the same body keeps its first
    /// `Last-Modified`), dropping the least recently used pages beyond the budget.
    pub fn put(&self, key: String, mut kept: Kept) -> Arc<Kept> {
        let Ok(mut inner) = self.inner.lock() else {
            return Arc::new(kept);
        };
        if let Some(old) = inner.0.peek(&key) {
            if old.tag == kept.tag {
                kept.last_modified = old.last_modified.min(kept.last_modified);
            }
        }
        let kept = Arc::new(kept);
        let weight = kept.weight();
        if weight > self.budget {
            return kept;
        }
        if let Some(old) = inner.0.put(key, kept.clone()) {
            inner.1 = inner.1.saturating_sub(old.weight());
        }
        inner.1 += weight;
        while inner.1 > self.budget {
            match inner.0.pop_lru() {
                Some((_, old)) => inner.1 = inner.1.saturating_sub(old.weight()),
                None => break,
            }
        }
        kept
    }

    /// How many pages and bytes are kept.
    pub fn size(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|inner| (inner.0.len(), inner.1))
            .unwrap_or_default()
    }

    /// The map's figures for `/metrics`.
    pub fn metrics(&self) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let (pages, bytes) = self.size();
        format!(
            "# HELP hailong_page_cache_pages Public pages kept ready.\n# TYPE hailong_page_cache_pages gauge\n\
             hailong_page_cache_pages {pages}\n\
             # HELP hailong_page_cache_bytes Bytes they hold (every encoding).\n# TYPE hailong_page_cache_bytes gauge\n\
             hailong_page_cache_bytes {bytes}\n\
             # HELP hailong_page_cache_lookups_total Public pages asked for, found kept or made.\n# TYPE hailong_page_cache_lookups_total counter\n\
             hailong_page_cache_lookups_total{{result=\"hit\"}} {}\n\
             hailong_page_cache_lookups_total{{result=\"miss\"}} {}\n",
            self.hits.load(Relaxed),
            self.misses.load(Relaxed)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the client takes: brotli, else gzip, else none.
fn encoding_of(req: &HttpRequest) -> Encoding {
    use actix_web::http::header::{AcceptEncoding, Encoding as E, Header};
    let chosen = AcceptEncoding::parse(req)
        .ok()
        .and_then(|a| a.negotiate([E::brotli(), E::gzip(), E::identity()].iter()));
    match chosen {
        Some(e) if e == E::brotli() => Encoding::Brotli,
        Some(e) if e == E::gzip() => Encoding::Gzip,
        _ => Encoding::Identity,
    }
}

/// Whether the request carries a staff session (then nothing is kept outside this node).
pub fn is_staff(req: &HttpRequest) -> bool {
    req.cookie(crate::web::auth::SESSION_COOKIE).is_some()
}

/// Whether the client has this very body: its `If-None-Match` names the ETag (or `*`), or,
/// without one, its `If-Modified-Since` is not before `Last-Modified`.
fn not_modified(req: &HttpRequest, etag: &str, last_modified: SystemTime) -> bool {
    let headers = req.headers();
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let inm = inm.to_str().unwrap_or_default();
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| since >= last_modified)
}

/// The kept page as this request should get it: `304` when the client has it, else the body
/// in the best encoding it takes; public or private as the reader is.
pub fn respond(req: &HttpRequest, kept: &Kept) -> HttpResponse {
    let encoding = if kept.gzip.is_empty() {
        Encoding::Identity
    } else {
        encoding_of(req)
    };
    let etag = kept.etag(encoding);
    let staff = is_staff(req);
    let status = if not_modified(req, &etag, kept.last_modified) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut r = HttpResponse::build(status);
    r.insert_header((header::ETAG, etag))
        .insert_header((
            header::LAST_MODIFIED,
            httpdate::fmt_http_date(kept.last_modified),
        ))
        .insert_header((header::CACHE_CONTROL, if staff { PRIVATE } else { PUBLIC }))
        .insert_header((header::VARY, "Accept-Encoding, Cookie"));
    for (k, v) in &kept.headers {
        r.insert_header((k.clone(), v.clone()));
    }
    if status == StatusCode::NOT_MODIFIED {
        return r.finish();
    }
    r.content_type(kept.content_type);
    let body = match encoding {
        Encoding::Brotli => {
            r.insert_header((header::CONTENT_ENCODING, "br"));
            kept.brotli.clone()
        }
        Encoding::Gzip => {
            r.insert_header((header::CONTENT_ENCODING, "gzip"));
            kept.gzip.clone()
        }
        // A client that takes neither: the compression middleware (gzip only) has nothing
        // to offer it either.
        Encoding::Identity => kept.plain.clone(),
    };
    r.body(body)
}

/// The page under `key`: the kept one when it is good, else made by `make` (its error
/// answered as it is, nothing kept), compressed off the async threads, kept and answered.
/// While one request makes a page again, the others get the copy it replaces (when there is
/// one): a crowd that arrives just after a publication costs one rendering, not one each.
pub async fn serve<E, F, Fut>(
    state: &actix_web::web::Data<crate::web::AppState>,
    req: &HttpRequest,
    key: String,
    make: F,
) -> Result<HttpResponse, E>
where
    E: From<actix_web::error::BlockingError>,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Made, E>>,
{
    let generation = state.store.generation();
    if let Some(kept) = state.pages.get(&key, generation) {
        return Ok(respond(req, &kept));
    }
    let before = state.pages.peek(&key);
    let Some(_making) = Making::start(&state.pages, &key) else {
        if let Some(old) = &before {
            return Ok(respond(req, old));
        }
        // The first copy of all is being made: this one is made too.
        return make_and_keep(state, req, key, make, (generation, None)).await;
    };
    make_and_keep(state, req, key, make, (generation, before)).await
}

async fn make_and_keep<E, F, Fut>(
    state: &actix_web::web::Data<crate::web::AppState>,
    req: &HttpRequest,
    key: String,
    make: F,
    (generation, before): (u64, Option<Arc<Kept>>),
) -> Result<HttpResponse, E>
where
    E: From<actix_web::error::BlockingError>,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Made, E>>,
{
    let made = make().await?;
    let kept = actix_web::web::block(move || Kept::of(made, generation, before.as_deref())).await?;
    let kept = state.pages.put(key, kept);
    Ok(respond(req, &kept))
}

/// A page being made by one request: its key is marked until the request is done (or
/// dropped), so that the others serve the old copy meanwhile.
struct Making<'a> {
    cache: &'a PageCache,
    key: String,
}

impl<'a> Making<'a> {
    /// None when another request is making this page.
    fn start(cache: &'a PageCache, key: &str) -> Option<Making<'a>> {
        let mut making = cache.making.lock().ok()?;
        making.insert(key.to_string()).then(|| Making {
            cache,
            key: key.to_string(),
        })
    }
}

impl Drop for Making<'_> {
    fn drop(&mut self) {
        if let Ok(mut making) = self.cache.making.lock() {
            making.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::io::Read;

    fn page(text: &str) -> Kept {
        Kept::of(Made::html(text.repeat(200)), 1, None)
    }

    #[test]
    fn the_map_keeps_the_most_recently_used_within_its_budget() {
        let one = page("một").weight();
        let cache = PageCache::new(one * 2 + one / 2);
        cache.put("a".into(), page("một"));
        cache.put("b".into(), page("hai"));
        assert!(cache.get("a", 1).is_some(), "a used: b is the least recent");
        cache.put("c".into(), page("bốn"));
        assert!(cache.get("b", 1).is_none(), "b dropped for c");
        assert!(cache.get("a", 1).is_some() && cache.get("c", 1).is_some());
        assert!(cache.size().1 <= one * 2 + one / 2);
        assert!(
            cache.get("a", 2).is_none(),
            "another generation: made again"
        );
    }

    #[test]
    fn one_request_at_a_time_makes_a_page() {
        let cache = PageCache::new(1 << 20);
        let first = Making::start(&cache, "front:vi");
        assert!(first.is_some());
        assert!(
            Making::start(&cache, "front:vi").is_none(),
            "the others wait"
        );
        assert!(
            Making::start(&cache, "front:en").is_some(),
            "another page is free"
        );
        drop(first);
        assert!(
            Making::start(&cache, "front:vi").is_some(),
            "free again once made"
        );
    }

    #[test]
    fn a_page_made_again_unchanged_is_not_compressed_again() {
        let first = page("Quý 2/2026");
        let again = Kept::of(Made::html("Quý 2/2026".repeat(200)), 2, Some(&first));
        assert_eq!(again.generation, 2);
        assert_eq!(
            again.brotli.as_ptr(),
            first.brotli.as_ptr(),
            "the same bytes kept"
        );
        assert_eq!(again.last_modified, first.last_modified);
        let other = Kept::of(Made::html("Quý 3/2026".repeat(200)), 2, Some(&first));
        assert_ne!(other.tag, first.tag);
        let mut plain = String::new();
        brotli::Decompressor::new(&other.brotli[..], 4096)
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, "Quý 3/2026".repeat(200));
    }

    #[test]
    fn the_same_body_keeps_its_tag_and_a_matching_client_gets_304() {
        let (a, b) = (page("Báo cáo"), page("Báo cáo"));
        assert_eq!(a.tag, b.tag);
        assert_ne!(a.tag, page("Báo cáo mới").tag);
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_http_request();
        let r = respond(&req, &a);
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r
            .headers()
            .get(header::ETAG)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(etag.ends_with("-gz\""));
        assert_eq!(r.headers().get(header::CACHE_CONTROL).unwrap(), PUBLIC);
        let again = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip, br"))
            .insert_header((header::IF_NONE_MATCH, etag.as_str()))
            .to_http_request();
        assert_eq!(
            respond(&again, &b).status(),
            StatusCode::OK,
            "br is another body"
        );
        let again = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .insert_header((header::IF_NONE_MATCH, etag.as_str()))
            .to_http_request();
        assert_eq!(respond(&again, &b).status(), StatusCode::NOT_MODIFIED);
    }
}
