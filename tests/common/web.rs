//! A real axum server on loopback, for the request tests.

use std::net::SocketAddr;

/// Serves `app` on an ephemeral loopback port (with the peer address available to handlers
/// and layers) and returns where.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("the test server runs");
    });
    addr
}
