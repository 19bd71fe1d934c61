//! `#[instrument(err)]` and `error!(error = %e)` record an `error` field and no message: the
//! event (or breadcrumb) takes that field as its message, so it reaches Sentry with a title.
//! A message written beside an error value stays the event's message; a breadcrumb with
//! neither has no message (rather than an empty one).
#![cfg(feature = "tracing")]
mod common;

use std::fmt;

use scopeline::ClientOptions;

#[derive(Debug)]
struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("payment refused")
    }
}

impl std::error::Error for Refused {}

#[tracing::instrument(err)]
fn charge(cents: u64) -> Result<(), Refused> {
    Err(Refused)
}

#[test]
fn the_error_field_titles_an_event_without_a_message() {
    common::traced(ClientOptions::new(), |memory| {
        tracing::warn!(error = %Refused);
        let _ = charge(250);
        tracing::error!(
            error = &Refused as &dyn std::error::Error,
            "checkout failed"
        );

        let events = memory.events();
        assert_eq!(events.len(), 2);

        let instrumented = &events[0];
        assert_eq!(instrumented.message.as_deref(), Some("payment refused"));
        assert!(
            !instrumented.extra.contains_key("error"),
            "moved, not copied: {:?}",
            instrumented.extra
        );
        assert_eq!(common::crumb_messages(instrumented), ["payment refused"]);

        let with_message = &events[1];
        assert_eq!(with_message.message.as_deref(), Some("checkout failed"));
        let exception = with_message.exceptions.last().unwrap();
        assert_eq!(exception.value.as_deref(), Some("payment refused"));
        assert!(!with_message.extra.contains_key("message"));
    });
}

#[test]
fn a_breadcrumb_with_neither_message_nor_error_has_no_message() {
    common::traced(ClientOptions::new(), |memory| {
        tracing::info!(cache = "miss");
        scopeline::capture_message("after", scopeline::Level::Error);
        let events = memory.events();
        let crumb = &events[0].breadcrumbs[0];
        assert_eq!(crumb.message, None);
        assert_eq!(crumb.data["cache"], "miss");
    });
}
