//! A gRPC call whose `grpc-timeout` runs out is dropped by the server (tonic does it outside
//! every layer of the user's): its transaction ends `deadline_exceeded`, not `aborted` as a
//! call the client walked away from does.
#![cfg(feature = "tower")]
mod common;

use std::convert::Infallible;
use std::time::Duration;

use http::{Request, Response};
use scopeline::{ClientOptions, ScopeLayer};
use tower::{Layer, ServiceExt};

#[tokio::test]
async fn a_call_past_its_deadline_ends_deadline_exceeded_one_dropped_before_it_aborted() {
    let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
    let service = ScopeLayer::new().layer(tower::service_fn(|_: Request<()>| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, Infallible>(Response::new(String::new()))
    }));
    // The server gives up on each call after 200 ms, as tonic does at a call's deadline.
    for (path, timeout) in [("/shop.Orders/Late", "50m"), ("/shop.Orders/Left", "1H")] {
        let request = Request::post(path)
            .header("content-type", "application/grpc")
            .header("grpc-timeout", timeout)
            .body(())
            .unwrap();
        let call = service.clone().oneshot(request);
        assert!(
            tokio::time::timeout(Duration::from_millis(200), call)
                .await
                .is_err()
        );
    }

    let statuses: Vec<(String, String)> = (memory.transactions().iter())
        .map(|t| {
            let status = t.contexts["trace"]["status"].as_str().unwrap().to_owned();
            (t.transaction.clone().unwrap(), status)
        })
        .collect();
    let expected = [
        ("/shop.Orders/Late", "deadline_exceeded"),
        ("/shop.Orders/Left", "aborted"),
    ];
    let expected: Vec<(String, String)> = (expected.iter())
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(statuses, expected);
}
