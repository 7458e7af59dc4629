//! Cuts a PostgreSQL connection on which a statement has waited past its deadline for an
//! answer. A frozen server (a hung host, a process stopped) or a lost network leaves libpq
//! waiting for ever: it has no timeout of its own for a statement, and the server's
//! `statement_timeout` cannot act when the server itself does not run. Shutting the socket
//! down ends libpq's wait with an error; the statement fails (503), and the pool drops the
//! connection.
//!
//! The socket is found once, when the connection opens: the server names both ends of it
//! (`inet_client_addr()` …), and the one socket of this process with those ends is it. A
//! connection over a Unix socket, or through something that rewrites addresses, is not
//! watched; TCP keep-alive and the pool's timeouts still bound it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

/// How often the deadlines are looked at: a statement is cut within this after its deadline.
const TICK: Duration = Duration::from_millis(50);

/// The statements under way with their deadlines, by socket; one thread for the process.
fn armed() -> MutexGuard<'static, HashMap<RawFd, Instant>> {
    static ARMED: OnceLock<Mutex<HashMap<RawFd, Instant>>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| {
        std::thread::Builder::new()
            .name("db-watchdog".to_owned())
            .spawn(watch)
            .map_err(|e| log::error!("cannot start the database watchdog: {e}"))
            .ok();
        Mutex::default()
    });
    // A poisoned map is still a map of deadlines.
    armed.lock().unwrap_or_else(|e| e.into_inner())
}

fn watch() {
    loop {
        std::thread::sleep(TICK);
        let now = Instant::now();
        // The socket is shut down under the lock: a connection disarms (under the lock) before
        // it closes its socket, so the number cannot name another file by then.
        armed().retain(|&fd, deadline| {
            if *deadline > now {
                return true;
            }
            // SAFETY: `fd` is the open socket of a live connection, which removes it from this
            // map (under this lock) before the connection closes it.
            let socket = unsafe { BorrowedFd::borrow_raw(fd) };
            match socket2::SockRef::from(&socket).shutdown(std::net::Shutdown::Both) {
                Ok(()) => log::warn!(
                    "the database did not answer a statement within its deadline; connection cut"
                ),
                Err(e) => log::warn!("cannot cut a database connection past its deadline: {e}"),
            }
            false
        });
    }
}

/// One connection's socket and the deadline of each of its statements (milliseconds; 0: not
/// watched), which `Watch::for_next` changes for a while (the pool's ping).
#[derive(Debug, Clone)]
pub struct Watch {
    socket: RawFd,
    within: Arc<AtomicU64>,
}

impl Watch {
    /// The watch of `conn`'s socket, its statements given `within` each; `None` when its socket
    /// cannot be told apart (see the module's comment).
    pub fn of(conn: &mut PgConnection, within: Duration) -> Option<Self> {
        let socket = own_socket(conn)?;
        let within = Arc::new(AtomicU64::new(millis(within)));
        let watch = Self { socket, within };
        diesel::Connection::set_instrumentation(conn, Deadlines(watch.clone()));
        Some(watch)
    }

    /// Gives the statements from now on `within` each (`Duration::ZERO`: no deadline).
    pub fn set(&self, within: Duration) {
        self.within.store(millis(within), Ordering::Relaxed);
    }

    fn arm(&self) {
        let within = self.within.load(Ordering::Relaxed);
        let mut armed = armed();
        if within == 0 {
            armed.remove(&self.socket);
        } else {
            armed.insert(self.socket, Instant::now() + Duration::from_millis(within));
        }
    }

    /// No statement under way: nothing to cut. Called before the connection closes its socket.
    pub fn disarm(&self) {
        armed().remove(&self.socket);
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Arms the watch as a statement starts, disarms it when its answer is in.
struct Deadlines(Watch);

impl Instrumentation for Deadlines {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.0.arm(),
            InstrumentationEvent::FinishQuery { .. } => self.0.disarm(),
            _ => {}
        }
    }
}

/// Both ends of the connection, as the server sees them.
#[derive(QueryableByName)]
struct Ends {
    #[diesel(sql_type = Nullable<Text>)]
    client_addr: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    client_port: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    server_addr: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    server_port: Option<i32>,
}

/// The socket of this process whose ends are those the server names for `conn`.
fn own_socket(conn: &mut PgConnection) -> Option<RawFd> {
    let ends: Ends = diesel::sql_query(
        "SELECT host(inet_client_addr()) AS client_addr, inet_client_port() AS client_port, \
         host(inet_server_addr()) AS server_addr, inet_server_port() AS server_port",
    )
    .get_result(conn)
    .ok()?;
    let end = |addr: Option<String>, port: Option<i32>| -> Option<SocketAddr> {
        let addr: IpAddr = addr?.parse().ok()?;
        Some(SocketAddr::new(
            addr.to_canonical(),
            u16::try_from(port?).ok()?,
        ))
    };
    let local = end(ends.client_addr, ends.client_port)?;
    let peer = end(ends.server_addr, ends.server_port)?;
    let same = |addr: std::io::Result<socket2::SockAddr>, wanted: SocketAddr| {
        addr.ok()
            .and_then(|a| a.as_socket())
            .is_some_and(|a| SocketAddr::new(a.ip().to_canonical(), a.port()) == wanted)
    };
    std::fs::read_dir("/proc/self/fd")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .find(|&fd| {
            // SAFETY: only asked for its addresses; a number closed meanwhile answers an error,
            // and one reopened meanwhile cannot have both ends of this connection.
            let socket = unsafe { BorrowedFd::borrow_raw(fd) };
            let socket = socket2::SockRef::from(&socket);
            same(socket.local_addr(), local) && same(socket.peer_addr(), peer)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    /// A statement the server leaves unanswered (here asleep; frozen, in the fault scenario) is
    /// cut at its deadline, not waited for. Runs when `TEST_DATABASE_URL` names PostgreSQL.
    #[test]
    fn a_statement_left_unanswered_is_cut_at_its_deadline() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        if !url.starts_with("postgres") {
            return;
        }
        let mut conn = PgConnection::establish(&url).expect("the test database answers");
        let watch = Watch::of(&mut conn, Duration::from_millis(500)).expect("the socket is found");
        let began = Instant::now();
        let cut = conn.batch_execute("SELECT pg_sleep(10)");
        let waited = began.elapsed();
        assert!(cut.is_err(), "the statement was cut");
        assert!(waited < Duration::from_secs(2), "waited {waited:?}");
        assert!(armed().get(&watch.socket).is_none(), "nothing left armed");
    }
}
