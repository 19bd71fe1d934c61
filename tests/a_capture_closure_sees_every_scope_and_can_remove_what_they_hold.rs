//! The scope a `capture_*_with` closure gets holds what the global, isolation and current
//! scopes hold, merged; what the closure removes or unsets there (a tag, the user, the
//! breadcrumbs, the level) is missing from that one event, and the scopes themselves keep it.
mod common;

use scopeline::{Breadcrumb, ClientOptions, Level, User};

#[test]
fn a_capture_closure_sees_every_scope_and_can_remove_what_they_hold() {
    scopeline::get_global_scope().set_tag("region", "eu");
    let events = scopeline::with_isolation_scope(|isolation| {
        let (_client, memory) = common::bind(ClientOptions::new());
        isolation.set_user(Some(User::with_id("42").email("ada@example.com")));
        isolation.set_tag("session", "9f2c");
        isolation.set_level(Some(Level::Warning));
        scopeline::add_breadcrumb(Breadcrumb::new("logged in"));
        scopeline::with_new_scope(|current| {
            current.set_tag("step", "charge");
            current.add_breadcrumb(Breadcrumb::new("charging"));

            scopeline::capture_message_with("scrubbed", Level::Error, |scope| {
                assert_eq!(scope.tag("region").as_deref(), Some("eu"));
                assert_eq!(scope.tag("session").as_deref(), Some("9f2c"));
                assert_eq!(scope.tag("step").as_deref(), Some("charge"));
                assert_eq!(
                    scope.user().and_then(|u| u.id.clone()).as_deref(),
                    Some("42")
                );
                let crumbs: Vec<_> = (scope.breadcrumbs().into_iter())
                    .map(|c| c.message.unwrap().into_owned())
                    .collect();
                assert_eq!(crumbs, ["logged in", "charging"], "merged, oldest first");

                scope.remove_tag("session");
                scope.remove_tag("region");
                scope.set_user(None);
                scope.clear_breadcrumbs();
                scope.set_level(None);
            });
            scopeline::capture_message("untouched", Level::Error);
        });
        assert_eq!(isolation.tag("session").as_deref(), Some("9f2c"));
        assert!(isolation.user().is_some());
        memory.events()
    });
    let scrubbed = events
        .iter()
        .find(|e| e.message.as_deref() == Some("scrubbed"))
        .unwrap();
    assert!(
        !scrubbed.tags.contains_key("session"),
        "{:?}",
        scrubbed.tags
    );
    assert!(!scrubbed.tags.contains_key("region"), "{:?}", scrubbed.tags);
    assert_eq!(scrubbed.tags["step"], "charge");
    assert!(scrubbed.user.is_none(), "{:?}", scrubbed.user);
    assert!(
        scrubbed.breadcrumbs.is_empty(),
        "{:?}",
        scrubbed.breadcrumbs
    );
    assert_eq!(
        scrubbed.level,
        Level::Error,
        "the event's own level once the scopes' is unset"
    );

    let untouched = events
        .iter()
        .find(|e| e.message.as_deref() == Some("untouched"))
        .unwrap();
    assert_eq!(untouched.tags["session"], "9f2c");
    assert_eq!(untouched.tags["region"], "eu");
    assert_eq!(
        untouched.user.as_ref().and_then(|u| u.id.as_deref()),
        Some("42")
    );
    assert_eq!(common::crumb_messages(untouched), ["logged in", "charging"]);
    assert_eq!(untouched.level, Level::Warning);
}
