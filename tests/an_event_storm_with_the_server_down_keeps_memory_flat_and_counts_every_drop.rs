//! A million captures in a tight loop while the server is down: memory stays flat, no capture
//! waits on the network, and when the server comes back, the client report it gets accounts
//! for every event that was dropped.
#![cfg(feature = "http")]
mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::alloc::{Counting, live_bytes};
use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

#[global_allocator]
static ALLOC: Counting = Counting;

const STORM: usize = 1_000_000;
const MIB: usize = 1024 * 1024;

#[test]
fn a_million_captures_against_a_dead_server() {
    // A port with nothing listening: every connection is refused.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);

    let client = Client::new(
        ClientOptions::new()
            .dsn(format!("http://public@127.0.0.1:{port}/42"))
            .http_timeout(Duration::from_secs(1)),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.set_tag("storm", "yes");
        scope.add_breadcrumb(scopeline::Breadcrumb::new("before the storm"));

        // Warm up, so the queues and the connection pool are as big as they get.
        for _ in 0..10_000 {
            scopeline::capture_message("warm-up", Level::Error);
        }
        let baseline = live_bytes();
        let mut peak = baseline;
        let mut slowest = Duration::ZERO;
        let start = Instant::now();
        for i in 0..STORM {
            let t = Instant::now();
            scopeline::capture_message("storm", Level::Error);
            slowest = slowest.max(t.elapsed());
            if i % 10_000 == 0 {
                peak = peak.max(live_bytes());
            }
        }
        let took = start.elapsed();
        let grown = peak.saturating_sub(baseline);
        eprintln!(
            "storm: {STORM} captures in {took:?} (slowest {slowest:?}); live memory {} MiB at \
             the start, at most {} MiB more during the storm",
            baseline / MIB,
            grown / MIB
        );
        assert!(grown < 32 * MIB, "memory grew by {} MiB", grown / MIB);
        assert!(took < Duration::from_secs(60), "the storm took {took:?}");
        // A capture that waited for the dead server would take its connect timeout; a
        // second is far above any scheduling hiccup of a loaded 2-core machine.
        assert!(
            slowest < Duration::from_secs(1),
            "a capture waited {slowest:?}"
        );
    });

    // Let the transport give up on what it holds, then account for every capture.
    let _ = client.flush(Duration::from_secs(30));
    let total = (10_000 + STORM) as u64;
    let dropped: u64 = client
        .discarded_events()
        .iter()
        .filter(|d| d.category == "error")
        .map(|d| d.quantity)
        .sum();
    assert_eq!(dropped, total, "{:?}", client.discarded_events());

    // The server comes back on the same port: the next envelope carries the client report.
    let server = Server::start_on(
        TcpListener::bind(("127.0.0.1", port)).expect("the port is still free"),
        |_, _| Reply::ok(),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scopeline::capture_message("the server is back", Level::Info);
    });
    client.flush(Duration::from_secs(10)).unwrap();
    let reported: u64 = server
        .requests()
        .iter()
        .filter_map(|r| r.item("client_report"))
        .flat_map(|report| report["discarded_events"].as_array().cloned().unwrap())
        .filter(|d| d["category"] == "error")
        .map(|d| d["quantity"].as_u64().unwrap())
        .sum();
    assert_eq!(reported, total, "the server learns of every drop");
    assert!(
        server.requests().iter().any(|r| r.item("event").is_some()),
        "and gets the new event"
    );
}
