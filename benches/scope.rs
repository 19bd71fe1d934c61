//! Scope benches: per-poll overhead, set_tag, fork + set_tag, add_breadcrumb, and the
//! no-client paths, each against its baseline and sentry-core 0.49 in the same run.
//!
//! `cargo bench --bench scope` prints criterion's numbers, then a ratio report.

mod support;

use support::{Discard, Pending, SentryDiscard, poll_loop, sentry_hub};

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group};
use scopeline::{Breadcrumb, Client, ClientOptions, Level, Scope};

tokio::task_local! {
    static BARE: Arc<u64>;
}

fn per_poll(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_poll");
    g.bench_function("bare_future", |b| poll_loop(b, Pending));
    g.bench_function("task_local_one_arc", |b| {
        poll_loop(b, BARE.scope(Arc::new(1), Pending))
    });
    g.bench_function("scopeline_isolation_scope", |b| {
        poll_loop(b, scopeline::isolation_scope(Pending))
    });
    g.bench_function("sentry_bind_hub", |b| {
        let hub = sentry_hub(Default::default(), SentryDiscard);
        poll_loop(b, sentry_core::SentryFutureExt::bind_hub(Pending, hub))
    });
    g.finish();
}

fn no_client(c: &mut Criterion) {
    // Runs before any client is bound anywhere in this process.
    let mut g = c.benchmark_group("no_client");
    g.bench_function("capture_message", |b| {
        b.iter(|| black_box(scopeline::capture_message(black_box("m"), Level::Error)))
    });
    // The lazy form: the breadcrumb (and its clock read) is never built.
    g.bench_function("add_breadcrumb_closure", |b| {
        b.iter(|| scopeline::add_breadcrumb(|| Breadcrumb::new(black_box("user clicked pay"))))
    });
    // The eager form: the caller builds the breadcrumb (a clock read) before the call
    // returns at once; shown for comparison, the budget is judged on the lazy form.
    g.bench_function("add_breadcrumb_eager", |b| {
        b.iter(|| scopeline::add_breadcrumb(Breadcrumb::new(black_box("user clicked pay"))))
    });
    g.finish();
}

fn with_scopeline_client<R>(f: impl FnOnce() -> R) -> R {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(Client::new(ClientOptions::new().transport(Discard))));
        f()
    })
}

fn set_tag(c: &mut Criterion) {
    let mut g = c.benchmark_group("set_tag");
    g.bench_function("scopeline_current_scope", |b| {
        with_scopeline_client(|| b.iter(|| scopeline::get_current_scope().set_tag("key", "value")))
    });
    g.bench_function("sentry_configure_scope", |b| {
        sentry_core::Hub::run(sentry_hub(Default::default(), SentryDiscard), || {
            b.iter(|| sentry_core::configure_scope(|s| s.set_tag("key", "value")))
        })
    });
    g.finish();
}

fn fill_scopeline(scope: &Scope) {
    for i in 0..20 {
        scope.set_tag(format!("tag{i}"), format!("value{i}"));
    }
    for i in 0..100 {
        scope.add_breadcrumb(Breadcrumb::new(format!("crumb {i}")));
    }
}

fn fill_sentry() {
    sentry_core::configure_scope(|s| {
        for i in 0..20 {
            s.set_tag(&format!("tag{i}"), format!("value{i}"));
        }
    });
    for i in 0..100 {
        sentry_core::add_breadcrumb(sentry_core::protocol::Breadcrumb {
            message: Some(format!("crumb {i}")),
            ..Default::default()
        });
    }
}

fn fork_and_set_tag(c: &mut Criterion) {
    let mut g = c.benchmark_group("fork_set_tag");
    g.bench_function("scopeline", |b| {
        with_scopeline_client(|| {
            let scope = scopeline::get_current_scope();
            fill_scopeline(&scope);
            assert_eq!(scope.breadcrumbs().len(), 100);
            b.iter(|| {
                let fork = scope.fork();
                fork.set_tag("key", "value");
                black_box(fork)
            })
        })
    });
    g.bench_function("sentry_with_scope", |b| {
        sentry_core::Hub::run(sentry_hub(Default::default(), SentryDiscard), || {
            fill_sentry();
            b.iter(|| sentry_core::with_scope(|s| s.set_tag("key", "value"), || ()))
        })
    });
    g.finish();
}

fn add_breadcrumb(c: &mut Criterion) {
    let mut g = c.benchmark_group("add_breadcrumb");
    g.bench_function("scopeline", |b| {
        with_scopeline_client(|| {
            b.iter(|| scopeline::add_breadcrumb(Breadcrumb::new("user clicked pay")))
        })
    });
    // As `init` binds it: to the global scope, so no task scope is asked for a client.
    g.bench_function("scopeline_global_client", |b| {
        let global = scopeline::get_global_scope();
        global.bind_client(Some(Client::new(ClientOptions::new().transport(Discard))));
        scopeline::with_isolation_scope(|_| {
            b.iter(|| scopeline::add_breadcrumb(Breadcrumb::new("user clicked pay")))
        });
        global.bind_client(None);
    });
    g.bench_function("sentry", |b| {
        sentry_core::Hub::run(sentry_hub(Default::default(), SentryDiscard), || {
            b.iter(|| {
                sentry_core::add_breadcrumb(sentry_core::protocol::Breadcrumb {
                    message: Some("user clicked pay".into()),
                    ..Default::default()
                })
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = support::short_runs();
    targets = no_client, per_poll, set_tag, fork_and_set_tag, add_breadcrumb
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    use support::{mean_ns, report};
    println!("\n== scopeline vs baselines (same run) ==");
    let floor = mean_ns("per_poll", "bare_future").unwrap_or(0.0);
    let over = |name: &str| mean_ns("per_poll", name).map(|v| v - floor);
    let tl = over("task_local_one_arc");
    let ours = over("scopeline_isolation_scope");
    report(
        "per-poll overhead: isolation_scope vs bare task_local",
        ours,
        tl,
        "<= task_local + 1 ns",
    );
    report(
        "per-poll overhead: isolation_scope vs sentry bind_hub",
        ours,
        over("sentry_bind_hub"),
        "(reference)",
    );
    if let (Some(o), Some(t)) = (ours, tl) {
        println!(
            "    isolation_scope exceeds bare task_local by {:.2} ns per poll",
            o - t
        );
    }
    report(
        "set_tag on the current scope vs sentry configure_scope",
        mean_ns("set_tag", "scopeline_current_scope"),
        mean_ns("set_tag", "sentry_configure_scope"),
        "<= 0.25",
    );
    report(
        "fork(20 tags, 100 crumbs) + set_tag vs sentry with_scope",
        mean_ns("fork_set_tag", "scopeline"),
        mean_ns("fork_set_tag", "sentry_with_scope"),
        "<= 0.05",
    );
    report(
        "add_breadcrumb vs sentry (client bound to the scope)",
        mean_ns("add_breadcrumb", "scopeline"),
        mean_ns("add_breadcrumb", "sentry"),
        "<= 0.333",
    );
    report(
        "add_breadcrumb vs sentry (client bound by init)",
        mean_ns("add_breadcrumb", "scopeline_global_client"),
        mean_ns("add_breadcrumb", "sentry"),
        "<= 0.333",
    );
    for (name, label, budget) in [
        (
            "capture_message",
            "capture with no client",
            "budget <= 5 ns",
        ),
        (
            "add_breadcrumb_closure",
            "breadcrumb with no client (closure form)",
            "budget <= 5 ns",
        ),
        (
            "add_breadcrumb_eager",
            "breadcrumb with no client (eager, built by caller)",
            "(reference: mostly the caller's clock read)",
        ),
    ] {
        match mean_ns("no_client", name) {
            Some(v) => println!("{label:<58} ours {v:>9.2} ns  {budget}"),
            None => println!("{label:<58} (not measured in this run)"),
        }
    }
}
