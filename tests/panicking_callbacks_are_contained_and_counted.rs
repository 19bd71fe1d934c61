//! Panicking callbacks are contained and counted.
mod common;

use scopeline::{Breadcrumb, ClientOptions, Level};

fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

#[test]
fn a_panicking_before_send_drops_the_event_and_counts_it() {
    quiet_panics();
    scopeline::with_isolation_scope(|_| {
        let (client, memory) =
            common::bind(ClientOptions::new().before_send(|_| panic!("bug in before_send")));
        // Accepted on the calling task, dropped on the pipeline thread.
        assert!(scopeline::capture_message("m", Level::Info).is_some());
        assert!(memory.events().is_empty());
        assert_eq!(client.discarded_events()[0].reason, "before_send");
        // The application goes on, and so does the pipeline.
        assert!(scopeline::capture_message("again", Level::Info).is_some());
        assert!(memory.events().is_empty());
        assert_eq!(client.discarded_events()[0].quantity, 2);
    });
}

#[test]
fn a_panicking_event_processor_drops_the_event_and_counts_it() {
    quiet_panics();
    scopeline::with_isolation_scope(|scope| {
        let (client, memory) = common::bind(ClientOptions::new());
        scope.add_event_processor(|_| panic!("bug in processor"));
        assert!(scopeline::capture_message("m", Level::Info).is_some());
        assert!(memory.events().is_empty());
        assert_eq!(client.discarded_events()[0].reason, "event_processor");
    });
}

#[test]
fn a_panicking_before_breadcrumb_drops_only_that_breadcrumb() {
    quiet_panics();
    scopeline::with_isolation_scope(|scope| {
        common::bind(ClientOptions::new().before_breadcrumb(|c, _| {
            if c.message.as_deref() == Some("bad") {
                panic!("bug in before_breadcrumb");
            }
            Some(c)
        }));
        scopeline::add_breadcrumb(Breadcrumb::new("bad"));
        scopeline::add_breadcrumb(Breadcrumb::new("good"));
        let crumbs = scope.breadcrumbs();
        assert_eq!(crumbs.len(), 1);
        assert_eq!(crumbs[0].message.as_deref(), Some("good"));
    });
}

#[test]
fn panicking_scope_closures_are_contained() {
    quiet_panics();
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new());
        scopeline::configure_scope(|_| panic!("bug in configure_scope"));
        let id = scopeline::capture_message_with("m", Level::Info, |s| {
            s.set_tag("before_panic", "1");
            panic!("bug in capture closure");
        });
        assert!(
            id.is_some(),
            "the event is still sent, with what the closure set"
        );
        assert_eq!(memory.events()[0].tags["before_panic"], "1");
    });
}

#[test]
fn a_transport_whose_flush_and_shutdown_panic_fails_them_without_panicking() {
    use scopeline::protocol::Envelope;
    use scopeline::transport::{FlushError, SendError, Transport};
    use std::time::Duration;

    #[derive(Debug)]
    struct Broken;
    impl Transport for Broken {
        fn send_envelope(&self, _: Envelope) -> Result<(), SendError> {
            Ok(())
        }
        fn flush(&self, _: Duration) -> Result<(), FlushError> {
            panic!("bug in flush")
        }
        fn shutdown(&self, _: Duration) -> Result<(), FlushError> {
            panic!("bug in shutdown")
        }
    }

    quiet_panics();
    let client = scopeline::Client::new(ClientOptions::new().transport(Broken));
    assert!(client.flush(Duration::from_secs(1)).is_err());
    assert!(client.close(Duration::from_secs(1)).is_err());
    // The init guard's drop closes the client the same way; a panic there, while `main`
    // unwinds, would abort the process.
    let guard = scopeline::init(ClientOptions::new().transport(Broken));
    drop(guard);
}
