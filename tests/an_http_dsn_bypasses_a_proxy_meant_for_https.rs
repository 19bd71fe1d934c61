//! The proxy follows the DSN's scheme: with only `HTTPS_PROXY` (and `ALL_PROXY` unset), an
//! `http://` DSN sends straight to its server, and the proxy sees nothing.
#![cfg(feature = "http")]
// Setting the environment is `unsafe` in edition 2024; see the SAFETY note below.
#![allow(unsafe_code)]
mod common;

use std::time::Duration;

use common::server::{Reply, Server};
use scopeline::{Client, ClientOptions, Level};

#[test]
fn the_envelope_goes_straight_to_the_server() {
    let proxy = Server::start(|_, _| Reply::ok());
    let sentry = Server::start(|_, _| Reply::ok());
    // SAFETY: this test binary holds only this test, and no thread that could read the
    // environment concurrently (the servers' threads do not) reads it.
    unsafe {
        for name in [
            "NO_PROXY",
            "no_proxy",
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
        ] {
            std::env::remove_var(name);
        }
        std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port));
    }
    let dsn = format!("http://public@127.0.0.1:{}/7", sentry.port);
    let client = Client::new(ClientOptions::new().dsn(dsn));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message("not through the proxy", Level::Info);
    });
    client.flush(Duration::from_secs(10)).unwrap();

    assert!(proxy.requests().is_empty(), "the https proxy was not used");
    let requests = sentry.requests();
    assert_eq!(requests.len(), 1, "{:?}", client.discarded_events());
    assert_eq!(requests[0].path, "/api/7/envelope/");
}
