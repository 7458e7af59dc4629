//! What a newcomer meets in the first hour: the command line's help and refusals, and the
//! README's blocks as written.

use std::process::{Command, Stdio};

/// Runs `perfeval ARGS` with `env` and no database of a test's own; answers whether it
/// succeeded and what it wrote on both outputs.
fn perfeval_with_env(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(args)
        .env("DATABASE_URL", ":memory:")
        .envs(env.iter().copied())
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .expect("perfeval runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn perfeval(args: &[&str]) -> (bool, String) {
    perfeval_with_env(args, &[])
}

/// The help of `perfeval ARGS --help`.
fn help(args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.push("--help");
    let (ok, said) = perfeval(&args);
    assert!(ok, "{said}");
    said
}

#[test]
fn render_without_an_output_flag_fails_and_names_the_flags() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kaifu-2021-government-office"
    );
    let department = format!("{fixture}/department.json");
    let report = format!("{fixture}/report.json");
    let (ok, said) = perfeval(&[
        "render",
        "--year",
        "2021",
        "--department",
        &department,
        "--report",
        &report,
    ]);
    assert!(!ok, "nothing was written, so the command fails: {said}");
    for flag in ["--html", "--markdown", "--xlsx"] {
        assert!(said.contains(flag), "the message names {flag}: {said}");
    }
}

#[test]
fn only_serve_and_the_default_command_list_the_service_settings() {
    for args in [&["serve"][..], &[]] {
        let said = help(args);
        for flag in [
            "--bind",
            "--jwt-secret",
            "--header-timeout",
            "--database-url",
        ] {
            assert!(said.contains(flag), "{args:?} lists {flag}: {said}");
        }
    }
    for args in [
        &["migrate"][..],
        &["reproject"],
        &["demo"],
        &["user", "add"],
        &["openapi"],
        &["render"],
    ] {
        let said = help(args);
        for flag in ["--bind", "--jwt-secret", "--header-timeout", "--pool-size"] {
            assert!(
                !said.contains(flag),
                "{args:?} does not list {flag}: {said}"
            );
        }
    }
    assert!(!help(&["render"]).contains("--database-url"));
    assert!(!help(&["openapi"]).contains("--database-url"));
    assert!(help(&["migrate"]).contains("--database-url"));
}

#[test]
fn maintenance_commands_still_take_the_database_from_the_environment() {
    let database =
        std::env::temp_dir().join(format!("perfeval-first-hour-{}.db", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .arg("migrate")
        .env("DATABASE_URL", &database)
        .env("DATABASE_CONNECT_TIMEOUT", "5")
        .env("RUST_LOG", "off")
        .output()
        .expect("perfeval runs");
    let made = database.exists();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(made, "the database named by DATABASE_URL was created");
    let (ok, said) = perfeval_with_env(&["migrate"], &[("DATABASE_CONNECT_TIMEOUT", "1")]);
    assert!(!ok, "a limit out of range is still refused: {said}");
    assert!(
        said.contains("DATABASE_CONNECT_TIMEOUT") || said.contains("connect-timeout"),
        "{said}"
    );
}

#[test]
fn the_service_listens_on_a_host_name() {
    let database =
        std::env::temp_dir().join(format!("perfeval-host-name-{}.db", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(["serve", "--dev", "--bind", "localhost:0", "--database-url"])
        .arg(&database)
        .env("RUST_LOG", "info")
        .env("PERFEVAL_ADMIN_PASSWORD", "a-password-for-the-test")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perfeval runs");
    let stderr = child.stderr.take().expect("stderr");
    // Read on a thread of its own, so that a server that never listens cannot hold the test.
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = String::new();
    while let Ok(line) = received.recv_timeout(std::time::Duration::from_secs(30)) {
        said.push_str(&line);
        said.push('\n');
        if line.contains("listening on") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    assert!(said.contains("perfeval listening on http://"), "{said}");

    let (ok, said) = perfeval(&["serve", "--bind", "no-such-host.invalid:8080"]);
    assert!(!ok);
    assert!(said.contains("no-such-host.invalid:8080"), "{said}");
}

/// Each argument a help lists (`--role <ROLE>`, `<USERNAME>`) with the text that describes
/// it: on its line after two spaces or more, or (clap's layout for wide helps) on the next
/// line, indented further.
fn described_arguments(help: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = help.lines().collect();
    let mut arguments = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if !(line.starts_with("  ") && (trimmed.starts_with('-') || trimmed.starts_with('<'))) {
            continue;
        }
        let (name, text) = match trimmed.split_once("  ") {
            Some((name, text)) if !text.trim().is_empty() => (name, text.trim().to_owned()),
            _ => {
                let indent = line.len() - trimmed.len();
                let next = lines.get(at + 1).copied().unwrap_or_default();
                let next_indent = next.len() - next.trim_start().len();
                let text = if next_indent > indent {
                    next.trim()
                } else {
                    ""
                };
                (trimmed.trim(), text.to_owned())
            }
        };
        arguments.push((name.to_owned(), text));
    }
    arguments
}

#[test]
fn every_argument_of_every_command_has_help() {
    let commands: [&[&str]; 11] = [
        &[],
        &["serve"],
        &["migrate"],
        &["openapi"],
        &["reproject"],
        &["demo"],
        &["render"],
        &["user"],
        &["user", "add"],
        &["user", "set-password"],
        &["user", "disable"],
    ];
    for args in commands {
        let said = help(args);
        let arguments = described_arguments(&said);
        assert!(!arguments.is_empty(), "{args:?}: {said}");
        for (name, text) in arguments {
            assert!(!text.is_empty(), "{args:?}: `{name}` has no help: {said}");
        }
    }
}

/// The shell blocks of the README.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_readme_runs_from_the_repository_root_and_its_files_exist() {
    let blocks = readme_blocks();
    assert_eq!(
        blocks[0]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .count(),
        2,
        "the quick start is two commands: {}",
        blocks[0]
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // Files the blocks write (`-o form.xlsx`, `--xlsx …`) before another reads them.
    let written: Vec<&str> = blocks
        .iter()
        .flat_map(|block| {
            let words: Vec<&str> = block.split_whitespace().collect();
            let after: Vec<&str> = words
                .windows(2)
                .filter(|pair| ["-o", "--html", "--markdown", "--xlsx"].contains(&pair[0]))
                .map(|pair| pair[1])
                .collect();
            after
        })
        .collect();
    let mut fixtures = String::new();
    for block in &blocks {
        for line in block.lines() {
            assert!(
                !line.trim_start().starts_with("cd "),
                "each block runs from the repository root, so none changes directory: {line}"
            );
            if let Some(value) = line.trim_start().strip_prefix("F=") {
                fixtures = value
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
            // Every file a block reads is there, relative to the root, or written before.
            for word in line.split_whitespace() {
                let read = word.starts_with('@') || word.starts_with("tests/");
                let path = word
                    .trim_start_matches('@')
                    .trim_matches(['"', '\''])
                    .replace("$F", &fixtures);
                if read && !written.contains(&path.as_str()) {
                    assert!(root.join(&path).is_file(), "{path} exists (in `{line}`)");
                }
            }
        }
    }
}

#[test]
fn the_readme_render_block_runs_as_written_from_the_root() {
    let block = readme_blocks()
        .into_iter()
        .find(|block| block.contains("cargo run -- render"))
        .expect("the README renders the seed");
    // A root of its own whose `tests/` is the repository's, so that what the block writes
    // lands there and not in the worktree.
    let root = std::env::temp_dir().join(format!("perfeval-readme-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("a directory");
    let _ = std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests"),
        root.join("tests"),
    );
    let script = block.replace(
        "cargo run --",
        &format!("'{}'", env!("CARGO_BIN_EXE_perfeval")),
    );
    let output = Command::new("sh")
        .args(["-euc", &script])
        .current_dir(&root)
        .env("RUST_LOG", "off")
        .output()
        .expect("sh runs");
    let written = ["kaifu-2021.html", "kaifu-2021.md", "kaifu-2021-form.xlsx"]
        .map(|name| root.join(name).metadata().map_or(0, |m| m.len()));
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(written.iter().all(|bytes| *bytes > 0), "{written:?}");
}
