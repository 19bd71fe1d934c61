use std::borrow::Cow;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use super::{FlushError, SendError, Transport, Worker};
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
/// Writing happens on a background thread; the capturing task only queues.
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
        Self::with_queue(target, format, 1024)
    }

    pub(crate) fn with_queue(
        target: JsonLinesTarget,
        format: JsonLinesFormat,
        queue: usize,
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
            move |envelope| {
                for line in lines(&envelope, format) {
                    // A closed stdout must not take the worker down; the line is lost.
                    let _ = output.write_line(&line);
                }
            },
        )?;
        Ok(JsonLinesTransport { worker, target })
    }
}

/// The lines an envelope becomes, each with its newline.
fn lines(envelope: &Envelope, format: JsonLinesFormat) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = match format {
        JsonLinesFormat::Envelopes => envelope
            .to_json()
            .ok()
            .and_then(|v| serde_json::to_vec(&v).ok())
            .into_iter()
            .collect(),
        JsonLinesFormat::Events => envelope
            .items
            .iter()
            // Exactly what would be sent: an event over Sentry's size limit shed to fit.
            .filter(|item| matches!(item, EnvelopeItem::Event(_) | EnvelopeItem::Transaction(_)))
            .filter_map(|item| item.payload().ok().map(Cow::into_owned))
            .collect(),
    };
    for line in &mut lines {
        line.push(b'\n');
    }
    lines
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

    #[test]
    fn an_event_line_is_shed_to_sentrys_size_limit_as_it_would_be_sent() {
        let mut event = crate::protocol::Event::new();
        for i in 0..300 {
            event
                .extra
                .insert(format!("blob{i}"), "x".repeat(8000).into());
        }
        let envelope = Envelope::from_event(event);
        let line = &lines(&envelope, JsonLinesFormat::Events)[0];
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
