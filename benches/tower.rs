//! Requests per second of a minimal axum handler on a loopback server: bare, behind
//! `ScopeLayer` (with and without transactions, `TracingLayer` installed), and behind
//! sentry-tower 0.49's layers (`NewSentryLayer` + `SentryHttpLayer`, with and without
//! transactions), all in the same run.
//!
//! The server runs on a one-worker tokio runtime; the load generator, on the bench thread,
//! keeps 4 HTTP/1.1 keep-alive connections busy with one request in flight on each. Both SDKs
//! have a client whose transport hands envelopes to a background thread that drops them:
//! scopeline's pipeline thread, and for sentry a thread fed by a bounded channel, as sentry's
//! own HTTP transports do. The time per request is
//! the inverse of throughput; what a layer costs is its time per request minus the bare one.
//!
//! `cargo bench --bench tower` prints criterion's numbers, then requests per second and the
//! overhead ratios.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, Throughput, criterion_group};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceBuilder;
use tracing_subscriber::prelude::*;

const CONNECTIONS: usize = 4;
const REQUEST: &[u8] = b"GET /items/42 HTTP/1.1\r\nhost: bench\r\nuser-agent: load/1\r\n\r\n";

#[derive(Clone, Copy)]
enum Setup {
    Bare,
    Scopeline,
    ScopelineTx,
    Sentry,
    SentryTx,
}

impl Setup {
    const ALL: [Setup; 5] = [
        Setup::Bare,
        Setup::Scopeline,
        Setup::ScopelineTx,
        Setup::Sentry,
        Setup::SentryTx,
    ];

    fn name(self) -> &'static str {
        match self {
            Setup::Bare => "bare",
            Setup::Scopeline => "scopeline",
            Setup::ScopelineTx => "scopeline_transactions",
            Setup::Sentry => "sentry_tower",
            Setup::SentryTx => "sentry_tower_transactions",
        }
    }

    /// This setup's app, and the client it needs bound while it serves.
    fn app(self) -> (Router, Client) {
        let routes = Router::new().route("/items/{id}", get(|| async { "ok" }));
        let scopeline = |rate: Option<f64>| {
            let mut options = scopeline::ClientOptions::new().transport(support::Discard);
            if let Some(rate) = rate {
                options = options.traces_sample_rate(rate);
            }
            Client::Scopeline(scopeline::Client::new(options))
        };
        let sentry = |rate: Option<f32>| {
            let mut options = sentry_core::ClientOptions::default();
            if let Some(rate) = rate {
                options = options.traces_sample_rate(rate);
            }
            Client::Sentry(support::sentry_client(
                options,
                support::SentryThreadDiscard::new(),
            ))
        };
        match self {
            Setup::Bare => (routes, Client::None),
            Setup::Scopeline => (routes.layer(scopeline::ScopeLayer::new()), scopeline(None)),
            Setup::ScopelineTx => (
                routes.layer(scopeline::ScopeLayer::new()),
                scopeline(Some(1.0)),
            ),
            Setup::Sentry => (
                routes.layer(
                    ServiceBuilder::new()
                        .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                        .layer(sentry_tower::SentryHttpLayer::new()),
                ),
                sentry(None),
            ),
            Setup::SentryTx => (
                routes.layer(
                    ServiceBuilder::new()
                        .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                        .layer(sentry_tower::SentryHttpLayer::new().enable_transaction()),
                ),
                sentry(Some(1.0)),
            ),
        }
    }
}

/// The client a setup binds, process-wide, while it is measured.
enum Client {
    None,
    Scopeline(scopeline::Client),
    Sentry(std::sync::Arc<sentry_core::Client>),
}

impl Client {
    fn bind(&self) {
        match self {
            Client::None => {}
            Client::Scopeline(c) => scopeline::get_global_scope().bind_client(Some(c.clone())),
            Client::Sentry(c) => sentry_core::Hub::main().bind_client(Some(c.clone())),
        }
    }
}

/// A running server and the load generator's open connections to it.
struct Load {
    _server: tokio::runtime::Runtime,
    sdk: Client,
    client: tokio::runtime::Runtime,
    connections: Vec<TcpStream>,
}

impl Load {
    fn start(setup: Setup) -> Load {
        let server = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (app, sdk) = setup.app();
        let addr: SocketAddr = server.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            addr
        });
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let connections = client.block_on(async {
            let mut connections = Vec::new();
            for _ in 0..CONNECTIONS {
                let stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                connections.push(stream);
            }
            connections
        });
        Load {
            _server: server,
            sdk,
            client,
            connections,
        }
    }

    /// Sends `total` requests, one in flight per connection, and returns the time taken.
    /// The caller has bound this setup's client (see [`Load::bind`]).
    fn run(&mut self, total: u64) -> Duration {
        let per = total.div_ceil(CONNECTIONS as u64);
        let connections = &mut self.connections;
        self.client.block_on(async move {
            let start = Instant::now();
            let loops = connections.iter_mut().map(|c| requests(c, per));
            futures::future::join_all(loops).await;
            // Time per request, with the last round's rounding up spread over all of them.
            start
                .elapsed()
                .mul_f64(total as f64 / (per * CONNECTIONS as u64) as f64)
        })
    }
}

impl Load {
    fn bind(&self) {
        self.sdk.bind();
    }
}

async fn requests(stream: &mut TcpStream, n: u64) {
    let mut buf = vec![0u8; 4096];
    for _ in 0..n {
        stream.write_all(REQUEST).await.unwrap();
        let mut len = 0;
        loop {
            let read = stream.read(&mut buf[len..]).await.unwrap();
            assert!(read > 0, "the server closed the connection");
            len += read;
            let got = &buf[..len];
            if got.ends_with(b"\r\n\r\nok") {
                assert!(got.starts_with(b"HTTP/1.1 200"), "{got:?}");
                break;
            }
        }
    }
}

/// A request as a client sends it, before any layer sees it.
fn request() -> http::Request<Body> {
    http::Request::get("/items/42")
        .header("host", "bench")
        .header("user-agent", "load/1")
        .header("accept", "*/*")
        .body(Body::empty())
        .unwrap()
}

/// The CPU a layer costs one request, without the network: the service is called and its
/// future polled to completion on the bench thread. Not a budget row; it is what a profile
/// of the layer runs.
fn layer_cpu(c: &mut Criterion) {
    use tower::{Layer, Service, ServiceExt};
    async fn ok(_: http::Request<Body>) -> Result<http::Response<Body>, std::convert::Infallible> {
        Ok(http::Response::new(Body::empty()))
    }
    fn drive<S>(b: &mut criterion::Bencher<'_>, mut service: S)
    where
        // The response is dropped unread (scopeline's ends its transaction when its body
        // is dropped, sentry's when the response is ready).
        S: Service<http::Request<Body>>,
        S::Error: std::fmt::Debug,
    {
        b.iter(|| {
            futures::executor::block_on(async {
                let service = service.ready().await.unwrap();
                std::hint::black_box(service.call(request()).await.unwrap())
            })
        })
    }
    let mut group = c.benchmark_group("tower_layer_cpu");
    let loads = LOADS.lock().unwrap();
    group.bench_function("bare", |b| drive(b, tower::service_fn(ok)));
    loads[1].bind();
    group.bench_function("scopeline", |b| {
        drive(b, scopeline::ScopeLayer::new().layer(tower::service_fn(ok)))
    });
    loads[2].bind();
    group.bench_function("scopeline_transactions", |b| {
        drive(b, scopeline::ScopeLayer::new().layer(tower::service_fn(ok)))
    });
    loads[3].bind();
    group.bench_function("sentry_tower", |b| {
        drive(
            b,
            ServiceBuilder::new()
                .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                .layer(sentry_tower::SentryHttpLayer::new())
                .service(tower::service_fn(ok)),
        )
    });
    loads[4].bind();
    group.bench_function("sentry_tower_transactions", |b| {
        drive(
            b,
            ServiceBuilder::new()
                .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                .layer(sentry_tower::SentryHttpLayer::new().enable_transaction())
                .service(tower::service_fn(ok)),
        )
    });
    group.finish();
}

/// Every setup's server, started once and kept for the whole run.
static LOADS: std::sync::Mutex<Vec<Load>> = std::sync::Mutex::new(Vec::new());

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("tower_requests");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    let mut loads = LOADS.lock().unwrap();
    for (setup, load) in Setup::ALL.into_iter().zip(loads.iter_mut()) {
        load.bind();
        group.bench_function(setup.name(), |b| b.iter_custom(|n| load.run(n)));
    }
    group.finish();
}

/// Each setup's overhead over the bare handler, measured in rounds that take every setup in
/// turn, each round's bare run next to the others: the median over the rounds, so that what
/// the machine does meanwhile (the difference is a tenth of the time it measures) weighs the
/// same on every setup.
fn interleaved_overheads(rounds: usize, requests: u64) -> Vec<f64> {
    let mut loads = LOADS.lock().unwrap();
    let mut samples = vec![Vec::with_capacity(rounds); Setup::ALL.len()];
    for _ in 0..rounds {
        let mut per = Vec::with_capacity(Setup::ALL.len());
        for load in loads.iter_mut() {
            load.bind();
            per.push(load.run(requests).as_nanos() as f64 / requests as f64);
        }
        for (i, ns) in per.iter().enumerate() {
            samples[i].push(ns - per[0]);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

criterion_group!(benches, throughput, layer_cpu);

fn main() {
    // Installed as a real service would have it. The handler creates no spans, so it costs
    // every setup the same (nothing); with it, ScopeLayer's transactions are what
    // `#[instrument]`ed handlers would nest under.
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    *LOADS.lock().unwrap() = Setup::ALL.into_iter().map(Load::start).collect();
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--profile-time") {
        // Profiling one bench: no report, and no rounds to drown its profile in.
        return;
    }

    let ns = |setup: Setup| support::mean_ns("tower_requests", setup.name());
    println!("\n== requests per second (same run, {CONNECTIONS} connections) ==");
    for setup in Setup::ALL {
        if let Some(ns) = ns(setup) {
            println!(
                "{:<28} {:>9.0} req/s  {:>8.0} ns/request",
                setup.name(),
                1e9 / ns,
                ns
            );
        }
    }
    const ROUNDS: usize = 15;
    let over = interleaved_overheads(ROUNDS, 20_000);
    println!(
        "\n== overhead per request over the bare handler (median of {ROUNDS} interleaved rounds) =="
    );
    for (setup, ns) in Setup::ALL.iter().zip(&over).skip(1) {
        println!("{:<28} {:>8.0} ns", setup.name(), ns);
    }
    support::report(
        "ScopeLayer vs sentry-tower (no transactions)",
        Some(over[1]),
        Some(over[3]),
        "<= 0.33",
    );
    support::report(
        "ScopeLayer vs sentry-tower (a transaction per request)",
        Some(over[2]),
        Some(over[4]),
        "<= 0.33",
    );
}
