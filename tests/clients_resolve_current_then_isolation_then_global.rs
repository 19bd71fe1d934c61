//! The client an event goes to is the current scope's, else the isolation scope's, else the
//! global one (DESIGN §2.7): with three different clients bound, each capture reaches exactly
//! the one its scopes resolve to.
mod common;

use scopeline::{Level, Scope};

#[test]
fn the_nearest_bound_client_takes_the_event() {
    let (global, global_memory) = common::client(Default::default());
    let (isolated, isolated_memory) = common::client(Default::default());
    let (current, current_memory) = common::client(Default::default());
    scopeline::get_global_scope().bind_client(Some(global));
    scopeline::with_isolation_scope(|isolation| {
        scopeline::capture_message("to global", Level::Info);
        isolation.bind_client(Some(isolated));
        scopeline::capture_message("to isolation", Level::Info);
        scopeline::with_new_scope(|scope: &Scope| {
            scope.bind_client(Some(current));
            scopeline::capture_message("to current", Level::Info);
        });
        // Out of the block, the isolation scope's client again.
        scopeline::capture_message("to isolation again", Level::Info);
    });
    let messages = |memory: &common::Memory| -> Vec<String> {
        memory
            .events()
            .iter()
            .map(|e| e.message.clone().unwrap())
            .collect()
    };
    assert_eq!(messages(&global_memory), ["to global"]);
    assert_eq!(
        messages(&isolated_memory),
        ["to isolation", "to isolation again"]
    );
    assert_eq!(messages(&current_memory), ["to current"]);
}
