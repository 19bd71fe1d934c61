use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::event::{ClientSdkInfo, Event, crumbs};
use super::ids::EventId;
use super::time::{rfc3339_display, timestamp_float};
use crate::trace::Dsc;

/// A file sent along with an event, such as a log or a config dump.
///
/// # Examples
///
/// ```
/// use scopeline::protocol::Attachment;
///
/// let log = Attachment::new("run.log", b"started\nfailed\n".to_vec()).content_type("text/plain");
/// assert_eq!(log.filename, "run.log");
/// assert_eq!(log.bytes.len(), 15);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Attachment {
    /// The file name, without a path.
    pub filename: String,
    /// The MIME type; `application/octet-stream` when unset.
    pub content_type: Option<String>,
    /// The contents, shared between the events that carry it.
    pub bytes: Arc<[u8]>,
}

impl Attachment {
    /// An attachment with a name and contents.
    ///
    /// ```
    /// use scopeline::protocol::Attachment;
    ///
    /// let dump = Attachment::new("dump.bin", vec![0u8, 1, 2]);
    /// assert_eq!(dump.bytes.len(), 3);
    /// assert_eq!(dump.content_type, None);
    /// ```
    pub fn new(filename: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Attachment {
            filename: filename.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// Sets the MIME type.
    ///
    /// ```
    /// use scopeline::protocol::{Attachment, Envelope, EnvelopeItem};
    ///
    /// let config = Attachment::new("config.json", b"{}".to_vec()).content_type("application/json");
    /// let mut envelope = Envelope::new();
    /// envelope.add_item(EnvelopeItem::Attachment(config));
    /// let text = String::from_utf8(envelope.to_vec().unwrap()).unwrap();
    /// assert!(text.contains(r#""content_type":"application/json""#));
    /// ```
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// One count of dropped events, by reason and data category.
///
/// ```
/// use scopeline::protocol::DiscardedEvent;
///
/// let json = r#"{"reason":"queue_overflow","category":"error","quantity":3}"#;
/// let dropped: DiscardedEvent = serde_json::from_str(json).unwrap();
/// assert_eq!(dropped.reason, "queue_overflow");
/// assert_eq!(dropped.quantity, 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscardedEvent {
    /// Why they were dropped: `sample_rate`, `before_send`, `queue_overflow`…
    pub reason: Cow<'static, str>,
    /// What was dropped: `error`, `transaction`, `attachment`…
    pub category: Cow<'static, str>,
    /// How many.
    pub quantity: u64,
}

/// A report of what the SDK dropped, sent so the server can count it.
///
/// ```
/// use scopeline::protocol::{ClientReport, DiscardedEvent};
///
/// let json = r#"{"reason":"sample_rate","category":"transaction","quantity":10}"#;
/// let dropped: DiscardedEvent = serde_json::from_str(json).unwrap();
/// let report = ClientReport::new(vec![dropped]);
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["discarded_events"][0]["quantity"], 10);
/// assert!(json["timestamp"].is_number(), "seconds since the epoch");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientReport {
    /// When the report was made.
    #[serde(with = "timestamp_float")]
    pub timestamp: SystemTime,
    /// The counts.
    pub discarded_events: Vec<DiscardedEvent>,
}

impl ClientReport {
    /// A report of these counts, stamped now.
    ///
    /// ```
    /// use scopeline::protocol::{ClientReport, Envelope, EnvelopeItem};
    ///
    /// let mut envelope = Envelope::new();
    /// envelope.add_item(EnvelopeItem::ClientReport(ClientReport::new(Vec::new())));
    /// let json = envelope.to_json().unwrap();
    /// assert_eq!(json["items"][0]["header"]["type"], "client_report");
    /// ```
    pub fn new(discarded_events: Vec<DiscardedEvent>) -> Self {
        ClientReport {
            timestamp: SystemTime::now(),
            discarded_events,
        }
    }
}

/// One item of an [`Envelope`].
///
/// ```
/// use scopeline::protocol::{Attachment, Envelope, EnvelopeItem, Event};
///
/// let mut envelope = Envelope::from_event(Event::new());
/// envelope.add_item(EnvelopeItem::Attachment(Attachment::new("run.log", b"failed".to_vec())));
/// assert!(matches!(envelope.items[0], EnvelopeItem::Event(_)));
/// assert!(matches!(&envelope.items[1], EnvelopeItem::Attachment(a) if a.filename == "run.log"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EnvelopeItem {
    /// An error or message event.
    Event(Box<Event>),
    /// A finished transaction with its spans.
    Transaction(Box<Event>),
    /// A file that rides with the event.
    Attachment(Attachment),
    /// Counts of dropped data.
    ClientReport(ClientReport),
}

impl EnvelopeItem {
    /// The item type as written in its header.
    ///
    /// ```
    /// use scopeline::protocol::{Attachment, EnvelopeItem, Event};
    ///
    /// assert_eq!(EnvelopeItem::Event(Box::new(Event::new())).item_type(), "event");
    /// let log = EnvelopeItem::Attachment(Attachment::new("run.log", b"failed".to_vec()));
    /// assert_eq!(log.item_type(), "attachment");
    /// ```
    pub fn item_type(&self) -> &'static str {
        match self {
            EnvelopeItem::Event(_) => "event",
            EnvelopeItem::Transaction(_) => "transaction",
            EnvelopeItem::Attachment(_) => "attachment",
            EnvelopeItem::ClientReport(_) => "client_report",
        }
    }

    /// The rate-limit and client-report category of the item.
    ///
    /// ```
    /// use scopeline::protocol::{ClientReport, EnvelopeItem, Event};
    ///
    /// assert_eq!(EnvelopeItem::Event(Box::new(Event::new())).category(), "error");
    /// let report = EnvelopeItem::ClientReport(ClientReport::new(Vec::new()));
    /// assert_eq!(report.category(), "internal");
    /// ```
    pub fn category(&self) -> &'static str {
        match self {
            EnvelopeItem::Event(_) => "error",
            EnvelopeItem::Transaction(_) => "transaction",
            EnvelopeItem::Attachment(_) => "attachment",
            EnvelopeItem::ClientReport(_) => "internal",
        }
    }

    /// The item's payload, adding to `shed_spans` the transaction spans shed to fit Relay's
    /// size limit (see [`EnvelopeItem::with_payload`]).
    pub(crate) fn payload_counting_shed(
        &self,
        shed_spans: &mut usize,
    ) -> serde_json::Result<Cow<'_, [u8]>> {
        match self {
            EnvelopeItem::Attachment(a) => Ok(Cow::Borrowed(&a.bytes[..])),
            _ => self.with_payload(shed_spans, |bytes| Ok(Cow::Owned(bytes.to_vec()))),
        }
    }

    /// Runs `f` with the item's payload. An event is serialized into a buffer kept by the
    /// thread, so writing envelopes one after another does not grow a new buffer each time.
    ///
    /// An event over Relay's size limit sheds data to fit (see
    /// [`shed_to_fit`](crate::trim::shed_to_fit)); the transaction spans it sheds are added
    /// to `shed_spans`.
    fn with_payload<R>(
        &self,
        shed_spans: &mut usize,
        f: impl FnOnce(&[u8]) -> serde_json::Result<R>,
    ) -> serde_json::Result<R> {
        /// Kept between envelopes up to this size; a bigger one is let go after use.
        const KEEP: usize = 256 * 1024;
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let event = match self {
            EnvelopeItem::Event(event) | EnvelopeItem::Transaction(event) => event,
            EnvelopeItem::ClientReport(report) => return f(&serde_json::to_vec(report)?),
            EnvelopeItem::Attachment(a) => return f(&a.bytes),
        };
        let serialize = |buf: &mut Vec<u8>| -> serde_json::Result<R> {
            buf.clear();
            write_event(event, buf)?;
            if buf.len() <= crate::trim::MAX_EVENT_BYTES {
                f(buf)
            } else {
                let mut fitted = Event::clone(event);
                let bytes = crate::trim::shed_to_fit(&mut fitted);
                *shed_spans += event.spans.len() - fitted.spans.len();
                f(&bytes)
            }
        };
        BUFFER.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                let out = serialize(&mut buf);
                if buf.capacity() > KEEP {
                    *buf = Vec::new();
                }
                out
            }
            // Re-entered from `f` (a writer that writes an envelope itself): a buffer of its own.
            Err(_) => serialize(&mut Vec::new()),
        })
    }

    fn header(&self, length: usize) -> ItemHeader<'_> {
        let attachment = match self {
            EnvelopeItem::Attachment(a) => Some(a),
            _ => None,
        };
        ItemHeader {
            ty: self.item_type(),
            length,
            filename: attachment.map(|a| a.filename.as_str()),
            content_type: attachment.map(|a| {
                a.content_type
                    .as_deref()
                    .unwrap_or("application/octet-stream")
            }),
            attachment_type: attachment.map(|_| "event.attachment"),
        }
    }
}

/// An event's JSON: serde writes all of it but the breadcrumbs, which are written by hand
/// (see [`crumbs`]) and put in before the closing brace.
fn write_event(event: &Event, buf: &mut Vec<u8>) -> serde_json::Result<()> {
    if event.breadcrumbs.is_empty() {
        return serde_json::to_writer(&mut *buf, event);
    }
    let start = buf.len();
    crumbs::leave_out(|| serde_json::to_writer(&mut *buf, event))?;
    if buf.pop() != Some(b'}') {
        return Err(serde::ser::Error::custom(
            "an event serialized to something else than an object",
        ));
    }
    if buf.len() > start + 1 {
        buf.push(b',');
    }
    crumbs::write(&event.breadcrumbs, buf)?;
    buf.push(b'}');
    Ok(())
}

/// An item's header line, written straight from the item (no JSON tree is built).
#[derive(Serialize)]
struct ItemHeader<'a> {
    #[serde(rename = "type")]
    ty: &'a str,
    length: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_type: Option<&'static str>,
}

/// An envelope's header line, written straight from the envelope: no JSON tree is built and
/// nothing is copied, the trace's sampling context included.
#[derive(Serialize)]
struct Header<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<EventId>,
    sent_at: SentAt,
    sdk: &'static ClientSdkInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<&'a DynamicSamplingContext>,
}

/// The time an envelope is written, as RFC 3339.
struct SentAt(SystemTime);

impl Serialize for SentAt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&rfc3339_display(self.0))
    }
}

/// This SDK's description, made once.
fn sdk_info() -> &'static ClientSdkInfo {
    static SDK: OnceLock<ClientSdkInfo> = OnceLock::new();
    SDK.get_or_init(ClientSdkInfo::default)
}

/// The dynamic sampling context of a trace, as an envelope's `trace` header carries it: the
/// `sentry-*` entries of the trace's `baggage`, without the prefix (`trace_id`,
/// `public_key`, `release`, `sample_rate`, `sampled`…). Frozen once made, and shared: a clone
/// copies a pointer.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// use scopeline::protocol::Envelope;
/// use scopeline::transport::{SendError, Transport};
///
/// #[derive(Clone, Debug, Default)]
/// struct Keep(Arc<Mutex<Vec<Envelope>>>);
///
/// impl Transport for Keep {
///     fn send_envelope(&self, envelope: Envelope) -> Result<(), SendError> {
///         self.0.lock().unwrap().push(envelope);
///         Ok(())
///     }
/// }
///
/// let kept = Keep::default();
/// let options = scopeline::ClientOptions::new()
///     .release("shop@1")
///     .environment("staging")
///     .transport(kept.clone());
/// let client = scopeline::Client::new(options);
/// let scope = scopeline::Scope::new();
/// scope.bind_client(Some(client.clone()));
/// scope.capture_message("paid", scopeline::Level::Info);
/// client.flush(Duration::from_secs(5)).unwrap();
///
/// let envelopes = kept.0.lock().unwrap();
/// let trace = envelopes[0].trace.as_ref().expect("events carry their trace's context");
/// assert_eq!(trace.get("release"), Some("shop@1"));
/// assert_eq!(trace.get("trace_id").map(str::len), Some(32));
/// assert!(trace.iter().any(|(key, value)| key == "environment" && value == "staging"));
/// ```
#[derive(Clone)]
pub struct DynamicSamplingContext(Arc<Dsc>);

/// Two contexts are equal when they hold the same entries, in whatever order.
impl PartialEq for DynamicSamplingContext {
    fn eq(&self, other: &Self) -> bool {
        let len = |d: &Self| d.iter().count();
        len(self) == len(other) && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl DynamicSamplingContext {
    pub(crate) fn new(dsc: Arc<Dsc>) -> Self {
        DynamicSamplingContext(dsc)
    }

    /// The value of one entry.
    ///
    /// ```
    /// use scopeline::protocol::DynamicSamplingContext;
    ///
    /// let dsc: DynamicSamplingContext = [("sample_rate", "0.5")].into_iter().collect();
    /// assert_eq!(dsc.get("sample_rate"), Some("0.5"));
    /// assert_eq!(dsc.get("release"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    /// Every entry, as `(key, value)`.
    ///
    /// ```
    /// use scopeline::protocol::DynamicSamplingContext;
    ///
    /// let dsc: DynamicSamplingContext = [("environment", "staging"), ("sampled", "true")]
    ///     .into_iter()
    ///     .collect();
    /// let keys: Vec<&str> = dsc.iter().map(|(key, _)| key).collect();
    /// assert_eq!(keys, ["environment", "sampled"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter()
    }
}

/// Builds one from `(key, value)` entries, for envelopes made by hand (a later entry with the
/// same key replaces the earlier one).
///
/// ```
/// use scopeline::protocol::DynamicSamplingContext;
///
/// let entries = [("trace_id", "0af7651916cd43dd8448eb211c80319c"), ("sampled", "true")];
/// let dsc: DynamicSamplingContext = entries.into_iter().collect();
/// assert_eq!(dsc.get("sampled"), Some("true"));
/// // Equal whatever the order of the entries.
/// assert_eq!(dsc, entries.into_iter().rev().collect());
/// ```
impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for DynamicSamplingContext {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut dsc = Dsc::default();
        for (key, value) in entries {
            dsc.set(key.into(), value.into());
        }
        DynamicSamplingContext(Arc::new(dsc))
    }
}

impl fmt::Debug for DynamicSamplingContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for DynamicSamplingContext {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// A Sentry envelope: one header and a list of items, the unit the transport ships.
///
/// # Examples
///
/// ```
/// use scopeline::protocol::{Envelope, Event};
///
/// let event = Event::new();
/// let envelope = Envelope::from_event(event.clone());
/// let bytes = envelope.to_vec().unwrap();
/// let text = String::from_utf8(bytes).unwrap();
/// let mut lines = text.lines();
/// assert!(lines.next().unwrap().contains(&event.event_id.to_string()));
/// assert!(lines.next().unwrap().contains(r#""type":"event""#));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Envelope {
    /// The id of the event the envelope carries, if any.
    pub event_id: Option<EventId>,
    /// The trace's dynamic sampling context, sent as the `trace` header.
    pub trace: Option<DynamicSamplingContext>,
    /// The items.
    pub items: Vec<EnvelopeItem>,
}

impl Envelope {
    /// An empty envelope.
    ///
    /// ```
    /// let envelope = scopeline::protocol::Envelope::new();
    /// assert!(envelope.items.is_empty());
    /// assert_eq!(envelope.event_id, None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An envelope that carries one event.
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    ///
    /// let event = Event::new();
    /// let id = event.event_id;
    /// let envelope = Envelope::from_event(event);
    /// assert_eq!(envelope.event_id, Some(id));
    /// assert_eq!(envelope.event().unwrap().event_id, id);
    /// ```
    pub fn from_event(event: Event) -> Self {
        Envelope {
            event_id: Some(event.event_id),
            trace: None,
            items: vec![EnvelopeItem::Event(Box::new(event))],
        }
    }

    /// Adds an item.
    ///
    /// ```
    /// use scopeline::protocol::{Attachment, Envelope, EnvelopeItem, Event};
    ///
    /// let mut envelope = Envelope::from_event(Event::new());
    /// envelope.add_item(EnvelopeItem::Attachment(Attachment::new("run.log", b"failed".to_vec())));
    /// assert_eq!(envelope.items.len(), 2);
    /// assert_eq!(envelope.items[1].item_type(), "attachment");
    /// ```
    pub fn add_item(&mut self, item: EnvelopeItem) {
        self.items.push(item);
    }

    /// The error or message event the envelope carries, if any.
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    ///
    /// let mut event = Event::new();
    /// event.message = Some("disk full".into());
    /// let envelope = Envelope::from_event(event);
    /// assert_eq!(envelope.event().unwrap().message.as_deref(), Some("disk full"));
    /// assert!(Envelope::new().event().is_none());
    /// ```
    pub fn event(&self) -> Option<&Event> {
        self.items.iter().find_map(|item| match item {
            EnvelopeItem::Event(e) => Some(&**e),
            _ => None,
        })
    }

    /// The transaction the envelope carries, if any.
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, EnvelopeItem, Event};
    ///
    /// let mut transaction = Event::new();
    /// transaction.ty = Some("transaction".into());
    /// let mut envelope = Envelope::new();
    /// envelope.add_item(EnvelopeItem::Transaction(Box::new(transaction)));
    /// assert!(envelope.transaction().is_some());
    /// assert!(envelope.event().is_none(), "a transaction is not an error event");
    /// ```
    pub fn transaction(&self) -> Option<&Event> {
        self.items.iter().find_map(|item| match item {
            EnvelopeItem::Transaction(e) => Some(&**e),
            _ => None,
        })
    }

    fn header(&self) -> Header<'_> {
        Header {
            event_id: self.event_id,
            sent_at: SentAt(SystemTime::now()),
            sdk: sdk_info(),
            trace: self.trace.as_ref(),
        }
    }

    /// Writes the envelope in Sentry's envelope format, stamping `sent_at` with the time now.
    ///
    /// # Errors
    ///
    /// Fails when the writer fails or an item cannot be serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    ///
    /// let mut out = Vec::new();
    /// Envelope::from_event(Event::new()).to_writer(&mut out).unwrap();
    /// let text = String::from_utf8(out).unwrap();
    /// // The envelope header, then the item's header and its payload.
    /// assert_eq!(text.lines().count(), 3);
    /// assert!(text.contains(r#""sent_at":"#));
    /// ```
    pub fn to_writer<W: Write>(&self, w: W) -> io::Result<()> {
        self.write_to(&mut Plain(w), &mut 0)
    }

    /// [`Envelope::to_writer`], returning how many transaction spans were shed to fit
    /// Relay's size limit, for the transport to count.
    #[cfg(feature = "http")]
    pub(crate) fn to_writer_counting_shed<W: Write>(&self, w: W) -> io::Result<usize> {
        let mut shed = 0;
        self.write_to(&mut Plain(w), &mut shed)?;
        Ok(shed)
    }

    /// [`Envelope::to_vec`], with the count of [`Envelope::to_writer_counting_shed`].
    pub(crate) fn to_vec_counting_shed(&self) -> io::Result<(Vec<u8>, usize)> {
        let mut out = Vec::with_capacity(1024);
        let mut shed = 0;
        self.write_to(&mut out, &mut shed)?;
        Ok((out, shed))
    }

    fn write_to<W: Sink>(&self, w: &mut W, shed_spans: &mut usize) -> io::Result<()> {
        serde_json::to_writer(&mut *w, &self.header())?;
        for item in &self.items {
            item.with_payload(shed_spans, |payload| {
                w.reserve(payload.len() + 64);
                w.write_all(b"\n")
                    .and_then(|()| {
                        serde_json::to_writer(&mut *w, &item.header(payload.len()))
                            .map_err(io::Error::from)
                    })
                    .and_then(|()| w.write_all(b"\n"))
                    .and_then(|()| w.write_all(payload))
                    .map_err(serde_json::Error::io)
            })?;
        }
        w.write_all(b"\n")
    }

    /// The envelope's bytes in Sentry's envelope format.
    ///
    /// # Errors
    ///
    /// Fails when an item cannot be serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    ///
    /// let bytes = Envelope::from_event(Event::new()).to_vec().unwrap();
    /// let header_line = bytes.split(|b| *b == b'\n').next().unwrap();
    /// let header: serde_json::Value = serde_json::from_slice(header_line).unwrap();
    /// assert_eq!(header["sdk"]["name"], "scopeline.rust");
    /// ```
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        self.to_vec_counting_shed().map(|(out, _)| out)
    }

    /// The envelope as one JSON value: `{"header": {...}, "items": [{"header": {...}, "payload": ...}]}`.
    ///
    /// JSON payloads are embedded as JSON; attachments as a UTF-8 string (lossy). This is the
    /// shape of one line of [`JsonLinesFormat::Envelopes`](crate::transport::JsonLinesFormat).
    ///
    /// # Errors
    ///
    /// Fails when an item cannot be serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::{Envelope, Event};
    ///
    /// let mut event = Event::new();
    /// event.message = Some("disk full".into());
    /// let json = Envelope::from_event(event).to_json().unwrap();
    /// assert_eq!(json["items"][0]["header"]["type"], "event");
    /// assert_eq!(json["items"][0]["payload"]["logentry"]["message"], "disk full");
    /// ```
    pub fn to_json(&self) -> serde_json::Result<Value> {
        self.to_json_counting_shed(&mut 0)
    }

    /// [`Envelope::to_json`], adding to `shed_spans` the transaction spans shed to fit
    /// Relay's size limit.
    pub(crate) fn to_json_counting_shed(
        &self,
        shed_spans: &mut usize,
    ) -> serde_json::Result<Value> {
        let mut items = Vec::with_capacity(self.items.len());
        for item in &self.items {
            let payload = item.payload_counting_shed(shed_spans)?;
            let value: Value = match item {
                EnvelopeItem::Attachment(_) => {
                    String::from_utf8_lossy(&payload).into_owned().into()
                }
                _ => serde_json::from_slice(&payload)?,
            };
            let header = serde_json::to_value(item.header(payload.len()))?;
            items.push(json!({ "header": header, "payload": value }));
        }
        let header = serde_json::to_value(self.header())?;
        Ok(json!({ "header": header, "items": items }))
    }
}

/// Where [`Envelope::write_to`] writes: a `Vec` is told each payload's size ahead, so it
/// grows once per item instead of doubling its way up.
trait Sink: Write {
    fn reserve(&mut self, _additional: usize) {}
}

impl Sink for Vec<u8> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
}

/// Any other writer, as it is.
struct Plain<W>(W);

impl<W: Write> Write for Plain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Sink for Plain<W> {}
