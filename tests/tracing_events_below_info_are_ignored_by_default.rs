//! With the default filters, `tracing` events at INFO and WARN become breadcrumbs, ERROR
//! becomes an event, and DEBUG and TRACE leave nothing behind.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;

#[test]
fn levels_map_to_breadcrumbs_events_or_nothing() {
    common::traced(ClientOptions::new(), |memory| {
        tracing::trace!("trace event");
        tracing::debug!("debug event");
        tracing::info!("info event");
        tracing::warn!("warn event");
        tracing::error!("error event");

        let events = memory.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message.as_deref(), Some("error event"));
        assert_eq!(
            common::crumb_messages(&events[0]),
            ["info event", "warn event"]
        );
    });
}
