//! Two clients appending JSON lines to the same file at once (two services sharing a log, or
//! two clients in one process) never split or glue lines: each line goes out in one write.
mod common;

use std::time::Duration;

use scopeline::transport::{JsonLinesFormat, JsonLinesTarget, JsonLinesTransport};
use scopeline::{Client, ClientOptions, Level};

const PER_WRITER: usize = 2_000;

#[test]
fn every_line_parses_and_none_is_lost() {
    let path = std::env::temp_dir().join(format!(
        "scopeline-two-writers-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let clients: Vec<Client> = (0..2)
        .map(|_| {
            let transport = JsonLinesTransport::with_format(
                JsonLinesTarget::File(path.clone()),
                JsonLinesFormat::Events,
            )
            .unwrap();
            Client::new(
                ClientOptions::new()
                    .transport(transport)
                    .queue_size(PER_WRITER),
            )
        })
        .collect();
    std::thread::scope(|s| {
        for (writer, client) in clients.iter().enumerate() {
            s.spawn(move || {
                scopeline::with_isolation_scope(|scope| {
                    scope.bind_client(Some(client.clone()));
                    for i in 0..PER_WRITER {
                        scope.capture_message(&format!("writer {writer} event {i}"), Level::Info);
                        // In batches the transport's queue holds: none is dropped.
                        if i % 500 == 499 {
                            client.flush(Duration::from_secs(30)).unwrap();
                        }
                    }
                });
            });
        }
    });
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let mut lines = 0;
    for line in text.lines() {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a broken line ({e}): {line:.200}"));
        assert!(event["logentry"]["message"].is_string());
        lines += 1;
    }
    assert_eq!(lines, 2 * PER_WRITER);
}
