//! `Scope::capture_*` on the task's isolation scope or on the global scope captures through
//! the task's own scopes: each scope's breadcrumbs and processors count once, the task's
//! current scope is merged, and the isolation scope still wins over the global one. On any
//! other scope, that scope stands in for the current scope.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use scopeline::{Breadcrumb, ClientOptions, Level, Scope};

fn captured_through(pick: impl Fn(&Scope) -> Scope) -> (scopeline::protocol::Event, usize) {
    scopeline::with_isolation_scope(|isolation| {
        let (_client, memory) = common::bind(ClientOptions::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        isolation.add_event_processor(move |e| {
            counter.fetch_add(1, Ordering::SeqCst);
            Some(e)
        });
        isolation.set_tag("layer", "isolation");
        scopeline::add_breadcrumb(Breadcrumb::new("once"));
        scopeline::with_new_scope(|current| {
            current.set_tag("step", "charge");
            pick(isolation).capture_message("m", Level::Error);
        });
        let events = memory.events();
        assert_eq!(events.len(), 1);
        (events[0].clone(), runs.load(Ordering::SeqCst))
    })
}

#[test]
fn on_the_isolation_scope() {
    let (event, runs) = captured_through(Scope::clone);
    assert_eq!(common::crumb_messages(&event), ["once"]);
    assert_eq!(runs, 1);
    assert_eq!(
        event.tags["step"], "charge",
        "the task's current scope is merged"
    );
}

#[test]
fn on_the_global_scope() {
    // The other tests of this file see it too, and still expect the isolation scope to win.
    scopeline::get_global_scope().set_tag("layer", "global");
    let (event, runs) = captured_through(|_| scopeline::get_global_scope());
    assert_eq!(event.breadcrumbs.len(), 1);
    assert_eq!(runs, 1);
    assert_eq!(
        event.tags["layer"], "isolation",
        "isolation wins over global"
    );
    assert_eq!(event.tags["step"], "charge");
}

#[test]
fn on_a_detached_scope_it_stands_in_for_the_current_scope() {
    let (event, runs) = captured_through(|_| {
        let detached = Scope::new();
        detached.set_tag("step", "detached");
        detached
    });
    assert_eq!(runs, 1);
    assert_eq!(event.tags["step"], "detached");
    assert_eq!(event.tags["layer"], "isolation");
}
