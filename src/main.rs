use std::process::ExitCode;

use clap::{Parser, Subcommand};
use perfeval::config::Settings;
use perfeval::domain::access::{Password, Role, Username};
use perfeval::domain::values::UnitCode;
use perfeval::startup::Application;
use perfeval::store::Store;
use perfeval::store::users::{NewUser, UserChange};

/// perfeval — departmental expenditure performance self-evaluations (部门整体支出绩效自评):
/// collected, checked, scored, compared and published.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default): migrate the database, then listen.
    Serve,
    /// Run pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Rebuild the comparison tables (projections) from the stored reports.
    Reproject,
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
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Manage users; passwords are read from standard input, never from the command line.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is the first line of standard input.
    Add {
        username: Username,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The department a unit user is bound to.
        #[arg(long)]
        department: Option<UnitCode>,
    },
    /// Set a user's password (the first line of standard input); ends the user's tokens.
    SetPassword { username: Username },
    /// Disable a user; the user's tokens are refused from their next request.
    Disable { username: Username },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "one of admin, reviewer, analyst, unit".to_owned())
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.settings),
        Command::Migrate => migrate(&cli.settings),
        Command::Openapi => perfeval::api::openapi()
            .to_pretty_json()
            .map(|json| println!("{json}"))
            .map_err(|e| e.to_string()),
        Command::User(command) => manage_user(&cli.settings, command),
        Command::Reproject => reproject(&cli.settings),
        Command::Demo {
            departments,
            years,
            last_year,
            seed,
        } => demo(&cli.settings, departments, years, last_year, seed),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: &Settings) -> Result<(), String> {
    perfeval::startup::raise_open_file_limit(settings);
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings).map_err(|e| e.to_string())?;
        log::info!(
            "perfeval listening on http://{}:{} (API under /api/v1, docs at /docs)",
            settings.bind.ip(),
            app.port()
        );
        app.run_until_signalled().await.map_err(|e| e.to_string())
    })
}

fn migrate(settings: &Settings) -> Result<(), String> {
    let store = Store::connect(&settings.database_url, 1, settings.limits.pool_timeout());
    let applied = store.migrate().map_err(|e| e.to_string())?;
    log::info!(
        "{applied} migration(s) applied to {}",
        settings.database_for_log()
    );
    Ok(())
}

fn reproject(settings: &Settings) -> Result<(), String> {
    let store = Store::connect(&settings.database_url, 1, settings.limits.pool_timeout());
    store.migrate().map_err(|e| e.to_string())?;
    let count = store.reproject().map_err(|e| e.to_string())?;
    log::info!("rebuilt the projections of {count} evaluation(s)");
    Ok(())
}

fn demo(
    settings: &Settings,
    departments: usize,
    years: usize,
    last_year: i32,
    seed: u64,
) -> Result<(), String> {
    let store = Store::connect(&settings.database_url, 1, settings.limits.pool_timeout());
    store.migrate().map_err(|e| e.to_string())?;
    let units = perfeval::demo::generate(departments, years, last_year, seed)?;
    let stored = store
        .import(
            units.iter().map(|u| (&u.department, u.reports.as_slice())),
            "demo",
        )
        .map_err(|e| e.to_string())?;
    log::info!("stored {departments} demo units with {stored} reports (seed {seed})");
    Ok(())
}

fn read_password() -> Result<Password, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Password::try_from(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn manage_user(settings: &Settings, command: UserCommand) -> Result<(), String> {
    let store = Store::connect(&settings.database_url, 1, settings.limits.pool_timeout());
    store.migrate().map_err(|e| e.to_string())?;
    match command {
        UserCommand::Add {
            username,
            role,
            department,
        } => {
            let password = read_password()?;
            let user = store
                .create_user(NewUser {
                    username,
                    password,
                    role,
                    department,
                })
                .map_err(|e| e.to_string())?;
            log::info!("added {} ({})", user.username, user.role);
        }
        UserCommand::SetPassword { username } => {
            let change = UserChange {
                password: Some(read_password()?),
                ..UserChange::default()
            };
            store
                .change_user(&username, change)
                .map_err(|e| e.to_string())?;
            log::info!("changed the password of {username}; its earlier tokens are refused");
        }
        UserCommand::Disable { username } => {
            let change = UserChange {
                disabled: Some(true),
                ..UserChange::default()
            };
            store
                .change_user(&username, change)
                .map_err(|e| e.to_string())?;
            log::info!("disabled {username}");
        }
    }
    Ok(())
}
