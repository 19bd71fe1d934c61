//! Whatever lands on a scope (any tags, extra, contexts, breadcrumbs, user, message) is
//! captured, never a panic, trimmed to Sentry's limits, and still a valid envelope.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scopeline::protocol::Envelope;
use scopeline::{Breadcrumb, Level, User};

#[derive(Arbitrary, Debug)]
struct Data {
    tags: Vec<(String, String)>,
    /// JSON texts; the ones that parse become extra values and contexts.
    extra: Vec<(String, String)>,
    crumbs: Vec<(String, String, String)>,
    user: Option<(String, String)>,
    transaction: Option<String>,
    fingerprint: Vec<String>,
    message: String,
}

fuzz_target!(|data: Data| {
    let events = scopeline::testing::with_captured_events(|| {
        let scope = scopeline::get_isolation_scope();
        for (k, v) in &data.tags {
            scope.set_tag(k.clone(), v.clone());
        }
        for (k, text) in &data.extra {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                if let serde_json::Value::Object(map) = &value {
                    scope.set_context(k.clone(), map.clone());
                }
                scope.set_extra(k.clone(), value);
            }
        }
        for (message, category, value) in &data.crumbs {
            scope.add_breadcrumb(
                Breadcrumb::new(message.clone())
                    .with_category(category.clone())
                    .with_data(value.clone(), value.clone()),
            );
        }
        if let Some((id, email)) = &data.user {
            scope.set_user(Some(User::with_id(id.clone()).email(email.clone())));
        }
        scope.set_transaction(data.transaction.as_deref());
        scope.set_fingerprint(Some(data.fingerprint.clone()));
        assert!(scopeline::capture_message(&data.message, Level::Error).is_some());
    });
    assert_eq!(events.len(), 1);
    let bytes = Envelope::from_event(events[0].clone()).to_vec().unwrap();
    sentry_types::protocol::v7::Envelope::from_slice(&bytes).expect("a valid envelope");
    for (k, v) in &events[0].tags {
        assert!(!k.is_empty() && k.chars().count() <= 200 && !k.contains(' '));
        assert!(!v.is_empty() && v.chars().count() <= 200 && !v.contains('\n'));
    }
    if let Some(m) = &events[0].message {
        assert!(m.chars().count() <= 8192);
    }
});
