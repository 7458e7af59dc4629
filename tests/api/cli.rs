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
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.status,
        401,
        "the old token ends"
    );
    let token = app.login("li.na", "another-password").await;

    let (ok, said) = perfeval(&app, &["user", "disable", "li.na"], "");
    assert!(ok, "{said}");
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.status,
        401
    );

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
