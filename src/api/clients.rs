//! A cap on the connections one client address holds open at once, over all workers, so that
//! one client cannot take every slot (`PERFEVAL_MAX_CONNECTIONS` per worker) from the others.
//! A connection over the cap is closed as it is accepted, before anything is read from it.

use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

/// The connections open per client address.
#[derive(Debug)]
pub struct ClientConnections {
    cap: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One connection counted against its address while it is open: dropped with the connection.
struct Counted {
    clients: Arc<ClientConnections>,
    address: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.clients.lock();
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

impl ClientConnections {
    pub fn with_cap(cap: u32) -> Arc<Self> {
        Arc::new(Self {
            cap,
            open: Mutex::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
        // A poisoned map is still a map of counts.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For `HttpServer::on_connect`: counts the new connection against its address, or closes
    /// it when the address holds its cap already.
    pub fn on_connect(self: &Arc<Self>, connection: &dyn Any, data: &mut Extensions) {
        let Some(stream) = connection.downcast_ref::<TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let address = peer.ip().to_canonical();
        {
            let mut open = self.lock();
            let count = open.entry(address).or_insert(0);
            if *count < self.cap {
                *count += 1;
                data.insert(Counted {
                    clients: Arc::clone(self),
                    address,
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
}
