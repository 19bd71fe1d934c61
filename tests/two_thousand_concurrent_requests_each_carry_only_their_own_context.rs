//! 2,000 concurrent requests to a real axum server, each with its own user and request id,
//! produce events that carry only their own request, user, breadcrumbs and trace: also the
//! events of work they spawn, and although the process default scope holds a user and
//! breadcrumbs of its own.
#![cfg(all(feature = "axum", feature = "tracing"))]
mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use scopeline::{Breadcrumb, ClientOptions, Level, ScopeLayer, User};

const REQUESTS: usize = 2_000;

async fn handle(Path(id): Path<u64>, headers: HeaderMap) -> (StatusCode, String) {
    let isolation = scopeline::get_isolation_scope();
    // Every request starts empty, whatever came before it on this thread or connection.
    if isolation.user().is_some() || !isolation.breadcrumbs().is_empty() {
        return (
            StatusCode::CONFLICT,
            "context leaked into the request".into(),
        );
    }
    let rid = headers["x-request-id"].to_str().unwrap().to_owned();
    scopeline::set_user(Some(User::with_id(format!("user-{id}"))));
    scopeline::set_tag("request_id", rid.clone());
    scopeline::add_breadcrumb(Breadcrumb::new(format!("start {rid}")));
    tokio::time::sleep(Duration::from_millis(id % 7)).await;

    let background = rid.clone();
    scopeline::spawn(async move {
        tokio::task::yield_now().await;
        scopeline::add_breadcrumb(Breadcrumb::new(format!("background {background}")));
        scopeline::capture_message("background job failed", Level::Warning);
    })
    .await
    .unwrap();

    let error = std::io::Error::other(format!("lookup failed for {rid}"));
    scopeline::capture_error(&error);
    (StatusCode::OK, rid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_concurrent_requests_each_carry_only_their_own_context() {
    // Room for every event of the burst: this test is about isolation, not back-pressure.
    let (_client, memory) = common::bind_global(
        ClientOptions::new()
            .traces_sample_rate(1.0)
            .queue_size(4 * REQUESTS),
    );
    // Context on the process default scopes, which plain `tokio::spawn`ed connection tasks
    // (axum's) see: none of it may reach a request.
    scopeline::set_user(Some(User::with_id("process-user")));
    scopeline::add_breadcrumb(Breadcrumb::new("process breadcrumb"));

    let app = Router::new()
        .route("/users/{id}", get(handle))
        .layer(ScopeLayer::new());
    let addr = common::web::serve(app).await;

    let http = reqwest::Client::new();
    let requests: Vec<_> = (0..REQUESTS as u64)
        .map(|id| {
            let http = http.clone();
            tokio::spawn(async move {
                let response = http
                    .get(format!("http://{addr}/users/{id}?page=1"))
                    .header("x-request-id", format!("req-{id}"))
                    .send()
                    .await
                    .expect("the server answers");
                (response.status(), response.text().await.unwrap())
            })
        })
        .collect();
    for (id, request) in requests.into_iter().enumerate() {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, 200, "request {id}: {body}");
        assert_eq!(body, format!("req-{id}"));
    }

    let transactions = memory.transactions();
    let events = memory.events();
    assert_eq!(transactions.len(), REQUESTS);
    assert_eq!(events.len(), 2 * REQUESTS);

    // One transaction per request, each in its own trace.
    let mut trace_of = HashMap::new();
    for tx in &transactions {
        assert_eq!(tx.transaction.as_deref(), Some("GET /users/{id}"));
        let trace = &tx.contexts["trace"];
        assert_eq!(trace["op"], "http.server");
        assert_eq!(trace["status"], "ok");
        let rid = tx.tags["request_id"].clone();
        let url = tx.request.as_ref().unwrap().url.clone().unwrap();
        assert!(
            url.ends_with(&format!("/users/{}", &rid[4..])),
            "{url} {rid}"
        );
        let ids = (trace["trace_id"].clone(), trace["span_id"].clone());
        assert!(trace_of.insert(rid, ids).is_none());
    }
    let traces: HashSet<_> = trace_of.values().map(|(t, _)| t.clone()).collect();
    assert_eq!(traces.len(), REQUESTS, "two requests share a trace");

    let mut seen = HashSet::new();
    for event in &events {
        let rid = &event.tags["request_id"];
        let id = &rid[4..];
        assert_eq!(
            event.user.as_ref().unwrap().id.as_deref(),
            Some(format!("user-{id}").as_str())
        );
        let request = event.request.as_ref().unwrap();
        assert!(
            request
                .url
                .as_ref()
                .unwrap()
                .ends_with(&format!("/users/{id}"))
        );
        assert_eq!(request.query_string.as_deref(), Some("page=1"));
        assert_eq!(request.headers["x-request-id"], *rid);
        assert_eq!(event.transaction.as_deref(), Some("GET /users/{id}"));

        let crumbs: Vec<_> = event
            .breadcrumbs
            .iter()
            .map(|c| c.message.as_deref().unwrap_or_default().to_owned())
            .collect();
        assert!(
            crumbs.iter().all(|m| m.ends_with(&format!(" {rid}"))),
            "{rid} got {crumbs:?}"
        );
        assert!(crumbs.contains(&format!("start {rid}")));

        // Errors belong to the request's transaction, also from the spawned task.
        let (trace_id, span_id) = &trace_of[rid];
        assert_eq!(&event.contexts["trace"]["trace_id"], trace_id);
        assert_eq!(&event.contexts["trace"]["span_id"], span_id);
        assert!(seen.insert((rid.clone(), event.level)));
    }
    assert_eq!(seen.len(), 2 * REQUESTS, "an event arrived twice");
}
