use std::borrow::Cow;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{FlushError, SendError, Transport, Worker};
use crate::client::{AtStake, Discards, reason};
use crate::protocol::{Envelope, EnvelopeItem};

/// Where [`JsonLinesTransport`] writes.
///
/// ```
/// use scopeline::protocol::EventId;
/// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport};
///
/// let path = std::env::temp_dir().join(format!("scopeline-doc-{}.jsonl", EventId::new()));
/// let _transport = JsonLinesTransport::new(JsonLinesTarget::File(path.clone())).unwrap();
/// assert!(path.exists(), "the file is created when missing");
/// # std::fs::remove_file(path).ok();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonLinesTarget {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A file, appended to (created when missing).
    File(PathBuf),
}

/// What one line holds.
///
/// ```
/// use scopeline::transport::JsonLinesFormat;
///
/// assert_eq!(JsonLinesFormat::default(), JsonLinesFormat::Events);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonLinesFormat {
    /// One event per line: the event payload exactly as it would be sent to Sentry.
    /// Attachments and client reports are left out. The default.
    #[default]
    Events,
    /// One envelope per line, as `{"header": {...}, "items": [{"header": {...}, "payload": ...}]}`
    /// (see [`Envelope::to_json`]).
    Envelopes,
}

/// Writes envelopes as JSON lines, for running without a server.
///
/// Writing happens on a background thread; the capturing task only queues. A line that
/// cannot be written (a full disk, a closed pipe) is skipped. Built by the client (see
/// [`ClientOptions::json_lines`](crate::ClientOptions::json_lines)), the sink counts what it
/// loses in [`Client::discarded_events`](crate::Client::discarded_events); one built here has no
/// client to count for.
///
/// # Examples
///
/// ```
/// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport};
///
/// let path = std::env::temp_dir().join(format!("scopeline-doc-{}.jsonl", std::process::id()));
/// let transport = JsonLinesTransport::new(JsonLinesTarget::File(path.clone())).unwrap();
/// let client = scopeline::Client::new(scopeline::ClientOptions::new().transport(transport));
/// let scope = scopeline::Scope::new();
/// scope.bind_client(Some(client.clone()));
/// scope.capture_message("written to a file", scopeline::Level::Info);
/// client.flush(std::time::Duration::from_secs(2)).unwrap();
///
/// let text = std::fs::read_to_string(&path).unwrap();
/// let event: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
/// assert_eq!(event["logentry"]["message"], "written to a file");
/// # std::fs::remove_file(path).ok();
/// ```
pub struct JsonLinesTransport {
    worker: Worker<Envelope>,
    target: JsonLinesTarget,
}

impl fmt::Debug for JsonLinesTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLinesTransport")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

enum Sink {
    Stdout,
    Stderr,
    File(File),
}

struct Output {
    sink: Sink,
    /// A write failed part-way: the line it left has no end, so the next one starts with one
    /// rather than run on from it.
    unterminated: bool,
}

impl Output {
    /// Writes `line`, which ends with its newline.
    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let unterminated = &mut self.unterminated;
        match &mut self.sink {
            Sink::Stdout => write_line(io::stdout().lock(), line, unterminated),
            Sink::Stderr => write_line(io::stderr().lock(), line, unterminated),
            Sink::File(f) => write_line(f, line, unterminated),
        }
    }
}

/// Writes `line` (with its newline) to `w`, in one write unless the writer takes less: a
/// line never interleaves with another writer's appending to the same file. After a line
/// that a failed write cut short, the next line first ends it; a line that failed before
/// any of it was written leaves nothing to end (no empty line).
fn write_line(mut w: impl Write, line: &[u8], unterminated: &mut bool) -> io::Result<()> {
    if *unterminated {
        put(&mut w, b"\n", unterminated)?;
    }
    put(&mut w, line, unterminated)?;
    w.flush()
}

/// `write_all`, which also marks a line it stopped part-way through; a failure before any
/// byte leaves the mark as it was (a newline owed stays owed).
fn put(w: &mut impl Write, bytes: &[u8], unterminated: &mut bool) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match w.write(&bytes[done..]) {
            Ok(0) => {
                *unterminated |= done > 0;
                return Err(io::ErrorKind::WriteZero.into());
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                *unterminated |= done > 0;
                return Err(e);
            }
        }
    }
    // A whole newline ends what was cut short; a whole line ends with its own.
    *unterminated = false;
    Ok(())
}

impl JsonLinesTransport {
    /// Writes one event per line to `target`.
    ///
    /// # Errors
    ///
    /// Fails when the file cannot be opened or the background thread cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::transport::{JsonLinesTarget, JsonLinesTransport};
    ///
    /// assert!(JsonLinesTransport::new(JsonLinesTarget::Stderr).is_ok());
    /// let missing = std::env::temp_dir()
    ///     .join(format!("scopeline-no-such-dir-{}", scopeline::protocol::EventId::new()))
    ///     .join("events.jsonl");
    /// assert!(JsonLinesTransport::new(JsonLinesTarget::File(missing)).is_err());
    /// ```
    pub fn new(target: JsonLinesTarget) -> io::Result<Self> {
        Self::with_format(target, JsonLinesFormat::Events)
    }

    /// Writes lines of the given format to `target`.
    ///
    /// # Errors
    ///
    /// As [`JsonLinesTransport::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use scopeline::protocol::{Envelope, Event, EventId};
    /// use scopeline::transport::{JsonLinesFormat, JsonLinesTarget, JsonLinesTransport, Transport};
    ///
    /// let path = std::env::temp_dir().join(format!("scopeline-doc-{}.jsonl", EventId::new()));
    /// let target = JsonLinesTarget::File(path.clone());
    /// let transport = JsonLinesTransport::with_format(target, JsonLinesFormat::Envelopes).unwrap();
    /// transport.send_envelope(Envelope::from_event(Event::new())).unwrap();
    /// transport.flush(Duration::from_secs(5)).unwrap();
    ///
    /// let text = std::fs::read_to_string(&path).unwrap();
    /// let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    /// assert_eq!(line["items"][0]["header"]["type"], "event");
    /// # std::fs::remove_file(path).ok();
    /// ```
    pub fn with_format(target: JsonLinesTarget, format: JsonLinesFormat) -> io::Result<Self> {
        Self::with_queue(target, format, 1024, None)
    }

    /// A sink with room for `queue` envelopes, which counts what it loses in `discards`
    /// (see [`deliver`]).
    pub(crate) fn with_queue(
        target: JsonLinesTarget,
        format: JsonLinesFormat,
        queue: usize,
        discards: Option<Arc<Discards>>,
    ) -> io::Result<Self> {
        let sink = match &target {
            JsonLinesTarget::Stdout => Sink::Stdout,
            JsonLinesTarget::Stderr => Sink::Stderr,
            JsonLinesTarget::File(path) => {
                Sink::File(OpenOptions::new().create(true).append(true).open(path)?)
            }
        };
        let mut output = Output {
            sink,
            unterminated: false,
        };
        let worker = Worker::spawn(
            "scopeline-json-lines",
            queue,
            Duration::ZERO,
            move |envelope: Envelope| {
                // A closed pipe must not take the worker down: the line is lost, and
                // counted.
                let mut write = |at_stake: &mut Option<AtStake>| {
                    let counted = discards.as_deref();
                    deliver(&envelope, format, counted, at_stake, |line| {
                        output.write_line(line)
                    })
                };
                match &discards {
                    // A panic part-way (a bug) counts the line it was making as lost, as
                    // the HTTP sink counts its envelope.
                    Some(d) => d.contain_delivery(write),
                    None => write(&mut None),
                }
            },
        )?;
        Ok(JsonLinesTransport { worker, target })
    }
}

/// Writes an envelope as lines of `format`, each with its newline, through `write`.
///
/// With `discards` (a sink the client built, which writes the `Events` format), what does
/// not get written is counted with what it held: a line that fails to write as
/// `send_error`, one that cannot be serialized as `internal_sdk_error`, and the spans shed
/// from a written transaction to fit Relay's size limit as `buffer_overflow`. While a line
/// is made, `at_stake` holds what it carries, for a panic to count (see
/// [`Discards::contain_delivery`]). A sink a user built has no client to count for.
fn deliver(
    envelope: &Envelope,
    format: JsonLinesFormat,
    discards: Option<&Discards>,
    at_stake: &mut Option<AtStake>,
    mut write: impl FnMut(&[u8]) -> io::Result<()>,
) {
    // Writes one line; `lost` counts what it held when it does not get written.
    let mut emit =
        |line: serde_json::Result<Vec<u8>>, shed: usize, lost: &dyn Fn(&Discards, &'static str)| {
            let outcome = (line.map_err(|_| reason::INTERNAL_SDK_ERROR)).and_then(|mut line| {
                line.push(b'\n');
                write(&line).map_err(|_| reason::SEND_ERROR)
            });
            let Some(discards) = discards else { return };
            match outcome {
                Ok(()) => discards.record(reason::BUFFER_OVERFLOW, "span", shed as u64),
                Err(reason) => lost(discards, reason),
            }
        };
    match format {
        JsonLinesFormat::Envelopes => {
            let mut shed = 0;
            *at_stake = discards.map(|_| AtStake::of(envelope));
            let line = (envelope.to_json_counting_shed(&mut shed))
                .and_then(|value| serde_json::to_vec(&value));
            emit(line, shed, &|d, reason| d.record_envelope(reason, envelope));
            *at_stake = None;
        }
        // Exactly what would be sent: an event over Sentry's size limit shed to fit.
        JsonLinesFormat::Events => {
            let events = (envelope.items.iter()).filter(|item| {
                matches!(item, EnvelopeItem::Event(_) | EnvelopeItem::Transaction(_))
            });
            for item in events {
                let mut shed = 0;
                *at_stake = discards.map(|_| AtStake::of_item(item));
                let line = item.payload_counting_shed(&mut shed).map(Cow::into_owned);
                emit(line, shed, &|d, reason| d.record_item(reason, item));
                *at_stake = None;
            }
        }
    }
}

impl Transport for JsonLinesTransport {
    fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
        self.worker.send(envelope).map_err(SendError::from)
    }

    fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        self.worker.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        self.worker.shutdown(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `budget` bytes, then fails every write.
    struct Failing {
        out: Vec<u8>,
        budget: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget == 0 {
                return Err(io::ErrorKind::StorageFull.into());
            }
            let n = buf.len().min(self.budget);
            self.budget -= n;
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Writes a line with `budget` bytes to spare, then one more line per budget in `then`,
    /// then one with no limit.
    fn written(budget: usize, then: &[usize]) -> String {
        let mut w = Failing {
            out: Vec::new(),
            budget,
        };
        let mut unterminated = false;
        assert!(write_line(&mut w, b"{\"a\":1}\n", &mut unterminated).is_err());
        for budget in then {
            w.budget = *budget;
            assert!(write_line(&mut w, b"{\"x\":0}\n", &mut unterminated).is_err());
        }
        w.budget = usize::MAX;
        write_line(&mut w, b"{\"b\":2}\n", &mut unterminated).unwrap();
        String::from_utf8(w.out).unwrap()
    }

    /// The lines `deliver` writes.
    fn lines(
        envelope: &Envelope,
        format: JsonLinesFormat,
        discards: Option<&Discards>,
    ) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        deliver(envelope, format, discards, &mut None, |line| {
            lines.push(line.to_vec());
            Ok(())
        });
        lines
    }

    /// A transaction with `spans` child spans of about 2 KB each.
    fn transaction(spans: usize) -> Envelope {
        use crate::protocol::{Event, SpanId, SpanRecord, TraceId};
        let mut tx = Event::new();
        tx.ty = Some("transaction".into());
        tx.transaction = Some("GET /".into());
        let trace = TraceId::random();
        tx.spans = (0..spans)
            .map(|i| {
                let mut span = SpanRecord::new(trace, SpanId::random(), "db");
                span.description = Some(format!("{i}{}", "s".repeat(2000)).into());
                span
            })
            .collect();
        let mut envelope = Envelope::new();
        envelope.add_item(EnvelopeItem::Transaction(Box::new(tx)));
        envelope
    }

    #[test]
    fn spans_shed_from_a_written_transaction_are_counted_as_buffer_overflow() {
        for format in [JsonLinesFormat::Events, JsonLinesFormat::Envelopes] {
            let discards = Discards::default();
            let envelope = transaction(1000);
            let line = &lines(&envelope, format, Some(&discards))[0];
            let parsed: serde_json::Value = serde_json::from_slice(line).unwrap();
            let tx = match format {
                JsonLinesFormat::Events => &parsed,
                _ => &parsed["items"][0]["payload"],
            };
            let kept = tx["spans"].as_array().unwrap().len();
            assert!(kept < 1000, "the line is over the limit: nothing was shed");
            let totals = discards.totals();
            assert_eq!(totals.len(), 1, "{totals:?}");
            assert_eq!(
                (&*totals[0].reason, &*totals[0].category, totals[0].quantity),
                (reason::BUFFER_OVERFLOW, "span", (1000 - kept) as u64)
            );
        }
    }

    #[test]
    fn a_line_that_fails_to_write_counts_what_it_held_as_a_send_error() {
        let discards = Discards::default();
        let mut envelope = transaction(3);
        envelope.add_item(EnvelopeItem::Event(Box::default()));
        deliver(
            &envelope,
            JsonLinesFormat::Events,
            Some(&discards),
            &mut None,
            |_| Err(io::ErrorKind::StorageFull.into()),
        );
        let counts: Vec<_> = (discards.totals().into_iter())
            .map(|d| (d.reason, d.category, d.quantity))
            .collect();
        let send_error =
            |category: &'static str, n| (reason::SEND_ERROR.into(), category.into(), n);
        assert_eq!(
            counts,
            [
                send_error("error", 1),
                send_error("span", 4),
                send_error("transaction", 1)
            ]
        );
    }

    #[test]
    fn a_panic_part_way_counts_only_the_line_it_was_making() {
        let discards = Discards::default();
        let mut envelope = Envelope::new();
        envelope.add_item(EnvelopeItem::Event(Box::default()));
        envelope.add_item(transaction(2).items.remove(0));
        let mut lines = 0;
        discards.contain_delivery(|at_stake| {
            deliver(
                &envelope,
                JsonLinesFormat::Events,
                Some(&discards),
                at_stake,
                |_| {
                    lines += 1;
                    assert!(lines < 2, "a bug in the sink");
                    Ok(())
                },
            )
        });
        let counts: Vec<_> = (discards.totals().into_iter())
            .map(|d| (d.reason, d.category, d.quantity))
            .collect();
        let internal =
            |category: &'static str, n| (reason::INTERNAL_SDK_ERROR.into(), category.into(), n);
        assert_eq!(counts, [internal("span", 3), internal("transaction", 1)]);
    }

    #[test]
    fn an_event_line_is_shed_to_sentrys_size_limit_as_it_would_be_sent() {
        let mut event = crate::protocol::Event::new();
        for i in 0..300 {
            event
                .extra
                .insert(format!("blob{i}"), "x".repeat(8000).into());
        }
        let envelope = Envelope::from_event(event);
        let line = &lines(&envelope, JsonLinesFormat::Events, None)[0];
        assert!(
            line.len() <= crate::trim::MAX_EVENT_BYTES + 1,
            "{}",
            line.len()
        );
        let parsed: serde_json::Value = serde_json::from_slice(line).unwrap();
        assert_eq!(
            parsed["event_id"],
            envelope.event().unwrap().event_id.to_string()
        );
    }

    #[test]
    fn a_line_cut_short_is_ended_and_a_line_never_started_leaves_no_empty_line() {
        assert_eq!(written(3, &[]), "{\"a\n{\"b\":2}\n");
        assert_eq!(written(0, &[]), "{\"b\":2}\n");
        // The newline owed is still owed after a write that wrote nothing.
        assert_eq!(written(3, &[0]), "{\"a\n{\"b\":2}\n");
    }
}
