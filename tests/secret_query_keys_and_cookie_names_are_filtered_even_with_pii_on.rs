//! With `send_default_pii` on, cookies and the query string are sent, but the values of
//! query keys and cookie names that hold secrets are still `[Filtered]`: any name containing
//! a secret header's part (`access_token`, `client_secret`, `JSESSIONID`, `auth_token`) or a
//! listed key (`sid`), while the rest is kept as sent.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use axum::Router;
use axum::routing::get;
use scopeline::{ClientOptions, ScopeLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_names_are_filtered_and_the_rest_kept() {
    let (_client, memory) = common::bind_global(ClientOptions::new().send_default_pii(true));
    let app = Router::new()
        .route(
            "/callback",
            get(|| async {
                scopeline::capture_message("callback failed", scopeline::Level::Error);
                "ok"
            }),
        )
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    let response = reqwest::Client::new()
        .get(format!(
            "http://{addr}/callback?page=2&access_token=eyJ0eXAi&client_secret=s3cr3t&sid=abc123"
        ))
        .header(
            "Cookie",
            "theme=dark; JSESSIONID=j5ess; session_id=s35s; auth_token=t0k3n; sid=abc123",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let events = memory.events();
    let request = events[0].request.as_ref().expect("request data");
    assert_eq!(
        request.query_string.as_deref(),
        Some("page=2&access_token=%5BFiltered%5D&client_secret=%5BFiltered%5D&sid=%5BFiltered%5D")
    );
    assert_eq!(
        request.cookies.as_deref(),
        Some(
            "theme=dark; JSESSIONID=[Filtered]; session_id=[Filtered]; auth_token=[Filtered]; \
             sid=[Filtered]"
        )
    );
}
