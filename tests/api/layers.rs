//! The layers hold one way (`api → app → store → domain`, and `presentation → domain` beside
//! them): the handlers reach the store only through the use cases of `app`, which check the
//! caller's right inside their transaction; the domain names no layer above it, and rendering
//! names neither the store nor the use cases.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("a source directory is readable");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Every line of the files under `src/{layer}` that names one of `forbidden`.
fn offences(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 5, "the files of src/{layer} were not found");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        for (number, line) in text.lines().enumerate() {
            if forbidden.iter().any(|name| line.contains(name)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn no_file_of_the_api_names_the_store_or_opens_a_transaction() {
    let found = offences(
        "api",
        &["crate::store", ".read_transaction(", ".write_transaction("],
    );
    assert!(
        found.is_empty(),
        "handlers reach the store only through a use case of `app`:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_domain_names_no_layer_above_it() {
    let found = offences(
        "domain",
        &[
            "crate::api",
            "crate::app",
            "crate::store",
            "crate::presentation",
            "diesel",
            "actix",
            "rust_xlsxwriter",
            "calamine",
            "minijinja",
            "plotters",
        ],
    );
    assert!(
        found.is_empty(),
        "the domain decides without I/O or rendering:\n{}",
        found.join("\n")
    );
}

#[test]
fn rendering_names_neither_the_store_nor_the_use_cases_nor_http() {
    let found = offences(
        "presentation",
        &[
            "crate::api",
            "crate::app",
            "crate::store",
            "actix",
            "diesel",
        ],
    );
    assert!(
        found.is_empty(),
        "presentation renders what the domain decided:\n{}",
        found.join("\n")
    );
}
