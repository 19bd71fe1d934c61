//! With `send_default_pii` off (the default), a request's secret headers, cookies, client
//! addresses and sensitive query values (its own, or those of a URL in `Referer`, which also
//! loses its credentials, as does a URL in a query value) never leave the process, in error events or in transactions,
//! while the rest of the request is kept.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer};

const SECRETS: &[&str] = &[
    "Bearer-t0p-s3cret",
    "c00kie-value",
    "203.0.113.77",
    "198.51.100.23",
    "k3y-value",
    "upstream-t0ken",
    "oidc-identity-jwt",
    "qu3ry-t0ken",
    "192.0.2.55",
    "192.0.2.56",
    "192.0.2.57",
    "192.0.2.58",
    "192.0.2.60",
    "192.0.2.61",
    "192.0.2.62",
    "192.0.2.63",
    "192.0.2.64",
    "192.0.2.65",
    "192.0.2.66",
    "192.0.2.67",
    "r3set-t0ken",
    "bob:hunter2",
    "s3cr3t-pass",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_request_data_never_leaves_the_process_by_default() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let app = Router::new()
        .route(
            "/orders",
            get(|| async {
                scopeline::capture_message("order lookup failed", scopeline::Level::Error);
                "ok"
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    let response = reqwest::Client::new()
        .get(format!(
            "http://{addr}/orders?page=2&token=qu3ry-t0ken&api_key=k3y-value&client_ip=192.0.2.58\
             &next=https%3A%2F%2Feve%3As3cr3t-pass%40partner.example%2Fcb"
        ))
        .header("Authorization", "Bearer Bearer-t0p-s3cret")
        .header("Cookie", "theme=dark; sessionid=c00kie-value")
        .header("X-Forwarded-For", "203.0.113.77")
        .header("X-Real-IP", "198.51.100.23")
        .header("True-Client-IP", "192.0.2.55")
        .header("X-Client-IP", "192.0.2.56")
        .header("Fastly-Client-IP", "192.0.2.57")
        .header("Fly-Client-IP", "192.0.2.60")
        .header("X-Envoy-External-Address", "192.0.2.61")
        .header("X-Vercel-Forwarded-For", "192.0.2.62")
        .header("X-Azure-ClientIP", "192.0.2.63")
        .header("X-AppEngine-User-IP", "192.0.2.64")
        .header("Client-IP", "192.0.2.65")
        .header("X-Forwarded", "for=192.0.2.66")
        .header("Remote-Addr", "192.0.2.67")
        .header(
            "Referer",
            "https://bob:hunter2@shop.example/reset?step=2&token=r3set-t0ken#form",
        )
        .header("X-Api-Key", "k3y-value")
        .header("X-Upstream-Token", "upstream-t0ken")
        .header("X-Amzn-Oidc-Identity", "oidc-identity-jwt")
        .header("User-Agent", "integration-test/1.0")
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let envelopes = memory.envelopes();
    let event = envelopes.iter().find_map(|e| e.event()).expect("an event");
    let tx = envelopes
        .iter()
        .find_map(|e| e.transaction())
        .expect("a transaction");
    for carrier in [event, tx] {
        let request = carrier.request.as_ref().expect("request data");
        assert_eq!(request.method.as_deref(), Some("GET"));
        assert_eq!(
            request.url.as_deref(),
            Some(format!("http://{addr}/orders").as_str())
        );
        assert_eq!(
            request.query_string.as_deref(),
            Some(
                "page=2&token=%5BFiltered%5D&api_key=%5BFiltered%5D&client_ip=%5BFiltered%5D\
                 &next=https://partner.example/cb"
            )
        );
        assert_eq!(request.headers["user-agent"], "integration-test/1.0");
        assert_eq!(request.headers["accept"], "application/json");
        assert_eq!(
            request.headers["referer"],
            "https://shop.example/reset?step=2&token=%5BFiltered%5D"
        );
        for secret in [
            "authorization",
            "x-forwarded-for",
            "x-real-ip",
            "x-api-key",
            "x-upstream-token",
            "x-amzn-oidc-identity",
            "true-client-ip",
            "x-client-ip",
            "fastly-client-ip",
            "client-ip",
            "x-forwarded",
            "remote-addr",
        ] {
            assert_eq!(request.headers[secret], "[Filtered]", "{secret}");
        }
        assert!(!request.headers.contains_key("cookie"));
        assert_eq!(request.cookies, None);
        assert!(request.env.is_empty(), "{:?}", request.env);
        assert!(carrier.user.is_none(), "{:?}", carrier.user);
    }

    // Nothing of the secrets anywhere in what would go on the wire.
    for envelope in &envelopes {
        let wire = String::from_utf8(envelope.to_vec().unwrap()).unwrap();
        for secret in SECRETS {
            assert!(!wire.contains(secret), "{secret} leaked: {wire}");
        }
    }
}
