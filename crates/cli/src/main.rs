//! The `touchstone` command: serve the application, run the demo, migrate, administer users,
//! verify and checkpoint the audit chain, back up and restore, check the configuration, generate
//! a synthetic province.

mod archive;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use touchstone_app::actor::{Actor, Origin};
use touchstone_app::config::{Config, Overrides};
use touchstone_app::generate::{self, GenerateOptions};
use touchstone_app::imports::Kind;
use touchstone_app::{App, audit, backup, demo, users};

/// mimalloc rather than glibc's malloc: a bulk import allocates and frees millions of short
/// strings (each row's parameters), and glibc's bins spent a sixth of an archive import's time
/// sorting freed chunks (BENCHMARKS.md, ADR 0012). Built without transparent huge pages, so a
/// page fault zeroes the 4 KiB touched, not 2 MiB (ADR 0012, session 13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "touchstone", version, about = "Quality and safety supervision of key industrial products")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options every command that opens the database takes.
#[derive(Args, Clone, Default)]
struct DbOpts {
    /// Database URL (sqlite:PATH or postgres://…); default: the SQLite file in the data directory.
    #[arg(long)]
    db: Option<String>,
    /// Data directory (SQLite file, audit key, checkpoints).
    #[arg(long = "data")]
    data: Option<PathBuf>,
    /// Configuration file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Act as this user (recorded in the audit log with the OS user); default: the built-in system account.
    #[arg(long = "as")]
    as_user: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API.
    Serve {
        #[command(flatten)]
        db: DbOpts,
        /// Replica database URL for reads (PostgreSQL).
        #[arg(long = "read-db")]
        read_db: Option<String>,
        /// Address to listen on.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Create (or reuse) the Jiangxi demo and serve it.
    Demo {
        #[command(flatten)]
        db: DbOpts,
        #[arg(long)]
        bind: Option<String>,
    },
    /// Run database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbOpts,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Verify or checkpoint the audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write an online, consistent backup of the database.
    Backup {
        #[command(flatten)]
        db: DbOpts,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into the (empty) database.
    Restore {
        #[command(flatten)]
        db: DbOpts,
        /// The backup file.
        file: PathBuf,
        /// Replace the data of a non-empty database.
        #[arg(long)]
        force: bool,
    },
    /// Import records in bulk from CSV (UTF-8 or GBK) or XLSX.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Check data from spreadsheets before importing it.
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
    /// Campaign statistics reports (R-REP-1).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Print or check the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Generate a deterministic synthetic province of enterprises: into the database, or as CSV
    /// with --out. The same arguments give the same enterprises on every machine.
    Generate {
        #[command(flatten)]
        db: DbOpts,
        /// Provincial-level region code, e.g. 360000 (Jiangxi).
        #[arg(long)]
        province: String,
        /// How many enterprises (1 to 5,000,000).
        #[arg(long)]
        enterprises: usize,
        /// Seed of the generator.
        #[arg(long)]
        seed: u64,
        /// Write DIR/enterprises.csv, DIR/certificates.csv and DIR/README.txt instead of
        /// loading the database.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["db", "data", "config", "as_user"])]
        out: Option<PathBuf>,
        /// The date certificates are dated from, YYYY-MM-DD (with --out; default today in China).
        /// Loading the database dates them from the server's today.
        #[arg(long, value_name = "DATE", requires = "out")]
        as_of: Option<String>,
        /// Also launch this campaign template for the province (e.g. jiangxi-2022) and generate
        /// its self-inspections, inspections and hazards up to today (database only).
        #[arg(long, value_name = "TEMPLATE", conflicts_with = "out")]
        campaign: Option<String>,
        /// The campaign's year (default: this year).
        #[arg(long, value_name = "YEAR", requires = "campaign")]
        campaign_year: Option<i32>,
        /// Inspections per inspected enterprise (benchmarks use 15).
        #[arg(long, value_name = "N", default_value_t = 1, requires = "campaign",
              value_parser = clap::value_parser!(u32).range(0..=100))]
        inspections_per_enterprise: u32,
        /// Mean findings per inspection, drawn evenly from 0 to 2N (benchmarks use 2; default:
        /// the realistic spread, 0-3 and 0.93 on average).
        #[arg(long, value_name = "N", requires = "campaign", value_parser = clap::value_parser!(u32).range(0..=20))]
        findings_per_inspection: Option<u32>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user.
    Add {
        #[command(flatten)]
        db: DbOpts,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// administrator, officer, inspector or legal_reviewer.
        #[arg(long)]
        role: String,
        /// The bureau's code.
        #[arg(long)]
        bureau: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long = "officer-number")]
        officer_number: Option<String>,
        /// A file holding the initial password (keeps it out of the shell history).
        #[arg(long = "password-file")]
        password_file: Option<PathBuf>,
        /// The initial password.
        #[arg(long, conflicts_with = "password_file")]
        password: Option<String>,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbOpts,
    },
    /// Lock an account.
    Lock {
        #[command(flatten)]
        db: DbOpts,
        username: String,
    },
    /// Unlock an account.
    Unlock {
        #[command(flatten)]
        db: DbOpts,
        username: String,
    },
    /// Set a temporary password.
    ResetPassword {
        #[command(flatten)]
        db: DbOpts,
        username: String,
        #[arg(long)]
        password: String,
    },
    /// Import bureaus and officers from CSV or XLSX.
    Import {
        #[command(flatten)]
        db: DbOpts,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the whole chain against its head and the latest checkpoint.
    Verify {
        #[command(flatten)]
        db: DbOpts,
        /// Checkpoint file to verify against (default: the latest in the checkpoint directory).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Write a signed checkpoint of the chain head outside the database.
    Checkpoint {
        #[command(flatten)]
        db: DbOpts,
    },
}

/// What an import reads, common to every kind.
#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    db: DbOpts,
    /// The CSV or XLSX file.
    file: PathBuf,
    /// Write the per-row error report (row, field, value, reason) to this CSV file.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Refuse the whole file if any row is bad.
    #[arg(long)]
    strict: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Enterprises: upsert by credit code; bad rows are reported, the good ones imported.
    Enterprises(ImportArgs),
    /// Products: upsert by the enterprise's credit code, product name and model.
    Products(ImportArgs),
    /// Certificates: upsert by certificate number; the holder is found by its credit code.
    Certificates(ImportArgs),
    /// A legacy archive (establishments, inspections, findings, fines) through a mapping file.
    Archive(archive::ArchiveArgs),
}

#[derive(Subcommand)]
enum CheckCommand {
    /// Check unified social credit codes: arguments, or one per line on stdin with `-`.
    /// Prints `ok CODE` or `err CODE: reason` per code; exits 0 only if all are valid.
    Uscc {
        /// Codes to check; `-` (or none) reads them from stdin, one per line.
        codes: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration as TOML.
    PrintDefault,
    /// Check a configuration (file, environment and flags) and print the result.
    Check {
        #[command(flatten)]
        db: DbOpts,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Write a campaign's weekly statistics table for a region as XLSX, PDF or CSV.
    Weekly {
        #[command(flatten)]
        db: DbOpts,
        /// The campaign's id.
        #[arg(long)]
        campaign: uuid::Uuid,
        /// The region (its rows are the regions directly under it).
        #[arg(long)]
        region: String,
        /// An ISO week, e.g. 2022-W18, or `cumulative`.
        #[arg(long)]
        week: String,
        /// For `cumulative`: the last day, YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
        /// The moment the records are taken as known at: microseconds or RFC 3339 (default: now).
        #[arg(long = "as-of")]
        as_of: Option<String>,
        /// xlsx, pdf or csv.
        #[arg(long)]
        format: String,
        /// Labels in English instead of Chinese.
        #[arg(long)]
        english: bool,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn load_config(o: &DbOpts, read_db: Option<String>, bind: Option<String>) -> Result<Config> {
    let overrides = Overrides { db: o.db.clone(), read_db, bind, data_dir: o.data.clone() };
    Config::load(o.config.as_deref(), &overrides).map_err(|e| anyhow!(e))
}

async fn open(o: &DbOpts) -> Result<App> {
    let cfg = load_config(o, None, None)?;
    App::open(cfg).await.map_err(|e| anyhow!("{e}"))
}

fn os_user() -> Option<String> {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok()
}

/// The account a command acts as: `--as USER`, or the built-in system account.
async fn actor(app: &App, o: &DbOpts) -> Result<Actor> {
    match &o.as_user {
        None => Ok(Actor::system(os_user())),
        Some(name) => {
            let user = touchstone_store::users::find_by_username(&app.db, name)
                .await?
                .ok_or_else(|| anyhow!("--as: no user named {name:?}"))?;
            Actor::for_user(app, &user, Origin { os_user: os_user(), ..Origin::default() })
                .await
                .map_err(|e| anyhow!("{e}"))
        }
    }
}

async fn find_user(app: &App, name: &str) -> Result<uuid::Uuid> {
    Ok(touchstone_store::users::find_by_username(&app.db, name)
        .await?
        .ok_or_else(|| anyhow!("no user named {name:?}"))?
        .id)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn serve(app: App) -> Result<()> {
    let bind = app.config.server.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("binding {bind}"))?;
    let node = touchstone_app::sweeper::node_name();
    println!("Touchstone serving at http://{bind} (node {node})");
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut sweeper_rx = rx.clone();
    let sweeper = tokio::spawn(touchstone_app::sweeper::run(app.clone(), node, async move {
        let _ = sweeper_rx.changed().await;
    }));
    let server = touchstone_web::serve(app.clone(), listener, async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    server.await?;
    let _ = sweeper.await;
    app.db.close().await;
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve { db, read_db, bind } => {
            let cfg = load_config(&db, read_db, bind)?;
            serve(App::open(cfg).await.map_err(|e| anyhow!("{e}"))?).await?;
        }
        Command::Demo { db, bind } => {
            let cfg = load_config(&db, None, bind)?;
            let app = App::open(cfg).await.map_err(|e| anyhow!("{e}"))?;
            let system = Actor::system(os_user());
            let accounts = demo::seed(&app, &system).await.map_err(|e| anyhow!("{e}"))?;
            let started = std::time::Instant::now();
            let ledger = demo::seed_enterprises(&app, &system).await.map_err(|e| anyhow!("{e}"))?;
            let campaign = demo::seed_campaign(&app, &system).await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "Touchstone demo: Jiangxi province (360000), database {}",
                app.config.database_url().unwrap_or_default()
            );
            println!("Accounts (administrators need the TOTP secret in an authenticator app):");
            for a in &accounts {
                println!(
                    "account: {} | {} | {} | password: {} | totp: {}",
                    a.username,
                    a.role,
                    a.bureau,
                    a.password,
                    a.totp_secret.as_deref().unwrap_or("-")
                );
            }
            println!(
                "Enterprises: {} generated (seed {}): {} new, {} already present ({:.1} s)",
                demo::DEMO_ENTERPRISES,
                demo::DEMO_SEED,
                ledger.inserted,
                ledger.skipped,
                started.elapsed().as_secs_f64()
            );
            println!("Campaign: {} {} (/campaigns/{})", campaign.number, campaign.name, campaign.id);
            serve(app).await?;
        }
        Command::Migrate { db } => {
            let app = open(&db).await?;
            println!("database at schema version {}", touchstone_store::migrate::current_version(&app.db).await?);
        }
        Command::User { command } => return user_command(command).await,
        Command::Audit { command } => match command {
            AuditCommand::Verify { db, checkpoint } => {
                let app = open(&db).await?;
                let cp = match &checkpoint {
                    Some(p) => audit::read_checkpoint(p)
                        .map_err(|e| anyhow!("{e}"))?
                        .ok_or_else(|| anyhow!("{} does not exist", p.display()))?,
                    None => match audit::latest_checkpoint(&app).map_err(|e| anyhow!("{e}"))? {
                        Some(c) => c,
                        None => {
                            eprintln!("warning: no checkpoint found; a cut-off tail cannot be detected without one");
                            touchstone_domain::audit_chain::Checkpoint::sign(
                                app.keys.current(),
                                0,
                                touchstone_domain::audit_chain::GENESIS_MAC,
                                0,
                            )
                        }
                    },
                };
                match audit::verify(&app, Some(cp)).await {
                    Ok(v) => println!(
                        "audit chain intact: {} entries verified (checkpoint at entry {})",
                        v.entries,
                        v.checkpoint_seq.unwrap_or(0)
                    ),
                    Err(e) => {
                        eprintln!("audit chain BROKEN: {}", e.to_string().trim_start_matches("conflict: "));
                        return Ok(ExitCode::from(2));
                    }
                }
            }
            AuditCommand::Checkpoint { db } => {
                let app = open(&db).await?;
                let (path, cp) = audit::checkpoint(&app).await.map_err(|e| anyhow!("{e}"))?;
                println!("checkpoint of entry {} written to {}", cp.seq, path.display());
            }
        },
        Command::Backup { db, out } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let s = backup::backup(&app, &who, &out).await.map_err(|e| anyhow!("{e}"))?;
            println!("backup written to {}: {} rows, {} bytes", out.display(), s.rows, s.bytes);
        }
        Command::Restore { db, file, force } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let rows = backup::restore(&app, &who, &file, force).await.map_err(|e| anyhow!("{e}"))?;
            println!("restored {rows} rows from {}; audit chain verified", file.display());
        }
        Command::Check { command: CheckCommand::Uscc { codes } } => return Ok(check_uscc(codes)),
        Command::Import { command } => {
            let (kind, ImportArgs { db, file, errors, strict }) = match command {
                ImportCommand::Archive(a) => return archive::import(a).await,
                ImportCommand::Enterprises(a) => (Kind::Enterprises, a),
                ImportCommand::Products(a) => (Kind::Products, a),
                ImportCommand::Certificates(a) => (Kind::Certificates, a),
            };
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let job = touchstone_app::imports::create_job(&app, &who, kind, &file, &name, strict)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let progress = |done: i64, total: i64| eprint!("\rvalidated {done} of {total} rows");
            let outcome =
                touchstone_app::imports::run(&app, &who, job, &file, &progress).await.map_err(|e| anyhow!("{e}"))?;
            eprintln!();
            if let Some(path) = &errors {
                std::fs::write(path, touchstone_app::imports::errors_csv(&outcome.errors))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            for e in outcome.errors.iter().take(20) {
                eprintln!("row {}: {} {:?}: {}", e.row_number, e.field, e.value, e.reason);
            }
            if outcome.errors.len() > 20 {
                eprintln!(
                    "… {} more problems{}",
                    outcome.errors.len() - 20,
                    if errors.is_some() { " in the error report" } else { "; use --errors FILE for all" }
                );
            }
            println!("{}", outcome.job.message.clone().unwrap_or_default());
            return Ok(if outcome.job.status == "done" { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        Command::Generate {
            db,
            province,
            enterprises,
            seed,
            out,
            as_of,
            campaign,
            campaign_year,
            inspections_per_enterprise,
            findings_per_inspection,
        } => {
            let opts = GenerateOptions { province: province.clone(), enterprises, seed };
            match out {
                Some(dir) => {
                    let today = touchstone_domain::time::Clock::now(&touchstone_domain::time::SystemClock).china_date();
                    let as_of =
                        generate::parse_as_of(as_of.as_deref().unwrap_or(&today)).map_err(|e| anyhow!("{e}"))?;
                    let report = generate::write_csv(&opts, &dir, as_of).await.map_err(|e| anyhow!("{e}"))?;
                    println!(
                        "wrote {} enterprises and {} certificates of {} (seed {seed}) to {}: enterprises.csv, certificates.csv, README.txt",
                        report.enterprises,
                        report.certificates,
                        opts.province,
                        dir.display()
                    );
                }
                None => {
                    generate::check(&opts).map_err(|e| anyhow!("{e}"))?;
                    let app = open(&db).await?;
                    let who = actor(&app, &db).await?;
                    let report = generate::load_into(&app, &who, &opts).await.map_err(|e| anyhow!("{e}"))?;
                    println!(
                        "generated {enterprises} enterprises of {} (seed {seed}): {} new, {} already present; {} certificates",
                        opts.province, report.inserted, report.skipped, report.certificates
                    );
                    if let Some(template) = campaign {
                        let started = std::time::Instant::now();
                        let (c, activity) = touchstone_app::demo::launch_with_activity(
                            &app,
                            &who,
                            &template,
                            &province,
                            campaign_year,
                            touchstone_app::generate_campaign::Draw {
                                seed,
                                inspections_per_enterprise,
                                findings_per_inspection,
                            },
                        )
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                        println!(
                            "campaign {} ({}): {} enterprises, {} self-inspections, {} inspections, {} hazards, {} hazard events ({:.1} s)",
                            c.number,
                            c.id,
                            activity.enterprises,
                            activity.self_inspections,
                            activity.inspections,
                            activity.hazards,
                            activity.events,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
            }
        }
        Command::Report {
            command: ReportCommand::Weekly { db, campaign, region, week, to, as_of, format, english, out },
        } => {
            let format = touchstone_app::reports::Format::parse(&format)
                .ok_or_else(|| anyhow!("--format: xlsx, pdf or csv, not {format:?}"))?;
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let req =
                touchstone_app::reports::ReportRequest { campaign_id: campaign, region_code: region, week, to, as_of };
            let file =
                touchstone_app::reports::export(&app, &who, &req, format, english).await.map_err(|e| anyhow!("{e}"))?;
            std::fs::write(&out, &file.bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{} ({} bytes)", out.display(), file.bytes.len());
        }
        Command::Config { command } => match command {
            ConfigCommand::PrintDefault => print!("{}", Config::default_toml()),
            ConfigCommand::Check { db } => {
                let cfg = load_config(&db, None, None)?;
                println!("configuration is valid");
                print!("{}", cfg.to_toml());
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// `touchstone check uscc`: one line per code, exit 0 only if every code is valid.
fn check_uscc(codes: Vec<String>) -> ExitCode {
    use std::io::BufRead;
    let codes: Vec<String> = if codes.is_empty() || codes == ["-"] {
        std::io::stdin().lock().lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).collect()
    } else {
        codes
    };
    let mut all_ok = !codes.is_empty();
    for code in codes {
        match touchstone_domain::uscc::Uscc::parse(&code) {
            Ok(u) => {
                let region = u.region_digits();
                if touchstone_domain::region::regions().get(region).is_some() {
                    println!("ok {u}");
                } else {
                    println!(
                        "ok {u} (note: region {region} is not in today's GB/T 2260 table; codes of abolished regions stay valid)"
                    );
                }
            }
            Err(e) => {
                all_ok = false;
                println!("err {}: {e}", code.trim());
            }
        }
    }
    if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

async fn user_command(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add { db, username, name, role, bureau, department, officer_number, password_file, password } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let org = touchstone_store::organisations::find_by_code(&app.db, &bureau)
                .await?
                .ok_or_else(|| anyhow!("--bureau: no bureau with code {bureau:?}"))?;
            let password = match (password_file, password) {
                (Some(f), _) => std::fs::read_to_string(&f)
                    .with_context(|| format!("reading {}", f.display()))?
                    .trim_end()
                    .to_string(),
                (None, Some(p)) => p,
                (None, None) => return Err(anyhow!("give --password-file or --password")),
            };
            let input = users::NewUser {
                username,
                display_name: name,
                role,
                organisation_id: Some(org.id),
                department,
                officer_number,
                password,
                ..Default::default()
            };
            let u = users::create(&app, &who, input).await.map_err(|e| anyhow!("{e}"))?;
            println!("created user {} ({})", u.username, u.id);
        }
        UserCommand::List { db } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let mut window =
                touchstone_store::list::Window { sort: "u.username", descending: false, page: 1, per_page: 500 };
            loop {
                let page = users::list(&app, &who, &Default::default(), &window).await.map_err(|e| anyhow!("{e}"))?;
                for u in &page.items {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        u.username,
                        u.display_name,
                        u.role,
                        u.region_code,
                        if u.locked { "locked" } else { "active" }
                    );
                }
                if page.items.len() < 500 {
                    break;
                }
                window.page += 1;
            }
        }
        UserCommand::Lock { db, username } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            users::lock(&app, &who, find_user(&app, &username).await?).await.map_err(|e| anyhow!("{e}"))?;
            println!("locked {username}");
        }
        UserCommand::Unlock { db, username } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            users::unlock(&app, &who, find_user(&app, &username).await?).await.map_err(|e| anyhow!("{e}"))?;
            println!("unlocked {username}");
        }
        UserCommand::ResetPassword { db, username, password } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            users::reset_password(&app, &who, find_user(&app, &username).await?, &password)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("password of {username} reset; it must be changed at next sign-in");
        }
        UserCommand::Import { db, file } => {
            let app = open(&db).await?;
            let who = actor(&app, &db).await?;
            let report = users::import::import_file(&app, &who, &file).await.map_err(|e| anyhow!("{e}"))?;
            if report.errors.is_empty() {
                println!("imported {} records from {}", report.created, file.display());
            } else {
                eprintln!("nothing imported: {} problems", report.errors.len());
                for e in &report.errors {
                    eprintln!("row {}: {} {:?}: {}", e.row, e.field, e.value, e.reason);
                }
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
