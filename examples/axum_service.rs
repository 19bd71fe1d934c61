//! An axum service with `ScopeLayer`: every request runs in its own isolation scope, is a
//! transaction named after its route, and continues the caller's trace.
//!
//! ```text
//! cargo run --example axum_service --features axum
//! curl localhost:3000/users/42        # 200; a breadcrumb and a user; only its transaction
//! curl localhost:3000/fail            # 500; an error event with the request and its user
//! curl localhost:3000/panic           # 500; the panic is captured, the server goes on
//! curl localhost:3000/checkout        # calls the inventory service: one trace, two services
//! curl localhost:3000/report          # 202; spawned work reports with the request's context
//! ```
//!
//! Events and transactions come out on stdout as JSON lines, or go to `SENTRY_DSN` when it is
//! set. `-- --self-test` serves on a free port, calls each route once, and exits (CI runs it).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use scopeline::transport::JsonLinesTarget;
use scopeline::{Breadcrumb, ClientOptions, Level, ScopeLayer, User};
use tracing::instrument;
use tracing_subscriber::prelude::*;

#[derive(Clone)]
struct Inventory(SocketAddr);

async fn user(Path(id): Path<u32>) -> String {
    scopeline::set_user(Some(User::with_id(id.to_string())));
    scopeline::add_breadcrumb(Breadcrumb::new("loaded profile").with_category("db"));
    format!("user {id}\n")
}

async fn fail() -> (StatusCode, &'static str) {
    scopeline::set_user(Some(User::with_id("7")));
    scopeline::add_breadcrumb(Breadcrumb::new("charging card").with_category("payment"));
    let error = std::io::Error::new(std::io::ErrorKind::TimedOut, "payment gateway timed out");
    scopeline::capture_error(&error);
    (StatusCode::INTERNAL_SERVER_ERROR, "payment failed\n")
}

async fn panics() -> &'static str {
    scopeline::set_tag("feature", "experimental-pricing");
    panic!("pricing table is empty");
}

async fn checkout(State(inventory): State<Inventory>) -> Result<String, StatusCode> {
    let stock = reserve(inventory.0).await.map_err(|e| {
        scopeline::capture_error(&e);
        StatusCode::BAD_GATEWAY
    })?;
    Ok(format!("checked out; inventory says: {stock}"))
}

/// An outgoing call that carries the trace on: the inventory service's transaction joins it.
#[instrument(fields(sentry.op = "http.client"))]
async fn reserve(inventory: SocketAddr) -> reqwest::Result<String> {
    let http = reqwest::Client::new();
    let mut request = http.post(format!("http://{inventory}/reserve")).build()?;
    scopeline::inject_trace_headers(request.headers_mut());
    http.execute(request).await?.text().await
}

async fn report() -> StatusCode {
    scopeline::set_tag("report", "monthly");
    // The spawned task keeps the request's isolation scope: tag, request data and trace.
    scopeline::spawn(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        scopeline::capture_message("monthly report is incomplete", Level::Warning);
    });
    StatusCode::ACCEPTED
}

/// The second service: it too continues the trace it is called with.
async fn reserve_stock() -> &'static str {
    scopeline::capture_message("stock low for sku-123", Level::Warning);
    "reserved\n"
}

fn app(inventory: SocketAddr) -> Router {
    Router::new()
        .route("/users/{id}", get(user))
        .route("/fail", get(fail))
        .route("/panic", get(panics))
        .route("/checkout", get(checkout))
        .route("/report", get(report))
        .with_state(Inventory(inventory))
        .layer(ScopeLayer::new())
}

async fn serve(listener: tokio::net::TcpListener, app: Router) {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .expect("the server runs");
}

#[tokio::main]
async fn main() {
    let self_test = std::env::args().any(|a| a == "--self-test");
    let _guard = scopeline::init(
        ClientOptions::new()
            .release(concat!("axum-service@", env!("CARGO_PKG_VERSION")))
            .traces_sample_rate(1.0)
            .json_lines(JsonLinesTarget::Stdout),
    );
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();

    let inventory = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let inventory_addr = inventory.local_addr().unwrap();
    let inventory_app = Router::new()
        .route("/reserve", axum::routing::post(reserve_stock))
        .layer(ScopeLayer::new());
    tokio::spawn(serve(inventory, inventory_app));

    let port = if self_test { 0 } else { 3000 };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("port 3000 is free");
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(listener, app(inventory_addr)));

    if !self_test {
        eprintln!("listening on http://{addr}; try /users/42, /fail, /panic, /checkout, /report");
        tokio::signal::ctrl_c().await.expect("ctrl-c");
        return;
    }
    let http = reqwest::Client::new();
    for (path, status) in [
        ("/users/42", 200),
        ("/fail", 500),
        ("/panic", 500),
        ("/checkout", 200),
        ("/report", 202),
    ] {
        let response = http
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), status, "{path}");
    }
    // Let the spawned report finish before the guard flushes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.abort();
}
