//! Merge rules apply global then isolation then current.
mod common;

use scopeline::{ClientOptions, Level, User};
use serde_json::json;

fn ctx(v: serde_json::Value) -> scopeline::protocol::Context {
    v.as_object().unwrap().clone()
}

#[test]
fn tags_extra_and_contexts_merge_per_key_and_the_higher_scope_wins() {
    scopeline::get_global_scope().set_tag("merge_test_global_only", "g");
    let events = scopeline::with_isolation_scope(|iso| {
        let (_c, memory) = common::bind(ClientOptions::new());
        iso.set_tags([("a", "isolation"), ("b", "isolation")]);
        iso.set_extra("x", json!("isolation"));
        iso.set_context("svc", ctx(json!({"from": "isolation"})));
        iso.set_context("iso_only", ctx(json!({"k": 1})));
        scopeline::with_new_scope(|cur| {
            cur.set_tag("b", "current");
            cur.set_extra("x", json!("current"));
            cur.set_context("svc", ctx(json!({"from": "current"})));
            scopeline::capture_message_with("m", Level::Info, |s| s.set_tag("c", "closure"));
        });
        memory.events()
    });
    let e = &events[0];
    assert_eq!(e.tags["merge_test_global_only"], "g");
    assert_eq!(e.tags["a"], "isolation");
    assert_eq!(e.tags["b"], "current");
    assert_eq!(e.tags["c"], "closure");
    assert_eq!(e.extra["x"], "current");
    assert_eq!(e.contexts["svc"]["from"], "current");
    assert_eq!(e.contexts["iso_only"]["k"], 1);
    scopeline::get_global_scope().remove_tag("merge_test_global_only");
}

#[test]
fn level_replaces_but_user_transaction_and_fingerprint_only_fill_in() {
    scopeline::with_isolation_scope(|iso| {
        let (_c, memory) = common::bind(ClientOptions::new());
        iso.set_user(Some(User::with_id("iso-user")));
        iso.set_transaction(Some("iso-tx"));
        iso.set_level(Some(Level::Warning));
        iso.set_fingerprint(Some(vec!["iso".into()]));

        scopeline::capture_error(&std::io::Error::other("e"));
        let mut own = scopeline::protocol::Event::new();
        own.user = Some(User::with_id("event-user"));
        own.transaction = Some("event-tx".into());
        own.fingerprint = vec!["event".into()];
        scopeline::capture_event(own);
        scopeline::capture_message_with("closure", Level::Info, |s| {
            s.set_level(Some(Level::Fatal));
            s.set_user(Some(User::with_id("closure-user")));
        });

        let events = memory.events();
        assert_eq!(
            events[0].level,
            Level::Warning,
            "scope level replaces error"
        );
        assert_eq!(
            events[0].user.as_ref().unwrap().id.as_deref(),
            Some("iso-user")
        );
        assert_eq!(events[0].transaction.as_deref(), Some("iso-tx"));
        assert_eq!(events[0].fingerprint, ["iso"]);

        assert_eq!(
            events[1].user.as_ref().unwrap().id.as_deref(),
            Some("event-user")
        );
        assert_eq!(events[1].transaction.as_deref(), Some("event-tx"));
        assert_eq!(events[1].fingerprint, ["event"]);

        assert_eq!(events[2].level, Level::Fatal);
        assert_eq!(
            events[2].user.as_ref().unwrap().id.as_deref(),
            Some("closure-user")
        );
        // The closure's fork was for that event only.
        assert_eq!(scopeline::get_current_scope().level(), None);
    });
}

#[test]
fn event_processors_run_global_then_isolation_then_current_on_the_merged_event() {
    // Global processors see every event of this file's tests: this one touches only events
    // that carry this test's tag.
    scopeline::get_global_scope().add_event_processor(|mut e| {
        if let Some(t) = e.tags.get("seen_by").cloned() {
            e.tags.insert("seen_by".into(), format!("{t}global,"));
        }
        Some(e)
    });
    scopeline::with_isolation_scope(|iso| {
        let (_c, memory) = common::bind(ClientOptions::new());
        iso.set_tag("seen_by", "");
        iso.add_event_processor(|mut e| {
            let t = e.tags.get("seen_by").cloned().unwrap_or_default();
            e.tags.insert("seen_by".into(), format!("{t}iso,"));
            Some(e)
        });
        scopeline::with_new_scope(|cur| {
            cur.set_tag("current_tag", "1");
            cur.add_event_processor(|mut e| {
                assert_eq!(
                    e.tags["current_tag"], "1",
                    "processors see the merged event"
                );
                let t = e.tags["seen_by"].clone();
                e.tags.insert("seen_by".into(), format!("{t}cur"));
                Some(e)
            });
            scopeline::capture_message("m", Level::Info);
        });
        assert_eq!(memory.events()[0].tags["seen_by"], "global,iso,cur");
    });
}

#[test]
fn events_carry_release_environment_sdk_and_default_contexts() {
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new().release("app@1.0.0").dist("x86"));
        scopeline::capture_message("m", Level::Info);
        let e = &memory.events()[0];
        assert_eq!(e.release.as_deref(), Some("app@1.0.0"));
        // Unset: `development` in this test build (debug assertions), as in sentry-rust.
        let default = if cfg!(debug_assertions) {
            "development"
        } else {
            "production"
        };
        assert_eq!(e.environment.as_deref(), Some(default));
        assert_eq!(e.dist.as_deref(), Some("x86"));
        assert_eq!(e.sdk.as_ref().unwrap().name, "scopeline.rust");
        let os = &e.contexts["os"];
        if cfg!(target_os = "linux") {
            // Spelled as Sentry does; a distribution, where the system names one, is named
            // by a non-empty string.
            assert_eq!(os["name"], "Linux");
            if let Some(distribution) = os.get("distribution_name") {
                assert!(
                    distribution.as_str().is_some_and(|d| !d.is_empty()),
                    "{os:?}"
                );
            }
        } else {
            assert!(os["name"].as_str().is_some_and(|n| !n.is_empty()));
        }
        assert_eq!(e.contexts["runtime"]["name"], "rustc");
        assert_eq!(e.platform, "native");
        assert!(e.server_name.is_some());
    });
}
