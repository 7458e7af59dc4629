//! The fault edges of start-up: a SQLite file is served by one server whatever name it is
//! given, and an unreachable database is reported within the start-up wait.

use std::time::{Duration, Instant};

use perfeval::startup::Application;

use crate::helpers::settings_for;

/// A directory of the test's own, removed when it ends.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("perfeval-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("sub")).expect("a scratch directory");
        Self(path)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[actix_rt::test]
async fn a_second_server_is_refused_under_any_name_of_the_sqlite_file() {
    let scratch = Scratch::new("one-server");
    let first = Application::build(&settings_for(scratch.path("served.db")))
        .expect("the first server starts");
    std::os::unix::fs::symlink(scratch.path("served.db"), scratch.path("link.db"))
        .expect("a symlink");
    for other_name in [
        scratch.path("link.db"),
        scratch.path("sub/../served.db"),
        format!("sqlite://{}", scratch.path("./sub/../link.db")),
    ] {
        let refused = Application::build(&settings_for(other_name.clone()))
            .err()
            .unwrap_or_else(|| panic!("a second server started on {other_name}"));
        let said = refused.to_string();
        assert!(said.contains("another perfeval server"), "{said}");
        assert!(said.contains("served.db.lock"), "the lock is named: {said}");
    }
    drop(first);
}

#[actix_rt::test]
async fn an_unreachable_postgresql_is_reported_within_the_startup_timeout() {
    // A port that nothing listens on: taken, then given back.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut settings = settings_for(format!("postgres://postgres@127.0.0.1:{port}/perfeval"));
    settings.limits.startup_timeout = 1;
    let began = Instant::now();
    let refused = Application::build(&settings)
        .err()
        .expect("no server starts without its database");
    let waited = began.elapsed();
    let said = refused.to_string();
    assert!(waited < Duration::from_secs(3), "waited {waited:?}: {said}");
    assert!(said.contains("cannot open the database"), "{said}");
    assert!(said.contains("within 1 s"), "{said}");
    assert!(
        said.contains("Connection refused"),
        "the cause is named: {said}"
    );
}

#[actix_rt::test]
async fn one_client_address_holds_at_most_its_cap_of_connections() {
    use std::io::Read;
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.limits.max_connections_per_client = 3;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let (held, over) = actix_rt::task::spawn_blocking(move || {
        let held: Vec<_> = (0..3)
            .map(|_| std::net::TcpStream::connect(&address).expect("connects"))
            .collect();
        // The server counts a connection once it takes it.
        std::thread::sleep(Duration::from_millis(300));
        let mut over = std::net::TcpStream::connect(&address).expect("the kernel accepts");
        over.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        let began = Instant::now();
        let mut buffer = [0_u8; 16];
        let read = over.read(&mut buffer);
        let closed =
            matches!(read, Ok(0)) || read.is_err() && began.elapsed() < Duration::from_secs(4);
        (held, closed)
    })
    .await
    .expect("the client thread ends");
    assert!(
        over,
        "a fourth idle connection from the address is closed at once"
    );
    drop(held);
    // Once the address's connections are closed, it is served again.
    let mut answered = false;
    for _ in 0..20 {
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        if app.get("/api/v1/auth/me").await.status == 200 {
            answered = true;
            break;
        }
    }
    assert!(answered, "served again once its connections closed");
}

/// Opens `count` connections to `app` that send nothing, and answers how many of them the
/// server has ended after each of `waits` (one after the other).
async fn idle_connections_ended(
    app: &crate::helpers::TestApp,
    count: usize,
    waits: &[u64],
) -> Vec<usize> {
    let address = app.address.trim_start_matches("http://").to_owned();
    let waits = waits.to_vec();
    actix_rt::task::spawn_blocking(move || {
        let held: Vec<_> = (0..count)
            .map(|_| std::net::TcpStream::connect(&address).expect("connects"))
            .collect();
        let ended = |stream: &std::net::TcpStream| {
            stream.set_nonblocking(true).expect("non-blocking");
            let mut buffer = [0_u8; 1];
            match std::io::Read::read(&mut &*stream, &mut buffer) {
                Ok(read) => read == 0,
                Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            }
        };
        waits
            .iter()
            .map(|wait| {
                std::thread::sleep(Duration::from_millis(*wait));
                held.iter().filter(|stream| ended(stream)).count()
            })
            .collect()
    })
    .await
    .expect("the client thread ends")
}

#[actix_rt::test]
async fn the_share_of_slots_that_puts_the_service_under_pressure_is_a_setting() {
    // One worker of 4 slots: by default under pressure from 2 open connections, so two idle
    // ones are closed after the idle limit under pressure (1 s), long before the header deadline.
    let pressed = crate::helpers::spawn_app_with(|settings| {
        settings.limits.max_connections = 4;
    })
    .await;
    assert_eq!(idle_connections_ended(&pressed, 2, &[2_000]).await, [2]);
    // Under pressure only when every slot is taken: the two idle connections stay.
    let unpressed = crate::helpers::spawn_app_with(|settings| {
        settings.limits.max_connections = 4;
        settings.limits.pressure_percent = 100;
    })
    .await;
    assert_eq!(idle_connections_ended(&unpressed, 2, &[2_000]).await, [0]);
}

#[actix_rt::test]
async fn the_idle_limit_under_pressure_is_a_setting() {
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.limits.max_connections = 4;
        settings.limits.pressed_idle_timeout = 3;
    })
    .await;
    // Under pressure, still open after 2 s (the default limit, 1 s, would have closed them),
    // closed once idle for 3 s.
    assert_eq!(
        idle_connections_ended(&app, 2, &[2_000, 2_000]).await,
        [0, 2]
    );
}
