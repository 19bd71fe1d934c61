//! The tower integration: every HTTP request runs in its own isolation scope, holds its
//! request data, continues the caller's trace and, with tracing on, is a transaction.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Buf;
use http::header::COOKIE;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::client::ClientInner;
use crate::pii::{FILTERED, is_sensitive_header, is_sensitive_name};
use crate::protocol::Request;
use crate::scope::{RequestSource, ScopePair, Scoped, scoped_isolated, sync_scoped};
use crate::{Level, Span, SpanStatus, TransactionContext};

const BAGGAGE: HeaderName = HeaderName::from_static("baggage");

type NameFn = dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync;

/// A [tower layer](tower_layer::Layer) that runs every HTTP request in its own isolation
/// scope (feature `tower`).
///
/// For each request the wrapped service sees:
///
/// - a **fresh isolation and current scope**: no breadcrumbs, no user, no tags from the thread,
///   the process default or an earlier request (event processors and a bound client carry
///   over);
/// - the **request** on the isolation scope: method, URL without credentials, query string
///   and headers, with the values of secret headers (`Authorization`, anything with `token`,
///   `key`, `session`, …) replaced by `[Filtered]`. Cookies, `X-Forwarded-For`-style headers
///   and the peer address are kept only with `send_default_pii`. No body. The request data
///   is built only when an event needs it;
/// - the **caller's trace**, continued from `sentry-trace`/`traceparent` and `baggage`;
/// - the **transaction name** `METHOD /route` on the isolation scope: axum's matched route
///   (feature `axum`; known only inside the router, so add the layer with
///   `Router::layer`), otherwise the path, or what [`ScopeLayer::transaction_name`]
///   returns. A gRPC call (`content-type: application/grpc…`) is named by its method's
///   path (`/shop.Orders/Get`). To rename the request's transaction from a handler, set
///   the name on the *current* scope, which holds the transaction
///   (`scopeline::get_current_scope().set_transaction(..)`);
/// - with tracing on (`traces_sample_rate` or `traces_sampler`), a **transaction** with op
///   `http.server` (`grpc.server` for a gRPC call) as the active span, finished when the
///   response's body ends (see [`ScopeBody`]): with the status a handler set on it, else
///   the `grpc-status` of the body's trailers or of the response's head (where a gRPC call
///   that fails before its first message puts it), else the HTTP status;
///   `internal_error` when the body fails or panics; `aborted` when the request is
///   dropped before it answers or its body is dropped part-way (the client went away),
///   except a stream of server-sent events, which ends that way; `deadline_exceeded` when
///   a gRPC call is dropped unanswered after its `grpc-timeout` ran out;
/// - the **response's body** polled in the request's scopes: what a streamed body
///   (server-sent events, a download, a gRPC stream) captures carries the request's
///   context. A websocket after its upgrade runs outside them (as with sentry-tower).
///   Work the handler hands off with scopeline's spawn helpers keeps the context too.
///
/// Tags and a user set in `main` do not reach requests (each request starts empty): put
/// what every event should carry on the [global scope](crate::get_global_scope). With
/// `send_default_pii`, the user's address (`REMOTE_ADDR`) is the one a proxy in front names,
/// in the headers and order the Sentry JavaScript SDK reads: `X-Client-IP`,
/// `X-Forwarded-For` (its first entry), `HTTP-X-Forwarded-For`, `Fly-Client-IP`,
/// `CF-Connecting-IP`, `Fastly-Client-IP`, `True-Client-IP`, `X-Real-IP`,
/// `X-Cluster-Client-IP`, `X-Forwarded`, `Forwarded-For`, RFC 7239 `Forwarded` (its first
/// element's `for=`), `DO-Connecting-IP`, `Oxygen-Buyer-IP`. Failing those, it is the peer's
/// address: axum's `ConnectInfo` (with the `axum` feature), tonic's `TcpConnectInfo` (with
/// the `tonic` feature, tonic 0.14) or a `SocketAddr` request extension. A client can name
/// any address in those headers unless the proxy in front strips or overwrites every one of
/// them (a proxy that appends to `X-Forwarded-For` leaves `X-Client-IP` to the client).
///
/// A panic in the service (in its `call` or in the future it returns) is captured with the
/// request's scopes (unless the client was made with
/// [`capture_panics(false)`](crate::ClientOptions::capture_panics)) and answered with an
/// empty `500 Internal Server Error` (a gRPC call with `grpc-status: 13`, `INTERNAL`, as
/// gRPC answers a failed call), so the server goes on serving.
///
/// A `tracing` span entered around this layer's future (tonic's `Server::trace_fn`, a
/// `TraceLayer` added outside it) does not take the request's spans and errors into its own
/// trace: the request's isolation scope is a trace boundary (see
/// [`TracingLayer`](crate::TracingLayer)).
///
/// The wrapped service's responses come back with their body in a [`ScopeBody`], which
/// axum, tonic and hyper serve like any body. With axum, add the layer with
/// `Router::layer`, after the routes (axum turns the response into its own); the layers
/// added before it (and `tower_http::trace::TraceLayer`'s spans) run in the request's
/// scope. Around a whole router handed to `axum::serve`, which takes services that answer
/// with axum's own body, turn the response into one (there the matched route is not known
/// yet, so transactions are named by path):
///
/// ```ignore
/// let service = ServiceBuilder::new()
///     .map_response(IntoResponse::into_response)
///     .layer(ScopeLayer::new())
///     .service(router);
/// axum::serve(listener, axum::ServiceExt::into_make_service(service)).await?;
/// ```
///
/// # Examples
///
/// ```
/// use std::convert::Infallible;
///
/// use http::{Request, Response};
/// use scopeline::ScopeLayer;
/// use tower::{Layer, Service, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handler = service_fn(|req: Request<String>| async move {
///     // Runs in the request's own isolation scope.
///     scopeline::set_tag("path", req.uri().path().to_owned());
///     let tag = scopeline::get_isolation_scope().tag("path");
///     Ok::<_, Infallible>(Response::new(tag.unwrap_or_default()))
/// });
/// let mut service = ScopeLayer::new().layer(handler);
///
/// let request = Request::get("/users/7").body(String::new()).unwrap();
/// let response = service.ready().await.unwrap().call(request).await.unwrap();
/// assert_eq!(response.body().get_ref().unwrap(), "/users/7");
/// // Nothing leaked out of the request.
/// assert_eq!(scopeline::get_isolation_scope().tag("path"), None);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ScopeLayer {
    name: Option<Arc<NameFn>>,
}

impl ScopeLayer {
    /// A layer with the default transaction names.
    ///
    /// ```
    /// let layer = scopeline::ScopeLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Names each request's transaction with `f`; where it returns `None` (or panics), the
    /// default name is used. A name given here has source `custom`.
    ///
    /// ```
    /// let layer = scopeline::ScopeLayer::new().transaction_name(|parts| {
    ///     parts.uri.path().starts_with("/api/").then(|| "api call".to_owned())
    /// });
    /// # let _ = layer;
    /// ```
    pub fn transaction_name<F>(mut self, f: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.name = Some(Arc::new(f));
        self
    }

    /// Fills the request's fresh scopes and starts its transaction. Runs inside them, so the
    /// user's callbacks see them, but writes to `pair` directly: one write to the isolation
    /// scope, no task-local lookups.
    fn enter(
        &self,
        parts: &http::request::Parts,
        pair: &ScopePair,
        client: Arc<ClientInner>,
        grpc: bool,
    ) -> Option<Span> {
        let pii = client.options().send_default_pii;
        let custom = self.name.as_ref().and_then(|f| {
            crate::client::guarded("the ScopeLayer transaction_name callback", || f(parts))
                .flatten()
        });
        let (name, source): (Arc<str>, _) = match custom {
            Some(name) => (name.into(), "custom"),
            // A gRPC method's path names it (`/shop.Orders/Get`), as the other SDKs name
            // gRPC transactions; a route that matched it is a whole service's (`/{*rest}`).
            None if grpc => (Arc::from(parts.uri.path()), "route"),
            None => match route(parts) {
                Some(route) => (joined(parts.method.as_str(), route), "route"),
                None => (
                    joined(parts.method.as_str(), original_uri(parts).path()),
                    "url",
                ),
            },
        };

        let request: Arc<dyn RequestSource> = Arc::new(LazyRequest {
            method: parts.method.clone(),
            uri: original_uri(parts).clone(),
            // One vector, not a `HeaderMap` with its index: values are shared, not copied.
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            peer: if pii { peer(parts) } else { None },
            pii,
        });
        let tx = client.tracing_enabled().then(|| {
            let tx = Span::new_transaction(
                TransactionContext::new(
                    name.to_string(),
                    if grpc { "grpc.server" } else { "http.server" },
                )
                .with_source(source)
                .with_origin("auto.http.tower"),
                pair.isolation.clone(),
                Some(client),
            );
            if tx.is_sampled() {
                tx.set_static_data("http.request.method", parts.method.as_str().into());
            }
            // Held by the isolation scope too (which it then holds weakly), so that a name
            // set there (`configure_scope(|s| s.set_transaction(..))`, as with sentry-tower)
            // renames it.
            tx.stored_in(&pair.isolation);
            tx
        });
        pair.isolation.write(|d| {
            let rare = d.rare_mut();
            rare.transaction = Some(name.clone());
            rare.request = Some(request);
            d.span = tx.clone();
        });
        if let Some(tx) = &tx {
            pair.current.set_span(Some(tx.clone()));
        }
        tx
    }
}

impl fmt::Debug for ScopeLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeLayer")
            .field("transaction_name", &self.name.as_ref().map(|_| ".."))
            .finish()
    }
}

impl<S> Layer<S> for ScopeLayer {
    type Service = ScopeService<S>;

    fn layer(&self, inner: S) -> ScopeService<S> {
        super::mark_in_use(super::Integration::Tower);
        ScopeService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ScopeLayer`] wraps around another (feature `tower`).
///
/// ```
/// use tower::{Layer, service_fn};
///
/// let service: scopeline::ScopeService<_> = scopeline::ScopeLayer::new().layer(service_fn(
///     |_req: http::Request<String>| async { Ok::<_, std::io::Error>(http::Response::new(String::new())) },
/// ));
/// # let _ = service;
/// ```
#[derive(Clone, Debug)]
pub struct ScopeService<S> {
    inner: S,
    layer: ScopeLayer,
}

impl<S, B, R> Service<http::Request<B>> for ScopeService<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    R: http_body::Body,
{
    type Response = http::Response<ScopeBody<R>>;
    type Error = S::Error;
    type Future = ScopeFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> ScopeFuture<S::Future> {
        let (parts, body) = request.into_parts();
        // The request's scopes keep the client bindings of the task's, so this is the client
        // they resolve to.
        let client = crate::client::current_inner();
        // A continued trace goes straight into the fresh isolation scope, client or not:
        // the handler's outgoing calls pass it on either way.
        let continued = crate::trace::incoming_context(
            parts
                .headers
                .iter()
                .filter(|(name, _)| is_trace_header(name))
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
            client.as_deref(),
        );
        let grpc = is_grpc(&parts.headers, parts.uri.path());
        let deadline = (parts.headers.get("grpc-timeout"))
            .and_then(|v| grpc_timeout(v.as_bytes()))
            .and_then(|timeout| Instant::now().checked_add(timeout));
        let head_request = parts.method == Method::HEAD;
        let pair = Arc::new(ScopePair::emptied(continued));
        // A span entered around the request (here, or at the first poll) is not its trace.
        crate::scope::record_boundary(&pair.isolation);
        // The inner `call` runs in the request's scopes too: services may start work there.
        let (tx, inner) = sync_scoped(pair.clone(), || {
            let tx = client.and_then(|client| self.layer.enter(&parts, &pair, client, grpc));
            // A service that panics before it returns its future is answered like one whose
            // future panics.
            let catching = crate::panic::Catching::enter();
            let request = http::Request::from_parts(parts, body);
            let inner = catch_unwind(AssertUnwindSafe(|| self.inner.call(request)))
                .map_err(|payload| report_panic(&catching, &*payload))
                .ok();
            (tx, inner)
        });
        ScopeFuture {
            inner: scoped_isolated(pair.clone(), CatchPanic { inner, grpc }),
            tx: Transaction(tx, deadline),
            pair: Some(pair),
            head_request,
        }
    }
}

pin_project! {
    /// The response future of [`ScopeService`]: the wrapped service's future, run in the
    /// request's scopes (feature `tower`).
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut service = scopeline::ScopeLayer::new().layer(service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::new(String::from("ok")))
    /// }));
    /// let future: scopeline::ScopeFuture<_> =
    ///     service.ready().await.unwrap().call(Request::new(String::new()));
    /// let response = future.await.unwrap();
    /// assert_eq!(response.body().get_ref().unwrap(), "ok");
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ScopeFuture<F> {
        #[pin]
        inner: Scoped<CatchPanic<F>>,
        // Declared after `inner`: a request dropped before it answers drops its handler
        // first, inside its scopes, then finishes the transaction as aborted.
        tx: Transaction,
        // Handed to the response's body, whose polls run in the request's scopes.
        pair: Option<Arc<ScopePair>>,
        // The answer to a `HEAD` request has a body that is never sent.
        head_request: bool,
    }
}

impl<F, R, E> Future for ScopeFuture<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
    R: http_body::Body,
{
    type Output = Result<http::Response<ScopeBody<R>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut out = ready!(this.inner.poll(cx));
        let tx = this.tx.0.take();
        match &mut out {
            Ok(response) => {
                let code = response.status().as_u16();
                if let Some(tx) = tx.as_ref().filter(|tx| tx.is_sampled()) {
                    tx.set_static_data("http.response.status_code", code.into());
                    tx.set_tag("http.status_code", code.to_string());
                }
                // A gRPC error answers HTTP 200 with its code in `grpc-status`: in the head
                // when the call fails before any message (as unary errors do), else in the
                // trailers, which the body reads.
                let head = grpc_status(response.headers())
                    .unwrap_or_else(|| SpanStatus::from_http_status(code));
                // The request goes on while its body is sent: the body finishes the
                // transaction, and its polls run in the request's scopes.
                if let Some(pair) = this.pair.take() {
                    let body = response.body().get_ref();
                    let hint = body.and_then(|b| b.size_hint().exact());
                    let length = (response.headers().get(http::header::CONTENT_LENGTH))
                        .and_then(|v| v.to_str().ok()?.trim().parse().ok())
                        .or(hint);
                    let bodiless = *this.head_request
                        || matches!(code, 100..=199 | 204 | 304)
                        || length == Some(0)
                        || body.is_none_or(|b| b.is_end_stream());
                    let endless = (response.headers().get(http::header::CONTENT_TYPE))
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(is_event_stream);
                    response.body_mut().end = Some(RequestEnd {
                        pair,
                        tx,
                        head,
                        polled: false,
                        polling: false,
                        bodiless,
                        endless,
                        length,
                        sent: 0,
                    });
                }
            }
            Err(_) => {
                if let Some(tx) = tx {
                    finish(&tx, SpanStatus::InternalError);
                }
            }
        }
        Poll::Ready(out)
    }
}

/// Finishes a request's transaction with `status`, unless the handler set one, which wins.
fn finish(tx: &Span, status: SpanStatus) {
    if tx.status().is_none() {
        tx.set_status(status);
    }
    tx.finish();
}

pin_project! {
    /// The response body of a request [`ScopeLayer`] wraps (feature `tower`): the wrapped
    /// service's body, polled (and dropped) in the request's scopes, so what a streamed body
    /// (server-sent events, a download, a gRPC stream) captures carries the request's
    /// context.
    ///
    /// The request's transaction ends with its body, as the Python SDK's ends when the
    /// response is sent: with the response's status when the body ends (its last frame,
    /// its trailers, or as many bytes as its `Content-Length` says), the `grpc-status` of
    /// its trailers when they carry one, `internal_error` when the body fails, and
    /// `aborted` when the body is dropped before it ends (the client went away). A body with
    /// nothing to send (the answer to `HEAD`, a `204` or `304`, an empty body), which a
    /// server drops unpolled, ends with the response's status. A stream of server-sent
    /// events (`Content-Type: text/event-stream`) lasts as long as its client listens, and
    /// so does its transaction: the client leaving is how such a stream ends, so it ends
    /// with the response's status too, once the stream has sent its client anything.
    /// gRPC-Web puts its status in the body, not in trailers: there the status is the
    /// head's. A panic while the body is polled is captured with the request's context by
    /// the [panic hook](crate::install_panic_hook), ends the transaction `internal_error`
    /// and, unlike a handler's, reaches the server (hyper closes the connection).
    ///
    /// It implements [`http_body::Body`] when the wrapped body does, so axum, tonic and
    /// hyper serve it as they would the wrapped one; a handler that panicked is answered
    /// with an empty one.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut service = scopeline::ScopeLayer::new().layer(service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::new(String::from("ok")))
    /// }));
    /// let response = service.ready().await.unwrap().call(Request::new(String::new())).await.unwrap();
    /// let body: &scopeline::ScopeBody<String> = response.body();
    /// assert_eq!(body.get_ref().map(String::as_str), Some("ok"));
    /// # }
    /// ```
    pub struct ScopeBody<B> {
        // `None` for the answer to a panic: an empty body.
        #[pin]
        inner: Option<B>,
        end: Option<RequestEnd>,
    }

    impl<B> PinnedDrop for ScopeBody<B> {
        fn drop(this: Pin<&mut Self>) {
            // A body that did not end (the client went away) is dropped in the request's
            // scopes, as its handler would be: what its drop captures is the request's.
            let mut this = this.project();
            if let Some(end) = this.end.as_ref() {
                sync_scoped(end.pair.clone(), || this.inner.set(None));
            }
        }
    }
}

impl<B> ScopeBody<B> {
    fn new(inner: Option<B>) -> Self {
        ScopeBody { inner, end: None }
    }

    /// The wrapped body; `None` in the answer to a handler that panicked.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut service = scopeline::ScopeLayer::new().layer(service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::new(String::from("ok")))
    /// }));
    /// let response = service.ready().await.unwrap().call(Request::new(String::new())).await.unwrap();
    /// assert_eq!(response.body().get_ref().unwrap(), "ok");
    /// # }
    /// ```
    pub fn get_ref(&self) -> Option<&B> {
        self.inner.as_ref()
    }

    /// The wrapped body, taken out (`None` in the answer to a handler that panicked). The
    /// request's transaction ends here, with the response's status, and the body's polls
    /// no longer run in the request's scopes.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut service = scopeline::ScopeLayer::new().layer(service_fn(|_req: Request<String>| async {
    ///     Ok::<_, Infallible>(Response::new(String::from("ok")))
    /// }));
    /// let response = service.ready().await.unwrap().call(Request::new(String::new())).await.unwrap();
    /// assert_eq!(response.into_body().into_inner().as_deref(), Some("ok"));
    /// # }
    /// ```
    pub fn into_inner(mut self) -> Option<B> {
        if let Some(mut end) = self.end.take() {
            end.ended(None);
        }
        self.inner.take()
    }
}

impl<B> fmt::Debug for ScopeBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeBody")
            .field("empty", &self.inner.is_none())
            .field(
                "transaction",
                &self.end.as_ref().and_then(|e| e.tx.as_ref()),
            )
            .finish_non_exhaustive()
    }
}

impl<B: http_body::Body> http_body::Body for ScopeBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let mut inner = this.inner;
        let Some(body) = inner.as_mut().as_pin_mut() else {
            if let Some(mut end) = this.end.take() {
                end.ended(None);
            }
            return Poll::Ready(None);
        };
        let poll = match this.end.as_mut() {
            Some(end) => {
                end.polled = true;
                // Still set if the poll unwinds: the body is then dropped mid-poll.
                end.polling = true;
                let poll = sync_scoped(end.pair.clone(), || body.poll_frame(cx));
                end.polling = false;
                poll
            }
            None => body.poll_frame(cx),
        };
        let Some(end) = this.end.as_mut() else {
            return poll;
        };
        match &poll {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    end.sent += data.remaining() as u64;
                }
                // A body whose last frame this was may never be polled again: after its
                // trailers, after as many bytes as its length says (HTTP/1), or once it
                // says it has ended.
                let done = frame.is_trailers()
                    || end.length.is_some_and(|length| end.sent >= length)
                    || inner
                        .as_ref()
                        .as_pin_ref()
                        .is_none_or(|b| b.is_end_stream());
                if done {
                    end.ended(frame.trailers_ref().and_then(grpc_status));
                    *this.end = None;
                }
            }
            Poll::Ready(Some(Err(_))) => {
                end.ended(Some(SpanStatus::InternalError));
                *this.end = None;
            }
            Poll::Ready(None) => {
                end.ended(None);
                *this.end = None;
            }
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(B::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.inner {
            Some(body) => body.size_hint(),
            None => http_body::SizeHint::with_exact(0),
        }
    }
}

/// What a response's body holds of its request until it ends: the request's scopes (its
/// polls run in them) and its transaction, with the status the response's head gave.
struct RequestEnd {
    pair: Arc<ScopePair>,
    tx: Option<Span>,
    head: SpanStatus,
    /// Whether the server has polled the body.
    polled: bool,
    /// Whether a poll of the body is under way: when the body is dropped so, the poll
    /// panicked.
    polling: bool,
    /// Whether the response has no body to send (the answer to `HEAD`, a `1xx`, `204` or
    /// `304`, an empty body): a server drops such a body unpolled once the head is sent.
    bodiless: bool,
    /// Whether the body is a stream of server-sent events, which ends when its client stops
    /// listening: that is its normal end, not an abort.
    endless: bool,
    /// The body's length, when the response states it: a server sends that many bytes and
    /// then drops the body without polling it again.
    length: Option<u64>,
    /// Bytes of the body polled so far.
    sent: u64,
}

impl RequestEnd {
    /// The body ended, with the status of its trailers or of its failure if it has one.
    fn ended(&mut self, status: Option<SpanStatus>) {
        if let Some(tx) = self.tx.take() {
            finish(&tx, status.unwrap_or(self.head));
        }
    }
}

impl Drop for RequestEnd {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // Dropped before it ended: the body panicked while polled, or the client went
            // away (before the first byte of the body, or part-way through it), which is an
            // abort unless there was no body to send or it was an event stream of which the
            // client had been sent something.
            if self.polling {
                finish(&tx, SpanStatus::InternalError);
            } else if self.endless && self.sent > 0 {
                finish(&tx, self.head);
            } else if self.polled || !self.bodiless {
                tx.finish_with_status(SpanStatus::Aborted);
            } else {
                finish(&tx, self.head);
            }
        }
    }
}

impl<F> fmt::Debug for ScopeFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeFuture")
            .field("transaction", &self.tx.0)
            .finish_non_exhaustive()
    }
}

/// Whether a response's `Content-Type` is `text/event-stream` (server-sent events).
fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("text/event-stream")
}

/// The status named by a response's `grpc-status` header, if it has one.
fn grpc_status(headers: &http::HeaderMap) -> Option<SpanStatus> {
    let code = headers
        .get("grpc-status")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(SpanStatus::from_grpc_code(code))
}

/// A request's transaction until it answers; dropped unanswered, it finishes as aborted, or
/// as past its deadline when the call's `grpc-timeout` has run out (tonic drops a call whose
/// deadline passed, outside every layer of the user's).
struct Transaction(Option<Span>, Option<Instant>);

impl Drop for Transaction {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let late = self.1.is_some_and(|deadline| Instant::now() >= deadline);
            tx.finish_with_status(if late {
                SpanStatus::DeadlineExceeded
            } else {
                SpanStatus::Aborted
            });
        }
    }
}

/// A `grpc-timeout` value: at most eight digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
fn grpc_timeout(value: &[u8]) -> Option<Duration> {
    let (&unit, digits) = value.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

pin_project! {
    /// Answers a panic of the inner future with a `500`, after capturing it (here, inside the
    /// request's scopes, unless the panic hook already did).
    #[doc(hidden)]
    pub struct CatchPanic<F> {
        // `None` when the service's `call` panicked: the answer is a `500` straight away.
        #[pin]
        inner: Option<F>,
        // A gRPC call is answered as gRPC answers an error: see `panic_response`.
        grpc: bool,
    }
}

impl<F, R, E> Future for CatchPanic<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
{
    type Output = Result<http::Response<ScopeBody<R>>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let grpc = *this.grpc;
        let Some(inner) = this.inner.as_pin_mut() else {
            return Poll::Ready(Ok(panic_response(grpc)));
        };
        let catching = crate::panic::Catching::enter();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(|out| out.map(|r| r.map(|body| ScopeBody::new(Some(body))))),
            Err(payload) => {
                report_panic(&catching, &*payload);
                Poll::Ready(Ok(panic_response(grpc)))
            }
        }
    }
}

/// Captures a panic the layer caught (inside the request's scopes), unless the panic hook
/// already did. Like the hook, the layer leaves panics alone for a client made with
/// `capture_panics(false)`; the request is still answered.
fn report_panic(catching: &crate::panic::Catching, payload: &(dyn std::any::Any + Send)) {
    let wanted =
        || crate::client::with_current_client(|c| c.options().capture_panics).unwrap_or(false);
    if !catching.hook_captured() && wanted() {
        let message = crate::panic::panic_message(payload);
        let mut event = crate::panic::panic_event(message);
        event.level = Level::Error;
        // The stack here is the catcher's, not the panic's: none is attached.
        crate::client::capture_caught(event);
    }
}

/// The answer to a request whose handler panicked: `500`, or for a gRPC call what gRPC
/// answers a failed call with, a trailers-only `200` with `grpc-status: 13` (`INTERNAL`),
/// which a gRPC client reads as that status rather than as a broken response.
fn panic_response<R>(grpc: bool) -> http::Response<ScopeBody<R>> {
    let mut response = http::Response::new(ScopeBody::new(None));
    if grpc {
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        headers.insert("grpc-status", HeaderValue::from_static("13"));
        headers.insert(
            "grpc-message",
            HeaderValue::from_static("handler%20panicked"),
        );
    } else {
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    }
    response
}

/// Whether a request is a gRPC call: `application/grpc`, `application/grpc+proto`… (not
/// gRPC-Web, which answers differently), to a method's path (`/shop.Orders/Get`).
fn is_grpc(headers: &http::HeaderMap, path: &str) -> bool {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let grpc_type = content_type
        .get(..16)
        .is_some_and(|p| p.eq_ignore_ascii_case("application/grpc"))
        && matches!(content_type.as_bytes().get(16), None | Some(b'+' | b';'));
    let method_path = path
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .is_some_and(|(service, method)| {
            !service.is_empty() && !method.is_empty() && !method.contains('/')
        });
    grpc_type && method_path
}

/// `"{method} {path}"`, formatted in a buffer the thread keeps: one allocation, the name's.
fn joined(method: &str, path: &str) -> Arc<str> {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            buf.push_str(method);
            buf.push(' ');
            buf.push_str(path);
            let name = Arc::from(buf.as_str());
            buf.truncate(0);
            buf.shrink_to(256);
            name
        }
        Err(_) => Arc::from(format!("{method} {path}")),
    })
}

fn is_trace_header(name: &HeaderName) -> bool {
    name == BAGGAGE || name.as_str() == "sentry-trace" || name.as_str() == "traceparent"
}

#[cfg(feature = "axum")]
fn route(parts: &http::request::Parts) -> Option<&str> {
    parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str())
}

#[cfg(not(feature = "axum"))]
fn route(_parts: &http::request::Parts) -> Option<&str> {
    None
}

/// The URI the client asked for. A router nested in axum's (`Router::nest`) sees its path
/// without the prefix it is nested at; axum keeps the whole one in `OriginalUri`.
#[cfg(feature = "axum")]
fn original_uri(parts: &http::request::Parts) -> &Uri {
    (parts.extensions.get::<axum::extract::OriginalUri>()).map_or(&parts.uri, |o| &o.0)
}

#[cfg(not(feature = "axum"))]
fn original_uri(parts: &http::request::Parts) -> &Uri {
    &parts.uri
}

/// The address of the connection's other end, as the server put it in the request.
fn peer(parts: &http::request::Parts) -> Option<SocketAddr> {
    let extensions = &parts.extensions;
    #[cfg(feature = "axum")]
    if let Some(info) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(info.0);
    }
    // tonic 0.14 puts it in every call, behind its own TLS too (beside the TLS info).
    #[cfg(feature = "tonic")]
    if let Some(addr) = (extensions.get::<tonic::transport::server::TcpConnectInfo>())
        .and_then(|info| info.remote_addr())
    {
        return Some(addr);
    }
    extensions.get::<SocketAddr>().copied()
}

/// What the request's events will say about it, kept raw. Built for each event that needs
/// it (by the pipeline thread when it merges the scopes, by `Scope::request` for its
/// caller): building costs what copying a built one would, and nothing is kept for the
/// request's lifetime.
struct LazyRequest {
    method: Method,
    uri: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    peer: Option<SocketAddr>,
    pii: bool,
}

impl RequestSource for LazyRequest {
    fn to_request(&self) -> Request {
        request_data(&self.method, &self.uri, &self.headers, self.peer, self.pii)
    }
}

/// The scheme the client used: `https` where the URI says so or a TLS-terminating proxy
/// names it in `X-Forwarded-Proto` (its first entry), else the URI's own, else `http` (an
/// HTTP/1 request line carries none). The header only changes the URL reported.
fn scheme<'a>(uri: &'a Uri, headers: &'a [(HeaderName, HeaderValue)]) -> &'a str {
    // Over HTTP/2 the URI has the scheme of the hop (`http` from a proxy speaking h2c): a
    // proxy's `https` beats it.
    if let Some(scheme) = uri.scheme_str().filter(|s| *s != "http") {
        return scheme;
    }
    let forwarded = headers
        .iter()
        .find(|(n, _)| n.as_str() == "x-forwarded-proto")
        .and_then(|(_, v)| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    // RFC 7239's `Forwarded`: the `proto=` of its first element.
    let standard = || forwarded_param(first_element(headers, "forwarded")?, "proto");
    match forwarded.or_else(standard) {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        _ => uri.scheme_str().unwrap_or("http"),
    }
}

/// The request interface of the protocol sheet (§3.4) with the PII rules of §8.5 applied.
fn request_data(
    method: &Method,
    uri: &Uri,
    headers: &[(HeaderName, HeaderValue)],
    peer: Option<SocketAddr>,
    pii: bool,
) -> Request {
    let scheme = scheme(uri, headers);
    // The URI's authority, else the `Host` header if it is one (a forged one that is not
    // leaves the URL without a host), written as a URL parser would: no credentials, and no
    // port where it is the scheme's default.
    let authority = uri.authority().cloned().or_else(|| {
        let (_, host) = headers.iter().find(|(n, _)| n == http::header::HOST)?;
        http::uri::Authority::try_from(host.as_bytes()).ok()
    });
    let host = authority.map(|a| match a.port_u16() {
        Some(port) if (scheme, port) != ("https", 443) && (scheme, port) != ("http", 80) => {
            format!("{}:{port}", a.host())
        }
        _ => a.host().to_owned(),
    });
    // `OPTIONS *` asks about the server, not a path.
    let path = match uri.path() {
        "*" => "",
        path => path,
    };
    let url = match host {
        Some(host) => format!("{scheme}://{host}{path}"),
        None => path.to_owned(),
    };

    let mut collected: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        if *name == COOKIE {
            continue;
        }
        let value = if is_sensitive_header(name.as_str(), pii) {
            FILTERED.into()
        } else if URL_HEADERS.contains(&name.as_str()) {
            filter_url(&String::from_utf8_lossy(value.as_bytes()), pii)
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        collected
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                if v != FILTERED {
                    v.push_str(", ");
                    v.push_str(&value);
                }
            })
            .or_insert(value);
    }

    let mut cookies = None;
    let mut env = BTreeMap::new();
    if pii {
        let all: Vec<String> = headers
            .iter()
            .filter(|(n, _)| *n == COOKIE)
            .map(|(_, v)| filter_cookies(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if !all.is_empty() {
            cookies = Some(all.join("; "));
        }
        // Behind a proxy the peer is the proxy: the address it names comes first.
        let address = forwarded_address(headers).or_else(|| peer.map(|p| p.ip()));
        if let Some(address) = address {
            // A server bound to `[::]` sees IPv4 clients as `::ffff:203.0.113.7`.
            env.insert("REMOTE_ADDR".into(), address.to_canonical().to_string());
        }
    }
    Request {
        method: Some(method.as_str().to_owned()),
        url: Some(url),
        query_string: uri
            .query()
            .filter(|q| !q.is_empty())
            .map(|q| crate::pii::filter_query(q, pii)),
        headers: collected,
        cookies,
        env,
        ..Request::default()
    }
}

/// The headers in which a proxy or CDN in front names the client's address, in the order the
/// Sentry JavaScript SDK reads them. Each names the client first: of a list (`X-Forwarded-For`
/// and its kind), only the first entry is the client, the rest are proxies.
const ADDRESS_HEADERS: [&str; 14] = [
    "x-client-ip",
    "x-forwarded-for",
    "http-x-forwarded-for",
    "fly-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "true-client-ip",
    "x-real-ip",
    "x-cluster-client-ip",
    "x-forwarded",
    "forwarded-for",
    "forwarded",
    "do-connecting-ip",
    "oxygen-buyer-ip",
];

/// The client's address as the proxy in front names it: from the first of
/// [`ADDRESS_HEADERS`] that names one. Only an address (with or without a port) is taken: a
/// header the client forged could hold anything, and RFC 7239 lets `Forwarded` hide the
/// client behind `unknown` or an obfuscated name.
fn forwarded_address(headers: &[(HeaderName, HeaderValue)]) -> Option<std::net::IpAddr> {
    ADDRESS_HEADERS.iter().find_map(|&name| {
        let first = first_element(headers, name)?;
        // `Forwarded` (and some proxies' `X-Forwarded`) name it as `for=`.
        address(first).or_else(|| forwarded_for(first))
    })
}

/// The first entry of the header `name`'s first line, the one nearest the client (where a
/// proxy repeats the header rather than append to it, its line comes later). Read as text
/// on its own, so that a later proxy's bytes cannot spoil it.
fn first_element<'a>(headers: &'a [(HeaderName, HeaderValue)], name: &str) -> Option<&'a str> {
    let (_, value) = headers.iter().find(|(n, _)| n.as_str() == name)?;
    let first = split_unquoted(value.as_bytes(), b',').next()?;
    std::str::from_utf8(first).ok()
}

/// The `for=` address of one RFC 7239 `Forwarded` element (`for=192.0.2.60;proto=https`,
/// `For="[2001:db8::17]:4711"`, `for="192.0.2.43:_p1"` with an obfuscated port).
fn forwarded_for(element: &str) -> Option<std::net::IpAddr> {
    let value = forwarded_param(element, "for")?;
    let without_port = value
        .rsplit_once(':')
        .filter(|(_, port)| port.starts_with('_'))
        .map_or(value, |(host, _)| host);
    address(without_port)
}

/// The value of the parameter `key` (`for`, `proto`) of one RFC 7239 `Forwarded` element,
/// unquoted.
fn forwarded_param<'a>(element: &'a str, key: &str) -> Option<&'a str> {
    split_unquoted(element.as_bytes(), b';').find_map(|pair| {
        let pair = std::str::from_utf8(pair).ok()?;
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case(key) {
            return None;
        }
        let value = value.trim();
        Some(
            (value.strip_prefix('"'))
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value),
        )
    })
}

/// `bytes` split at each `separator` outside a quoted string (RFC 9110 §5.6.4, where a
/// backslash escapes the next byte): a quoted `,` or `;` separates nothing.
fn split_unquoted(bytes: &[u8], separator: u8) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, &b) in text.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if quoted => escaped = true,
                b'"' => quoted = !quoted,
                _ if b == separator && !quoted => {
                    rest = Some(&text[i + 1..]);
                    return Some(&text[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(text)
    })
}

/// An address as proxies write it: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::5]:4711`,
/// `[2001:db8::5]` or `2001:db8::5`.
fn address(text: &str) -> Option<std::net::IpAddr> {
    let text = text.trim();
    (text.parse().ok())
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// Request headers whose value is a URL, which may carry credentials or a token in its query
/// (a password-reset link in `Referer`): the request's own target as a proxy in front saw it
/// (nginx's `auth_request` set-ups, Traefik's and oauth2-proxy's forward auth, Envoy's path
/// rewrites) among them.
const URL_HEADERS: [&str; 6] = [
    "referer",
    "x-original-url",
    "x-rewrite-url",
    "x-original-uri",
    "x-forwarded-uri",
    "x-envoy-original-path",
];

/// A URL from a header as the request's own URL is reported: without credentials or
/// fragment, its query filtered like the request's; filtered whole when it does not parse.
fn filter_url(value: &str, send_default_pii: bool) -> String {
    let mut value = Cow::Borrowed(value.trim());
    // `http::Uri` reads a URL relative to a scheme (`//user:password@host/`) as a path.
    if let Some(userinfo) = crate::pii::credentials(&value) {
        value.to_mut().replace_range(userinfo, "");
    }
    let without_fragment = value.split('#').next().unwrap_or(&value);
    let Ok(uri) = without_fragment.parse::<Uri>() else {
        return FILTERED.into();
    };
    let mut out = String::with_capacity(value.len());
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        out.push_str(scheme);
        out.push_str("://");
        out.push_str(authority.host());
        if let Some(port) = authority.port() {
            out.push(':');
            out.push_str(port.as_str());
        }
    }
    out.push_str(uri.path());
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(&crate::pii::filter_query(query, send_default_pii));
    }
    out
}

/// A `Cookie` header with the values of sensitive cookies (`session_id`, `auth_token`,
/// `JSESSIONID`, `sid`, ...) filtered; all of it when it does not parse.
fn filter_cookies(header: &str) -> String {
    let mut out = Vec::new();
    for cookie in header.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        let Some((name, _)) = cookie.split_once('=') else {
            return FILTERED.into();
        };
        if is_sensitive_name(name, true) {
            out.push(format!("{name}={FILTERED}"));
        } else {
            out.push(cookie.to_owned());
        }
    }
    out.join("; ")
}

/// Adds the running task's trace headers (`sentry-trace`, `traceparent`, and `baggage` when
/// the trace has a sampling context) to an outgoing request's headers, so the service it
/// calls continues the trace (feature `tower`). Other members of an existing `baggage`
/// header are kept; its `sentry-*` members are replaced, or removed when this trace has no
/// sampling context (they would describe another trace).
///
/// Works with anything built on the `http` crate: `http::Request::headers_mut()`, hyper, and
/// reqwest, whose `Request::headers_mut()` is an `http::HeaderMap`:
///
/// ```no_run
/// # async fn call(client: reqwest::Client) -> reqwest::Result<()> {
/// let mut request = client.get("http://inventory.internal/items").build()?;
/// scopeline::inject_trace_headers(request.headers_mut());
/// let response = client.execute(request).await?;
/// # let _ = response; Ok(()) }
/// # let _ = call;
/// ```
///
/// ```
/// let mut request = http::Request::get("http://inventory.internal/items")
///     .header("baggage", "vendor=abc")
///     .body(())
///     .unwrap();
/// scopeline::inject_trace_headers(request.headers_mut());
/// let headers = request.headers();
/// assert!(headers.contains_key("sentry-trace"));
/// assert!(headers.contains_key("traceparent"));
/// assert!(headers["baggage"].to_str().unwrap().starts_with("vendor=abc"));
/// ```
pub fn inject_trace_headers(headers: &mut HeaderMap) {
    let trace = crate::trace_headers();
    if let Ok(value) = HeaderValue::from_str(trace.sentry_trace()) {
        headers.insert(HeaderName::from_static("sentry-trace"), value);
    }
    if let Ok(value) = HeaderValue::from_str(trace.traceparent()) {
        headers.insert(HeaderName::from_static("traceparent"), value);
    }
    let mut members: Vec<&str> = Vec::new();
    for value in headers.get_all(BAGGAGE) {
        let Ok(value) = value.to_str() else { continue };
        members.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty() && !m.starts_with("sentry-")),
        );
    }
    members.extend(trace.baggage());
    if members.is_empty() {
        headers.remove(BAGGAGE);
    } else if let Ok(value) = HeaderValue::from_str(&members.join(",")) {
        headers.insert(BAGGAGE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(map: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
        map.iter().map(|(n, v)| (n.clone(), v.clone())).collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn event_streams_are_told_by_their_media_type() {
        assert!(is_event_stream("text/event-stream"));
        assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream("text/event-streams"));
        assert!(!is_event_stream("text/plain"));
    }

    #[test]
    fn grpc_calls_are_told_by_content_type_and_method_path() {
        let with = |ct: &str| headers(&[("content-type", ct)]);
        assert!(is_grpc(&with("application/grpc"), "/shop.Orders/Get"));
        assert!(is_grpc(
            &with("application/grpc+proto"),
            "/Greeter/SayHello"
        ));
        assert!(is_grpc(&with("Application/GRPC; charset=x"), "/a.B/C"));
        assert!(!is_grpc(&with("application/grpc-web"), "/shop.Orders/Get"));
        assert!(!is_grpc(&with("application/grpcx"), "/shop.Orders/Get"));
        assert!(!is_grpc(&with("application/json"), "/shop.Orders/Get"));
        assert!(!is_grpc(&with("application/grpc"), "/api/users/7"));
        assert!(!is_grpc(&with("application/grpc"), "/health"));
        assert!(!is_grpc(&HeaderMap::new(), "/shop.Orders/Get"));
    }

    #[test]
    fn urls_in_headers_are_reported_like_the_requests_own() {
        let cases = [
            (
                "https://u:p@h.example:8443/a?id=3&password=x#top",
                "https://h.example:8443/a?id=3&password=%5BFiltered%5D",
            ),
            ("/internal/path?sig=abc&n=1", "/internal/path?sig=abc&n=1"),
            ("/reset?auth=abc", "/reset?auth=%5BFiltered%5D"),
            ("//u:p@h.example/a?x=1", "//h.example/a?x=1"),
            ("https://u:p?w@h.example/a", "https://h.example/a"),
            ("not a url", FILTERED),
            ("", FILTERED),
        ];
        for (value, reported) in cases {
            assert_eq!(filter_url(value, false), reported, "{value:?}");
        }
    }

    #[test]
    fn urls_lose_credentials_and_keep_scheme_host_and_path() {
        let uri: Uri = "https://bob:hunter2@api.example.com:8443/v1/items?id=3"
            .parse()
            .unwrap();
        let request = request_data(&Method::GET, &uri, &[], None, true);
        assert_eq!(
            request.url.as_deref(),
            Some("https://api.example.com:8443/v1/items")
        );
        assert_eq!(request.query_string.as_deref(), Some("id=3"));

        let uri: Uri = "/v1/items".parse().unwrap();
        let host = headers(&[("host", "svc.internal:8080")]);
        let request = request_data(&Method::POST, &uri, &pairs(&host), None, false);
        assert_eq!(
            request.url.as_deref(),
            Some("http://svc.internal:8080/v1/items")
        );
        assert_eq!(request.method.as_deref(), Some("POST"));

        // Over HTTP/2 the URI carries the hop's scheme.
        let h2: Uri = "http://svc.internal/v1/items".parse().unwrap();
        let forwarded = headers(&[("x-forwarded-proto", "https")]);
        let request = request_data(&Method::GET, &h2, &pairs(&forwarded), None, false);
        assert_eq!(
            request.url.as_deref(),
            Some("https://svc.internal/v1/items")
        );
        let request = request_data(&Method::GET, &h2, &[], None, false);
        assert_eq!(request.url.as_deref(), Some("http://svc.internal/v1/items"));

        // Behind a TLS-terminating proxy, the scheme the client used.
        for (proto, scheme) in [
            ("https", "https"),
            ("HTTPS, http", "https"),
            ("http", "http"),
        ] {
            let forwarded = headers(&[("host", "shop.example"), ("x-forwarded-proto", proto)]);
            let request = request_data(&Method::GET, &uri, &pairs(&forwarded), None, false);
            let url = format!("{scheme}://shop.example/v1/items");
            assert_eq!(request.url.as_deref(), Some(url.as_str()), "{proto}");
        }
    }

    #[test]
    fn urls_are_written_as_a_url_parser_would() {
        let uri: Uri = "/v1/items".parse().unwrap();
        let url = |pairs: &[(&'static str, &str)]| {
            let map = headers(pairs);
            request_data(&Method::GET, &uri, &self::pairs(&map), None, false).url
        };
        // RFC 7239 names the scheme too.
        let forwarded = [("host", "x"), ("forwarded", "for=1.2.3.4;proto=https")];
        assert_eq!(url(&forwarded).as_deref(), Some("https://x/v1/items"));
        let quoted = [
            ("host", "x"),
            (
                "forwarded",
                "For=\"[2001:db8::1]\";Proto=\"HTTPS\", proto=http",
            ),
        ];
        assert_eq!(url(&quoted).as_deref(), Some("https://x/v1/items"));
        // A scheme's default port is left out; another is kept.
        let https = [("host", "shop.example:443"), ("x-forwarded-proto", "https")];
        assert_eq!(
            url(&https).as_deref(),
            Some("https://shop.example/v1/items")
        );
        let http = [("host", "shop.example:80")];
        assert_eq!(url(&http).as_deref(), Some("http://shop.example/v1/items"));
        let other = [("host", "shop.example:443")];
        assert_eq!(
            url(&other).as_deref(),
            Some("http://shop.example:443/v1/items")
        );
        // A `Host` that is no authority names no host.
        assert_eq!(url(&[("host", "a/b?c")]).as_deref(), Some("/v1/items"));
        assert_eq!(
            url(&[("host", "u:p@h")]).as_deref(),
            Some("http://h/v1/items")
        );
        // `OPTIONS *` asks about the server.
        let star: Uri = "*".parse().unwrap();
        let map = headers(&[("host", "h.example")]);
        let data = request_data(&Method::OPTIONS, &star, &pairs(&map), None, false);
        assert_eq!(data.url.as_deref(), Some("http://h.example"));
    }

    #[test]
    fn urls_a_proxy_passes_on_are_filtered_like_the_requests_own() {
        let uri: Uri = "/check".parse().unwrap();
        for name in ["x-original-uri", "x-forwarded-uri", "x-envoy-original-path"] {
            let map = headers(&[(name, "/reset?token=abc&step=2")]);
            let data = request_data(&Method::GET, &uri, &pairs(&map), None, false);
            assert_eq!(
                data.headers[name], "/reset?token=%5BFiltered%5D&step=2",
                "{name}"
            );
        }
    }

    #[test]
    fn one_time_passwords_and_two_factor_codes_are_secrets() {
        assert_eq!(
            crate::pii::filter_query("otp=123456&two_factor_code=9&two-factor=1&page=2", true),
            "otp=%5BFiltered%5D&two_factor_code=%5BFiltered%5D&two-factor=%5BFiltered%5D&page=2"
        );
        let map = headers(&[("x-otp", "123456")]);
        let data = request_data(
            &Method::GET,
            &"/".parse().unwrap(),
            &pairs(&map),
            None,
            true,
        );
        assert_eq!(data.headers["x-otp"], FILTERED);
    }

    #[test]
    fn an_ipv4_client_of_an_ipv6_socket_is_reported_as_ipv4() {
        let peer: SocketAddr = "[::ffff:203.0.113.7]:4711".parse().unwrap();
        let data = request_data(&Method::GET, &"/".parse().unwrap(), &[], Some(peer), true);
        assert_eq!(data.env["REMOTE_ADDR"], "203.0.113.7");
        let map = headers(&[("x-forwarded-for", "::ffff:198.51.100.2")]);
        let data = request_data(
            &Method::GET,
            &"/".parse().unwrap(),
            &pairs(&map),
            Some(peer),
            true,
        );
        assert_eq!(data.env["REMOTE_ADDR"], "198.51.100.2");
    }

    #[test]
    fn grpc_timeouts_are_read_in_every_unit() {
        assert_eq!(grpc_timeout(b"50m"), Some(Duration::from_millis(50)));
        assert_eq!(grpc_timeout(b"2S"), Some(Duration::from_secs(2)));
        assert_eq!(grpc_timeout(b"1H"), Some(Duration::from_secs(3600)));
        assert_eq!(grpc_timeout(b"3M"), Some(Duration::from_secs(180)));
        assert_eq!(grpc_timeout(b"7u"), Some(Duration::from_micros(7)));
        assert_eq!(
            grpc_timeout(b"99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in [&b""[..], b"m", b"123456789S", b"5x", b"-5S", b"5 S"] {
            assert_eq!(
                grpc_timeout(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn header_bytes_that_are_not_utf8_are_kept_lossily_and_never_panic() {
        let mut map = HeaderMap::new();
        map.insert("x-label", HeaderValue::from_bytes(b"caf\xe9 \xff").unwrap());
        map.insert(
            "sentry-trace",
            HeaderValue::from_bytes(b"\xff\xfe-\x80").unwrap(),
        );
        map.insert(
            "cookie",
            HeaderValue::from_bytes(b"a=\xe9; sessionid=\xff").unwrap(),
        );
        let uri: Uri = "/p?q=%FF%FE&token=%C3".parse().unwrap();
        let data = request_data(&Method::GET, &uri, &pairs(&map), None, true);
        assert_eq!(data.headers["x-label"], "caf\u{fffd} \u{fffd}");
        assert_eq!(
            data.cookies.as_deref(),
            Some("a=\u{fffd}; sessionid=[Filtered]")
        );
        assert_eq!(
            data.query_string.as_deref(),
            Some("q=%FF%FE&token=%5BFiltered%5D")
        );
        serde_json::to_string(&data).unwrap();
        // A trace header that is not text is ignored, as the request's layer reads it.
        let text = map
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)));
        assert!(crate::trace::incoming_context(text, None).is_none());
    }

    #[test]
    fn secret_headers_are_always_filtered_and_personal_ones_without_pii() {
        let map = headers(&[
            ("authorization", "Bearer abc"),
            ("x-upstream-token", "t"),
            ("x-forwarded-for", "203.0.113.9"),
            ("accept", "text/html"),
            ("accept", "application/json"),
            ("cookie", "theme=dark; sessionid=s3cret"),
        ]);
        let uri: Uri = "/".parse().unwrap();
        let peer = Some("203.0.113.9:5000".parse().unwrap());

        let off = request_data(&Method::GET, &uri, &pairs(&map), peer, false);
        assert_eq!(off.headers["authorization"], FILTERED);
        assert_eq!(off.headers["x-upstream-token"], FILTERED);
        assert_eq!(off.headers["x-forwarded-for"], FILTERED);
        assert_eq!(off.headers["accept"], "text/html, application/json");
        assert!(!off.headers.contains_key("cookie"));
        assert_eq!(off.cookies, None);
        assert!(off.env.is_empty());

        let on = request_data(&Method::GET, &uri, &pairs(&map), peer, true);
        assert_eq!(on.headers["authorization"], FILTERED);
        assert_eq!(on.headers["x-forwarded-for"], "203.0.113.9");
        assert_eq!(
            on.cookies.as_deref(),
            Some("theme=dark; sessionid=[Filtered]")
        );
        assert_eq!(on.env["REMOTE_ADDR"], "203.0.113.9");
    }

    #[test]
    fn every_header_read_for_the_users_address_is_filtered_without_pii() {
        for name in ADDRESS_HEADERS {
            assert!(crate::pii::is_sensitive_header(name, false), "{name}");
            assert!(!crate::pii::is_sensitive_header(name, true), "{name}");
        }
    }

    #[test]
    fn the_users_address_is_read_as_proxies_write_it() {
        let read = |name: &str, value: &[u8]| {
            let value = HeaderValue::from_bytes(value).unwrap();
            let found =
                forwarded_address(&[(HeaderName::from_bytes(name.as_bytes()).unwrap(), value)]);
            found.map(|a| a.to_string())
        };
        let cases: [(&str, &[u8], Option<&str>); 12] = [
            (
                "forwarded",
                b"for=192.0.2.60;proto=https, for=10.0.0.1",
                Some("192.0.2.60"),
            ),
            (
                "forwarded",
                br#"For="[2001:db8::17]:4711""#,
                Some("2001:db8::17"),
            ),
            // Obfuscated ports (RFC 7239 section 6.3).
            ("forwarded", br#"for="192.0.2.43:_p1""#, Some("192.0.2.43")),
            (
                "forwarded",
                br#"for="[2001:db8::1]:_p1""#,
                Some("2001:db8::1"),
            ),
            // Separators inside a quoted string separate nothing; a `for=` in there is no
            // parameter.
            (
                "forwarded",
                br#"ext="a,b";for=192.0.2.1"#,
                Some("192.0.2.1"),
            ),
            (
                "forwarded",
                br#"ext="x;for=198.51.100.9;y";for=192.0.2.2"#,
                Some("192.0.2.2"),
            ),
            (
                "forwarded",
                br#"ext="q\";for=198.51.100.9";for=192.0.2.3"#,
                Some("192.0.2.3"),
            ),
            ("forwarded", b"for=unknown", None),
            ("x-forwarded", b"for=192.0.2.4", Some("192.0.2.4")),
            // Bytes that are not text in a later proxy's entry do not spoil the first.
            ("x-forwarded-for", b"192.0.2.5, \xff\xfe", Some("192.0.2.5")),
            ("x-forwarded-for", b"\xff, 192.0.2.6", None),
            ("x-forwarded-for", b"unknown, 192.0.2.7", None),
        ];
        for (name, value, expected) in cases {
            assert_eq!(read(name, value).as_deref(), expected, "{name}: {value:?}");
        }
        // Headers are asked in the order of `ADDRESS_HEADERS`, not the request's.
        let both = pairs(&headers(&[
            ("cf-connecting-ip", "198.51.100.1"),
            ("fly-client-ip", "198.51.100.2"),
        ]));
        assert_eq!(
            forwarded_address(&both),
            Some("198.51.100.2".parse().unwrap())
        );
    }

    #[test]
    fn sensitive_query_values_and_unparseable_cookies_are_filtered() {
        assert_eq!(
            crate::pii::filter_query("page=2&api_key=abc&token", true),
            "page=2&api_key=%5BFiltered%5D&token=%5BFiltered%5D"
        );
        assert_eq!(filter_cookies("garbage"), FILTERED);
    }

    #[test]
    fn outgoing_baggage_keeps_other_vendors_and_replaces_sentry_members() {
        let mut map = headers(&[("baggage", "vendor=1,sentry-trace_id=old")]);
        crate::with_isolation_scope(|_| {
            assert!(crate::continue_trace([
                (
                    "sentry-trace",
                    "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"
                ),
                (
                    "baggage",
                    "sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736"
                ),
            ]));
            inject_trace_headers(&mut map);
        });
        let baggage = map["baggage"].to_str().unwrap();
        assert!(baggage.starts_with("vendor=1,sentry-"), "{baggage}");
        assert!(!baggage.contains("sentry-trace_id=old"), "{baggage}");
    }

    #[test]
    fn outgoing_baggage_loses_stale_sentry_members_when_the_trace_has_no_dsc() {
        // Continued from an older SDK (no baggage): the trace's sampling context is frozen
        // empty, and members describing another trace must not go out beside it.
        let mut kept = headers(&[(
            "baggage",
            "vendor=1,sentry-trace_id=old,sentry-sampled=true",
        )]);
        let mut gone = headers(&[("baggage", "sentry-trace_id=old")]);
        crate::with_isolation_scope(|_| {
            assert!(crate::continue_trace([(
                "sentry-trace",
                "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"
            )]));
            inject_trace_headers(&mut kept);
            inject_trace_headers(&mut gone);
        });
        assert_eq!(kept["baggage"], "vendor=1");
        assert!(!gone.contains_key("baggage"));
        assert!(kept.contains_key("sentry-trace"));
    }
}
