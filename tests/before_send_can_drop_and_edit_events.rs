//! Before send can drop and edit events.
mod common;

use scopeline::{ClientOptions, Level};

#[test]
fn edits_are_sent_and_drops_are_counted() {
    scopeline::with_isolation_scope(|_| {
        let (client, memory) = common::bind(ClientOptions::new().before_send(|mut e| {
            if e.message.as_deref() == Some("drop me") {
                return None;
            }
            e.tags.insert("edited".into(), "yes".into());
            Some(e)
        }));
        assert!(scopeline::capture_message("keep me", Level::Info).is_some());
        // before_send runs on the pipeline thread: the capture is accepted, then dropped.
        assert!(scopeline::capture_message("drop me", Level::Info).is_some());
        let events = memory.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].tags["edited"], "yes");
        let drops = client.discarded_events();
        assert_eq!(drops.len(), 1);
        assert_eq!(
            (&*drops[0].reason, &*drops[0].category, drops[0].quantity),
            ("before_send", "error", 1)
        );
    });
}

#[test]
fn before_send_runs_with_no_scope_lock_held_inside_the_capturing_tasks_scopes() {
    // sentry-rust deadlocks when before_send touches the scope; here it must not, and the
    // writes land in the scopes of the code that captured, although before_send runs on the
    // client's pipeline thread.
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new().before_send(|e| {
            scopeline::set_tag("written_from_before_send", "1");
            scopeline::add_breadcrumb(scopeline::Breadcrumb::new("from before_send"));
            let _ = scopeline::get_current_scope().tags();
            Some(e)
        }));
        scopeline::capture_error(&std::io::Error::other("e"));
        scopeline::capture_message("m", Level::Info);
        assert_eq!(memory.events().len(), 2);
        assert_eq!(
            scopeline::get_isolation_scope()
                .tag("written_from_before_send")
                .as_deref(),
            Some("1")
        );
    });
}
