//! With `TracingLayer` installed and tracing on, entering and leaving a span (and polling an
//! instrumented future, which does both) allocates nothing and writes no scope: the layer's
//! work is at span creation and close, never per poll (DESIGN §2.11).
#![cfg(feature = "tracing")]
mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::alloc::{Counting, allocations};
use scopeline::ClientOptions;
use tracing::Instrument;
use tracing_subscriber::prelude::*;

#[global_allocator]
static ALLOC: Counting = Counting;

/// Pending forever: polling it measures only the wrappers.
struct Pending;
impl Future for Pending {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

#[test]
fn enter_exit_and_polls_make_no_allocation_and_no_breadcrumb() {
    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|isolation| {
            let _ = common::bind(ClientOptions::new().traces_sample_rate(1.0));
            let span = tracing::info_span!("request", route = "/items");
            // Warm up: thread-locals and the registry's first use may allocate once.
            drop(span.enter());
            let crumbs = isolation.breadcrumbs().len();

            let before = allocations();
            for _ in 0..1_000 {
                let entered = span.enter();
                drop(entered);
            }
            let mut fut = pin!(Pending.instrument(span.clone()));
            let mut cx = Context::from_waker(Waker::noop());
            for _ in 0..1_000 {
                assert!(fut.as_mut().poll(&mut cx).is_pending());
            }
            let made = allocations() - before;
            // The counter does count: one allocation here shows up.
            let probe = allocations();
            drop(std::hint::black_box(vec![1u8]));
            assert!(allocations() > probe);
            assert_eq!(made, 0, "{made} allocations in 2,000 enters and exits");
            assert_eq!(isolation.breadcrumbs().len(), crumbs, "no scope write");
        });
    });
}
