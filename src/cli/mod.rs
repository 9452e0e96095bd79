//! The command line: `run` hands each command family to its own function, each calling the
//! services: serve, forms, units, tokens, users, backup, report, import and tickets here;
//! the rating tablets (`kiosks`) and paper sheets (`paper`) in `desk`; `export` in `export`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{Duration, Utc};

use crate::config::{
    self, Cli, Command, ExportCommand, FormsCommand, ImportCommand, Settings, TicketsCommand,
    TokensCommand, UnitsCommand, UsersCommand,
};
use crate::domain::period::Period;
use crate::render::{qr, slips, table};
use crate::service::forms::{self, FormRegistry};
use crate::service::{dossiers, indices};
use crate::service::{tickets, tokens, units};
use crate::startup::Application;
use crate::store::Store;

mod desk;
mod export;
mod privacy;
mod returned;
mod topics;
use desk::{kiosks_cmd, paper_cmd};
use export::export_cmd;

/// What every command may use besides its own arguments.
struct Global {
    database_url: String,
    public_url: Option<String>,
    scheme: crate::domain::period::Scheme,
    feedback_deadlines: crate::domain::feedback::Deadlines,
    forms_dir: Option<PathBuf>,
    data_key_file: PathBuf,
}

impl Global {
    /// The data key, made on first use.
    fn data_key(&self) -> Result<crate::secret::DataKey> {
        Ok(crate::secret::DataKey::load_or_create(&self.data_key_file)?)
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    let g = Global {
        forms_dir: config::forms_dir(cli.forms.clone()),
        data_key_file: config::data_key_path(cli.data_key_file.clone(), &cli.database_url),
        database_url: cli.database_url,
        public_url: cli.public_url,
        scheme: cli.period_scheme,
        feedback_deadlines: cli.feedback_deadlines,
    };
    match cli.command {
        Command::Serve(args) => serve(g, *args).await,
        Command::Forms(cmd) => forms_cmd(&g, cmd),
        Command::Units(cmd) => units_cmd(&g, cmd),
        Command::Tokens(cmd) => tokens_cmd(&g, cmd),
        Command::Users(cmd) => users_cmd(&g, cmd),
        Command::Backup { file } => backup(&g, file),
        Command::Report { period, out, lang } => report(&g, period, out, lang),
        Command::Import(cmd) => import_cmd(&g, cmd),
        Command::Export(cmd) => export_cmd(&g, cmd),
        Command::Tickets(cmd) => tickets_cmd(&g, cmd),
        Command::Kiosks(cmd) => kiosks_cmd(&g, cmd),
        Command::Paper(cmd) => paper_cmd(&g, cmd),
        Command::Dossiers(cmd) => returned::dossiers_cmd(&g, cmd),
        Command::Privacy(config::PrivacyCommand::Register { format, lang }) => {
            privacy::register(&g, &format, &lang)
        }
        Command::Topics(cmd) => topics::run(cmd),
    }
}

async fn serve(g: Global, args: config::ServeArgs) -> Result<()> {
    let invite = invite_settings(&args)?;
    let publishing = config::PublishingSettings::of(&args);
    let settings = Settings {
        database_url: g.database_url.into(),
        forms_dir: g.forms_dir.clone(),
        bind: args.bind,
        public_url: g.public_url,
        ticket_ttl_days: args.ticket_ttl_days,
        demo: args.demo,
        scheme: g.scheme,
        rate_limit: args.rate_limit.0,
        login_rate_limit: args.login_rate_limit.0,
        ticket_rate_limit: args.ticket_rate_limit.0,
        feedback_unit_limit: args.feedback_unit_limit.0,
        kiosk_rate_limit: args.kiosk_rate_limit.0,
        pair_rate_limit: args.pair_rate_limit.0,
        export_write_timeout_secs: args.export_write_timeout,
        trust_proxy: args.trust_proxy,
        comment_retention_days: args.comment_retention_days,
        topics_file: args.topics.clone(),
        webhook_url: args.webhook_url.clone(),
        webhook_secret: args.webhook_secret.clone().map(Into::into),
        low_score_digest_secs: args.low_score_digest * 60,
        metrics_token: args.metrics_token.clone().map(Into::into),
        feedback_deadlines: g.feedback_deadlines,
        data_key_file: g.data_key_file.clone(),
        invite,
        publishing,
        privacy: config::PrivacySettings {
            controller_name: args.controller_name.clone(),
            controller_contact: args.controller_contact.clone(),
            contact_retention_days: args.contact_retention_days,
            request_retention_days: args.request_retention_days,
            audit_retention_years: args.audit_retention_years,
            requests: crate::domain::requests::RequestDeadlines {
                ack: args.privacy_ack_days,
                done: args.privacy_done_days,
            },
            request_limit: args.privacy_request_limit.0,
        },
        lineage_grace_days: args.lineage_grace_days,
        kiosk: crate::service::kiosks::KioskSettings {
            misuse: crate::domain::desk::Misuse {
                interval_secs: args.kiosk_interval,
                burst: usize::try_from(args.kiosk_burst).unwrap_or(usize::MAX),
                window_secs: 600,
            },
            idle_secs: args.kiosk_idle,
            fairness: crate::domain::desk::Fairness {
                min_n: args.officer_min_n,
                prior: f64::from(args.officer_prior),
            },
        },
    };
    let app = Application::build(settings)?;
    if let Some(d) = &app.demo_loaded {
        println!(
            "Loaded the demo district (synthetic data): {} units, {} tickets, {} dossier days, {} responses.",
            d.units, d.tickets, d.dossier_days, d.responses
        );
    }
    if let Some(p) = &app.admin_password {
        println!("First start: created the account \"admin\" with the password below. It is shown only now;");
        println!("sign in at {}/login and change it.", app.public_url);
        println!("{p}");
    }
    println!(
        "Hailong is listening on port {}; forms and QR codes use {}",
        app.port(),
        app.public_url
    );
    if let Some(unit) = &app.example_unit {
        println!("Try {}/units/{unit}/poster", app.public_url);
    }
    app.run_with_signals(std::time::Duration::from_secs(args.drain_seconds))
        .await?;
    Ok(())
}

/// The invitations' settings; the demo sends through its provider inside the process
/// unless told otherwise (nothing leaves the machine).
fn invite_settings(args: &config::ServeArgs) -> Result<crate::service::invite::InviteSettings> {
    let mut invite = args.invite.settings().map_err(|e| anyhow!(e))?;
    if args.demo && invite.via.is_off() {
        invite.via = crate::domain::invite::Via::parse("demo").map_err(|e| anyhow!(e))?;
    }
    Ok(invite)
}

fn forms_cmd(g: &Global, cmd: FormsCommand) -> Result<()> {
    match cmd {
        FormsCommand::Check { paths } => forms_check(paths, g.forms_dir.clone()),
    }
}

fn units_cmd(g: &Global, cmd: UnitsCommand) -> Result<()> {
    let store = open(&g.database_url)?;
    match cmd {
        UnitsCommand::Import { file } => {
            let text = read_text(&file)?;
            let registry = FormRegistry::load(g.forms_dir.clone().as_deref())?;
            let list = units::parse_csv(&text, &registry)
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let summary = units::import(&store, &list, false, Utc::now())
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            println!(
                "{}: {} units added, {} updated.",
                file.display(),
                summary.added,
                summary.updated
            );
        }
        UnitsCommand::List => {
            println!("code\tname\tname_en\tparent\tform\tvalid_from\tvalid_to\tpredecessors");
            for u in units::list(&store)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    u.code,
                    u.name,
                    u.name_en.unwrap_or_default(),
                    u.parent.map(|p| p.to_string()).unwrap_or_default(),
                    u.form_id,
                    u.valid_from.map(|d| d.to_string()).unwrap_or_default(),
                    u.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                    crate::domain::unit::Predecessor::format_list(&u.predecessors)
                );
            }
        }
    }
    Ok(())
}

/// Whoever runs the command line holds the database: an admin, written as "cli".
fn cli_admin() -> crate::service::access::Caller {
    crate::service::access::Caller::Staff(crate::service::users::Staff {
        id: 0,
        username: "cli".into(),
        role: crate::domain::user::Role::Admin,
        unit: None,
        must_change_password: false,
        lead: false,
    })
}

fn tokens_cmd(g: &Global, cmd: TokensCommand) -> Result<()> {
    let store = open(&g.database_url)?;
    match cmd {
        TokensCommand::Create { name, unit } => {
            let token =
                tokens::create(&store, &mut rand::rng(), &name, unit.as_deref(), Utc::now())?;
            println!(
                "Token \"{}\" created for {}. It is shown once; store it now:",
                name.trim(),
                unit.as_deref()
                    .map(|u| format!("unit {u}"))
                    .unwrap_or_else(|| "all units".into())
            );
            println!("{token}");
        }
        TokensCommand::List => {
            println!("name\tunit\tcreated_at\trevoked_at\tresponses_7d");
            let recent = tokens::recent_responses(&store, 7, Utc::now())?;
            for t in tokens::list(&store)? {
                let n = recent
                    .iter()
                    .find(|(name, _)| *name == t.name)
                    .map_or(0, |r| r.1);
                println!(
                    "{}\t{}\t{}\t{}\t{n}",
                    t.name,
                    t.unit_code.unwrap_or_else(|| "*".into()),
                    t.created_at,
                    t.revoked_at.map(|r| r.to_string()).unwrap_or_default()
                );
            }
        }
        TokensCommand::Revoke { name } => {
            if !tokens::revoke(&store, &name, "cli", Utc::now())? {
                bail!("there is no active token named \"{name}\"");
            }
            println!("Token \"{name}\" revoked.");
        }
    }
    Ok(())
}

fn users_cmd(g: &Global, cmd: UsersCommand) -> Result<()> {
    match cmd {
        UsersCommand::Add {
            name,
            role,
            unit,
            password_stdin,
            lead,
            display_name,
        } => {
            add_user(g, &name, &role, unit.as_deref(), password_stdin, lead)?;
            match display_name {
                Some(shown) => set_name(g, &name, &shown),
                None => Ok(()),
            }
        }
        UsersCommand::Name { name, display_name } => {
            set_name(g, &name, &display_name)?;
            println!(
                "User \"{}\" is shown as \"{}\".",
                name.trim(),
                display_name.trim()
            );
            Ok(())
        }
        UsersCommand::List => list_users(g),
        UsersCommand::ResetPassword { name } => {
            let store = open(&g.database_url)?;
            let password = crate::service::users::reset_password(
                &store,
                &mut rand::rng(),
                "cli",
                name.trim(),
                Utc::now(),
            )?;
            println!("New password of \"{}\" (shown once):", name.trim());
            println!("{password}");
            Ok(())
        }
        UsersCommand::Disable { name } => {
            let store = open(&g.database_url)?;
            crate::service::users::set_disabled(&store, "cli", name.trim(), true, Utc::now())?;
            println!(
                "User \"{}\" disabled; their sessions have ended.",
                name.trim()
            );
            Ok(())
        }
        UsersCommand::Enable { name } => {
            let store = open(&g.database_url)?;
            crate::service::users::set_disabled(&store, "cli", name.trim(), false, Utc::now())?;
            println!("User \"{}\" enabled.", name.trim());
            Ok(())
        }
        UsersCommand::Lead { name, off } => {
            let store = open(&g.database_url)?;
            crate::service::users::set_lead(&store, "cli", name.trim(), !off, Utc::now())?;
            let what = if off { "no longer leads" } else { "now leads" };
            println!("User \"{}\" {what} their unit.", name.trim());
            Ok(())
        }
    }
}

fn set_name(g: &Global, name: &str, shown: &str) -> Result<()> {
    let store = open(&g.database_url)?;
    crate::service::users::set_display_name(&store, "cli", name.trim(), shown, Utc::now())?;
    Ok(())
}

fn add_user(
    g: &Global,
    name: &str,
    role: &str,
    unit: Option<&str>,
    password_stdin: bool,
    lead: bool,
) -> Result<()> {
    let store = open(&g.database_url)?;
    let role = crate::domain::user::Role::parse(role).map_err(|e| anyhow!(e))?;
    let given = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let user = crate::service::users::NewUser {
        username: name,
        role,
        unit,
        password: given.as_deref(),
        lead,
    };
    let password = crate::service::users::add(&store, &mut rand::rng(), user, "cli", Utc::now())?;
    println!(
        "User \"{}\" ({role}) added.",
        name.trim().to_ascii_lowercase()
    );
    if given.is_none() {
        println!("Password (shown once):");
        println!("{password}");
    }
    Ok(())
}

fn list_users(g: &Global) -> Result<()> {
    let store = open(&g.database_url)?;
    println!("username\trole\tunit\tcreated_at\tlocked_until\tdisabled\tname");
    for u in crate::service::users::list(&store)? {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            u.username,
            u.role,
            u.unit_code.unwrap_or_default(),
            u.created_at,
            u.locked_until.map(|t| t.to_string()).unwrap_or_default(),
            if u.disabled { "disabled" } else { "" },
            u.display_name
        );
    }
    Ok(())
}

fn backup(g: &Global, file: PathBuf) -> Result<()> {
    let store = open(&g.database_url)?;
    crate::service::backup::backup(&store, &file)?;
    println!(
        "A consistent copy of {} was written to {}",
        store.target().describe(),
        file.display()
    );
    Ok(())
}

fn report(g: &Global, period: String, out: PathBuf, lang: String) -> Result<()> {
    let period = Period::parse(&period, g.scheme)?;
    let lang = match lang.as_str() {
        "vi" => crate::domain::lang::Lang::Vi,
        "en" => crate::domain::lang::Lang::En,
        other => bail!("--lang {other}: use vi or en"),
    };
    let store = open(&g.database_url)?;
    let registry = FormRegistry::load(g.forms_dir.clone().as_deref())?;
    indices::ensure_tallies(&store, &registry)?;
    let extras = crate::render::report::Extras {
        self_url: format!("/reports/{}", period.label),
        ..Default::default()
    };
    let topics = topics::in_use(&store)?;
    let feedback = crate::service::feedback::FeedbackSettings {
        deadlines: g.feedback_deadlines,
        webhook: false,
        ..Default::default()
    };
    let src = crate::service::publish::Sources {
        forms: &registry,
        feedback: &feedback,
        topics: &topics,
    };
    let html = crate::service::publish::render_live(&store, src, &period, lang, extras)?;
    write_atomically(&out, html.as_bytes())?;
    eprintln!("The report of {period} was written to {}", out.display());
    Ok(())
}

fn import_cmd(g: &Global, cmd: ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Dossiers { file } => {
            let store = open(&g.database_url)?;
            let text = read_text(&file)?;
            let counts =
                dossiers::parse_csv(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let n = dossiers::import(&store, &counts, None)
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            println!("{}: {n} daily dossier counts imported.", file.display());
            Ok(())
        }
    }
}

fn tickets_cmd(g: &Global, cmd: TicketsCommand) -> Result<()> {
    match cmd {
        TicketsCommand::Issue {
            unit,
            count,
            out,
            dossier_ref,
            field,
            ttl_days,
            receipt,
        } => {
            if receipt && count != 1 {
                bail!("a receipt slip holds one code: use --count 1");
            }
            let store = open(&g.database_url)?;
            let public_url = printed_url(g, &store)?;
            let ext = out
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ext != "html" && ext != "svg" && ext != "png" {
                bail!(
                    "{}: the output must end in .html (a sheet of slips), or .svg/.png (one code)",
                    out.display()
                );
            }
            if ext != "html" && count != 1 {
                bail!(
                    "{}: an image holds one code; use --count 1, or an .html sheet for {count}",
                    out.display()
                );
            }
            if !(1..=3650).contains(&ttl_days) {
                bail!("--ttl-days must be between 1 and 3650");
            }
            let issued = tickets::issue(
                &store,
                &mut rand::rng(),
                tickets::TicketRequest {
                    unit,
                    dossier_ref,
                    field,
                },
                count,
                Duration::days(ttl_days),
                Utc::now(),
            )?;
            let first = issued
                .first()
                .ok_or_else(|| anyhow!("no code was issued"))?;
            let bytes = match ext.as_str() {
                "html" if receipt => slips::receipt(&public_url, first)?.into_bytes(),
                "html" => slips::sheet(&public_url, &issued)?.into_bytes(),
                "svg" => qr::svg(&slips::ticket_url(&public_url, first), 240)?.into_bytes(),
                _ => qr::png(&slips::ticket_url(&public_url, first), 8)?,
            };
            write_atomically(&out, &bytes)?;
            println!(
                "{} one-time codes written to {}",
                issued.len(),
                out.display()
            );
            Ok(())
        }
    }
}

fn open(url: &str) -> Result<Store> {
    Ok(Store::open(url)?)
}

fn read_text(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 text (byte {}); save it from Excel as \"CSV UTF-8\"",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Writes to a temporary file beside the target, then renames: never a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp-hailong");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn forms_check(paths: Vec<PathBuf>, forms_dir: Option<PathBuf>) -> Result<()> {
    let mut files = Vec::new();
    let targets = if paths.is_empty() {
        vec![forms_dir.ok_or_else(|| {
            anyhow!("there is no ./forms directory here; name one: hailong forms check DIR")
        })?]
    } else {
        paths
    };
    for p in targets {
        if p.is_dir() {
            files.extend(forms::form_files(&p)?);
        } else if p.exists() {
            files.push(p);
        } else {
            bail!("{}: no such file or directory", p.display());
        }
    }
    if files.is_empty() {
        bail!("no form files (*.json) to check");
    }
    let problems = forms::check_files(&files);
    if problems.is_empty() {
        println!("{} form files are valid.", files.len());
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    bail!("{} problems in {} form files", problems.len(), files.len())
}

fn period_arg(range: config::PeriodArgs, scheme: crate::domain::period::Scheme) -> Result<Period> {
    let config::PeriodArgs { period, from, to } = range;
    match Period::from_parts(period.as_deref(), from.as_deref(), to.as_deref(), scheme) {
        Some(parsed) => Ok(parsed?),
        None => {
            bail!("name a period (--period 2021-Q1) or a range (--from 2021-01-01 --to 2021-03-31)")
        }
    }
}

/// The address printed under a QR code: `--public-url`, or the one `serve --public-url` stored.
/// A loopback address (127.0.0.1, localhost, ::1) is refused unless given here: a sheet
/// printed with it cannot be answered from a phone.
fn printed_url(g: &Global, store: &crate::store::Store) -> Result<String> {
    if let Some(url) = &g.public_url {
        return Ok(url.trim_end_matches('/').to_string());
    }
    let stored = crate::service::public::stored_public_url(store)?;
    let Some(url) = stored else {
        bail!("no public address is known: give --public-url https://… (the address citizens' phones reach), or start `hailong serve --public-url …` once so that it is stored");
    };
    let rest = url.split("://").nth(1).unwrap_or(&url);
    // `[::1]:8080` or `127.0.0.1:8080/…` or `localhost`.
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.split(['/', ':']).next().unwrap_or(""),
    };
    if host.eq_ignore_ascii_case("localhost") || host == "::1" || host.starts_with("127.") {
        bail!("the stored public address {url} is this machine's own (loopback): phones cannot reach it; give --public-url https://… to print anyway");
    }
    Ok(url)
}
