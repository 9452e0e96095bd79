//! Building the application from settings: open and migrate the database, load and guard
//! the forms, load the demo if asked, bind the listener. Tests build it on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{middleware, App, HttpServer};
use chrono::Utc;

use crate::config::Settings;
use crate::secret::Secret;
use crate::service::demo;
use crate::service::forms::{FormRegistry, FormsError};
use crate::store::{Store, StoreError};
use crate::web::ratelimit::RateLimiter;
use crate::web::{self as routes, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Forms(#[from] FormsError),
    #[error("loading the demo district failed: {0}")]
    Demo(#[from] demo::DemoError),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("{0}")]
    Config(String),
}

pub struct Application {
    port: u16,
    server: Server,
    draining: Arc<std::sync::atomic::AtomicBool>,
    pub public_url: String,
    pub demo_loaded: Option<demo::DemoSummary>,
    /// The password of the `admin` account created on this first start, to print once.
    pub admin_password: Option<String>,
    /// A unit open today whose poster the start-up line can suggest (none when there is none).
    pub example_unit: Option<String>,
}

/// Loads the demo into an empty database and publishes its finished quarters but the last;
/// none when the database already holds units.
fn load_demo(
    store: &Store,
    forms: &FormRegistry,
    settings: &Settings,
) -> Result<Option<demo::DemoSummary>, StartError> {
    match demo::load(store, forms, Utc::now()) {
        Ok(summary) => {
            let feedback = crate::service::feedback::FeedbackSettings {
                deadlines: settings.feedback_deadlines,
                webhook: false,
                ..Default::default()
            };
            let topics = crate::service::topics::rules_of(settings.topics_file.as_deref())
                .map_err(StartError::Config)?;
            let src = crate::service::publish::Sources {
                forms,
                feedback: &feedback,
                topics: &topics,
            };
            let published = demo::publish_finished(store, src, settings.scheme, Utc::now())
                .map_err(|e| StartError::Config(format!("publishing the demo failed: {e}")))?;
            tracing::info!(periods = ?published, "--demo: published the finished quarters but the last");
            Ok(Some(summary))
        }
        Err(demo::DemoError::NotEmpty) => {
            tracing::info!(
                "--demo: the database already holds units; the demo was not loaded again"
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The one-time work of a start, on one node at a time when several share one PostgreSQL
/// database: the form versions recorded, the tallies checked, the demo loaded once, the
/// public address kept, the first admin made once (its password, to print once).
fn first_start(
    store: &Store,
    forms: &FormRegistry,
    settings: &Settings,
) -> Result<(Option<demo::DemoSummary>, Option<String>), StartError> {
    store.exclusively(|| -> Result<_, StartError> {
        forms.guard(store, Utc::now())?;
        crate::service::indices::ensure_tallies(store, forms)
            .map_err(|e| StartError::Config(format!("rebuilding the tallies failed: {e}")))?;
        let demo_loaded = if settings.demo {
            load_demo(store, forms, settings)?
        } else {
            None
        };
        // The address citizens reach, kept for the command line's printed codes.
        if let Some(url) = &settings.public_url {
            crate::service::public::remember_public_url(store, url)
                .map_err(|e| StartError::Config(format!("storing --public-url failed: {e}")))?;
        }
        let admin_password =
            crate::service::users::ensure_admin(store, &mut rand::rng(), Utc::now()).map_err(
                |e| StartError::Config(format!("creating the first admin account failed: {e}")),
            )?;
        Ok((demo_loaded, admin_password))
    })
}

/// Comments past the retention period deleted now, and then every six hours, in the background.
fn start_retention(
    store: &Store,
    days: i64,
    privacy: &crate::config::PrivacySettings,
) -> Result<(), StartError> {
    let st = store.clone();
    let retention = crate::service::retention::Retention {
        comment_days: days,
        contact_days: privacy.contact_retention_days,
        request_days: privacy.request_retention_days,
        audit_years: privacy.audit_retention_years,
    };
    // A task of the runtime that builds the application, as the hourly jobs are: it ends
    // with that runtime and lets its database connections go (a thread of its own would
    // hold them for the life of the process — dozens of test servers ran PostgreSQL out of
    // connections).
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            loop {
                let st = st.clone();
                let done = crate::service::run_blocking(move || {
                    crate::service::retention::sweep(&st, retention, Utc::now())
                })
                .await;
                match done {
                    Ok(0) => crate::telemetry::job_ok("retention"),
                    Ok(n) => tracing::info!(deleted = n, "deleted what is past its retention period"),
                    Err(e) => {
                        crate::telemetry::count_failure("retention", &crate::telemetry::chain(&e));
                        tracing::error!(error = %crate::telemetry::chain(&e), "the retention sweep failed; it runs again later");
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
            }
        });
    }
    Ok(())
}

/// The webhook's receiver and secret, when one is set (and set well).
fn webhook_of(settings: &Settings) -> Result<Option<(String, Secret)>, StartError> {
    let Some(url) = &settings.webhook_url else {
        return Ok(None);
    };
    if !url.starts_with("http://") {
        return Err(StartError::Config(format!(
            "--webhook-url {url}: only http:// receivers are supported (put a TLS-terminating relay on your network for https; see README \"Webhook\")"
        )));
    }
    match &settings.webhook_secret {
        Some(s) if s.expose().chars().count() >= 16 => Ok(Some((url.clone(), s.clone()))),
        _ => Err(StartError::Config(
            "--webhook-url needs --webhook-secret (HAILONG_WEBHOOK_SECRET) of at least 16 characters".into(),
        )),
    }
}

/// The webhook's worker (see `service::webhook`).
fn start_webhook(
    store: &Store,
    settings: &Settings,
    forms: &Arc<FormRegistry>,
    public_url: &str,
    url: &str,
    secret: &Secret,
) -> Result<(), StartError> {
    crate::service::webhook::start(
        store.clone(),
        crate::service::webhook::Webhook {
            url: url.to_string(),
            secret: secret.clone(),
            public_url: public_url.to_string(),
            poll: std::time::Duration::from_millis(500),
            digest_every: std::time::Duration::from_secs(settings.low_score_digest_secs.max(1)),
            forms: forms.clone(),
        },
    )
    .map_err(|e| StartError::Config(format!("cannot start the webhook worker: {e}")))?;
    Ok(())
}

/// The invitations' worker, a task of the runtime that builds the application (it ends with
/// it). It runs with invitations off too: then it gives up whatever waits (a number queued by
/// `hailong dossiers returned` is not kept for a sender that will never come).
fn start_invitations(
    store: &Store,
    settings: &Settings,
    key: &crate::secret::DataKey,
    public_url: &str,
) -> Result<crate::service::invite::Sender, StartError> {
    let sender = crate::service::invite::Sender::new(
        store.clone(),
        settings.invite.clone(),
        key.clone(),
        public_url,
    )
    .map_err(|e| StartError::Config(format!("cannot start the invitations' sender: {e}")))?;
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(crate::service::invite::run(sender.clone()));
    }
    Ok(sender)
}

/// What every request's handler shares: the store, the forms, the limits and settings.
fn app_state(
    settings: &Settings,
    store: Store,
    forms: Arc<FormRegistry>,
    public_url: &str,
    webhook: bool,
    data_key: crate::secret::DataKey,
    sender: crate::service::invite::Sender,
) -> Result<AppState, StartError> {
    let register = Arc::new(crate::service::privacy::start_with(
        &store,
        &settings.processing(),
    )?);
    let is_demo = store.read(crate::store::meta::is_demo)?;
    // Every node hashes a client alike, so that on PostgreSQL they count it together.
    let rate_key =
        crate::service::users::stored_secret(&store, crate::service::users::RATE_LIMIT_KEY)
            .map_err(|e| StartError::Config(format!("cannot read the rate-limit key: {e}")))?;
    let shared = store.clone();
    let limiter = |limit, scope| {
        Arc::new(RateLimiter::new(
            limit,
            &rate_key,
            Some((shared.clone(), scope)),
        ))
    };
    Ok(AppState {
        pdf_wake: Default::default(),
        draining: Default::default(),
        metrics_token: settings
            .metrics_token
            .clone()
            .filter(|t| !t.expose().trim().is_empty()),
        store,
        forms,
        public_url: public_url.to_string(),
        ticket_ttl: chrono::Duration::days(settings.ticket_ttl_days),
        demo: is_demo,
        scheme: settings.scheme,
        submit_limiter: limiter(settings.rate_limit, "submit"),
        login_limiter: limiter(settings.login_rate_limit, "login"),
        ticket_limiter: limiter(settings.ticket_rate_limit, "ticket"),
        tablet_limiter: limiter(settings.kiosk_rate_limit, "tablet"),
        pair_limiter: limiter(settings.pair_rate_limit, "pair"),
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        export_write_timeout: std::time::Duration::from_secs(
            settings.export_write_timeout_secs.max(1),
        ),
        trust_proxy: settings.trust_proxy,
        form_pages: Default::default(),
        pages: page_cache(settings),
        grace_days: settings.lineage_grace_days,
        kiosk: settings.kiosk,
        taps: Default::default(),
        register: register.clone(),
        requests: settings.privacy.requests,
        request_limiter: limiter(settings.privacy.request_limit, "privacy_request"),
        data_key,
        invite: Arc::new(settings.invite.clone()),
        sender,
        publishing: Arc::new(publishing(settings, is_demo)),
        topics: Arc::new(
            crate::service::topics::CurrentRules::load(settings.topics_file.as_deref())
                .map_err(StartError::Config)?,
        ),
        feedback: Arc::new(crate::service::feedback::FeedbackSettings {
            deadlines: settings.feedback_deadlines,
            webhook,
            notice_version: register.version.clone(),
            unit_cap: settings
                .feedback_unit_limit
                .map(|l| crate::service::feedback::UnitCap {
                    max: l.max,
                    window_secs: i64::try_from(l.window.as_secs()).unwrap_or(i64::MAX),
                }),
        }),
    })
}

/// The public pages kept ready, within `--page-cache-mb`.
fn page_cache(settings: &Settings) -> Arc<crate::web::cache::PageCache> {
    let bytes = settings.publishing.page_cache_mb.saturating_mul(1 << 20);
    Arc::new(crate::web::cache::PageCache::new(
        usize::try_from(bytes).unwrap_or(usize::MAX),
    ))
}

/// Who issues the results: the settings', else the controller's; the demo names itself.
fn publishing(settings: &Settings, demo: bool) -> crate::service::calendar::Publishing {
    let p = &settings.publishing;
    let pick = |own: &str, controller: &str, demo_text: &str| -> String {
        [own, controller]
            .into_iter()
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                if demo {
                    demo_text.to_string()
                } else {
                    String::new()
                }
            })
    };
    crate::service::calendar::Publishing {
        publisher: pick(
            &p.publisher,
            &settings.privacy.controller_name,
            "Phòng Nội vụ (dữ liệu trình diễn)",
        ),
        contact: pick(
            &p.publisher_contact,
            &settings.privacy.controller_contact,
            "noivu@example.gov.vn (trình diễn)",
        ),
        after_days: p.publish_after_days,
    }
}

/// The HTTP server on `listener`, every request through the same middleware.
fn serve(data: actix_web::web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(
                crate::web::errors::render_errors,
            ))
            .wrap(actix_web::middleware::from_fn(routes::refuse_cross_site))
            .wrap(actix_web::middleware::from_fn(routes::refuse_nul))
            .wrap(actix_web::middleware::from_fn(routes::record_request))
            .wrap(routes::security_headers())
            .wrap(middleware::Compress::default())
            .configure(routes::routes)
    })
    // Signals are this process's own (`run_with_signals`): the drain comes first.
    .disable_signals()
    .listen(listener)?
    .run())
}

impl Application {
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        if !(0..=3650).contains(&settings.lineage_grace_days) {
            return Err(StartError::Config(
                "--lineage-grace-days must be between 0 and 3650".into(),
            ));
        }
        if settings.ticket_ttl_days < 1 || settings.ticket_ttl_days > 3650 {
            return Err(StartError::Config(
                "--ticket-ttl-days must be between 1 and 3650".into(),
            ));
        }
        settings.invite.check().map_err(StartError::Config)?;
        let data_key = crate::secret::DataKey::load_or_create(&settings.data_key_file)
            .map_err(|e| StartError::Config(e.to_string()))?;
        let store = Store::open(settings.database_url.expose())?;
        let forms = FormRegistry::load(settings.forms_dir.as_deref())?;
        let (demo_loaded, admin_password) = first_start(&store, &forms, &settings)?;
        // Other nodes' changes (a token revoked, a unit changed) drop this node's memos at once.
        let _listener = store.listen_for_changes();
        let example_unit = example_unit(&store, Utc::now())?;
        // Every hour: the tickets used on days that have closed are rewritten together, so
        // that none can be paired with its response (see tickets::seal_used_days). A task of
        // the runtime that builds the application: it ends with that runtime, and with it
        // its hold on the database pool (a thread would keep the pool open for ever).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(hourly_jobs(store.clone()));
        }
        start_retention(&store, settings.comment_retention_days, &settings.privacy)?;
        let webhook = webhook_of(&settings)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| StartError::Bind(settings.bind.clone(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Bind(settings.bind.clone(), e))?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        let forms = Arc::new(forms);
        if let Some((url, secret)) = &webhook {
            start_webhook(&store, &settings, &forms, &public_url, url, secret)?;
        }
        let sender = start_invitations(&store, &settings, &data_key, &public_url)?;
        let state = app_state(
            &settings,
            store,
            forms,
            &public_url,
            webhook.is_some(),
            data_key,
            sender,
        )?;
        let draining = state.draining.clone();
        let state = actix_web::web::Data::new(state);
        crate::web::release::start_pdfs(&state, &settings.publishing.chromium);
        let server =
            serve(state, listener).map_err(|e| StartError::Bind(settings.bind.clone(), e))?;
        Ok(Application {
            port: addr.port(),
            server,
            draining,
            public_url,
            demo_loaded,
            admin_password,
            example_unit,
        })
    }

    /// A handle to stop the server (tests stop theirs so their connections close).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Runs until SIGTERM or Ctrl-C. Then `/healthz` answers 503 for `drain` (a proxy's
    /// health check takes this node out) while requests are still served, and then the
    /// server stops taking connections, finishes the requests in flight (their group
    /// commits included) and returns.
    pub async fn run_with_signals(self, drain: std::time::Duration) -> std::io::Result<()> {
        let (handle, draining) = (self.server.handle(), self.draining.clone());
        tokio::spawn(async move {
            stop_signal().await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            tracing::info!(
                drain_secs = drain.as_secs(),
                "stopping: /healthz answers 503, then the requests in flight are finished"
            );
            tokio::time::sleep(drain).await;
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// SIGTERM (systemd, a container's stop) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// A unit open today with a desk (no unit names it as parent), preferring the demo's An Lạc:
/// the poster the start-up line suggests.
fn example_unit(store: &Store, now: chrono::DateTime<Utc>) -> Result<Option<String>, StoreError> {
    let units = crate::service::units::list(store)?;
    let today = crate::domain::local_date(now);
    let open: Vec<&crate::domain::unit::Unit> = units
        .iter()
        .filter(|u| u.is_valid_on(today))
        .filter(|u| !units.iter().any(|c| c.parent.as_ref() == Some(&u.code)))
        .collect();
    Ok(open
        .iter()
        .find(|u| u.code.as_str() == "phuong-an-lac")
        .or(open.first())
        .map(|u| u.code.to_string()))
}

/// A background job of the store, run on the blocking pool: a failure is logged with its
/// cause and counted (`/metrics`, the admins' dashboard); a good run clears it. Whether it ran.
async fn run_job(
    store: &Store,
    job: &'static str,
    what: &'static str,
    work: fn(&Store, chrono::DateTime<Utc>) -> Result<usize, crate::store::StoreError>,
) -> bool {
    let s = store.clone();
    match tokio::task::spawn_blocking(move || work(&s, Utc::now())).await {
        Ok(Ok(_)) => {
            crate::telemetry::job_ok(job);
            true
        }
        Ok(Err(e)) => {
            let cause = crate::telemetry::chain(&e);
            crate::telemetry::count_failure(job, &cause);
            tracing::error!(job, error = %cause, "{what} failed; trying again soon");
            false
        }
        Err(e) => {
            crate::telemetry::count_failure(job, &e.to_string());
            tracing::error!(job, error = %e, "{what} stopped; trying again soon");
            false
        }
    }
}

/// Every hour: the tickets used on days that have closed are rewritten together, so that none
/// can be paired with its response (see tickets::seal_used_days), and the desk ratings of
/// closed days likewise. A failed run is tried again after a minute, then two, four … up to
/// the hour. A task of the runtime that builds the application: it ends with that runtime,
/// and with it its hold on the database pool (a thread would keep the pool open for ever).
async fn hourly_jobs(store: Store) {
    const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut retry: Option<std::time::Duration> = None;
    loop {
        let sealed = run_job(
            &store,
            "seal_tickets",
            "sealing the used tickets",
            crate::service::tickets::seal_used_days,
        )
        .await;
        let settled = run_job(
            &store,
            "settle_desk",
            "rewriting the closed days' desk ratings",
            crate::service::kiosks::settle_closed_days,
        )
        .await;
        retry = if sealed && settled {
            None
        } else {
            Some(retry.map_or(std::time::Duration::from_secs(60), |w| (w * 2).min(HOUR)))
        };
        tokio::time::sleep(retry.unwrap_or(HOUR)).await;
    }
}
