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

    /// Binds this setup's client and builds its app.
    fn app(self) -> Router {
        let routes = Router::new().route("/items/{id}", get(|| async { "ok" }));
        let scopeline = |rate: Option<f64>| {
            let mut options = scopeline::ClientOptions::new().transport(support::Discard);
            if let Some(rate) = rate {
                options = options.traces_sample_rate(rate);
            }
            let client = scopeline::Client::new(options);
            scopeline::get_global_scope().bind_client(Some(client));
        };
        let sentry = |rate: Option<f32>| {
            let mut options = sentry_core::ClientOptions::default();
            if let Some(rate) = rate {
                options = options.traces_sample_rate(rate);
            }
            let client = support::sentry_client(options, support::SentryThreadDiscard::new());
            sentry_core::Hub::main().bind_client(Some(client));
        };
        match self {
            Setup::Bare => routes,
            Setup::Scopeline => {
                scopeline(None);
                routes.layer(scopeline::ScopeLayer::new())
            }
            Setup::ScopelineTx => {
                scopeline(Some(1.0));
                routes.layer(scopeline::ScopeLayer::new())
            }
            Setup::Sentry => {
                sentry(None);
                routes.layer(
                    ServiceBuilder::new()
                        .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                        .layer(sentry_tower::SentryHttpLayer::new()),
                )
            }
            Setup::SentryTx => {
                sentry(Some(1.0));
                routes.layer(
                    ServiceBuilder::new()
                        .layer(sentry_tower::NewSentryLayer::<http::Request<Body>>::new_from_top())
                        .layer(sentry_tower::SentryHttpLayer::new().enable_transaction()),
                )
            }
        }
    }
}

/// A running server and the load generator's open connections to it.
struct Load {
    _server: tokio::runtime::Runtime,
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
        let app = setup.app();
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
            client,
            connections,
        }
    }

    /// Sends `total` requests, one in flight per connection, and returns the time taken.
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

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("tower_requests");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for setup in Setup::ALL {
        let mut load = Load::start(setup);
        group.bench_function(setup.name(), |b| b.iter_custom(|n| load.run(n)));
    }
    group.finish();
}

criterion_group!(benches, throughput);

fn main() {
    // Installed as a real service would have it. The handler creates no spans, so it costs
    // every setup the same (nothing); with it, ScopeLayer's transactions are what
    // `#[instrument]`ed handlers would nest under.
    tracing_subscriber::registry()
        .with(scopeline::TracingLayer::new())
        .init();
    benches();
    Criterion::default().configure_from_args().final_summary();

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
    let bare = ns(Setup::Bare).unwrap_or(0.0);
    let over = |setup: Setup| ns(setup).map(|v| v - bare);
    println!("\n== overhead per request over the bare handler ==");
    support::report(
        "ScopeLayer vs sentry-tower (no transactions)",
        over(Setup::Scopeline),
        over(Setup::Sentry),
        "<= 0.33",
    );
    support::report(
        "ScopeLayer vs sentry-tower (a transaction per request)",
        over(Setup::ScopelineTx),
        over(Setup::SentryTx),
        "<= 0.33",
    );
}
