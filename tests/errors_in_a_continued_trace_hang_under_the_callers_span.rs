//! An error captured outside any span, in a trace continued from a caller, carries the
//! caller's span as `parent_span_id` in its `contexts.trace`, so the server files it under
//! that span; in a trace of its own it has no parent.
mod common;

use scopeline::{ClientOptions, Level};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

#[test]
fn a_continued_trace_names_the_callers_span_as_parent() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        assert!(scopeline::continue_trace([(
            "traceparent",
            format!("00-{TRACE}-{SPAN}-01")
        )]));
        scopeline::capture_message("failed", Level::Error);
        let events = memory.events();
        let trace = &events[0].contexts["trace"];
        assert_eq!(trace["trace_id"], TRACE);
        assert_eq!(trace["parent_span_id"], SPAN);
        assert_ne!(
            trace["span_id"], SPAN,
            "the error's own span id is not the caller's"
        );
    });
}

#[test]
fn a_trace_of_its_own_has_no_parent() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        scopeline::capture_message("failed", Level::Error);
        let events = memory.events();
        let trace = &events[0].contexts["trace"];
        assert!(trace["trace_id"].is_string());
        assert!(trace.get("parent_span_id").is_none(), "{trace:?}");
    });
}
