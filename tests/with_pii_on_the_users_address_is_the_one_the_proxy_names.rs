//! With `send_default_pii` on, a request's `REMOTE_ADDR` is the user's address as the proxy in
//! front names it, not the proxy's own: from the first header, in the Sentry JavaScript SDK's
//! order (`X-Client-IP`, `X-Forwarded-For`'s first entry, `CF-Connecting-IP`, `X-Real-IP`,
//! RFC 7239 `Forwarded: for=`…), that names an address; a value that is not an address is
//! passed over for the next header, then the peer's.
#![cfg(feature = "axum")]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, Level, ScopeLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_address_is_the_users() {
    let (_client, memory) = common::bind_global(ClientOptions::new().send_default_pii(true));
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                scopeline::capture_message("seen", Level::Error);
                "ok"
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;
    let http = reqwest::Client::new();
    let cases: [(&[(&str, &str)], &str); 10] = [
        (
            &[("X-Forwarded-For", "203.0.113.7, 10.0.0.2")],
            "203.0.113.7",
        ),
        (&[("X-Real-IP", "198.51.100.9")], "198.51.100.9"),
        (&[("X-Forwarded-For", "[2001:db8::5]:4711")], "2001:db8::5"),
        (&[("X-Forwarded-For", "unknown")], "127.0.0.1"),
        (
            &[
                ("X-Forwarded-For", "unknown"),
                ("X-Real-IP", "[2001:db8::9]"),
            ],
            "2001:db8::9",
        ),
        (
            &[(
                "Forwarded",
                "for=192.0.2.60;proto=https;by=203.0.113.43, for=10.0.0.1",
            )],
            "192.0.2.60",
        ),
        (
            &[("Forwarded", r#"proto=https;For="[2001:db8:cafe::17]:4711""#)],
            "2001:db8:cafe::17",
        ),
        // An obfuscated client (RFC 7239 §6.3) is no address.
        (
            &[("Forwarded", "for=_hidden, for=198.51.100.1")],
            "127.0.0.1",
        ),
        (
            &[
                ("X-Real-IP", "198.51.100.2"),
                ("CF-Connecting-IP", "198.51.100.3"),
            ],
            "198.51.100.3",
        ),
        (
            &[
                ("X-Forwarded-For", "198.51.100.4"),
                ("X-Client-IP", "198.51.100.5"),
            ],
            "198.51.100.5",
        ),
    ];
    for (headers, _) in cases {
        let mut request = http.get(format!("http://{addr}/"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        assert_eq!(request.send().await.unwrap().status(), 200);
    }
    let addresses: Vec<_> = (memory.events().iter())
        .map(|e| e.request.as_ref().unwrap().env["REMOTE_ADDR"].clone())
        .collect();
    let expected: Vec<_> = cases.iter().map(|(_, a)| a.to_string()).collect();
    assert_eq!(addresses, expected);
}
