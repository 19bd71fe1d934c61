//! Capture without a client is a no op.
use scopeline::{Breadcrumb, Level};

#[test]
fn nothing_is_captured_or_stored_and_no_id_is_returned() {
    scopeline::with_isolation_scope(|scope| {
        assert!(scopeline::capture_message("m", Level::Error).is_none());
        assert!(scopeline::capture_error(&std::io::Error::other("e")).is_none());
        assert!(scopeline::capture_event(scopeline::protocol::Event::new()).is_none());
        assert!(scopeline::capture_error_with(&std::io::Error::other("e"), |_| {}).is_none());
        scopeline::add_breadcrumb(Breadcrumb::new("ignored"));
        assert!(scope.breadcrumbs().is_empty());
        assert!(scopeline::last_event_id().is_none());
        scopeline::flush(std::time::Duration::from_millis(10)).unwrap();
    });
}

#[test]
fn a_client_without_transport_drops_everything() {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(
            scopeline::Client::new(scopeline::ClientOptions::new()),
        ));
        assert!(scopeline::capture_message("m", Level::Error).is_none());
        scopeline::add_breadcrumb(Breadcrumb::new("ignored"));
        assert!(scope.breadcrumbs().is_empty());
    });
}
