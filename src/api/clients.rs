//! The connections clients hold open, so that no client takes every slot
//! (`PERFEVAL_MAX_CONNECTIONS` per worker) from the others:
//! - a cap per client address, over all workers: a connection over it is closed as it is
//!   accepted, before anything is read from it;
//! - an idle timeout that shortens under pressure: while the connections open fill a share of
//!   the slots (`PERFEVAL_PRESSURE_PERCENT`, half by default) or more, one that has no request
//!   under way and has been idle `PERFEVAL_PRESSED_IDLE_TIMEOUT` (1 s) is closed (a new
//!   connection that has not sent its headers, a kept-alive one between requests). Unpressed,
//!   actix's own deadlines apply (the header deadline, keep-alive).

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::web::Bytes;

/// How often the idle connections are looked at under pressure.
const SWEEP: Duration = Duration::from_millis(250);

/// When idle connections are closed early: from how many open connections on, and after how
/// long idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pressure {
    /// Open connections, over all workers, from which on idle ones are closed early.
    pub open_from: usize,
    /// How long a connection may stay idle meanwhile.
    pub idle: Duration,
}

impl Pressure {
    /// Under pressure from `percent` of `slots` open connections on (at least one; `slots`:
    /// the connections all workers take), idle connections closed after `idle`.
    pub fn of(slots: usize, percent: u8, idle: Duration) -> Self {
        Self {
            open_from: (slots.saturating_mul(usize::from(percent)) / 100).max(1),
            idle,
        }
    }
}

/// The open connections, per client address and one by one.
#[derive(Debug)]
pub struct ClientConnections {
    cap: u32,
    pressure: Pressure,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    per_address: HashMap<IpAddr, u32>,
    connections: HashMap<u64, Arc<Connection>>,
    next_id: u64,
}

/// One open connection: its socket, both its ends (to tell that the number still names it),
/// its requests under way and since when it has had none.
#[derive(Debug)]
struct Connection {
    id: u64,
    address: IpAddr,
    socket: RawFd,
    local: SocketAddr,
    peer: SocketAddr,
    in_flight: AtomicU32,
    /// Milliseconds since `epoch()` at which the last request ended (or the connection opened).
    idle_since: AtomicU64,
}

impl Connection {
    fn idle_for(&self, now: u64) -> Option<Duration> {
        (self.in_flight.load(Ordering::Acquire) == 0).then(|| {
            Duration::from_millis(now.saturating_sub(self.idle_since.load(Ordering::Acquire)))
        })
    }

    /// Whether `socket` is still this connection's: a number closed and reused meanwhile names
    /// a socket with other ends (a database connection, another client's port).
    fn still_open(&self) -> bool {
        // SAFETY: only asked for its addresses; a number closed meanwhile answers an error.
        let socket = unsafe { BorrowedFd::borrow_raw(self.socket) };
        let socket = socket2::SockRef::from(&socket);
        let same = |addr: std::io::Result<socket2::SockAddr>, wanted: SocketAddr| {
            addr.ok().and_then(|a| a.as_socket()) == Some(wanted)
        };
        same(socket.local_addr(), self.local) && same(socket.peer_addr(), self.peer)
    }
}

/// The process's clock for idle times, in milliseconds.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_millis() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// One connection counted while it is open: dropped with the connection (actix drops a
/// connection's data before its socket).
struct Counted {
    clients: Arc<ClientConnections>,
    connection: Arc<Connection>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.clients.lock();
        open.connections.remove(&self.connection.id);
        if let Some(count) = open.per_address.get_mut(&self.connection.address) {
            *count -= 1;
            if *count == 0 {
                open.per_address.remove(&self.connection.address);
            }
        }
    }
}

impl ClientConnections {
    /// At most `cap` connections per address; idle ones closed early under `pressure`.
    pub fn new(cap: u32, pressure: Pressure) -> Arc<Self> {
        let clients = Arc::new(Self {
            cap,
            pressure,
            open: Mutex::default(),
        });
        let watched = Arc::downgrade(&clients);
        std::thread::Builder::new()
            .name("idle-connections".to_owned())
            .spawn(move || sweep(&watched))
            .map_err(|e| log::error!("cannot watch idle connections: {e}"))
            .ok();
        clients
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        // A poisoned map is still a map of counts.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For `HttpServer::on_connect`: counts the new connection against its address, or closes
    /// it when the address holds its cap already.
    pub fn on_connect(self: &Arc<Self>, connection: &dyn Any, data: &mut Extensions) {
        let Some(stream) = connection.downcast_ref::<TcpStream>() else {
            return;
        };
        let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
            return;
        };
        let address = peer.ip().to_canonical();
        {
            let mut open = self.lock();
            let count = open.per_address.entry(address).or_insert(0);
            if *count < self.cap {
                *count += 1;
                open.next_id += 1;
                let connection = Arc::new(Connection {
                    id: open.next_id,
                    address,
                    socket: stream.as_raw_fd(),
                    local,
                    peer,
                    in_flight: AtomicU32::new(0),
                    idle_since: AtomicU64::new(now_millis()),
                });
                open.connections
                    .insert(connection.id, Arc::clone(&connection));
                data.insert(Counted {
                    clients: Arc::clone(self),
                    connection,
                });
                return;
            }
        }
        log::debug!(
            "{address} holds {} connections already; one more closed",
            self.cap
        );
        // The connection's reader then finds it ended and drops it; nothing is answered.
        let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
    }

    /// Closes the connections idle for `pressure.idle` at `now` (`now_millis`) while the
    /// connections open are `pressure.open_from` or more; answers how many it closed.
    fn close_idle(&self, now: u64) -> usize {
        let open = self.lock();
        if open.connections.len() < self.pressure.open_from {
            return 0;
        }
        let mut closed = 0;
        // Under the lock: a connection leaves the map (under it) before its socket is closed.
        for connection in open.connections.values() {
            let idle = connection
                .idle_for(now)
                .is_some_and(|idle| idle >= self.pressure.idle);
            if idle && connection.still_open() {
                // SAFETY: checked just above, under the lock, to be this connection's socket.
                let socket = unsafe { BorrowedFd::borrow_raw(connection.socket) };
                if socket2::SockRef::from(&socket)
                    .shutdown(std::net::Shutdown::Both)
                    .is_ok()
                {
                    closed += 1;
                }
            }
        }
        closed
    }
}

fn sweep(clients: &Weak<ClientConnections>) {
    loop {
        std::thread::sleep(SWEEP);
        let Some(clients) = clients.upgrade() else {
            return;
        };
        let closed = clients.close_idle(now_millis());
        if closed > 0 {
            log::warn!(
                "{closed} idle connection(s) closed after {} s: the open connections are {} or more",
                clients.pressure.idle.as_secs_f32(),
                clients.pressure.open_from
            );
        }
    }
}

/// Middleware: a connection is busy from a request's head to the last byte of its answer, and
/// idle from then on.
pub async fn busy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Tracked>, actix_web::Error> {
    let busy = req
        .conn_data::<Counted>()
        .map(|counted| Busy::begin(&counted.connection));
    let answer = next.call(req).await?;
    Ok(answer.map_body(|_, body| Tracked {
        body: body.boxed(),
        _busy: busy,
    }))
}

/// A request under way on its connection, ended when dropped.
struct Busy(Arc<Connection>);

impl Busy {
    fn begin(connection: &Arc<Connection>) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(connection))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.idle_since.store(now_millis(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body that keeps its connection busy until it is sent or dropped.
pub struct Tracked {
    body: BoxBody,
    _busy: Option<Busy>,
}

impl MessageBody for Tracked {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(socket: RawFd, local: SocketAddr, peer: SocketAddr) -> Arc<Connection> {
        Arc::new(Connection {
            id: 1,
            address: peer.ip(),
            socket,
            local,
            peer,
            in_flight: AtomicU32::new(0),
            idle_since: AtomicU64::new(1_000),
        })
    }

    #[test]
    fn a_connection_is_idle_only_while_no_request_is_under_way() {
        let nowhere = SocketAddr::from(([127, 0, 0, 1], 0));
        let connection = connection(0, nowhere, nowhere);
        assert_eq!(
            connection.idle_for(3_000),
            Some(Duration::from_millis(2_000))
        );
        let busy = Busy::begin(&connection);
        assert_eq!(connection.idle_for(3_000), None);
        drop(busy);
        let idle = connection.idle_for(now_millis()).expect("idle again");
        assert!(
            idle < Duration::from_secs(1),
            "idle since the request ended: {idle:?}"
        );
    }

    #[test]
    fn a_socket_number_is_the_connections_only_while_it_names_both_its_ends() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let client =
            std::net::TcpStream::connect(listener.local_addr().expect("bound")).expect("connected");
        let (accepted, peer) = listener.accept().expect("accepted");
        let local = accepted.local_addr().expect("local end");
        assert!(connection(accepted.as_raw_fd(), local, peer).still_open());
        // The number reused by another socket: the listener's, or the client's own end.
        assert!(!connection(listener.as_raw_fd(), local, peer).still_open());
        assert!(!connection(client.as_raw_fd(), local, peer).still_open());
    }

    #[test]
    fn idle_connections_are_closed_only_under_pressure() {
        const LATER: u64 = 10_000;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let mut client =
            std::net::TcpStream::connect(listener.local_addr().expect("bound")).expect("connected");
        let (accepted, peer) = listener.accept().expect("accepted");
        let local = accepted.local_addr().expect("local end");
        let idle = || {
            let connection = connection(accepted.as_raw_fd(), local, peer);
            connection.idle_since.store(0, Ordering::Release);
            connection
        };
        let open_with = |slots: usize, connection: Arc<Connection>| {
            let clients =
                ClientConnections::new(1000, Pressure::of(slots, 50, Duration::from_secs(1)));
            clients.lock().connections.insert(connection.id, connection);
            clients
        };
        // One open of 4 slots: no pressure, the idle connection stays.
        assert_eq!(open_with(4, idle()).close_idle(LATER), 0);
        // Busy under pressure: it stays.
        let busy = idle();
        let request = Busy::begin(&busy);
        assert_eq!(open_with(2, Arc::clone(&busy)).close_idle(LATER), 0);
        drop(request);
        // Idle under pressure: closed, and its client reads the end.
        assert_eq!(open_with(2, idle()).close_idle(LATER), 1);
        let mut read = [0_u8; 1];
        assert_eq!(
            std::io::Read::read(&mut client, &mut read).expect("an end"),
            0
        );
    }
}
