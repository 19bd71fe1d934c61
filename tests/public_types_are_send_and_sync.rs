//! Public types are send and sync.
use scopeline::{Client, ClientInitGuard, ClientOptions, Scope, Scoped};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}
fn both<T: Send + Sync>(_: &T) {}

#[test]
fn handles_and_options_are_send_and_sync() {
    send_sync::<Scope>();
    send_sync::<Client>();
    send_sync::<ClientOptions>();
    send_sync::<ClientInitGuard>();
    send_sync::<scopeline::protocol::Event>();
    send_sync::<scopeline::protocol::Envelope>();
    send_sync::<scopeline::protocol::DynamicSamplingContext>();
    send_sync::<scopeline::transport::JsonLinesTransport>();
    send_sync::<scopeline::Span>();
    send_sync::<scopeline::TraceHeaders>();
    send_sync::<scopeline::TransactionContext>();
    send_sync::<scopeline::Breadcrumb>();
    send_sync::<scopeline::User>();
    send_sync::<scopeline::Hint>();
    send_sync::<scopeline::Dsn>();
    send_sync::<scopeline::InitError>();
    send_sync::<scopeline::transport::FlushError>();
    send_sync::<scopeline::transport::SendError>();
}

#[cfg(feature = "tracing")]
#[test]
fn the_tracing_layer_is_send_and_sync() {
    send_sync::<scopeline::TracingLayer>();
}

#[cfg(feature = "test-util")]
#[test]
fn the_testing_helpers_and_their_futures_are_send_and_sync() {
    send_sync::<scopeline::testing::CapturingTransport>();
    both(&scopeline::testing::captured_events(async {}));
    let options = ClientOptions::new();
    both(&scopeline::testing::captured_events_options(
        options,
        async {},
    ));
}

#[test]
fn scoped_futures_are_send_when_their_inner_future_is() {
    send_sync::<Scoped<std::future::Ready<()>>>();
    let fut = scopeline::isolation_scope(async { tokio::task::yield_now().await });
    both(&fut);
    let fut = scopeline::new_scope(async {});
    both(&fut);
    let fut = scopeline::ScopeFutureExt::in_current_scope(async {});
    both(&fut);
    let flush = async {
        scopeline::Client::new(ClientOptions::new())
            .flush_async(std::time::Duration::ZERO)
            .await
    };
    send(&flush);
}

#[cfg(feature = "tower")]
#[test]
fn the_tower_layer_its_service_its_future_and_its_body_are_send_and_sync() {
    use tower::{Layer, Service};

    send_sync::<scopeline::ScopeLayer>();
    type Ready = std::future::Ready<Result<http::Response<String>, std::convert::Infallible>>;
    send_sync::<scopeline::ScopeFuture<Ready>>();
    send_sync::<scopeline::ScopeBody<String>>();
    let mut service = scopeline::ScopeLayer::new().layer(tower::service_fn(
        |_req: http::Request<String>| async {
            tokio::task::yield_now().await;
            Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
        },
    ));
    send(&service);
    send(&service.call(http::Request::new(String::new())));
}
