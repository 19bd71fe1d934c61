//! Capture benches: `capture_message` with a full scope (20 tags, 100 breadcrumbs, a user,
//! 3 contexts), on the calling task and until the envelope is serialized, against
//! sentry-core 0.49 in the same run (whose capture does all its work on the calling task).

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Breadcrumb, Client, ClientOptions, Level, User};
use serde_json::json;

#[derive(Debug)]
struct Handoff {
    serialize: bool,
}
impl Transport for Handoff {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        if self.serialize {
            black_box(envelope.to_vec().unwrap());
        } else {
            black_box(envelope);
        }
        Ok(())
    }
}

struct SentryHandoff {
    serialize: bool,
}
impl sentry_core::Transport for SentryHandoff {
    fn send_envelope(&self, envelope: sentry_core::Envelope) {
        if self.serialize {
            let mut out = Vec::new();
            envelope.to_writer(&mut out).unwrap();
            black_box(out);
        } else {
            black_box(envelope);
        }
    }
}

/// Captures run in batches that fit the client's queue, so no event is ever dropped; the
/// pipeline is drained between batches. With `until_serialized` off, only the captures are
/// timed (the calling task's cost); with it on, the drain is timed too, so the figure is the
/// cost per event until the transport has serialized it.
fn scopeline_capture(b: &mut criterion::Bencher<'_>, until_serialized: bool) {
    const BATCH: u64 = 512;
    let client = Client::new(
        ClientOptions::new()
            .queue_size(BATCH as usize)
            .transport(Handoff {
                serialize: until_serialized,
            }),
    );
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        for i in 0..20 {
            scope.set_tag(format!("tag{i}"), format!("value{i}"));
        }
        for i in 0..100 {
            scope.add_breadcrumb(Breadcrumb::new(format!("crumb {i}")).with_category("bench"));
        }
        scope.set_user(Some(User::with_id("42").email("ada@example.com")));
        for name in ["app", "device", "service"] {
            scope.set_context(
                name,
                json!({"name": name, "version": 1})
                    .as_object()
                    .unwrap()
                    .clone(),
            );
        }
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BATCH);
                left -= n;
                let start = Instant::now();
                for _ in 0..n {
                    black_box(scopeline::capture_message("something failed", Level::Error));
                }
                if until_serialized {
                    client.flush(Duration::from_secs(60)).unwrap();
                    total += start.elapsed();
                } else {
                    total += start.elapsed();
                    client.flush(Duration::from_secs(60)).unwrap();
                }
            }
            total
        });
    });
    let dropped = client.discarded_events();
    assert!(
        dropped.is_empty(),
        "no event may be dropped in this bench: {dropped:?}"
    );
}

fn sentry_capture(b: &mut criterion::Bencher<'_>, serialize: bool) {
    let hub = support::sentry_hub(Default::default(), SentryHandoff { serialize });
    sentry_core::Hub::run(hub, || {
        sentry_core::configure_scope(|s| {
            for i in 0..20 {
                s.set_tag(&format!("tag{i}"), format!("value{i}"));
            }
            s.set_user(Some(sentry_core::User {
                id: Some("42".into()),
                email: Some("ada@example.com".into()),
                ..Default::default()
            }));
            for name in ["app", "device", "service"] {
                let mut map = std::collections::BTreeMap::new();
                map.insert("name".to_owned(), json!(name));
                map.insert("version".to_owned(), json!(1));
                s.set_context(name, sentry_core::protocol::Context::Other(map));
            }
        });
        for i in 0..100 {
            sentry_core::add_breadcrumb(sentry_core::protocol::Breadcrumb {
                message: Some(format!("crumb {i}")),
                category: Some("bench".into()),
                ..Default::default()
            });
        }
        b.iter(|| {
            black_box(sentry_core::capture_message(
                "something failed",
                sentry_core::Level::Error,
            ))
        });
    });
}

fn capture(c: &mut Criterion) {
    let mut g = c.benchmark_group("capture_handoff");
    g.bench_function("scopeline", |b| scopeline_capture(b, false));
    g.bench_function("sentry", |b| sentry_capture(b, false));
    g.finish();
    let mut g = c.benchmark_group("capture_serialized");
    g.bench_function("scopeline", |b| scopeline_capture(b, true));
    g.bench_function("sentry", |b| sentry_capture(b, true));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = capture
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    use support::{mean_ns, report};
    println!("\n== scopeline vs sentry-core 0.49 (same run) ==");
    report(
        "capture_message, full scope, on the calling task",
        mean_ns("capture_handoff", "scopeline"),
        mean_ns("capture_handoff", "sentry"),
        "<= 0.1",
    );
    report(
        "capture_message, full scope, until serialized",
        mean_ns("capture_serialized", "scopeline"),
        mean_ns("capture_serialized", "sentry"),
        "<= 0.5",
    );
}
