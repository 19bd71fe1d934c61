//! A real tonic server (the gRPC health service) behind `ScopeLayer`, called by a real tonic
//! client over HTTP/2 on loopback: each call is a `grpc.server` transaction named by its
//! method and continuing the caller's trace, ends with the call's gRPC status (a trailers-only
//! `NOT_FOUND` included), and a streaming call the client walks away from ends `aborted`.
//! What a layer inside ours captures carries its own call's URL (made from HTTP/2's
//! `:authority`, there is no `Host` header), trace and tags.
#![cfg(all(feature = "tower", feature = "tracing"))]
mod common;

use scopeline::protocol::Event;
use scopeline::{ClientOptions, Level};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus as Answer;
use tonic_health::pb::health_client::HealthClient;

const PARENT: &str = "b0e6f15b45c36b12";

/// The trace a call with this number continues.
fn trace_of(call: u32) -> String {
    format!("{:032x}", 0xabc0_0000_u64 + u64::from(call))
}

/// Runs inside `ScopeLayer`, in the call's scopes: tags the call and reports it.
fn report_call(request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    let call = request
        .metadata()
        .get("x-call")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    scopeline::set_tag("call", call);
    scopeline::capture_message("call seen", Level::Info);
    Ok(request)
}

fn trace(event: &Event) -> (&str, &str) {
    let trace = &event.contexts["trace"];
    (
        trace["trace_id"].as_str().unwrap(),
        trace["parent_span_id"].as_str().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_calls_over_http2_are_transactions_of_their_own() {
    let (_client, memory) = common::bind_global(ClientOptions::new().traces_sample_rate(1.0));
    let (channel, addr) = common::grpc::serve_health(report_call).await;
    let client = |call: u32| {
        HealthClient::with_interceptor(channel.clone(), move |mut request: tonic::Request<()>| {
            let headers = request.metadata_mut();
            let sentry_trace = format!("{}-{PARENT}-1", trace_of(call));
            headers.insert("sentry-trace", sentry_trace.parse().unwrap());
            headers.insert("x-call", call.to_string().parse().unwrap());
            Ok(request)
        })
    };
    let ask = |service: &str| HealthCheckRequest {
        service: service.into(),
    };

    let serving = client(1).check(ask("shop.Orders")).await.unwrap();
    assert_eq!(serving.into_inner().status, Answer::Serving as i32);
    let unknown = client(2).check(ask("shop.Unknown")).await.unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    let mut watch = client(3)
        .watch(ask("shop.Orders"))
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(first.status, Answer::Serving as i32);
    // The stream never ends on its own: the client walking away resets it.
    drop(watch);

    let check = "/grpc.health.v1.Health/Check";
    let watch = "/grpc.health.v1.Health/Watch";
    memory.transaction_named(watch).await;
    let mut seen: Vec<_> = (memory.transactions().iter())
        .map(|t| {
            let (trace_id, parent) = trace(t);
            let ctx = &t.contexts["trace"];
            (
                trace_id.to_owned(),
                parent.to_owned(),
                t.transaction.clone().unwrap(),
                ctx["op"].as_str().unwrap().to_owned(),
                ctx["status"].as_str().unwrap().to_owned(),
                t.tags["call"].clone(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        (1, check, "ok"),
        (2, check, "not_found"),
        (3, watch, "aborted"),
    ]
    .map(|(call, name, status)| {
        (
            trace_of(call),
            PARENT.to_owned(),
            name.to_owned(),
            "grpc.server".to_owned(),
            status.to_owned(),
            call.to_string(),
        )
    });
    assert_eq!(seen, expected);

    // Each captured event carries its own call: its tag, its trace, its URL.
    let events = memory.events();
    assert_eq!(events.len(), 3, "{events:?}");
    for event in &events {
        let call: u32 = event.tags["call"].parse().unwrap();
        let method = if call == 3 { watch } else { check };
        assert_eq!(trace(event).0, trace_of(call));
        let request = event.request.as_ref().expect("the call's request data");
        assert_eq!(request.method.as_deref(), Some("POST"));
        assert_eq!(
            request.url.as_deref(),
            Some(format!("http://{addr}{method}").as_str())
        );
        assert_eq!(event.message.as_deref(), Some("call seen"));
    }
}
