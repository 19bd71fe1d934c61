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

/// Asks for `path` over a raw HTTP/1 connection, reads until `until` arrives, and goes away
/// (drops the connection), as a client that stops listening does.
pub async fn listen_then_leave(addr: SocketAddr, path: &str, until: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains(until) {
        let mut buf = [0; 1024];
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server answers before the client leaves");
        seen.extend_from_slice(&buf[..n]);
    }
}

/// Asks for `url` and reads the whole answer: whether it broke part-way. A server that
/// closes the connection mid-body may have sent the head or not, so either failure counts.
pub async fn answer_breaks(url: String) -> bool {
    match reqwest::get(url).await {
        Ok(response) => response.text().await.is_err(),
        Err(_) => true,
    }
}

/// A body of one data frame and then trailers, which (like hyper's channel bodies) never
/// says it has ended: a server knows it is done only from the trailers.
pub struct Trailed {
    data: &'static [u8],
    trailers: Option<axum::http::HeaderMap>,
}

impl Trailed {
    pub fn new(data: &'static [u8], trailers: &[(&'static str, &'static str)]) -> Self {
        let trailers = (trailers.iter())
            .map(|(k, v)| (axum::http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect();
        Trailed {
            data,
            trailers: Some(trailers),
        }
    }
}

impl http_body::Body for Trailed {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let frame = if !self.data.is_empty() {
            let data = std::mem::take(&mut self.data);
            Some(http_body::Frame::data(axum::body::Bytes::from_static(data)))
        } else {
            self.trailers.take().map(http_body::Frame::trailers)
        };
        std::task::Poll::Ready(frame.map(Ok))
    }
}
