//! With `send_default_pii` on and the `tonic` feature, an event captured during a gRPC call
//! that tonic's own server accepted carries the caller's address as `REMOTE_ADDR`, read from
//! the connection info tonic gives each call (`TcpConnectInfo`); a proxy's
//! `X-Forwarded-For` still wins over it.
#![cfg(feature = "tonic")]
mod common;

use scopeline::{ClientOptions, Level};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// Runs inside `ScopeLayer`, in the call's scopes.
fn report_call(request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    scopeline::capture_message("call seen", Level::Info);
    Ok(request)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_address_comes_from_tonics_connection_info() {
    let (client, memory) = common::bind_global(ClientOptions::new().send_default_pii(true));
    let (channel, _) = common::grpc::serve_health(report_call).await;
    let ask = || HealthCheckRequest {
        service: "shop.Orders".into(),
    };

    HealthClient::new(channel.clone())
        .check(ask())
        .await
        .unwrap();
    let proxied = HealthClient::with_interceptor(channel, |mut request: tonic::Request<()>| {
        let headers = request.metadata_mut();
        headers.insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
        Ok(request)
    });
    proxied.clone().check(ask()).await.unwrap();

    client.flush(std::time::Duration::from_secs(10)).unwrap();
    let addresses: Vec<_> = (memory.events().iter())
        .map(|e| e.request.as_ref().unwrap().env.get("REMOTE_ADDR").cloned())
        .collect();
    assert_eq!(
        addresses,
        [Some("127.0.0.1".to_owned()), Some("203.0.113.7".to_owned())]
    );
}
