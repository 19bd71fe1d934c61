//! The Sentry wire format: events, breadcrumbs, exceptions, users and envelopes.
//!
//! These are plain data types that serialize to the JSON Sentry ingests. They are
//! `#[non_exhaustive]`: build them with `Default` and set the fields you need.
//!
//! ```
//! use scopeline::protocol::{Event, Level};
//!
//! let mut event = Event::new();
//! event.level = Level::Warning;
//! event.message = Some("disk almost full".into());
//! let json = serde_json::to_value(&event).unwrap();
//! assert_eq!(json["level"], "warning");
//! assert_eq!(json["logentry"]["message"], "disk almost full");
//! ```

mod envelope;
mod event;
mod ids;
mod time;

pub use envelope::{
    Attachment, ClientReport, DiscardedEvent, DynamicSamplingContext, Envelope, EnvelopeItem,
};
pub use event::{
    Breadcrumb, ClientSdkInfo, Context, Event, Exception, Frame, IntoBreadcrumbs, Level, Mechanism,
    Request, SdkPackage, SpanRecord, Stacktrace, Thread, TransactionInfo, User,
};
pub use ids::{EventId, SpanId, TraceId};
