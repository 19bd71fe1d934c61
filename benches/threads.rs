//! Contention benches: the hot paths on one thread and on two threads at once, set up as a
//! service sets them up (`init`'s global client, the global `tracing` subscriber with
//! `TracingLayer`), each thread in its own isolation scope with its own transaction. The figure
//! is the wall time per operation per thread, so two threads cost what one does when nothing
//! the threads share is written per operation.
//!
//! `cargo bench --bench threads` prints criterion's numbers, then a ratio report.

mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use scopeline::{Breadcrumb, Client, ClientOptions, TracingLayer};
use support::Discard;
use tracing_subscriber::prelude::*;

/// Runs `op` `iters` times on each of `threads` threads at once, each thread in its own
/// isolation scope below root spans of its own (a new one every `per_request` operations),
/// and returns the wall time.
fn on_threads(threads: usize, iters: u64, (op, per_request): (fn(), u64)) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(move || {
                scopeline::with_isolation_scope(|_| {
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(per_request);
                        let _root = tracing::info_span!("request").entered();
                        (0..n).for_each(|_| op());
                        left -= n;
                    }
                })
            });
        }
    });
    start.elapsed()
}

fn span_lifecycle() {
    let span = tracing::info_span!("db.query", rows = 3);
    let entered = span.enter();
    tracing::info!(cache = "miss", "loaded the order");
    drop(entered);
    drop(span);
}

fn add_breadcrumb() {
    scopeline::add_breadcrumb(Breadcrumb::new("user clicked pay"));
}

fn threads(c: &mut Criterion) {
    // A new request transaction every 500 child spans, so that every span is one the
    // transaction keeps (at most 1,000); breadcrumbs all go under one.
    for (group, op) in [
        ("threads_span_lifecycle", (span_lifecycle as fn(), 500)),
        ("threads_add_breadcrumb", (add_breadcrumb as fn(), u64::MAX)),
    ] {
        let mut g = c.benchmark_group(group);
        for (name, n) in [("one_thread", 1), ("two_threads", 2)] {
            g.bench_function(name, |b| b.iter_custom(|iters| on_threads(n, iters, op)));
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = support::short_runs();
    targets = threads
}

fn main() {
    tracing_subscriber::registry()
        .with(TracingLayer::new())
        .init();
    scopeline::get_global_scope().bind_client(Some(Client::new(
        ClientOptions::new()
            .traces_sample_rate(1.0)
            .transport(Discard),
    )));
    benches();
    Criterion::default().configure_from_args().final_summary();
    use support::{mean_ns, report};
    println!("\n== two threads vs one (same run) ==");
    for group in ["threads_span_lifecycle", "threads_add_breadcrumb"] {
        report(
            &format!("{group}: per thread, two vs one"),
            mean_ns(group, "two_threads"),
            mean_ns(group, "one_thread"),
            "(reference: 1 when nothing shared is written)",
        );
    }
}
