//! A breadcrumb closure runs only when a client keeps its result; `Option` and `Vec` forms add
//! what they hold.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use scopeline::{Breadcrumb, Client, ClientOptions, Level};

#[test]
fn without_a_client_or_with_a_disabled_one_the_closure_never_runs() {
    let calls = AtomicUsize::new(0);
    let build = || {
        calls.fetch_add(1, Ordering::Relaxed);
        Breadcrumb::new("built")
    };
    scopeline::with_isolation_scope(|scope| {
        scopeline::add_breadcrumb(build);
        scope.add_breadcrumb(build);
        // A client with no transport keeps nothing, so it must not build anything either.
        scope.bind_client(Some(Client::new(ClientOptions::new())));
        scopeline::add_breadcrumb(build);
        scope.add_breadcrumb(build);
        assert!(scope.breadcrumbs().is_empty());
    });
    assert_eq!(calls.load(Ordering::Relaxed), 0);
}

#[test]
fn with_a_client_each_form_adds_what_it_holds_in_order() {
    let calls = AtomicUsize::new(0);
    let events = scopeline::with_isolation_scope(|_| {
        let (_client, memory) = common::bind(ClientOptions::new());
        scopeline::add_breadcrumb(|| {
            calls.fetch_add(1, Ordering::Relaxed);
            Breadcrumb::new("from a closure")
        });
        scopeline::add_breadcrumb(None::<Breadcrumb>);
        scopeline::add_breadcrumb(Some(Breadcrumb::new("from an option")));
        scopeline::add_breadcrumb(vec![
            Breadcrumb::new("first of two"),
            Breadcrumb::new("second of two"),
        ]);
        scopeline::add_breadcrumb(|| vec![Breadcrumb::new("from a closure of a vec")]);
        scopeline::get_current_scope().add_breadcrumb(|| Breadcrumb::new("on the current scope"));
        scopeline::capture_message("done", Level::Info);
        memory.events()
    });
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert_eq!(
        common::crumb_messages(&events[0]),
        [
            "from a closure",
            "from an option",
            "first of two",
            "second of two",
            "from a closure of a vec",
            "on the current scope",
        ]
    );
}
