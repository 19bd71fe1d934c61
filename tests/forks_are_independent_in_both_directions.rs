//! Forks are independent in both directions.
use scopeline::{Scope, User};
use serde_json::json;

#[test]
fn writes_after_a_fork_are_seen_by_neither_side() {
    let parent = Scope::new();
    parent.set_tag("shared", "before");
    parent.set_user(Some(User::with_id("1")));
    parent.set_context("ctx", json!({"k": "v"}).as_object().unwrap().clone());
    parent.set_fingerprint(Some(vec!["a".into()]));

    let child = parent.fork();
    child.set_tag("shared", "child");
    child.set_tag("child_only", "c");
    child.set_user(Some(User::with_id("2")));
    child.remove_context("ctx");

    parent.set_tag("parent_only", "p");
    parent.set_fingerprint(Some(vec!["b".into()]));
    parent.set_extra("e", json!(1));

    assert_eq!(parent.tag("shared").as_deref(), Some("before"));
    assert_eq!(parent.tag("child_only"), None);
    assert_eq!(parent.user().unwrap().id.as_deref(), Some("1"));
    assert!(parent.context("ctx").is_some());

    assert_eq!(child.tag("shared").as_deref(), Some("child"));
    assert_eq!(child.tag("parent_only"), None);
    assert_eq!(child.fingerprint().unwrap(), ["a"]);
    assert_eq!(child.extra("e"), None);
    assert!(child.context("ctx").is_none());
}

#[test]
fn clones_of_a_handle_are_the_same_scope() {
    let a = Scope::new();
    let b = a.clone();
    b.set_tag("k", "v");
    assert_eq!(a.tag("k").as_deref(), Some("v"));
}

#[test]
fn forking_a_large_scope_keeps_every_value_in_the_fork() {
    let parent = Scope::new();
    for i in 0..1000 {
        parent.set_tag(format!("t{i}"), i.to_string());
    }
    let mut scope = parent.clone();
    for depth in 0..50 {
        scope = scope.fork();
        scope.set_tag(format!("t{depth}"), "overwritten");
    }
    let tags = scope.tags();
    assert_eq!(tags.len(), 1000);
    assert_eq!(tags["t10"], "overwritten");
    assert_eq!(tags["t999"], "999");
    assert_eq!(parent.tag("t10").as_deref(), Some("10"));
}
