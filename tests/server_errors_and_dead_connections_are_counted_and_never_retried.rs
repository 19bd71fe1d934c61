//! Faults on the way to the server: 413, 500, a connection dropped before the answer, a
//! server that answers too slowly, and no server at all. Each envelope is sent at most once,
//! each loss is counted with its reason, and the application never waits on the network
//! beyond an explicit flush's timeout.
#![cfg(feature = "http")]
mod common;

use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

fn capture(client: &Client, message: &str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message(message, Level::Error);
    });
}

fn dropped(client: &Client, reason: &str) -> u64 {
    client
        .discarded_events()
        .iter()
        .filter(|d| d.reason == reason && d.category == "error")
        .map(|d| d.quantity)
        .sum()
}

fn events_sent(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.item_types().contains(&"event".to_owned()))
        .count()
}

#[test]
fn refused_envelopes_count_as_send_errors_and_later_ones_still_go() {
    // Answered by what the envelope carries: each flush also sends a client report of the
    // refusal before it, which the server takes.
    let server = Server::start(|_, request| {
        let body = String::from_utf8_lossy(&request.body);
        if body.contains("too big") {
            Reply::status(413)
        } else if body.contains("server broke") {
            Reply::status(500)
        } else {
            Reply::ok()
        }
    });
    let client = Client::new(ClientOptions::new().dsn(server.dsn()));
    for m in ["too big", "server broke", "fine"] {
        capture(&client, m);
        client.flush(Duration::from_secs(10)).unwrap();
    }
    assert_eq!(events_sent(&server), 3, "each sent once, none retried");
    assert_eq!(dropped(&client, "send_error"), 2);
}

#[test]
fn a_dropped_connection_counts_as_a_network_error_and_is_not_resent() {
    let server = Server::start(|n, _| {
        if n == 0 {
            Reply::hang_up()
        } else {
            Reply::ok()
        }
    });
    let client = Client::new(ClientOptions::new().dsn(server.dsn()));
    capture(&client, "lost");
    client.flush(Duration::from_secs(10)).unwrap();
    capture(&client, "delivered");
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(server.event_messages(), ["lost", "delivered"]);
    assert_eq!(dropped(&client, "network_error"), 1);
}

#[test]
fn a_slow_server_never_blocks_capture_and_flush_keeps_its_timeout() {
    let server = Server::start(|_, _| Reply::ok().after(Duration::from_secs(2)));
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .http_timeout(Duration::from_millis(400)),
    );
    let start = Instant::now();
    for i in 0..10 {
        capture(&client, &format!("event {i}"));
    }
    // The server takes 2 s to answer: capture never waits for it.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "capturing 10 events took {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    let flushed = client.flush(Duration::from_millis(300));
    assert!(flushed.is_err(), "the server is slower than the flush");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the flush kept its timeout"
    );
    // Given time, every event is either delivered or counted: each request times out.
    let _ = client.flush(Duration::from_secs(120));
    let counted = dropped(&client, "network_error") + dropped(&client, "queue_overflow");
    assert_eq!(counted, 10, "{:?}", client.discarded_events());
}

#[test]
fn no_server_at_all_counts_network_errors_quickly() {
    // A port nothing listens on: connections are refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(ClientOptions::new().dsn(format!("http://key@127.0.0.1:{port}/1")));
    capture(&client, "nobody listens");
    client.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(dropped(&client, "network_error"), 1);
}

#[test]
fn a_redirect_is_not_followed_and_counts_as_a_send_error() {
    // A server moved elsewhere: following it would turn the envelope into a bodiless GET
    // that carries the DSN's key to wherever `Location` points.
    let server = Server::start(|_, request| {
        if request.method == "POST" {
            Reply::status(301).header("Location", "/moved/api/1/envelope/")
        } else {
            Reply::ok()
        }
    });
    let client = Client::new(ClientOptions::new().dsn(server.dsn()));
    capture(&client, "moved");
    client.flush(Duration::from_secs(10)).unwrap();
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.method == "POST" && !r.path.starts_with("/moved")),
        "a redirect was followed: {requests:?}"
    );
    assert_eq!(events_sent(&server), 1);
    assert_eq!(dropped(&client, "send_error"), 1);
}
