//! Tracing-layer benches: the per-poll overhead of an `Instrumented` future and a child span's
//! whole life (create, enter, one INFO event, exit, close), each with the bare registry, with
//! the registry + `TracingLayer`, and with the registry + sentry-tracing 0.49's `SpanLayer` and
//! `BreadcrumbLayer`, in the same run. Tracing is on (sample rate 1) for both SDKs, so spans
//! become Sentry spans and the INFO event becomes a breadcrumb.
//!
//! `cargo bench --bench tracing` prints criterion's numbers, then a ratio report.

mod support;

use support::{Discard, Pending, SentryDiscard, poll_loop, sentry_hub};

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use scopeline::{Client, ClientOptions, TracingLayer};
use tracing::{Dispatch, Instrument, Level};
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::prelude::*;

/// The three set-ups every bench runs under.
#[derive(Clone, Copy)]
enum Setup {
    Registry,
    Scopeline,
    Sentry,
}

impl Setup {
    const ALL: [Setup; 3] = [Setup::Registry, Setup::Scopeline, Setup::Sentry];

    fn name(self) -> &'static str {
        match self {
            Setup::Registry => "registry",
            Setup::Scopeline => "scopeline_layer",
            Setup::Sentry => "sentry_tracing_layers",
        }
    }

    fn dispatch(self) -> Dispatch {
        match self {
            Setup::Registry => Dispatch::new(tracing_subscriber::registry()),
            Setup::Scopeline => {
                Dispatch::new(tracing_subscriber::registry().with(TracingLayer::new()))
            }
            Setup::Sentry => Dispatch::new(
                tracing_subscriber::registry()
                    .with(sentry_tracing::SpanLayer::new().with_filter(LevelFilter::INFO))
                    .with(
                        sentry_tracing::BreadcrumbLayer::new().with_filter(filter_fn(|meta| {
                            matches!(*meta.level(), Level::WARN | Level::INFO)
                        })),
                    ),
            ),
        }
    }

    /// Runs `f` with this set-up's subscriber as the thread's default and its SDK's client
    /// bound (tracing on, events discarded).
    fn run<R>(self, f: impl FnOnce() -> R) -> R {
        let dispatch = self.dispatch();
        tracing::dispatcher::with_default(&dispatch, || match self {
            Setup::Registry => f(),
            Setup::Scopeline => scopeline::with_isolation_scope(|scope| {
                scope.bind_client(Some(Client::new(
                    ClientOptions::new()
                        .traces_sample_rate(1.0)
                        .transport(Discard),
                )));
                f()
            }),
            Setup::Sentry => sentry_core::Hub::run(
                sentry_hub(
                    sentry_core::ClientOptions::default().traces_sample_rate(1.0),
                    SentryDiscard,
                ),
                f,
            ),
        })
    }
}

fn per_poll(c: &mut Criterion) {
    let mut g = c.benchmark_group("tracing_per_poll");
    g.bench_function("bare_future", |b| poll_loop(b, Pending));
    for setup in Setup::ALL {
        g.bench_function(setup.name(), |b| {
            setup.run(|| {
                poll_loop(
                    b,
                    Pending.instrument(tracing::info_span!("request", id = 7)),
                )
            })
        });
    }
    g.finish();
}

/// Child spans per request transaction in the lifecycle bench.
const PER_REQUEST: u64 = 500;

fn span_lifecycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("tracing_span_lifecycle");
    for setup in Setup::ALL {
        g.bench_function(setup.name(), |b| {
            setup.run(|| {
                // The child spans live inside a request's transaction, as in a service: a new
                // one every `PER_REQUEST` children, so that every child is one the transaction
                // keeps (both SDKs keep at most 1,000), and finishing the transaction (it is
                // sent) is not timed.
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(PER_REQUEST);
                        let root = tracing::info_span!("request").entered();
                        let start = Instant::now();
                        for _ in 0..n {
                            let span = tracing::info_span!("db.query", rows = 3);
                            let entered = span.enter();
                            tracing::info!(cache = "miss", "loaded the order");
                            drop(entered);
                            drop(span);
                        }
                        timed += start.elapsed();
                        drop(root);
                        left -= n;
                    }
                    timed
                })
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = support::short_runs();
    targets = per_poll, span_lifecycle
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    use support::{mean_ns, report};
    println!("\n== scopeline vs baselines (same run) ==");
    let floor = mean_ns("tracing_per_poll", "bare_future").unwrap_or(0.0);
    let over = |setup: Setup| mean_ns("tracing_per_poll", setup.name()).map(|v| v - floor);
    report(
        "per-poll overhead of Instrumented: layer vs registry alone",
        over(Setup::Scopeline),
        over(Setup::Registry),
        "<= 1.5",
    );
    report(
        "per-poll overhead of Instrumented: layer vs sentry-tracing",
        over(Setup::Scopeline),
        over(Setup::Sentry),
        "(reference)",
    );
    let life = |setup: Setup| mean_ns("tracing_span_lifecycle", setup.name());
    report(
        "span create+enter+event+exit+close vs registry alone",
        life(Setup::Scopeline),
        life(Setup::Registry),
        "<= 3",
    );
    report(
        "span create+enter+event+exit+close vs sentry-tracing",
        life(Setup::Scopeline),
        life(Setup::Sentry),
        "<= 0.2",
    );
}
