//! A client that stalls costs its connection for a bounded time: headers and bodies that do
//! not arrive within their deadlines are answered 408 and the connection is closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::helpers::spawn_app_with;

/// Sends `sent` on a raw connection, never anything more, and answers all that the service
/// writes back until it closes the connection.
async fn stall_after(address: &str, sent: String) -> String {
    let address = address.trim_start_matches("http://").to_owned();
    actix_rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).expect("connects");
        // A bound on the test itself, far above the deadlines under test.
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("a read timeout");
        stream.write_all(sent.as_bytes()).expect("sends");
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .expect("the service answers and closes the connection");
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("the client thread ends")
}

#[actix_rt::test]
async fn a_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let app = spawn_app_with(|settings| settings.limits.body_timeout = 1).await;
    let half_a_login = "POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\": \"adm"
        .to_owned();
    let answer = stall_after(&app.address, half_a_login).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[actix_rt::test]
async fn headers_that_stall_are_answered_408() {
    let app = spawn_app_with(|settings| settings.limits.header_timeout = 1).await;
    let half_the_headers = "GET /healthz HTTP/1.1\r\nHost: local".to_owned();
    let answer = stall_after(&app.address, half_the_headers).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}
