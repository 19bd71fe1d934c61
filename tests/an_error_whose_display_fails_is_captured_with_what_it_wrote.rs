//! An error whose `Display` returns `fmt::Error` part-way (which `to_string` turns into a
//! panic) is captured with the text it wrote before failing, by `capture_error` and by the
//! tracing layer, and nothing panics.

mod common;

use std::error::Error;
use std::fmt;

use scopeline::ClientOptions;
use scopeline::protocol::Event;

#[derive(Debug)]
struct HalfWritten;

impl fmt::Display for HalfWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("written before")?;
        Err(fmt::Error)
    }
}

impl Error for HalfWritten {}

#[derive(Debug)]
struct Outer(HalfWritten);

impl fmt::Display for Outer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outer failed")
    }
}

impl Error for Outer {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

/// The exceptions' values, root cause first.
fn values(event: &Event) -> Vec<&str> {
    (event.exceptions.iter())
        .map(|e| e.value.as_deref().unwrap_or_default())
        .collect()
}

#[test]
fn capture_error_keeps_what_each_display_wrote() {
    scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        assert!(scopeline::capture_error(&HalfWritten).is_some());
        assert!(scopeline::capture_error(&Outer(HalfWritten)).is_some());
        let events = memory.events();
        assert_eq!(events.len(), 2);
        assert_eq!(values(&events[0]), ["written before"]);
        assert_eq!(values(&events[1]), ["written before", "outer failed"]);
    });
}

#[cfg(feature = "tracing")]
#[test]
fn the_tracing_layer_keeps_what_each_display_wrote() {
    common::traced(ClientOptions::new(), |memory| {
        tracing::warn!(error = &HalfWritten as &dyn Error, "retrying");
        tracing::error!(error = &Outer(HalfWritten) as &dyn Error, "gave up");
        let events = memory.events();
        assert_eq!(events.len(), 1);
        assert_eq!(values(&events[0]), ["written before", "outer failed"]);
        let crumb = (events[0].breadcrumbs.iter())
            .find(|c| c.message.as_deref() == Some("retrying"))
            .expect("the warning is a breadcrumb");
        assert_eq!(crumb.data["error"], "written before");
    });
}
