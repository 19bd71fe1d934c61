//! With scopeline's own panic hook installed (as `init` does), a panic in any code of the
//! user's that scopeline runs (callbacks, filters, a custom transport, an error's `Display`)
//! is contained: the caller goes on, the panic is not reported as a crash, nothing waits for
//! the shutdown timeout, and what was lost is counted.

mod common;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};
use scopeline::{Client, ClientOptions, Level, TransactionContext};

/// Long enough that a flush waiting for it would show.
const SHUTDOWN: Duration = Duration::from_secs(30);

fn options() -> ClientOptions {
    scopeline::install_panic_hook();
    ClientOptions::new().shutdown_timeout(SHUTDOWN)
}

fn quick<R>(f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    out
}

fn no_crash_reports(memory: &common::Memory) {
    let fatal: Vec<_> = memory
        .events()
        .into_iter()
        .filter(|e| e.level == Level::Fatal || e.exceptions.iter().any(|x| x.ty == "panic"))
        .collect();
    assert!(
        fatal.is_empty(),
        "a contained panic was reported: {fatal:?}"
    );
}

#[test]
fn configure_scope_panics_are_neither_crashes_nor_slow() {
    scopeline::with_isolation_scope(|scope| {
        let (_c, memory) = common::bind(options());
        quick(|| scopeline::configure_scope(|_| panic!("bug in configure_scope")));
        scope.set_tag("after", "yes");
        scopeline::capture_message("still here", Level::Info).unwrap();
        no_crash_reports(&memory);
        assert_eq!(memory.events()[0].tags["after"], "yes");
    });
}

#[test]
fn a_panicking_traces_sampler_decides_nothing_and_upstreams_decision_stands() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) =
            common::bind(options().traces_sampler(|_| panic!("bug in traces_sampler")));
        // No upstream decision and no `traces_sample_rate`: not sampled, and counted.
        let tx = quick(|| scopeline::start_transaction(TransactionContext::new("job", "task")));
        assert!(!tx.is_sampled());
        tx.finish();
        assert!(memory.transactions().is_empty());
        no_crash_reports(&memory);
        let dropped = client.discarded_events();
        assert!(
            dropped
                .iter()
                .any(|d| d.reason == "sample_rate" && d.category == "transaction"),
            "{dropped:?}"
        );

        // Upstream sampled the trace: that stands, and so it does for every service below.
        let upstream = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";
        scopeline::with_isolation_scope(|_| {
            assert!(scopeline::continue_trace([("sentry-trace", upstream)]));
            let tx = quick(|| scopeline::start_transaction(TransactionContext::new("job", "task")));
            assert!(tx.is_sampled());
            let headers = tx.trace_headers();
            assert!(
                headers.sentry_trace().ends_with("-1"),
                "{}",
                headers.sentry_trace()
            );
            tx.finish();
        });
        assert_eq!(memory.transactions().len(), 1);
        no_crash_reports(&memory);
    });
}

#[derive(Debug)]
struct Hostile;

impl fmt::Display for Hostile {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("bug in Display")
    }
}

impl std::error::Error for Hostile {}

#[test]
fn an_error_whose_display_panics_is_still_captured() {
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(options());
        let id = quick(|| scopeline::capture_error(&Hostile));
        assert!(id.is_some());
        let events = memory.events();
        assert_eq!(events.len(), 1, "only the captured error, no crash report");
        let value = events[0].exceptions[0].value.as_deref().unwrap();
        assert!(value.contains("panicked"), "{value}");
    });
}

/// Panics on its first `panics` envelopes, then keeps the rest.
#[derive(Clone, Debug)]
struct Flaky {
    panics: Arc<AtomicUsize>,
    kept: Arc<Mutex<Vec<Envelope>>>,
}

impl Transport for Flaky {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        if self
            .panics
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            panic!("bug in a custom transport");
        }
        self.kept.lock().unwrap().push(envelope);
        Ok(())
    }
}

#[test]
fn a_panicking_transport_loses_only_its_envelope_and_counts_it() {
    let flaky = Flaky {
        panics: Arc::new(AtomicUsize::new(3)),
        kept: Arc::default(),
    };
    let client = Client::new(options().transport(flaky.clone()));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        quick(|| {
            for i in 0..10 {
                scopeline::capture_message(&format!("event {i}"), Level::Info).unwrap();
            }
            client.flush(Duration::from_secs(10)).unwrap();
        });
    });
    let kept = flaky.kept.lock().unwrap();
    // No crash report of the transport's own panics went through it: only the ten events.
    let events: Vec<_> = kept.iter().filter_map(|e| e.event()).collect();
    assert_eq!(events.len(), 7, "{events:?}");
    assert!(events.iter().all(|e| e.level == Level::Info));
    let lost = common::dropped(&client, "internal_sdk_error", "error");
    assert_eq!(lost, 3);
}

#[cfg(feature = "tracing")]
#[test]
fn panicking_tracing_filters_leave_the_instrumented_code_running() {
    use tracing_subscriber::layer::SubscriberExt;

    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(options());
        let layer = scopeline::TracingLayer::new()
            .event_filter(|_| panic!("bug in event_filter"))
            .span_filter(|_| panic!("bug in span_filter"));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            quick(|| {
                let span = tracing::info_span!("work");
                let _entered = span.enter();
                tracing::error!("not captured: the filter failed");
            });
        });
        scopeline::capture_message("after", Level::Info).unwrap();
        let events = memory.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message.as_deref(), Some("after"));
    });
}
