//! A request id for every request: the client's own `X-Request-Id` when it is a short token,
//! else one made here. It is answered in `X-Request-Id`, written on every log line made while
//! the request is served — on the async workers and in the blocking work they hand off
//! (`block`) — and on the access line, and given as `instance` in a 5xx problem, so that an
//! answer leads to its log lines.

use std::cell::RefCell;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// `X-Request-Id`
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static ON_WORKER: String;
}

thread_local! {
    static ON_BLOCKING_THREAD: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The id of the request being served here, if any.
pub fn current() -> Option<String> {
    ON_WORKER
        .try_with(Clone::clone)
        .ok()
        .or_else(|| ON_BLOCKING_THREAD.with(|id| id.borrow().clone()))
}

/// A client's id is kept when it is 1 to 64 letters, digits, `.`, `_` or `-`.
fn well_formed(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn new_id() -> String {
    let mut bytes = [0_u8; 8];
    // Without randomness the ids only repeat more often; they still tell requests apart in
    // a log read in order.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = Instant::now().elapsed().as_nanos().to_le_bytes()[..8]
            .try_into()
            .unwrap_or_default();
    }
    crate::hex::hex(&bytes)
}

/// Serves the request under its id, answers the id, and writes the access line.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed(v))
        .map_or_else(new_id, str::to_owned);
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let peer = req.peer_addr();
    ON_WORKER
        .scope(id.clone(), async move {
            let mut response = next.call(req).await?;
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(HEADER, value);
            }
            if log::log_enabled!(target: "perfeval::access", log::Level::Info) {
                log::info!(
                    target: "perfeval::access",
                    "{} \"{method} {path}\" {} {:.1}ms",
                    peer.map_or_else(|| "-".to_owned(), |p| p.ip().to_string()),
                    response.status().as_u16(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            Ok(response)
        })
        .await
}

/// `web::block` that carries the request's id to the blocking thread, for its log lines.
pub async fn block<F, R>(work: F) -> Result<R, actix_web::error::BlockingError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let id = current();
    // Counted from the hand-off until the work ends, even when the request is gone before.
    let in_flight = crate::metrics::BlockingWork::start();
    web::block(move || {
        let _in_flight = in_flight;
        ON_BLOCKING_THREAD.with(|current| *current.borrow_mut() = id);
        let result = work();
        ON_BLOCKING_THREAD.with(|current| *current.borrow_mut() = None);
        result
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_id_is_kept_only_when_it_is_a_short_token() {
        assert!(well_formed("portal-7f3a.2"));
        assert!(!well_formed(""));
        assert!(!well_formed("has space"));
        assert!(!well_formed(&"x".repeat(65)));
        assert_eq!(new_id().len(), 16);
    }
}
