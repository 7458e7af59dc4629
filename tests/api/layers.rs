//! The layers hold one way (`api → app → store → domain`): the handlers reach the store only
//! through the use cases of `app`, which check the caller's right inside their transaction.

use std::path::{Path, PathBuf};

/// What a handler may not write: the store's module, or a transaction of its own.
const FORBIDDEN: [&str; 3] = ["crate::store", ".read_transaction(", ".write_transaction("];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("src/api is readable");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_file_of_the_api_names_the_store_or_opens_a_transaction() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    rust_files(&api, &mut files);
    assert!(files.len() > 10, "the api's files were not found");
    let mut offences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        for (number, line) in text.lines().enumerate() {
            for forbidden in FORBIDDEN {
                if line.contains(forbidden) {
                    offences.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "handlers reach the store only through a use case of `app`:\n{}",
        offences.join("\n")
    );
}
