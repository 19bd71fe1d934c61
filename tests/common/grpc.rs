//! A real tonic server on loopback, for the gRPC tests.

use std::net::SocketAddr;

use scopeline::ScopeLayer;
use tonic::service::InterceptorLayer;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic_health::ServingStatus;

/// What runs inside `ScopeLayer`, in each call's scopes, before the service.
pub type Inside = fn(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status>;

/// Serves tonic's gRPC health service (`shop.Orders` serving, any other service unknown)
/// on an ephemeral loopback port behind `ScopeLayer`, with `inside` between the layer and
/// the service, and returns a channel connected to it and the server's address.
pub async fn serve_health(inside: Inside) -> (Channel, SocketAddr) {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("shop.Orders", ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .layer(ScopeLayer::new())
            .layer(InterceptorLayer::new(inside))
            .add_service(health)
            .serve_with_incoming(TcpIncoming::from(listener)),
    );
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (channel, addr)
}
