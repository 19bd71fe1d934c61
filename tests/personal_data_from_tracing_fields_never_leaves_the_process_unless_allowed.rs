//! Personal data rules on every path the tracing layer collects from: event fields become
//! breadcrumb data or event extra, span fields become span data (at creation and through
//! `record`) and span breadcrumbs, and `tags.` fields become tags. With `send_default_pii` off
//! (the default) no secret and no address leaves the process; with it on, addresses do and
//! secrets still do not; what the application sets itself is sent as it set it.
#![cfg(feature = "tracing")]
mod common;

use scopeline::protocol::Envelope;
use scopeline::{ClientOptions, Level, TracingLayer, User};
use tracing_subscriber::layer::SubscriberExt;

/// Values under names of the default denylist: never sent, whatever the setting.
const SECRETS: &[&str] = &[
    "s3cret-password",
    "s3cret-api-key",
    "s3cret-token",
    "s3cret-authorization",
    "s3cret-tag-password",
    "s3cret-session",
];

/// Addresses under names that identify a person: sent only with `send_default_pii`.
const ADDRESSES: &[&str] = &["203.0.113.10", "203.0.113.11", "203.0.113.12"];

/// Set by the application itself: always sent as set.
const EXPLICIT: &[&str] = &["user-set-password-value", "198.51.100.99"];

fn run(send_default_pii: bool) -> String {
    let subscriber = tracing_subscriber::registry().with(TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|scope| {
            let (_c, memory) = common::bind(
                ClientOptions::new()
                    .traces_sample_rate(1.0)
                    .send_default_pii(send_default_pii),
            );
            scope.set_extra("password", "user-set-password-value".into());
            scope.set_user(Some(User::with_id("7").ip_address("198.51.100.99")));

            let root = tracing::info_span!(
                "checkout",
                token = "s3cret-token",
                client_ip = "203.0.113.10",
                authorization = tracing::field::Empty,
                order = 42,
            );
            root.in_scope(|| {
                root.record("authorization", "s3cret-authorization");
                let child = tracing::info_span!("db", sessionid = "s3cret-session", rows = 3);
                child.in_scope(|| {
                    tracing::info!(
                        password = "s3cret-password",
                        ip_address = "203.0.113.11",
                        step = "charge",
                        "charging"
                    );
                });
                tracing::error!(
                    api_key = "s3cret-api-key",
                    remote_addr = "203.0.113.12",
                    "tags.password" = "s3cret-tag-password",
                    "tags.region" = "eu",
                    "payment failed"
                );
            });
            drop(root);
            scopeline::capture_message("after", Level::Warning);
            let envelopes = memory.envelopes();
            assert!(
                envelopes.iter().any(|e| e.transaction().is_some()),
                "a transaction with spans was sent"
            );
            assert!(
                envelopes.iter().filter(|e| e.event().is_some()).count() >= 2,
                "the error event and the message"
            );
            envelopes
                .iter()
                .map(|e: &Envelope| String::from_utf8(e.to_vec().unwrap()).unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        })
    })
}

#[test]
fn with_pii_off_no_secret_and_no_address_is_sent() {
    let wire = run(false);
    for value in SECRETS.iter().chain(ADDRESSES) {
        assert!(!wire.contains(value), "{value} leaked:\n{wire}");
    }
    for value in EXPLICIT {
        assert!(
            wire.contains(value),
            "{value} set by the application is missing"
        );
    }
    // What is not sensitive still goes: the evidence is filtered, not the whole field.
    for kept in [
        "\"order\":42",
        "\"rows\":3",
        "charge",
        "\"region\":\"eu\"",
        "[Filtered]",
    ] {
        assert!(wire.contains(kept), "{kept} is missing:\n{wire}");
    }
}

#[test]
fn with_pii_on_addresses_are_sent_and_secrets_still_are_not() {
    let wire = run(true);
    for value in SECRETS {
        assert!(!wire.contains(value), "{value} leaked:\n{wire}");
    }
    for value in ADDRESSES.iter().chain(EXPLICIT) {
        assert!(wire.contains(value), "{value} is missing:\n{wire}");
    }
}
