//! Whatever an application puts on its scopes (huge strings, deep nesting, non-finite floats,
//! control characters, thousands of tags), capture never panics, the event is cut to the limits
//! Relay enforces (protocol sheet §6) rather than rejected, and what goes on the wire is still
//! an envelope another implementation parses.
//!
//! `PROPTEST_CASES=2000 cargo test --all-features --test hostile_scope_data_is_trimmed_to_sentry_limits_and_stays_valid`
//! runs longer by hand.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use scopeline::protocol::{Envelope, Event, SpanId, SpanRecord, TraceId};
use scopeline::{Breadcrumb, ClientOptions, Level, User};
use sentry_types::protocol::v7::Envelope as TheirEnvelope;
use serde_json::{Map, Value};

const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Short or huge, with control characters, line breaks, non-ASCII and empty strings.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[\\x00-\\x1f\\x7f \n\t]{0,8}",
        1 => (any::<char>(), 0usize..40_000).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        1 => Just(String::new()),
    ]
}

fn hostile_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        // NaN and the infinities become null in serde_json; the rest stay numbers.
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY)
        ]
        .prop_map(Value::from),
        hostile_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(12, 200, 12, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..12).prop_map(Value::Array),
            btree_map(hostile_string(), inner, 0..12)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A value nested `depth` levels deep, as a chain of objects.
fn nested(depth: usize) -> Value {
    let mut v = Value::from("leaf");
    for _ in 0..depth {
        let mut m = Map::new();
        m.insert("d".into(), v);
        v = Value::Object(m);
    }
    v
}

#[derive(Debug, Clone)]
struct Hostile {
    tags: Vec<(String, String)>,
    extra: Vec<(String, Value)>,
    contexts: Vec<(String, Map<String, Value>)>,
    crumbs: Vec<(String, String, Value)>,
    user: (String, String, String),
    fingerprint: Vec<String>,
    transaction: String,
    message: String,
    depth: usize,
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (
        vec((hostile_string(), hostile_string()), 0..20),
        vec((hostile_string(), hostile_json()), 0..8),
        vec(
            (
                hostile_string(),
                btree_map(hostile_string(), hostile_json(), 0..6)
                    .prop_map(|m| m.into_iter().collect()),
            ),
            0..4,
        ),
        vec((hostile_string(), hostile_string(), hostile_json()), 0..20),
        (hostile_string(), hostile_string(), hostile_string()),
        vec(hostile_string(), 0..4),
        hostile_string(),
        hostile_string(),
        0usize..300,
    )
        .prop_map(
            |(tags, extra, contexts, crumbs, user, fingerprint, transaction, message, depth)| {
                Hostile {
                    tags,
                    extra,
                    contexts,
                    crumbs,
                    user,
                    fingerprint,
                    transaction,
                    message,
                    depth,
                }
            },
        )
}

/// Splits written envelope bytes into the header and each item's payload, checking the
/// framing: every line is JSON and each item header's length is its payload's.
fn items(bytes: &[u8]) -> Vec<&[u8]> {
    let line = |b: &[u8]| b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    let end = line(bytes);
    serde_json::from_slice::<Value>(&bytes[..end]).expect("the envelope header is JSON");
    let mut rest = &bytes[(end + 1).min(bytes.len())..];
    let mut payloads = Vec::new();
    while !rest.is_empty() {
        let end = line(rest);
        let header: Value = serde_json::from_slice(&rest[..end]).expect("an item header");
        let length = header["length"].as_u64().expect("items say their length") as usize;
        let payload = &rest[end + 1..end + 1 + length];
        payloads.push(payload);
        rest = &rest[(end + 2 + length).min(rest.len())..];
    }
    payloads
}

/// The checks every event that leaves the process passes, made on what is written.
fn assert_within_limits(envelope: &Envelope) -> Event {
    let bytes = envelope.to_vec().expect("an envelope always serializes");
    TheirEnvelope::from_slice(&bytes).expect("sentry-types parses what we wrote");
    let payload = items(&bytes)[0];
    assert!(
        payload.len() <= MAX_EVENT_BYTES,
        "event of {} bytes",
        payload.len()
    );
    let event: Event = serde_json::from_slice(payload).expect("the event reads back");
    for (k, v) in &event.tags {
        assert!(
            !k.is_empty() && k.chars().count() <= 200,
            "tag key {k:?} is invalid"
        );
        assert!(
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c)),
            "tag key {k:?} has characters Relay rejects"
        );
        assert!(
            !v.is_empty() && v.chars().count() <= 200,
            "tag value {v:?} is invalid"
        );
        assert!(
            !v.chars().any(char::is_control),
            "tag value {v:?} has a control character"
        );
        assert_eq!(v.trim(), v, "tag value {v:?} has surrounding whitespace");
    }
    if let Some(m) = &event.message {
        assert!(m.chars().count() <= 8192);
    }
    if let Some(t) = &event.transaction {
        assert!(t.chars().count() <= 200);
    }
    for v in event.extra.values() {
        assert!(json_depth(v) <= 8, "extra value nested too deep");
        // Relay's per-value budget is an estimate; allow the few bytes per level by which a
        // kept value (a number, a string's shortest prefix) can pass it.
        assert!(serde_json::to_vec(v).unwrap().len() <= 16 * 1024 + 256);
    }
    for ctx in event.contexts.values() {
        assert!(json_depth(&Value::Object(ctx.clone())) <= 6);
    }
    for c in &event.breadcrumbs {
        if let Some(m) = &c.message {
            assert!(m.chars().count() <= 8192);
        }
        if let Some(cat) = &c.category {
            assert!(cat.chars().count() <= 128);
        }
        for v in c.data.values() {
            assert!(json_depth(v) <= 6);
        }
    }
    if let Some(user) = &event.user {
        for field in [&user.id, &user.username, &user.name] {
            assert!(field.as_ref().is_none_or(|s| s.chars().count() <= 128));
        }
        assert!(user.email.as_ref().is_none_or(|s| s.chars().count() <= 75));
    }
    event
}

fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        // The default persistence: the checked-in regressions file beside this one is re-run
        // before any new case.
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_scope_data_is_captured_trimmed_and_parseable(h in hostile()) {
        scopeline::with_isolation_scope(|scope| {
            let (_c, memory) = common::bind(ClientOptions::new().max_breadcrumbs(20));
            for (k, v) in &h.tags {
                scope.set_tag(k.clone(), v.clone());
            }
            for (k, v) in &h.extra {
                scope.set_extra(k.clone(), v.clone());
            }
            scope.set_extra("nested", nested(h.depth));
            for (k, v) in &h.contexts {
                scope.set_context(k.clone(), v.clone());
            }
            for (message, category, data) in &h.crumbs {
                scope.add_breadcrumb(
                    Breadcrumb::new(message.clone())
                        .with_category(category.clone())
                        .with_data(message.clone(), data.clone()),
                );
            }
            let (id, name, email) = h.user.clone();
            let mut user = User::with_id(id).email(email).username(name.clone());
            user.name = Some(name);
            scope.set_user(Some(user));
            scope.set_fingerprint(Some(h.fingerprint.clone()));
            scope.set_transaction(Some(&h.transaction));
            let id = scopeline::capture_message(&h.message, Level::Error);
            prop_assert!(id.is_some(), "the event is captured, not rejected");

            let envelopes = memory.envelopes();
            prop_assert_eq!(envelopes.len(), 1);
            let event = assert_within_limits(&envelopes[0]);
            // What the user set is cut, not dropped: a tag with a usable key and value stays.
            let usable = h
                .tags
                .iter()
                .filter(|(k, v)| !k.trim().is_empty() && v.chars().any(|c| !c.is_whitespace() && !c.is_control()))
                .count();
            prop_assert_eq!(event.tags.is_empty(), usable == 0);
            Ok(())
        })?;
    }

    #[test]
    fn any_hand_made_event_writes_an_envelope_that_parses_back(
        h in hostile(),
        secs in any::<i64>(),
        spans in 0usize..50,
    ) {
        // Events built by hand skip the pipeline's trimming: the envelope writer still
        // produces a valid envelope, with times from any clock.
        let mut event = Event::new();
        event.message = Some(h.message.clone());
        event.transaction = Some(h.transaction.clone());
        event.tags = h.tags.iter().cloned().collect();
        event.extra = h.extra.iter().cloned().collect();
        event.contexts = h.contexts.iter().cloned().collect();
        event.fingerprint = h.fingerprint.clone();
        let when = if secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(secs as u64))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
        };
        event.timestamp = when.unwrap_or_else(SystemTime::now);
        for (message, _, data) in &h.crumbs {
            event.breadcrumbs.push(Breadcrumb::new(message.clone()).with_data("d", data.clone()));
        }
        for _ in 0..spans {
            let mut span = SpanRecord::new(TraceId::random(), SpanId::random(), h.message.clone());
            span.description = Some(h.transaction.clone().into());
            event.spans.push(span);
        }
        let envelope = Envelope::from_event(event);
        let bytes = envelope.to_vec().expect("an envelope always serializes");
        let theirs = TheirEnvelope::from_slice(&bytes);
        prop_assert!(theirs.is_ok(), "sentry-types rejects our envelope: {:?}", theirs.err());
        let payloads = items(&bytes);
        prop_assert_eq!(payloads.len(), 1);
        prop_assert!(payloads[0].len() <= MAX_EVENT_BYTES);
        let back: Event = serde_json::from_slice(payloads[0]).expect("the event reads back");
        prop_assert_eq!(back.event_id, envelope.event().unwrap().event_id);
    }
}

#[test]
fn ten_thousand_long_tags_are_shed_until_the_event_fits() {
    scopeline::with_isolation_scope(|scope| {
        let (_c, memory) = common::bind(ClientOptions::new());
        for i in 0..10_000 {
            scope.set_tag(format!("{i:05}{}", "k".repeat(300)), "v".repeat(300));
        }
        assert!(scopeline::capture_message("many tags", Level::Info).is_some());
        let event = assert_within_limits(&memory.envelopes()[0]);
        // Each tag is cut to 200 + 200 characters, so about 2,500 fit in 1 MiB; the event
        // keeps as many as fit, not none.
        assert!(event.tags.len() >= 1_000, "{} tags kept", event.tags.len());
        assert!(event.tags.len() < 10_000);
        assert_eq!(event.message.as_deref(), Some("many tags"));
    });
}
