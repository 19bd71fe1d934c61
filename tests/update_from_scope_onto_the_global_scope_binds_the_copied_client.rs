//! `get_global_scope().update_from_scope(&other)` copies `other`'s client as the global
//! client, which captures outside any scope then use: it is not kept, unused, in the global
//! scope's data.
mod common;

use scopeline::{ClientOptions, Level, Scope};

#[test]
fn the_copied_client_becomes_the_global_client() {
    let (client, memory) = common::client(ClientOptions::new());
    let other = Scope::new();
    other.bind_client(Some(client.clone()));
    other.set_tag("copied", "yes");

    let global = scopeline::get_global_scope();
    global.update_from_scope(&other);
    assert!(global.client().is_some());

    scopeline::capture_message("from outside any scope", Level::Info);
    let events = memory.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].tags["copied"], "yes");
    global.bind_client(None);
}
