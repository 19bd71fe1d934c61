//! What scopeline writes is read back by a second implementation of the protocol.

mod common;

use std::time::Duration;

use scopeline::protocol::{Attachment, Envelope};
use scopeline::transport::{JsonLinesFormat, JsonLinesTarget, JsonLinesTransport};
use scopeline::{Breadcrumb, Client, ClientOptions, Level, User};
use sentry_types::protocol::v7::Event as TheirEvent;
use sentry_types::protocol::v7::{Envelope as TheirEnvelope, EnvelopeItem as TheirItem};

#[derive(Debug)]
struct Chain(&'static str, Option<Box<Chain>>);
impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for Chain {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.1.as_deref().map(|c| c as _)
    }
}

fn rich_capture(scope: &scopeline::Scope) {
    scope.set_user(Some(User::with_id("42").email("ada@example.com")));
    scope.set_tag("request_id", "r-1");
    scope.set_extra("attempt", 3.into());
    scope.set_context(
        "svc",
        serde_json::json!({"name": "checkout"})
            .as_object()
            .unwrap()
            .clone(),
    );
    scope.add_attachment(
        Attachment::new("log.txt", b"line 1\nline 2\n".to_vec()).content_type("text/plain"),
    );
    scopeline::add_breadcrumb(
        Breadcrumb::new("step")
            .with_category("app")
            .with_data("n", 1),
    );
    let err = Chain("outer", Some(Box::new(Chain("inner", None))));
    scopeline::capture_error(&err).unwrap();
    scopeline::capture_message("plain message", Level::Warning).unwrap();
}

#[test]
fn envelope_bytes_parse_as_an_envelope_with_event_and_attachment() {
    scopeline::with_isolation_scope(|scope| {
        let (_c, memory) = common::bind(ClientOptions::new().release("app@1.0.0"));
        rich_capture(scope);
        let envelopes = memory.envelopes();
        assert_eq!(envelopes.len(), 2, "the error and the message");
        let mut chains = 0;
        for ours in envelopes {
            let bytes = ours.to_vec().unwrap();
            let theirs =
                TheirEnvelope::from_slice(&bytes).expect("sentry-types parses our envelope");
            let event = theirs.event().expect("an event item");
            let our_event = ours.event().unwrap();
            assert_eq!(event.event_id, our_event.event_id.as_uuid());
            assert_eq!(event.tags["request_id"], "r-1");
            assert_eq!(event.user.as_ref().unwrap().id.as_deref(), Some("42"));
            assert_eq!(event.breadcrumbs.values.len(), 1);
            assert_eq!(event.release.as_deref(), Some("app@1.0.0"));
            let attachments: Vec<_> = theirs
                .items()
                .filter_map(|i| match i {
                    TheirItem::Attachment(a) => Some(a),
                    _ => None,
                })
                .collect();
            assert_eq!(attachments.len(), 1);
            assert_eq!(attachments[0].buffer, b"line 1\nline 2\n");
            if !event.exception.values.is_empty() {
                let types: Vec<_> = event
                    .exception
                    .values
                    .iter()
                    .map(|e| e.value.clone().unwrap())
                    .collect();
                assert_eq!(types, ["inner", "outer"], "cause first");
                chains += 1;
            }
        }
        assert_eq!(chains, 1, "the error's chain was parsed");
    });
}

/// Captures the rich pair of events through a JSON-lines file of the given format and returns
/// the file's lines.
fn json_lines(format: JsonLinesFormat, name: &str) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("scopeline-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let transport =
        JsonLinesTransport::with_format(JsonLinesTarget::File(path.clone()), format).unwrap();
    let client = Client::new(ClientOptions::new().transport(transport));
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        rich_capture(scope);
    });
    client.flush(Duration::from_secs(5)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(path).ok();
    text.lines().map(str::to_owned).collect()
}

#[test]
fn json_lines_of_events_parse_as_sentry_events() {
    let lines = json_lines(JsonLinesFormat::Events, "events");
    assert_eq!(lines.len(), 2);
    for line in lines {
        let event: TheirEvent<'static> =
            serde_json::from_str(&line).expect("sentry-types parses the line");
        assert_eq!(event.tags["request_id"], "r-1");
    }
}

#[test]
fn json_lines_of_envelopes_hold_the_same_payloads() {
    let lines = json_lines(JsonLinesFormat::Envelopes, "envelopes");
    assert_eq!(lines.len(), 2);
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let event_payload = &v["items"][0]["payload"];
        let event: TheirEvent<'static> = serde_json::from_value(event_payload.clone()).unwrap();
        assert_eq!(v["header"]["event_id"], event.event_id.simple().to_string());
        assert_eq!(v["items"][1]["header"]["type"], "attachment");
        assert_eq!(v["items"][1]["payload"], "line 1\nline 2\n");
    }
}

#[test]
fn an_empty_envelope_round_trips() {
    let bytes = Envelope::new().to_vec().unwrap();
    let theirs = TheirEnvelope::from_slice(&bytes).unwrap();
    assert_eq!(theirs.items().count(), 0);
}
