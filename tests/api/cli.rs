//! The command line against the same database as a running service.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

/// Runs `perfeval ARGS` on the app's database with `stdin`; answers whether it succeeded and
/// what it wrote.
fn perfeval(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perfeval runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("perfeval ends");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[actix_rt::test]
async fn users_are_added_given_passwords_and_disabled_from_the_command_line() {
    let app = spawn_app().await;
    let (ok, said) = perfeval(
        &app,
        &["user", "add", "li.na", "--role", "reviewer"],
        "a-password-from-stdin\n",
    );
    assert!(ok, "{said}");
    assert!(
        !said.contains("a-password-from-stdin"),
        "the password is never printed: {said}"
    );
    let token = app.login("li.na", "a-password-from-stdin").await;
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.body["role"],
        "reviewer"
    );

    let (ok, said) = perfeval(
        &app,
        &["user", "set-password", "li.na"],
        "another-password\n",
    );
    assert!(ok, "{said}");
    assert!(
        app.refused_within_a_second(&token).await,
        "the old token ends"
    );
    let token = app.login("li.na", "another-password").await;

    let (ok, said) = perfeval(&app, &["user", "disable", "li.na"], "");
    assert!(ok, "{said}");
    assert!(app.refused_within_a_second(&token).await);

    let (ok, said) = perfeval(
        &app,
        &["user", "add", "short", "--role", "analyst"],
        "short\n",
    );
    assert!(!ok);
    assert!(said.contains("10 to 256 characters"), "{said}");
    let (ok, said) = perfeval(
        &app,
        &["user", "add", "unit.user", "--role", "unit"],
        "a-long-enough-password\n",
    );
    assert!(!ok, "a unit user needs a department: {said}");
    assert!(said.contains("--department"), "{said}");
    let (ok, said) = perfeval(
        &app,
        &[
            "user",
            "add",
            "unit.user",
            "--role",
            "unit",
            "--department",
            "999",
        ],
        "a-long-enough-password\n",
    );
    assert!(!ok);
    assert!(said.contains("department: there is no `999`"), "{said}");
}

#[actix_rt::test]
async fn demo_data_fills_the_database_and_reproject_rebuilds_the_tables() {
    let app = spawn_app().await;
    let (ok, said) = perfeval(
        &app,
        &["demo", "--departments", "12", "--years", "2", "--seed", "5"],
        "",
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("stored 12 demo units with 24 reports"),
        "{said}"
    );
    let table = app
        .get("/api/v1/comparisons/departments?year=2025&limit=500")
        .await
        .body;
    assert_eq!(table["total"], 12);
    let (ok, said) = perfeval(&app, &["reproject"], "");
    assert!(ok, "{said}");
    assert!(
        said.contains("rebuilt the projections of 24 evaluation(s)"),
        "{said}"
    );
    assert_eq!(
        app.get("/api/v1/comparisons/departments?year=2025&limit=500")
            .await
            .body,
        table
    );
    let (ok, _) = perfeval(
        &app,
        &["demo", "--departments", "12", "--years", "2", "--seed", "5"],
        "",
    );
    assert!(!ok, "the same codes cannot be stored twice");
    assert_eq!(
        app.get("/api/v1/evaluations?limit=1").await.body["total"],
        json!(24)
    );
}

#[actix_rt::test]
async fn demo_project_tables_are_stored_in_batches_and_read_as_any_other() {
    let app = spawn_app().await;
    let (ok, said) = perfeval(
        &app,
        &[
            "demo",
            "--departments",
            "3",
            "--years",
            "1",
            "--projects",
            "4",
        ],
        "",
    );
    assert!(ok, "{said}");
    assert!(said.contains("stored 12 demo project tables"), "{said}");
    let year = app.get("/api/v1/years/2025/projects?limit=500").await;
    assert_eq!(year.status, 200, "{}", year.body);
    assert_eq!(year.body["projects"].as_array().map(Vec::len), Some(12));
    let one = app
        .get("/api/v1/departments/D00002/evaluations/2025/projects/2025-000002-03")
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["table"]["funding"]["total"]["weight"], "10");
    let (ok, said) = perfeval(&app, &["demo", "--projects", "201"], "");
    assert!(!ok, "past the bound: {said}");
}

#[test]
fn the_binary_refuses_to_serve_without_a_signing_key() {
    let output = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            ":memory:",
        ])
        .env_remove("JWT_SECRET")
        .env("PERFEVAL_DEV", "false")
        .output()
        .expect("perfeval runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("JWT_SECRET is not set"), "{said}");
}

/// Runs `perfeval ARGS` with `env` and no database of a test's own.
fn perfeval_alone(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .expect("perfeval runs");
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), text)
}

#[test]
fn a_database_url_that_names_no_usable_database_is_refused_at_once_even_with_logging_off() {
    let (ok, said) = perfeval_alone(&["migrate"], &[("DATABASE_URL", "mysql://db/perfeval")]);
    assert!(!ok);
    assert!(said.contains("`mysql`"), "{said}");
    let (ok, said) = perfeval_alone(&["migrate"], &[("DATABASE_URL", "")]);
    assert!(!ok);
    assert!(said.contains("DATABASE_URL is empty"), "{said}");
}

#[test]
fn a_sqlite_file_that_cannot_be_opened_is_named() {
    let path = "/nonexistent-folder-of-perfeval/perfeval.db";
    let (ok, said) = perfeval_alone(&["migrate"], &[("DATABASE_URL", path)]);
    assert!(!ok);
    assert!(
        said.contains(path) && said.contains("unable to open database file"),
        "{said}"
    );
}

#[test]
fn dev_mode_takes_the_usual_ways_of_saying_yes_and_names_itself_otherwise() {
    for yes in ["1", "true", "yes"] {
        let (ok, said) = perfeval_alone(&["openapi"], &[("PERFEVAL_DEV", yes)]);
        assert!(ok, "PERFEVAL_DEV={yes}: {said}");
    }
    let (ok, said) = perfeval_alone(&["openapi"], &[("PERFEVAL_DEV", "maybe")]);
    assert!(!ok);
    assert!(said.contains("PERFEVAL_DEV"), "{said}");
}

#[test]
fn the_document_printed_into_a_reader_that_stops_early_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perfeval runs");
    // Like `| head -c 1`: one byte read, then the pipe is closed.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("a byte");
    drop(stdout);
    let output = child.wait_with_output().expect("perfeval ends");
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The first start's banner, from `perfeval serve` on a new SQLite file on which the users
/// `before` (name, role) were added from the command line.
fn first_start_banner(under_cargo: bool, before: &[(&str, &str)]) -> String {
    let database = std::env::temp_dir().join(format!(
        "perfeval-banner-{}-{under_cargo}-{}.db",
        std::process::id(),
        before.len()
    ));
    for (name, role) in before {
        let mut add = Command::new(env!("CARGO_BIN_EXE_perfeval"))
            .args(["user", "add", name, "--role", role])
            .env("DATABASE_URL", &database)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("perfeval runs");
        add.stdin
            .take()
            .expect("stdin")
            .write_all(b"a-password-from-stdin\n")
            .expect("written");
        assert!(add.wait().expect("perfeval ends").success());
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_perfeval"));
    command
        .args(["serve", "--dev", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &database)
        .env("RUST_LOG", "off")
        .env_remove("PERFEVAL_ADMIN_PASSWORD")
        .env_remove("JWT_SECRET")
        .stdout(Stdio::piped());
    if under_cargo {
        command.env("CARGO", "cargo");
    } else {
        command.env_remove("CARGO");
    }
    let mut child = command.spawn().expect("perfeval runs");
    let stdout = child.stdout.take().expect("stdout");
    // Read on a thread of its own, so that a server that prints no banner cannot hold the test.
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    while let Ok(line) = received.recv_timeout(std::time::Duration::from_secs(20)) {
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("set-password") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    banner
}

#[test]
fn the_first_start_names_the_command_to_change_the_password_as_it_is_run() {
    let banner = first_start_banner(true, &[]);
    assert!(
        banner.contains("`cargo run -- user set-password admin`"),
        "{banner}"
    );
    let banner = first_start_banner(false, &[]);
    assert!(
        banner.contains("`perfeval user set-password admin`"),
        "{banner}"
    );
}

#[test]
fn the_first_administrator_is_created_while_none_exists_whatever_users_were_added_before() {
    let banner = first_start_banner(false, &[("li.na", "reviewer")]);
    assert!(
        banner.contains("The first administrator is `admin`"),
        "{banner}"
    );
}

#[actix_rt::test]
async fn a_second_server_on_the_same_sqlite_file_refuses_to_start() {
    let app = spawn_app().await;
    if app.database_url.starts_with("postgres") {
        // Any number of servers share a PostgreSQL database (tests/faults covers two).
        return;
    }
    let mut second = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(["serve", "--dev", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &app.database_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perfeval runs");
    // Bounded: a server that did start is stopped, and the test fails.
    let mut exited = None;
    for _ in 0..300 {
        exited = second.try_wait().expect("the status");
        if exited.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if exited.is_none() {
        second.kill().expect("stopped");
    }
    let output = second.wait_with_output().expect("perfeval ends");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(exited.is_some_and(|status| !status.success()), "{said}");
    assert!(
        said.contains("another perfeval server is serving"),
        "{said}"
    );
    // The first one serves on.
    assert_eq!(app.get("/readyz").await.status, 200);
}
