//! Shared by the benches: the stand-ins every bench polls or sends to, a sentry hub to compare
//! against, and reading criterion's results back to print ratios.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::hint::black_box;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use scopeline::protocol::Envelope;
use scopeline::transport::{SendError, Transport};

/// A future that is never ready: polling it measures only the wrappers around it.
#[derive(Debug)]
pub struct Pending;
impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// A scopeline transport that takes envelopes and drops them.
#[derive(Debug)]
pub struct Discard;
impl Transport for Discard {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        black_box(envelope);
        Ok(())
    }
}

/// The same for sentry.
#[derive(Debug)]
pub struct SentryDiscard;
impl sentry_core::Transport for SentryDiscard {
    fn send_envelope(&self, envelope: sentry_core::Envelope) {
        black_box(envelope);
    }
}

/// A sentry transport shaped like sentry's own HTTP transports: envelopes go through a
/// bounded channel to a background thread (which drops them), as sentry's `TransportThread`
/// does before it sends. The queue holds 1,024, like scopeline's, so neither drops under load.
#[derive(Debug)]
pub struct SentryThreadDiscard(std::sync::mpsc::SyncSender<sentry_core::Envelope>);

impl SentryThreadDiscard {
    pub fn new() -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<sentry_core::Envelope>(1024);
        std::thread::spawn(move || {
            for envelope in rx {
                black_box(envelope);
            }
        });
        SentryThreadDiscard(tx)
    }
}

impl sentry_core::Transport for SentryThreadDiscard {
    fn send_envelope(&self, envelope: sentry_core::Envelope) {
        let _ = self.0.try_send(envelope);
    }
}

/// Benches polling `fut` once per iteration, with a waker that does nothing.
pub fn poll_loop<F: Future>(b: &mut criterion::Bencher<'_>, fut: F) {
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(Waker::noop());
    b.iter(|| black_box(fut.as_mut().poll(&mut cx)));
}

/// A sentry client: `options` plus a DSN and `transport`.
pub fn sentry_client(
    mut options: sentry_core::ClientOptions,
    transport: impl sentry_core::Transport,
) -> Arc<sentry_core::Client> {
    options.dsn = Some("https://public@example.com/1".parse().unwrap());
    let transport: Arc<dyn sentry_core::Transport> = Arc::new(transport);
    options.transport = Some(Arc::new(move |_: &sentry_core::ClientOptions| {
        transport.clone()
    }));
    Arc::new(sentry_core::Client::from(options))
}

/// A sentry hub with its own client (see [`sentry_client`]).
pub fn sentry_hub(
    options: sentry_core::ClientOptions,
    transport: impl sentry_core::Transport,
) -> Arc<sentry_core::Hub> {
    Arc::new(sentry_core::Hub::new(
        Some(sentry_client(options, transport)),
        Arc::new(Default::default()),
    ))
}

/// Criterion set for the nanosecond benches: half a second of warm-up, two of measurement.
pub fn short_runs() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
}

/// The mean time of one bench, in nanoseconds, from criterion's saved estimates.
pub fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// Prints one line of the ratio report.
pub fn report(label: &str, ours: Option<f64>, reference: Option<f64>, budget: &str) {
    match (ours, reference) {
        (Some(o), Some(r)) => println!(
            "{label:<58} ours {o:>9.1} ns  reference {r:>9.1} ns  ratio {:>6.3}  budget {budget}",
            o / r
        ),
        _ => println!("{label:<58} (not measured in this run)"),
    }
}
