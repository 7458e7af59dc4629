use std::process::ExitCode;

use clap::{Parser, Subcommand};
use perfeval::config::{Database, Limits, Settings};
use perfeval::domain::access::{Password, Role, Username};
use perfeval::domain::values::{FiscalYear, UnitCode};
use perfeval::startup::Application;
use perfeval::store::Store;
use perfeval::store::users::{NewUser, UserChange};

/// perfeval — departmental expenditure performance self-evaluations (部门整体支出绩效自评):
/// collected, checked, scored, compared and published.
#[derive(Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    // The settings of `serve`, which runs when no command is named.
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default): migrate the database, then listen.
    Serve(Box<Settings>),
    /// Run pending database migrations, then exit.
    Migrate(Database),
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Rebuild the comparison tables (projections) from the stored reports.
    Reproject(Database),
    /// Fill the database with realistic synthetic units and reports (the same for the same seed).
    Demo {
        /// How many units.
        #[arg(long, default_value_t = 50)]
        departments: usize,
        /// How many years of reports, up to `--last-year`.
        #[arg(long, default_value_t = 5)]
        years: usize,
        /// The latest year.
        #[arg(long, default_value_t = 2025)]
        last_year: i32,
        /// The seed of the generator: the same seed gives the same units and reports.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Project tables (项目支出绩效自评表) per unit in the latest year, stored a batch of
        /// units at a time.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=200))]
        projects: u16,
        #[command(flatten)]
        database: Database,
    },
    /// Manage users; passwords are read from standard input, never from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        database: Database,
    },
    /// Write a report (JSON as posted) as documents, without a database: the narrative as HTML
    /// or Markdown, the self-evaluation table as XLSX. Scores use the default weights.
    #[command(group = clap::ArgGroup::new("output").required(true).multiple(true))]
    Render {
        /// The unit, as `POST /departments` takes it (JSON).
        #[arg(long)]
        department: std::path::PathBuf,
        /// The report, as `PUT …/evaluations/{year}` takes it (JSON).
        #[arg(long)]
        report: std::path::PathBuf,
        /// The fiscal year the report is for (年度), e.g. 2021.
        #[arg(long)]
        year: FiscalYear,
        /// Write the report as an HTML page here (at least one of --html, --markdown, --xlsx).
        #[arg(long, group = "output")]
        html: Option<std::path::PathBuf>,
        /// Write the report as Markdown here.
        #[arg(long, group = "output")]
        markdown: Option<std::path::PathBuf>,
        /// Write the self-evaluation table (自评表) here.
        #[arg(long, group = "output")]
        xlsx: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is the first line of standard input.
    Add {
        /// The name the user logs in with.
        username: Username,
        /// What the user may do: admin, reviewer, analyst or unit.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The department a unit user is bound to.
        #[arg(long)]
        department: Option<UnitCode>,
    },
    /// Set a user's password (the first line of standard input); ends the user's tokens.
    SetPassword {
        /// The user's login name.
        username: Username,
    },
    /// Disable a user; the user's tokens are refused from their next request.
    Disable {
        /// The user's login name.
        username: Username,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "one of admin, reviewer, analyst, unit".to_owned())
}

/// Why a command failed, with the causes underneath.
type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    perfeval::memory::map_large_blocks_apart();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|out, record| {
            use std::io::Write;
            // env_logger's own layout, with the id of the request being served, if any.
            let request = perfeval::api::request_id::current()
                .map(|id| format!(" request={id}"))
                .unwrap_or_default();
            writeln!(
                out,
                "[{} {:<5} {}{request}] {}",
                out.timestamp(),
                record.level(),
                record.target(),
                record.args()
            )
        })
        .init();
    let cli = Cli::parse();
    let outcome = match cli
        .command
        .unwrap_or(Command::Serve(Box::new(cli.settings)))
    {
        Command::Serve(settings) => serve(&settings),
        Command::Migrate(database) => migrate(&database),
        Command::Openapi => print_openapi(),
        Command::User { command, database } => manage_user(&database, command),
        Command::Reproject(database) => reproject(&database),
        Command::Demo {
            departments,
            years,
            last_year,
            seed,
            projects,
            database,
        } => demo(
            &database,
            Demo {
                departments,
                years,
                last_year,
                seed,
                projects: usize::from(projects),
            },
        ),
        Command::Render {
            department,
            report,
            year,
            html,
            markdown,
            xlsx,
        } => render(&department, &report, year, [html, markdown, xlsx]),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Printed, not logged: `RUST_LOG=off` must not hide why the command failed.
            let mut message = failure.to_string();
            let mut cause = failure.source();
            while let Some(underneath) = cause {
                message.push_str(": ");
                message.push_str(&underneath.to_string());
                cause = underneath.source();
            }
            eprintln!("perfeval: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The document on standard output; a reader that stops early (`| head`) is no error.
fn print_openapi() -> Result<(), Failure> {
    use std::io::Write;
    let json = perfeval::api::openapi().to_pretty_json()?;
    match writeln!(std::io::stdout().lock(), "{json}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn serve(settings: &Settings) -> Result<(), Failure> {
    perfeval::startup::raise_open_file_limit(settings);
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings)?;
        log::info!(
            "perfeval listening on http://{}:{} (API under /api/v1, docs at /docs)",
            settings.bind.ip(),
            app.port()
        );
        app.run_until_signalled().await?;
        Ok(())
    })
}

fn migrate(database: &Database) -> Result<(), Failure> {
    let store = connect(database)?;
    let applied = store
        .migrate()
        .map_err(|e| format!("{}: {e}", database.for_log()))?;
    log::info!("{applied} migration(s) applied to {}", database.for_log());
    Ok(())
}

/// One connection to the database, waiting as long as the environment's limits say.
fn connect(database: &Database) -> Result<Store, Failure> {
    let limits = Limits::from_env()?;
    Ok(Store::connect_with(
        &database.database_url,
        1,
        limits.store_waits(false),
    ))
}

/// The database, migrated to this version.
fn open_store(database: &Database) -> Result<Store, Failure> {
    let store = connect(database)?;
    store
        .migrate()
        .map_err(|e| format!("{}: {e}", database.for_log()))?;
    Ok(store)
}

fn reproject(database: &Database) -> Result<(), Failure> {
    let store = open_store(database)?;
    let count = perfeval::app::maintenance::reproject(&store)?;
    log::info!("rebuilt the projections of {count} evaluation(s)");
    Ok(())
}

/// What `perfeval demo` is asked to make.
struct Demo {
    departments: usize,
    years: usize,
    last_year: i32,
    seed: u64,
    projects: usize,
}

/// How many units' project tables are made and stored in one transaction.
const PROJECT_BATCH_UNITS: usize = 500;

fn demo(database: &Database, asked: Demo) -> Result<(), Failure> {
    let store = open_store(database)?;
    let units =
        perfeval::demo::generate(asked.departments, asked.years, asked.last_year, asked.seed)?;
    let stored = perfeval::app::maintenance::import(
        &store,
        units.iter().map(|u| (&u.department, u.reports.as_slice())),
        "demo",
    )?;
    log::info!(
        "stored {} demo units with {stored} reports (seed {})",
        asked.departments,
        asked.seed
    );
    if asked.projects == 0 {
        return Ok(());
    }
    let year = FiscalYear::try_from(i64::from(asked.last_year))?;
    let mut tables = 0;
    for (batch, chunk) in units.chunks(PROJECT_BATCH_UNITS).enumerate() {
        let mut made = Vec::with_capacity(chunk.len());
        for (offset, unit) in chunk.iter().enumerate() {
            let index = batch * PROJECT_BATCH_UNITS + offset;
            let projects = perfeval::demo::projects_of(
                &unit.department,
                index,
                asked.projects,
                asked.last_year,
                asked.seed,
            )?
            .into_iter()
            .map(|p| (p.code, p.status, p.table))
            .collect::<Vec<_>>();
            made.push((&unit.department.code, projects));
        }
        tables += perfeval::app::maintenance::import_projects(
            &store,
            year,
            made.iter()
                .map(|(code, projects)| (*code, projects.as_slice())),
            "demo",
        )?;
        log::info!("stored {tables} demo project tables");
    }
    store.refresh_statistics()?;
    Ok(())
}

/// Reads a JSON file as a `T`, naming the file and the field in what goes wrong.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the report's documents to the paths given: HTML, Markdown, XLSX.
fn render(
    department: &std::path::Path,
    report: &std::path::Path,
    year: FiscalYear,
    [html, markdown, xlsx]: [Option<std::path::PathBuf>; 3],
) -> Result<(), Failure> {
    use perfeval::presentation::{form, narrative};
    let department: perfeval::domain::department::Department = read_json(department)?;
    let report: perfeval::domain::report::EvaluationReport = read_json(report)?;
    if let Some(error) = report.structural_errors().first() {
        return Err(format!("the report is not valid: {}: {}", error.path, error.invalid).into());
    }
    let weights = perfeval::domain::settings::Weights::default();
    // Files carry no approval of targets: every indicator scores as the report states it;
    // and no year's library nor result rules, so the common library reads them and the
    // default bands grade them, as for a year without its own.
    let library = perfeval::domain::library::Library::common();
    let rules = perfeval::domain::result_application::rules::ResultRules::default();
    let scorecard = report.scorecard(&weights, None, library, &rules);
    let unit = narrative::Unit {
        code: department.code.as_str(),
        name: department.name.as_str(),
    };
    let year = i32::from(year);
    let write = |path: &std::path::Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    for (path, format) in [
        (html, narrative::DocumentFormat::Html),
        (markdown, narrative::DocumentFormat::Markdown),
    ] {
        if let Some(path) = path {
            let text = narrative::render(format, unit, year, &report, &scorecard)
                .map_err(|e| format!("the report could not be rendered: {e}"))?;
            write(&path, text.as_bytes())?;
        }
    }
    if let Some(path) = xlsx {
        let workbook = form::write(unit, year, &report, &weights)
            .map_err(|e| format!("the table could not be written: {e}"))?;
        write(&path, &workbook)?;
    }
    Ok(())
}

/// The password: asked for twice without echo at a terminal, else the first line of
/// standard input (`printf '%s\n' "$PASSWORD" | perfeval user add …`).
fn read_password() -> Result<Password, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let unreadable = |e: std::io::Error| format!("cannot read the password: {e}");
        let first =
            rpassword::prompt_password("Password (10 to 256 characters): ").map_err(unreadable)?;
        let password =
            Password::try_from(first.clone()).map_err(|e| format!("the password {e}"))?;
        let again = rpassword::prompt_password("The same password again: ").map_err(unreadable)?;
        if again != first {
            return Err("the two passwords differ; nothing was changed".to_owned());
        }
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Password::try_from(line.trim_end_matches(['\r', '\n']).to_owned())
        .map_err(|e| format!("the password {e}"))
}

fn manage_user(database: &Database, command: UserCommand) -> Result<(), Failure> {
    let store = open_store(database)?;
    match command {
        UserCommand::Add {
            username,
            role,
            department,
        } => {
            if role == Role::Unit && department.is_none() {
                return Err("a unit user is bound to a department: add --department CODE".into());
            }
            let password = read_password()?;
            let user = store.create_user(
                NewUser {
                    username,
                    password,
                    role,
                    department,
                },
                None,
            )?;
            log::info!("added {} ({})", user.username, user.role);
        }
        UserCommand::SetPassword { username } => {
            let change = UserChange {
                password: Some(read_password()?),
                ..UserChange::default()
            };
            store.change_user(&username, change, None)?;
            log::info!("changed the password of {username}; its earlier tokens are refused");
        }
        UserCommand::Disable { username } => {
            let change = UserChange {
                disabled: Some(true),
                ..UserChange::default()
            };
            store.change_user(&username, change, None)?;
            log::info!("disabled {username}");
        }
    }
    Ok(())
}
