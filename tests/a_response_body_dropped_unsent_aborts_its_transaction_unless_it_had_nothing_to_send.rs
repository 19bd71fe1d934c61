//! A response's body that the server drops before sending it means the client went away
//! between the head and the body: the request's transaction ends `aborted`. A body with
//! nothing to send (the answer to `HEAD`, a `204`, an empty body), which servers drop
//! unpolled, ends with the response's status, and so does a body the caller takes out.
#![cfg(feature = "tower")]
mod common;

use std::convert::Infallible;

use http::{Method, Request, Response, StatusCode};
use scopeline::{ClientOptions, ScopeLayer};
use tower::{Layer, ServiceExt};

#[tokio::test]
async fn an_unsent_body_aborts_unless_there_was_nothing_to_send() {
    let (_client, memory) = common::bind(ClientOptions::new().traces_sample_rate(1.0));
    let service = ScopeLayer::new().layer(tower::service_fn(|req: Request<()>| async move {
        let mut response = Response::new(String::from("a body to send"));
        match req.uri().path() {
            "/no-content" => *response.status_mut() = StatusCode::NO_CONTENT,
            "/empty" => response.body_mut().clear(),
            _ => {}
        }
        Ok::<_, Infallible>(response)
    }));
    let cases = [
        (Method::GET, "/unsent", "aborted"),
        (Method::HEAD, "/head", "ok"),
        (Method::GET, "/no-content", "ok"),
        (Method::GET, "/empty", "ok"),
    ];
    for (method, path, _) in &cases {
        let request = Request::builder()
            .method(method)
            .uri(*path)
            .body(())
            .unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        drop(response);
    }
    let request = Request::get("/taken-out").body(()).unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.into_body().into_inner().unwrap(), "a body to send");

    let statuses: Vec<(String, String)> = (memory.transactions().iter())
        .map(|t| {
            let status = t.contexts["trace"]["status"].as_str().unwrap().to_owned();
            (t.transaction.clone().unwrap(), status)
        })
        .collect();
    let mut expected: Vec<(String, String)> = (cases.iter())
        .map(|(m, p, s)| (format!("{m} {p}"), s.to_string()))
        .collect();
    expected.push(("GET /taken-out".into(), "ok".into()));
    assert_eq!(statuses, expected);
}
