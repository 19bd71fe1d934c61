//! Oversized fields are trimmed not rejected.
mod common;

use scopeline::{ClientOptions, Level};
use serde_json::json;

#[test]
fn oversized_tag_message_and_extra_are_cut_to_sentry_limits() {
    scopeline::with_isolation_scope(|scope| {
        let (_c, memory) = common::bind(ClientOptions::new());
        scope.set_tag("k".repeat(500), "v".repeat(500));
        scope.set_tag("multi line", "a\nb");
        scope.set_tag("", "empty key is dropped");
        scope.set_extra("huge", json!("x".repeat(1_000_000)));
        let mut deep = json!("leaf");
        for _ in 0..50 {
            deep = json!({ "d": deep });
        }
        scope.set_extra("deep", deep);
        let message = "m".repeat(20_000);
        assert!(scopeline::capture_message(&message, Level::Info).is_some());

        let e = &memory.events()[0];
        let long_tag = e.tags.iter().find(|(k, _)| k.starts_with("kkk")).unwrap();
        assert_eq!(long_tag.0.chars().count(), 200);
        assert_eq!(long_tag.1.chars().count(), 200);
        assert!(long_tag.1.ends_with("..."));
        assert_eq!(e.tags["multi-line"], "a b");
        assert!(!e.tags.values().any(|v| v == "empty key is dropped"));
        assert_eq!(e.message.as_ref().unwrap().chars().count(), 8192);
        assert!(e.extra["huge"].as_str().unwrap().len() <= 16 * 1024);
        assert!(serde_json::to_string(&e.extra["deep"]).unwrap().len() < 16 * 1024);
        // The trimmed event is still valid for the other implementation.
        let bytes = serde_json::to_vec(e).unwrap();
        assert!(bytes.len() < 1024 * 1024);
        serde_json::from_slice::<sentry_types::protocol::v7::Event<'static>>(&bytes).unwrap();
    });
}
