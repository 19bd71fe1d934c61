//! Production faults on the way to the server (a host that does not resolve, a half-open
//! connection, 500 and 429 storms, a runtime that shuts down with events queued): capture
//! never waits on the network, flush keeps its timeout, nothing panics, and every event either
//! reaches the server once or is counted as dropped with its reason.
#![cfg(feature = "http")]
mod common;

use std::collections::HashSet;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

fn capture(client: &Client, message: &str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        // `None` when the queue is full: the event is then counted, not lost silently.
        scope.capture_message(message, Level::Error);
    });
}

/// Errors counted as dropped, by reason.
fn dropped(client: &Client) -> Vec<(String, u64)> {
    client
        .discarded_events()
        .into_iter()
        .filter(|d| d.category == "error")
        .map(|d| (d.reason.to_string(), d.quantity))
        .collect()
}

fn dropped_total(client: &Client) -> u64 {
    dropped(client).iter().map(|(_, n)| n).sum()
}

/// The ids of the events the server received, each once.
fn arrived_once(server: &Server) -> HashSet<String> {
    let mut ids = HashSet::new();
    for request in server.requests() {
        if let Some(event) = request.item("event") {
            let id = event["event_id"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "event {id} arrived twice");
        }
    }
    ids
}

/// Captures `n` events and checks that none of the captures waited on the network.
fn capture_quickly(client: &Client, n: usize) {
    let start = Instant::now();
    for i in 0..n {
        capture(client, &format!("event {i}"));
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "{n} captures took {took:?}");
}

/// Flushes and checks that the flush kept its timeout, whatever it returned.
fn flush_within(client: &Client, timeout: Duration) {
    let start = Instant::now();
    let _ = client.flush(timeout);
    let took = start.elapsed();
    // The slack is for a loaded 2-core machine; what this guards against is a flush that
    // waits for the server (the tests' servers hang for 120 s) instead of its timeout.
    assert!(
        took < timeout + Duration::from_secs(5),
        "flush({timeout:?}) took {took:?}"
    );
}

#[test]
fn a_host_that_does_not_resolve_counts_network_errors() {
    let client = Client::new(
        ClientOptions::new()
            .dsn("http://public@scopeline-test.invalid/42")
            .http_timeout(Duration::from_secs(3)),
    );
    capture_quickly(&client, 5);
    // Five lookups of up to 3 s each where no name server answers.
    flush_within(&client, Duration::from_secs(30));
    assert_eq!(
        dropped(&client),
        vec![("network_error".to_owned(), 5)],
        "every event is counted once, as a network error"
    );
}

#[test]
fn a_half_open_server_never_blocks_and_every_event_is_counted() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let client = Client::new(
        ClientOptions::new()
            .dsn(format!("http://public@127.0.0.1:{port}/42"))
            .http_timeout(Duration::from_millis(300))
            .queue_size(4),
    );
    capture_quickly(&client, 50);
    flush_within(&client, Duration::from_millis(500));
    // Give the transport the time to give up on what it holds, then account for all 50.
    client.flush(Duration::from_secs(15)).unwrap();
    let reasons = dropped(&client);
    assert_eq!(dropped_total(&client), 50, "{reasons:?}");
    assert!(
        reasons.iter().any(|(r, _)| r == "network_error"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(r, _)| r == "queue_overflow"),
        "{reasons:?}"
    );
}

#[test]
fn a_500_storm_sends_each_event_once_and_counts_each_refusal() {
    let server = Server::start(|_, _| Reply::status(500));
    let client = Client::new(ClientOptions::new().dsn(server.dsn()).queue_size(64));
    capture_quickly(&client, 300);
    client.flush(Duration::from_secs(20)).unwrap();
    let arrived = arrived_once(&server).len() as u64;
    let reasons = dropped(&client);
    let refused: u64 = reasons
        .iter()
        .filter(|(r, _)| r == "send_error")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(refused, arrived, "every refusal is counted, none retried");
    assert_eq!(dropped_total(&client), 300, "{reasons:?}");
}

#[test]
fn a_429_storm_backs_off_after_the_first_answer_and_counts_the_rest() {
    let server = Server::start(|_, _| Reply::status(429).header("Retry-After", "60"));
    let client = Client::new(ClientOptions::new().dsn(server.dsn()));
    capture(&client, "first");
    client.flush(Duration::from_secs(5)).unwrap();
    // Concurrent captures from many tasks while the server said to wait.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move { capture(&client, &format!("storm {i}")) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    client.flush(Duration::from_secs(5)).unwrap();
    assert_eq!(
        arrived_once(&server).len(),
        1,
        "nothing is sent while backing off"
    );
    let reasons = dropped(&client);
    assert!(
        reasons.contains(&("ratelimit_backoff".to_owned(), 200)),
        "{reasons:?}"
    );
}

#[test]
fn events_queued_when_the_runtime_shuts_down_still_arrive_once() {
    let server = Server::start(|_, _| Reply::ok().after(Duration::from_millis(20)));
    let client = Client::new(ClientOptions::new().dsn(server.dsn()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let client = client.clone();
                scopeline::spawn(async move { capture(&client, &format!("queued {i}")) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    // Events are still queued (each send takes 20 ms); the runtime goes away first.
    runtime.shutdown_background();
    // Delivered by the client's own threads, with no runtime left.
    client.flush(Duration::from_secs(20)).unwrap();
    assert_eq!(arrived_once(&server).len(), 50);
    assert_eq!(dropped_total(&client), 0);
}
