use std::process::ExitCode;

use clap::{Parser, Subcommand};
use perfeval::config::Settings;
use perfeval::startup::Application;
use perfeval::store::Store;

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
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(settings).map_err(|e| e.to_string())?;
        log::info!(
            "perfeval listening on http://{}:{} (API under /api/v1, docs at /docs)",
            settings.bind.ip(),
            app.port()
        );
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn migrate(settings: &Settings) -> Result<(), String> {
    let store = Store::connect(&settings.database_url, 1).map_err(|e| e.to_string())?;
    let applied = store.migrate().map_err(|e| e.to_string())?;
    log::info!(
        "{applied} migration(s) applied to {}",
        settings.database_for_log()
    );
    Ok(())
}
