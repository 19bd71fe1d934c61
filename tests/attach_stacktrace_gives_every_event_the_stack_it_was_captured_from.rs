//! With `attach_stacktrace`, every event gets the stack it was captured from, as in the other
//! SDKs: a message (from `capture_message`, `capture_event` or a `tracing::error!` with no
//! error field) as its current thread's stack, an error (a `tracing` one included) on its
//! outermost exception. Each stack starts at the code that captured, with no frame of
//! scopeline's or of tracing's dispatch on top, and parses with `sentry-types`. Without the
//! option no stack is taken.
#![cfg(feature = "tracing")]
mod common;

use scopeline::protocol::{Event, Stacktrace, Thread};
use scopeline::{ClientOptions, Level};
use sentry_types::protocol::v7::Envelope as TheirEnvelope;
use tracing_subscriber::prelude::*;

/// The functions of a stack, innermost first.
fn innermost_first(stack: &Stacktrace) -> Vec<String> {
    (stack.frames.iter().rev())
        .map(|f| f.function.clone().unwrap_or_default())
        .collect()
}

fn thread_stack(event: &Event) -> Vec<String> {
    assert!(event.exceptions.is_empty(), "a message: {event:?}");
    assert_eq!(event.threads.len(), 1, "{event:?}");
    let thread = &event.threads[0];
    assert!(thread.current && !thread.crashed);
    innermost_first(thread.stacktrace.as_ref().expect("a stack"))
}

#[inline(never)]
fn report_progress() {
    scopeline::capture_message("halfway", Level::Info);
}

#[inline(never)]
fn report_event() {
    let mut event = Event::new();
    event.message = Some("made by hand".into());
    scopeline::capture_event(event);
}

#[inline(never)]
fn log_failure() {
    tracing::error!(attempt = 3, "payment declined");
}

#[inline(never)]
fn log_error() {
    let err = std::io::Error::other("disk full");
    tracing::error!(error = &err as &dyn std::error::Error, "write failed");
}

#[inline(never)]
fn log_in_a_closure() -> Result<(), std::num::ParseIntError> {
    "x".parse::<u8>()
        .inspect_err(|_| tracing::error!(input = "x", "unparsable"))
        .map(drop)
}

fn starts_in(stack: &[String], function: &str) {
    let top = stack.first().map(String::as_str).unwrap_or_default();
    assert!(
        top.ends_with(function),
        "innermost frame {top}, want {function}: {stack:#?}"
    );
}

#[test]
fn every_event_carries_the_stack_it_was_captured_from() {
    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|_| {
            let (_client, memory) = common::bind(ClientOptions::new().attach_stacktrace(true));
            report_progress();
            report_event();
            log_failure();
            log_error();
            log_in_a_closure().unwrap_err();

            let envelopes = memory.envelopes();
            let events: Vec<_> = envelopes.iter().filter_map(|e| e.event()).collect();
            assert_eq!(events.len(), 5);
            starts_in(&thread_stack(events[0]), "report_progress");
            starts_in(&thread_stack(events[1]), "report_event");
            starts_in(&thread_stack(events[2]), "log_failure");
            let error = events[3].exceptions.last().expect("the error");
            let stack = innermost_first(error.stacktrace.as_ref().expect("its stack"));
            starts_in(&stack, "log_error");
            assert!(events[3].threads.is_empty(), "the stack is the exception's");
            // The user's own closure that logged stays, under its function.
            let in_closure = thread_stack(events[4]);
            let closure = in_closure.iter().position(|f| f.contains("closure"));
            let function = in_closure
                .iter()
                .position(|f| f.ends_with("log_in_a_closure"));
            assert!(
                closure.is_some() && closure < function,
                "the closure inside log_in_a_closure: {in_closure:#?}"
            );

            for envelope in &envelopes {
                let bytes = envelope.to_vec().unwrap();
                let theirs = TheirEnvelope::from_slice(&bytes).expect("sentry-types parses it");
                let event = theirs.event().expect("an event");
                let stacks = event.threads.values.len()
                    + (event.exception.values.iter())
                        .filter(|e| e.stacktrace.is_some())
                        .count();
                assert_eq!(stacks, 1, "{event:?}");
            }
        });
        // A thread as other SDKs write it (a number for its id, or no id) reads back.
        let numbered: Thread = serde_json::from_str(r#"{"id": 7, "current": true}"#).unwrap();
        assert_eq!((numbered.id.as_str(), numbered.current), ("7", true));
        let named: Thread = serde_json::from_str(r#"{"name": "worker"}"#).unwrap();
        assert_eq!(
            (named.id.as_str(), named.name.as_deref()),
            ("", Some("worker"))
        );

        scopeline::with_isolation_scope(|_| {
            let (_client, memory) = common::bind(ClientOptions::new());
            report_progress();
            log_error();
            for event in memory.events() {
                assert!(event.threads.is_empty());
                assert!(event.exceptions.iter().all(|e| e.stacktrace.is_none()));
            }
        });
    });
}
