//! The global scope's bound client (kept apart from its data, read by every capture) goes
//! with what is made from the global scope, as any scope's does: its forks are bound to it,
//! and `update_from_scope(&global)` binds it.

use scopeline::{Client, ClientOptions, Scope};

#[test]
fn forks_of_the_global_scope_and_scopes_updated_from_it_hold_its_client() {
    let global = scopeline::get_global_scope();
    let client = Client::new(ClientOptions::new().release("global-1"));
    global.bind_client(Some(client));
    let release = |scope: &Scope| {
        (scope.client()).and_then(|c| c.options().get_release().map(|r| r.to_string()))
    };

    let fork = global.fork();
    assert_eq!(release(&fork).as_deref(), Some("global-1"));
    let updated = Scope::new();
    updated.update_from_scope(&global);
    assert_eq!(release(&updated).as_deref(), Some("global-1"));

    // Rebinding the global scope later leaves the fork with the client it was made with.
    global.bind_client(Some(Client::new(ClientOptions::new().release("global-2"))));
    assert_eq!(release(&fork).as_deref(), Some("global-1"));
    global.bind_client(None);
    assert!(global.fork().client().is_none());
}
