//! `ScopeLayer` wraps services whose response body has no `Default` (tower-http's
//! `TraceLayer` answers with such a body, so `ScopeLayer` can sit outside it): their
//! answers come through whole, and a panic is answered with an empty 500 all the same.
#![cfg(feature = "tower")]
mod common;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use scopeline::{ClientOptions, ScopeLayer};
use tower::{Layer, ServiceExt};

/// A body with no `Default`, as tower-http's `ResponseBody` is.
struct Text(Option<String>);

impl Body for Text {
    type Data = std::io::Cursor<Vec<u8>>;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Infallible>>> {
        let text = self.0.take();
        Poll::Ready(text.map(|t| Ok(Frame::data(std::io::Cursor::new(t.into_bytes())))))
    }
}

/// Reads a body to its end.
async fn read<B>(mut body: B) -> Vec<u8>
where
    B: Body<Data = std::io::Cursor<Vec<u8>>, Error = Infallible> + Unpin,
{
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame.unwrap().into_data() {
            out.extend(data.into_inner());
        }
    }
    out
}

#[tokio::test]
async fn a_body_without_default_is_served_and_a_panic_still_answered() {
    let (_client, memory) = common::bind(ClientOptions::new());
    let service = ScopeLayer::new().layer(tower::service_fn(|req: Request<()>| async move {
        assert_ne!(req.uri().path(), "/panics", "the handler failed");
        Ok::<_, Infallible>(Response::new(Text(Some("served".into()))))
    }));

    let response = service.clone().oneshot(Request::new(())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(read(response.into_body()).await, b"served");

    let request = Request::get("/panics").body(()).unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response.body().get_ref().is_none(),
        "the answer to a panic is empty"
    );
    assert!(response.body().is_end_stream());
    assert_eq!(read(response.into_body()).await, b"");
    let events = memory.events();
    assert_eq!(events.len(), 1, "the panic is reported: {events:?}");
}
