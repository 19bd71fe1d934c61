//! scopeline's own log events (its transport's complaints) are left to the user's other
//! layers by `TracingLayer`: a server that refuses every envelope as too large gets the one
//! envelope the application sent, not a report of the refusal, and so on without end; the
//! same events under a user's target are still captured.
#![cfg(all(feature = "http", feature = "tracing", feature = "test-util"))]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};
use tracing_subscriber::prelude::*;

#[test]
fn a_refused_envelope_is_not_reported_through_the_layer() {
    // As a service sets up: the layer in the global subscriber, the client bound globally,
    // so the transport thread's own log events would resolve that client.
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    let server = Server::start(|_, _| Reply::status(413));
    let client = Client::new(
        ClientOptions::new()
            .dsn(server.dsn())
            .send_client_reports(false),
    );
    scopeline::get_global_scope().bind_client(Some(client.clone()));

    scopeline::capture_message("the only event", Level::Error);
    client.flush(Duration::from_secs(10)).unwrap();
    // The transport logs the refusal before it counts the envelope done, so a self-report
    // would be queued before the first flush returned; the second waits for it to be sent.
    client.flush(Duration::from_secs(10)).unwrap();
    let requests = server.requests();
    let sent: Vec<_> = requests
        .iter()
        .map(|r| r.item("event").map(|e| e["logentry"]["message"].clone()))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");

    // The layer still does its job for everyone else's targets.
    let ((), events) = futures::executor::block_on(scopeline::testing::captured_events(async {
        tracing::error!(target: "scopeline", "own");
        tracing::error!(target: "scopeline::transport", "own too");
        tracing::error!(target: "scopeline_app::billing", "the user's");
    }));
    let messages: Vec<_> = events.iter().map(|e| e.message.clone().unwrap()).collect();
    assert_eq!(messages, ["the user's"]);
}
