//! `HTTP_PROXY` is honoured: with it set, the envelope goes through a tunnel the proxy opens
//! to the DSN's host (which need not even resolve here).
#![cfg(feature = "http")]
// Setting the environment is `unsafe` in edition 2024; see the SAFETY note below.
#![allow(unsafe_code)]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

#[test]
fn the_proxy_receives_the_envelope_for_the_dsn_host() {
    let proxy = Server::start(|_, _| Reply::ok());
    // SAFETY: this test binary holds only this test, and no thread that could read the
    // environment concurrently (the server's threads do not) exists yet or reads it.
    unsafe {
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
        std::env::set_var("HTTP_PROXY", format!("http://127.0.0.1:{}", proxy.port));
    }
    let client = Client::new(ClientOptions::new().dsn("http://public@sentry.invalid:9000/7"));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message("through the proxy", Level::Info);
    });
    client.flush(Duration::from_secs(10)).unwrap();

    let requests = proxy.requests();
    assert_eq!(requests.len(), 2, "{:?}", client.discarded_events());
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("CONNECT", "sentry.invalid:9000"),
        "a tunnel to the DSN's host"
    );
    assert_eq!(requests[1].path, "/api/7/envelope/");
    assert_eq!(requests[1].item_types(), ["event"]);
}
