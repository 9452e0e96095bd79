//! Every setting: a command-line flag with an environment fallback.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod invite;
mod parts;
pub use invite::InviteArgs;
pub use parts::*;

#[derive(Debug, Parser)]
#[command(
    name = "hailong",
    version,
    about = "Citizen-satisfaction survey of one-stop reception desks (SIPAS)"
)]
pub struct Cli {
    /// sqlite://PATH (default: hailong.db in the working directory) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite://hailong.db"
    )]
    pub database_url: String,
    /// Directory of form files; forms built into the binary fill in what it lacks [default: ./forms if present]
    #[arg(long, env = "HAILONG_FORMS", global = true)]
    pub forms: Option<PathBuf>,
    /// Origin printed into QR codes and links, e.g. https://khaosat.example.gov.vn [default: the bind address]
    #[arg(long, env = "HAILONG_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Reporting periods: calendar (Q1 = 1 Jan–31 Mar) or decree09 (Q1 = 15 Dec–14 Mar)
    #[arg(long, env = "HAILONG_PERIOD_SCHEME", global = true, default_value = "calendar", value_parser = parse_scheme)]
    pub period_scheme: crate::domain::period::Scheme,
    /// Feedback deadlines in working days: decide,answer,publish (Decision 766/QĐ-TTg: 2,15,2)
    #[arg(long, env = "HAILONG_FEEDBACK_DEADLINES", global = true, default_value_t = crate::domain::feedback::Deadlines::default(), value_parser = crate::domain::feedback::Deadlines::parse)]
    pub feedback_deadlines: crate::domain::feedback::Deadlines,
    /// The data key (made with mode 0600 when absent): keep it with the backups, apart from
    /// the database [default: beside a SQLite file, with its name and .key; else ./hailong.key]
    #[arg(long, env = "HAILONG_DATA_KEY_FILE", global = true)]
    pub data_key_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_scheme(s: &str) -> Result<crate::domain::period::Scheme, String> {
    crate::domain::period::Scheme::parse(s).map_err(|e| e.0)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service.
    Serve(Box<ServeArgs>),
    /// Form files.
    #[command(subcommand)]
    Forms(FormsCommand),
    /// Units (đơn vị): the places with a reception desk.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Bearer tokens for machine clients.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// One-time survey codes.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Rating tablets at the counters.
    #[command(subcommand)]
    Kiosks(KiosksCommand),
    /// Paper questionnaires (sheets with one-time codes, typed twice by staff).
    #[command(subcommand)]
    Paper(PaperCommand),
    /// Staff accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Dossiers from the one-stop software.
    #[command(subcommand)]
    Dossiers(DossiersCommand),
    /// Personal data (SPEC §13).
    #[command(subcommand)]
    Privacy(PrivacyCommand),
    /// Comment topics' rules (SPEC §12).
    #[command(subcommand)]
    Topics(TopicsCommand),
    /// A consistent copy of the (SQLite) database while the service runs.
    Backup { file: PathBuf },
    /// Write the publication-ready report of a period as one self-contained HTML file.
    Report {
        #[arg(long)]
        period: String,
        #[arg(long)]
        out: PathBuf,
        /// vi (default) or en
        #[arg(long, default_value = "vi")]
        lang: String,
    },
    /// Import data from the one-stop software.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Download tables.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a member of staff; a password is generated and printed once (or read with --password-stdin).
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// The unit of an officer.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// An officer who leads their unit: sees the figures of the unit's officers.
        #[arg(long)]
        lead: bool,
        /// The person's name as staff pages show it ("Nguyễn Thị Lan").
        #[arg(long = "name")]
        display_name: Option<String>,
    },
    /// Set the name staff pages show for an account.
    Name { name: String, display_name: String },
    /// List staff accounts.
    List,
    /// Give an account a new random password, printed once; also lifts a lock-out and ends
    /// its sessions (the way back in when the only admin forgot theirs).
    ResetPassword { name: String },
    /// Disable an account; its sessions end at once.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
    /// Make an officer their unit's lead (or, with --off, no longer).
    Lead {
        name: String,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Checks a rules file: refused with its line (unknown topic, empty phrase, bad TOML…).
    Check { file: PathBuf },
    /// Measures rules on a labelled file (`comment<TAB>topic,topic`): precision, recall and F1
    /// per topic, and micro-F1.
    Test {
        file: PathBuf,
        /// The rules to measure (default: the shipped ones).
        #[arg(long)]
        topics: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// The record of processing the service runs under (as it last started on this database):
    /// data categories, purposes, legal basis, retention, recipients, safeguards.
    Register {
        /// md (Markdown) or json
        #[arg(long, default_value = "md")]
        format: String,
        /// vi or en (Markdown)
        #[arg(long, default_value = "vi")]
        lang: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DossiersCommand {
    /// Returned dossiers (SPEC §11): a JSON array, or CSV with the header
    /// ref,unit,procedure,received_on,due_on,returned_on,channel,phone,invite
    Returned {
        file: PathBuf,
        /// Queue an invitation for each new dossier whose citizen agreed (the running
        /// service sends them by its own --invite-via): off, zns, sms, zns,sms or demo.
        #[arg(long, env = "HAILONG_INVITE_VIA", default_value = "off", value_parser = crate::domain::invite::Via::parse)]
        invite_via: crate::domain::invite::Via,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Dossier counts per unit and day: CSV with the header unit_code,date,dossiers
    Dossiers { file: PathBuf },
}

/// A period by name (`--period 2021-Q1`) or a range of days (`--from`, `--to`).
#[derive(Debug, Clone, Args)]
pub struct PeriodArgs {
    #[arg(long)]
    pub period: Option<String>,
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The index table of a period (SPEC §6): CSV, or .xlsx by extension; stdout without --out.
    Indices {
        #[command(flatten)]
        range: PeriodArgs,
        /// wide (one row per unit) or long (one row per unit and measure)
        #[arg(long, default_value = "wide")]
        shape: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Invitations of a period per unit and route (SPEC §11): queued, delivered, failed,
    /// held, opted out, answered; stdout without --out.
    Invitations {
        #[command(flatten)]
        range: PeriodArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Desk ratings of a period per unit and counter (SPEC §10); stdout without --out.
    Desk {
        #[command(flatten)]
        range: PeriodArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Feedback received in a period, one row per item, texts masked; stdout without --out.
    Feedback {
        #[command(flatten)]
        range: PeriodArgs,
        /// One unit's items only.
        #[arg(long)]
        unit: Option<String>,
        /// Add the contacts citizens gave (an admin's export; written to the audit log).
        #[arg(long)]
        with_contacts: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The anonymised raw responses of a period, one row each, comments masked; stdout without --out.
    Responses {
        #[command(flatten)]
        range: PeriodArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "HAILONG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the demo district (Bình Tân, 2021, synthetic) into an empty database.
    #[arg(long)]
    pub demo: bool,
    /// Days a one-time survey code stays valid.
    #[arg(long, env = "HAILONG_TICKET_TTL_DAYS", default_value_t = 30)]
    pub ticket_ttl_days: i64,
    /// Poster submissions per client address: N/SECONDS, or off (for a load test from one machine).
    #[arg(long, env = "HAILONG_RATE_LIMIT", default_value = "60/600", value_parser = parse_limit)]
    pub rate_limit: LimitArg,
    /// Sign-in attempts per client address: N/SECONDS, or off.
    #[arg(long, env = "HAILONG_LOGIN_RATE_LIMIT", default_value = "10/600", value_parser = parse_limit)]
    pub login_rate_limit: LimitArg,
    /// One-time code pages (`/t/{code}`) per client address: N/SECONDS, or off. Generous:
    /// a desk's citizens share one address; guessers of codes are slowed.
    #[arg(long, env = "HAILONG_TICKET_RATE_LIMIT", default_value = "600/600", value_parser = parse_limit)]
    pub ticket_rate_limit: LimitArg,
    /// Posts to `/kiosk/rate` per rating tablet: N/SECONDS, or off. Past it the tablet is
    /// told 429 and its queue sends again later; a flood never reaches the database.
    #[arg(long, env = "HAILONG_KIOSK_RATE_LIMIT", default_value = "60/60", value_parser = parse_limit)]
    pub kiosk_rate_limit: LimitArg,
    /// Wrong pairing codes per client address: N/SECONDS, or off. Apart from the sign-in
    /// limit, so that a tablet being set up never locks staff out of signing in.
    #[arg(long, env = "HAILONG_PAIR_RATE_LIMIT", default_value = "10/600", value_parser = parse_limit)]
    pub pair_rate_limit: LimitArg,
    /// New feedback items one unit takes, over all addresses: N/SECONDS, or off. A flood from
    /// many addresses stops here; citizens then see a page asking them to try later.
    #[arg(long, env = "HAILONG_FEEDBACK_UNIT_LIMIT", default_value = "30/3600", value_parser = parse_limit)]
    pub feedback_unit_limit: LimitArg,
    /// Seconds a raw export waits for a client that stopped reading before it gives up and
    /// frees its database connection.
    #[arg(long, env = "HAILONG_EXPORT_WRITE_TIMEOUT", default_value_t = 60)]
    pub export_write_timeout: u64,
    /// Behind a reverse proxy you run: take the client address from X-Forwarded-For.
    #[arg(long, env = "HAILONG_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Free-text comments are deleted after this many days (answers are kept); 0 keeps them.
    #[arg(long, env = "HAILONG_COMMENT_RETENTION_DAYS", default_value_t = 730)]
    pub comment_retention_days: i64,
    /// Comment topics' rules (TOML, as `hailong topics check` reads them) instead of the
    /// shipped ones; a bad file stops the start with its line.
    #[arg(long, env = "HAILONG_TOPICS")]
    pub topics: Option<PathBuf>,
    /// Days after a merged unit closed during which its old poster still takes answers, counted
    /// for its successor (flag via_predecessor); after that it answers 410 with the link.
    #[arg(long, env = "HAILONG_LINEAGE_GRACE_DAYS", default_value_t = crate::service::submit::DEFAULT_GRACE_DAYS)]
    pub lineage_grace_days: i64,
    /// Post events (new feedback; a digest of surveys scored 1–2) to this URL, signed (see
    /// README "Webhook"). Plain http:// to a receiver on your network.
    #[arg(long, env = "HAILONG_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// The shared secret the webhook's HMAC-SHA256 signature is made with (required with
    /// --webhook-url; at least 16 characters).
    #[arg(long, env = "HAILONG_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// A bearer token with which a Prometheus elsewhere may read /metrics (a scraper on this
    /// machine needs none; everyone else gets 404).
    #[arg(long, env = "HAILONG_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Minutes between two digests of low scores sent to the webhook (one count per unit;
    /// at least 15).
    #[arg(long, env = "HAILONG_LOW_SCORE_DIGEST", default_value_t = 60, value_parser = clap::value_parser!(u64).range(15..=10080))]
    pub low_score_digest: u64,
    /// Desk ratings: a rating less than this many seconds after the device's previous one is
    /// flagged `rapid` (METHODOLOGY "Desk ratings").
    #[arg(long, env = "HAILONG_KIOSK_INTERVAL", default_value_t = 5, value_parser = clap::value_parser!(i64).range(0..=3600))]
    pub kiosk_interval: i64,
    /// Desk ratings: past this many from one device within 10 minutes, the surplus is flagged
    /// `burst`.
    #[arg(long, env = "HAILONG_KIOSK_BURST", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10000))]
    pub kiosk_burst: u64,
    /// Seconds a rating tablet waits on the reasons screen before it shows the faces again
    /// (the face alone stays stored).
    #[arg(long, env = "HAILONG_KIOSK_IDLE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(5..=600))]
    pub kiosk_idle: u32,
    /// Officers' figures: fewer unflagged ratings than this in a period and an officer's
    /// figure is not shown ("too few ratings"; METHODOLOGY "Officers and counters").
    #[arg(long, env = "HAILONG_OFFICER_MIN_N", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=100000))]
    pub officer_min_n: u64,
    /// Officers' figures: the prior strength k, in ratings, of the adjustment toward the
    /// unit's share, (x + k·m) / (n + k).
    #[arg(long, env = "HAILONG_OFFICER_PRIOR", default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=100000))]
    pub officer_prior: u32,
    /// Seconds between SIGTERM and closing the listener, during which `/healthz` answers 503
    /// and requests are still served, so a proxy's health check can take the node out first.
    #[arg(long, env = "HAILONG_DRAIN_SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_seconds: u64,
    #[command(flatten)]
    pub invite: InviteArgs,
    /// The agency that issues the published results (named in every public page's footer and
    /// report); default: the controller (`--controller-name`).
    #[arg(long, env = "HAILONG_PUBLISHER", default_value = "")]
    pub publisher: String,
    /// How readers reach the issuing agency about the results (a phone, an e-mail, an address);
    /// default: the controller's contact.
    #[arg(long, env = "HAILONG_PUBLISHER_CONTACT", default_value = "")]
    pub publisher_contact: String,
    /// The release calendar: a period's results are due this many days after it ends (editable
    /// per period at /staff/calendar).
    #[arg(long, env = "HAILONG_PUBLISH_AFTER_DAYS", default_value_t = 14, value_parser = clap::value_parser!(i64).range(0..=365))]
    pub publish_after_days: i64,
    /// The browser that prints each published report to PDF once, in the background: a path,
    /// `off`, or empty to look for `chromium` (or `chromium-browser`, `google-chrome`) on the
    /// PATH. Without one, a report links its print view instead of a PDF.
    #[arg(long, env = "HAILONG_CHROMIUM", default_value = "")]
    pub chromium: String,
    /// Memory for the public pages kept ready to serve (published reports, open data, the
    /// feed, the front page, the lists, units' replies), compressed, in MB.
    #[arg(long, env = "HAILONG_PAGE_CACHE_MB", default_value_t = 32, value_parser = clap::value_parser!(u64).range(0..=4096))]
    pub page_cache_mb: u64,
    /// Who is responsible for the personal data (the People's Committee running the desks),
    /// named on /privacy and in the record of processing.
    #[arg(long, env = "HAILONG_CONTROLLER_NAME", default_value = "")]
    pub controller_name: String,
    /// How citizens reach the controller about their data (an address, a phone, an e-mail).
    #[arg(long, env = "HAILONG_CONTROLLER_CONTACT", default_value = "")]
    pub controller_contact: String,
    /// A feedback item's contact is deleted this many days after the item is closed.
    #[arg(long, env = "HAILONG_CONTACT_RETENTION_DAYS", default_value_t = 365, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub contact_retention_days: i64,
    /// A citizen's request about their data is deleted this many days after it was completed.
    #[arg(long, env = "HAILONG_REQUEST_RETENTION_DAYS", default_value_t = 1095, value_parser = clap::value_parser!(i64).range(30..=3650))]
    pub request_retention_days: i64,
    /// Audit rows older than this many years are deleted.
    #[arg(long, env = "HAILONG_AUDIT_RETENTION_YEARS", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=50))]
    pub audit_retention_years: i64,
    /// Working days to acknowledge a citizen's request about their data.
    #[arg(long, env = "HAILONG_PRIVACY_ACK_DAYS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub privacy_ack_days: u32,
    /// Working days to complete it (one extension of as many again).
    #[arg(long, env = "HAILONG_PRIVACY_DONE_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=90))]
    pub privacy_done_days: u32,
    /// Requests about personal data per client address (`/privacy/request`): N/SECONDS, or
    /// off. Tight: a guesser of tracking codes is stopped long before a citizen notices.
    #[arg(long, env = "HAILONG_PRIVACY_REQUEST_LIMIT", default_value = "10/3600", value_parser = parse_limit)]
    pub privacy_request_limit: LimitArg,
}

/// A rate limit as given on the command line: `N/SECONDS`, or `off`.
#[derive(Debug, Clone, Copy)]
pub struct LimitArg(pub Option<crate::web::ratelimit::Limit>);

fn parse_limit(s: &str) -> Result<LimitArg, String> {
    crate::web::ratelimit::Limit::parse(s).map(LimitArg)
}

#[derive(Debug, Subcommand)]
pub enum FormsCommand {
    /// Validate form files and say what is wrong, with file, line and path.
    Check {
        /// Directory or file(s) to check [default: the forms directory]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Import units from CSV: code,name,name_en,parent[,form,valid_from,valid_to,predecessors]
    Import { file: PathBuf },
    /// List the units.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token; it is printed once, on the last line, and stored only as a hash.
    Create {
        name: String,
        /// Limit the token to one unit.
        #[arg(long)]
        unit: Option<String>,
    },
    /// List tokens (names and scopes, never the tokens).
    List,
    /// Revoke the token of this name.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
pub enum PaperCommand {
    /// Print sheets of the unit's form, each with its own one-time code: two A4 pages (one
    /// sheet of paper, both sides) per sheet. `.html` to print from a browser; `.pdf` is made
    /// with Chromium when it is installed.
    Print {
        #[arg(long)]
        unit: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long)]
        out: PathBuf,
        /// Days the sheets' codes stay valid (a sheet is typed within them).
        #[arg(long, default_value_t = 60)]
        ttl_days: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum KiosksCommand {
    /// Add a tablet for a counter of a unit; the pairing code (valid 10 minutes, used once)
    /// is printed on the last line.
    Add {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        counter: String,
        /// The counter has a live tablet already: revoke it and add this one.
        #[arg(long)]
        replace: bool,
    },
    /// List the tablets (never their secrets).
    List,
    /// Revoke a tablet by its number (`#3` or `3`): it shows "not paired" at once.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// Issue one-time codes: an HTML sheet of slips, or one code as .svg/.png.
    Issue {
        #[arg(long)]
        unit: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        dossier_ref: Option<String>,
        #[arg(long)]
        field: Option<String>,
        #[arg(long, env = "HAILONG_TICKET_TTL_DAYS", default_value_t = 30)]
        ttl_days: i64,
        /// With --count 1 and .html: one 80 mm receipt slip instead of an A4 sheet.
        #[arg(long)]
        receipt: bool,
    },
}

/// What the web service needs to start. Its `Debug` shows no secret (`crate::secret`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: crate::secret::DatabaseUrl,
    pub forms_dir: Option<PathBuf>,
    pub bind: String,
    pub public_url: Option<String>,
    pub ticket_ttl_days: i64,
    pub demo: bool,
    pub scheme: crate::domain::period::Scheme,
    pub rate_limit: Option<crate::web::ratelimit::Limit>,
    pub login_rate_limit: Option<crate::web::ratelimit::Limit>,
    pub ticket_rate_limit: Option<crate::web::ratelimit::Limit>,
    pub feedback_unit_limit: Option<crate::web::ratelimit::Limit>,
    /// Posts per rating tablet (`/kiosk/rate`).
    pub kiosk_rate_limit: Option<crate::web::ratelimit::Limit>,
    /// Wrong pairing codes per client address.
    pub pair_rate_limit: Option<crate::web::ratelimit::Limit>,
    pub export_write_timeout_secs: u64,
    pub trust_proxy: bool,
    pub comment_retention_days: i64,
    /// Comment topics' rules file (none: the shipped rules).
    pub topics_file: Option<PathBuf>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<crate::secret::Secret>,
    pub metrics_token: Option<crate::secret::Secret>,
    /// Seconds between two low-score digests (the flag takes minutes, at least 15).
    pub low_score_digest_secs: u64,
    pub feedback_deadlines: crate::domain::feedback::Deadlines,
    pub lineage_grace_days: i64,
    pub kiosk: crate::service::kiosks::KioskSettings,
    /// The data key's file (see `data_key_path`).
    pub data_key_file: PathBuf,
    pub invite: crate::service::invite::InviteSettings,
    /// The controller and the retention of contacts and audit rows (SPEC §13).
    pub privacy: PrivacySettings,
    /// Who issues the results, and the release calendar (SPEC §14).
    pub publishing: PublishingSettings,
}

impl Settings {
    /// What the record of processing is built from: these settings, as they run.
    pub fn processing(&self) -> crate::domain::personal::Processing {
        use crate::domain::invite::Route;
        use crate::domain::personal::host_of;
        let invite = &self.invite;
        let invite_recipients = invite
            .via
            .routes()
            .iter()
            .map(|r| match r {
                Route::Zns => invite
                    .zns
                    .as_ref()
                    .map_or_else(String::new, |z| host_of(&z.url)),
                Route::Sms => invite
                    .sms
                    .as_ref()
                    .map_or_else(String::new, |s| host_of(&s.url)),
                Route::Demo => "demo".to_string(),
            })
            .collect();
        crate::domain::personal::Processing {
            controller_name: self.privacy.controller_name.clone(),
            controller_contact: self.privacy.controller_contact.clone(),
            comment_retention_days: self.comment_retention_days,
            contact_retention_days: self.privacy.contact_retention_days,
            request_retention_days: self.privacy.request_retention_days,
            audit_retention_years: self.privacy.audit_retention_years,
            webhook_host: self.webhook_url.as_deref().map(host_of),
            invite_recipients,
            invite_valid_days: invite.valid_days,
        }
    }
}

/// The data key's file: the one named, else beside a SQLite database (its name with `.key`),
/// else `hailong.key` in the working directory.
pub fn data_key_path(named: Option<PathBuf>, database_url: &str) -> PathBuf {
    named.unwrap_or_else(|| match database_url.strip_prefix("sqlite://") {
        Some(path) if !path.is_empty() => PathBuf::from(path).with_extension("key"),
        _ => PathBuf::from("hailong.key"),
    })
}

/// The forms directory: the one named, else `./forms` when it exists, else none (built-in forms).
pub fn forms_dir(named: Option<PathBuf>) -> Option<PathBuf> {
    named.or_else(|| {
        let local = PathBuf::from("forms");
        local.is_dir().then_some(local)
    })
}
