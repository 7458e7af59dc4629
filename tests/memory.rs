//! Failed logins with enormous user names leave nothing behind: the login limiter counts in a
//! table of fixed size. In its own test binary, whose allocator counts the bytes the process
//! holds, so that no other test's allocations blur the measure.

use std::sync::atomic::Ordering;

use counting::HELD;
use perfeval::config::{Secret, Settings};
use perfeval::startup::Application;

#[path = "support/counting.rs"]
mod counting;

const NAME_BYTES: usize = 1024 * 1024;
/// Failed logins from each client address: under its limit, so that every name is counted
/// rather than refused.
const PER_ADDRESS: usize = 15;

/// Logs in with wrong passwords and megabyte names from each of the `hosts` 127.0.1.x;
/// answers how many bytes of names were sent.
async fn failed_logins(url: &str, hosts: std::ops::RangeInclusive<u8>) -> usize {
    let mut sent = 0;
    for host in hosts {
        let client = awc::Client::builder()
            .connector(
                awc::Connector::new()
                    .local_address(std::net::Ipv4Addr::new(127, 0, 1, host).into()),
            )
            .finish();
        for attempt in 0..PER_ADDRESS {
            let name = format!("{host}-{attempt}-{}", "x".repeat(NAME_BYTES));
            let status = client
                .post(url)
                .send_json(&serde_json::json!({"username": name, "password": "guess"}))
                .await
                .expect("the service answers")
                .status();
            assert_eq!(status.as_u16(), 401);
            sent += name.len();
        }
    }
    sent
}

#[actix_rt::test]
async fn failed_logins_with_megabyte_names_do_not_stay_in_memory() {
    let database = std::env::temp_dir().join(format!("perfeval_memory_{}.db", std::process::id()));
    let settings = Settings {
        pool_size: 2,
        jwt_secret: Some(Secret::from(
            "memory-test-secret-that-is-32-bytes".to_owned(),
        )),
        admin_password: Some(Secret::from("admin-password-for-tests".to_owned())),
        ..Settings::for_tests(database.to_string_lossy().into_owned())
    };
    let app = Application::build(&settings).expect("the service starts");
    let url = format!("http://127.0.0.1:{}/api/v1/auth/token", app.port());
    actix_rt::spawn(app.run_until_stopped());

    // A first round lets the service make what every request needs once (pools, caches);
    // the second must leave nothing of its names behind.
    failed_logins(&url, 1..=2).await;
    let before = HELD.load(Ordering::Relaxed);
    let sent = failed_logins(&url, 3..=10).await;
    let grown = HELD.load(Ordering::Relaxed).saturating_sub(before);
    for suffix in ["", "-wal", "-shm"] {
        let mut file = database.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    assert!(
        grown < NAME_BYTES,
        "the service holds {grown} more bytes after {sent} bytes of failed names: not even one name may stay"
    );
}
