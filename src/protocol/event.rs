use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ids::{EventId, SpanId, TraceId};
use super::time::{timestamp_float, timestamp_rfc3339, timestamp_rfc3339_opt};

/// A context object, such as `os`, `runtime` or one of your own: a JSON object.
///
/// ```
/// use scopeline::protocol::Context;
///
/// let mut gpu = Context::new();
/// gpu.insert("name".into(), "RTX 4090".into());
/// let scope = scopeline::Scope::new();
/// scope.set_context("gpu", gpu);
/// assert_eq!(scope.context("gpu").unwrap()["name"], "RTX 4090");
/// ```
pub type Context = serde_json::Map<String, Value>;

/// How severe an event or breadcrumb is.
///
/// # Examples
///
/// ```
/// use scopeline::Level;
///
/// assert!(Level::Error > Level::Warning);
/// assert_eq!(Level::Warning.to_string(), "warning");
/// assert_eq!("fatal".parse::<Level>().unwrap(), Level::Fatal);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Diagnostic detail.
    Debug,
    /// Informational; the default for breadcrumbs and messages.
    #[default]
    Info,
    /// Something unexpected that did not fail.
    Warning,
    /// A failure; the default for captured errors.
    Error,
    /// A failure that ends the process, such as a panic.
    Fatal,
}

impl Level {
    /// The lowercase name Sentry uses.
    ///
    /// ```
    /// use scopeline::Level;
    ///
    /// assert_eq!(Level::Warning.as_str(), "warning");
    /// assert_eq!(Level::Fatal.as_str(), "fatal");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "debug" | "trace" => Level::Debug,
            "info" | "log" => Level::Info,
            "warning" | "warn" => Level::Warning,
            "error" => Level::Error,
            "fatal" | "critical" => Level::Fatal,
            _ => return Err(ParseLevelError(())),
        })
    }
}

/// The error returned when a string names no [`Level`].
///
/// ```
/// let err = "loud".parse::<scopeline::Level>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown level: expected debug, info, warning, error or fatal");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLevelError(());

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown level: expected debug, info, warning, error or fatal")
    }
}

impl std::error::Error for ParseLevelError {}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A breadcrumb: a small record of something that happened before an event.
///
/// # Examples
///
/// ```
/// use scopeline::{Breadcrumb, Level};
///
/// let crumb = Breadcrumb::new("payment declined")
///     .with_category("billing")
///     .with_level(Level::Warning)
///     .with_data("amount", 42);
/// assert_eq!(crumb.category.as_deref(), Some("billing"));
/// assert_eq!(crumb.data["amount"], 42);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Breadcrumb {
    /// When it happened.
    #[serde(with = "timestamp_float")]
    pub timestamp: SystemTime,
    /// The kind of breadcrumb (`default`, `http`, `query`, `navigation`…).
    #[serde(
        rename = "type",
        default = "default_type",
        skip_serializing_if = "is_default_type"
    )]
    pub ty: Cow<'static, str>,
    /// A dotted category such as `http` or `db.query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Cow<'static, str>>,
    /// Its severity. `info` is the protocol's default, so it is left out of the JSON.
    #[serde(default, skip_serializing_if = "is_info")]
    pub level: Level,
    /// What happened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'static, str>>,
    /// Structured detail.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, Value>,
}

fn default_type() -> Cow<'static, str> {
    Cow::Borrowed("default")
}

fn is_info(level: &Level) -> bool {
    *level == Level::Info
}

// `type` is `default` unless set: the protocol's default, so it is left out of the JSON.
fn is_default_type(ty: &str) -> bool {
    ty == "default"
}

impl Default for Breadcrumb {
    fn default() -> Self {
        Breadcrumb::at(SystemTime::now(), None)
    }
}

impl Breadcrumb {
    /// A breadcrumb with a message, stamped now, at level info. A `&'static str` message is
    /// kept without copying.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Level};
    ///
    /// let crumb = Breadcrumb::new("user logged in");
    /// assert_eq!(crumb.message.as_deref(), Some("user logged in"));
    /// assert_eq!(crumb.level, Level::Info);
    /// assert_eq!(crumb.ty, "default");
    /// ```
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Breadcrumb::at(SystemTime::now(), Some(message.into()))
    }

    /// A breadcrumb stamped at a time the caller already read.
    pub(crate) fn at(timestamp: SystemTime, message: Option<Cow<'static, str>>) -> Self {
        Breadcrumb {
            timestamp,
            ty: default_type(),
            category: None,
            level: Level::Info,
            message,
            data: BTreeMap::new(),
        }
    }

    /// Sets the category.
    ///
    /// ```
    /// let crumb = scopeline::Breadcrumb::new("SELECT 1").with_category("db.query");
    /// assert_eq!(crumb.category.as_deref(), Some("db.query"));
    /// ```
    pub fn with_category(mut self, category: impl Into<Cow<'static, str>>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Sets the type.
    ///
    /// ```
    /// let crumb = scopeline::Breadcrumb::new("GET /items").with_type("http");
    /// assert_eq!(serde_json::to_value(&crumb).unwrap()["type"], "http");
    /// // The default type is the protocol's default, so it is left out of the JSON.
    /// let plain = scopeline::Breadcrumb::new("started");
    /// assert!(serde_json::to_value(&plain).unwrap().get("type").is_none());
    /// ```
    pub fn with_type(mut self, ty: impl Into<Cow<'static, str>>) -> Self {
        self.ty = ty.into();
        self
    }

    /// Sets the level.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, Level};
    ///
    /// let crumb = Breadcrumb::new("retrying").with_level(Level::Warning);
    /// assert_eq!(crumb.level, Level::Warning);
    /// assert_eq!(serde_json::to_value(&crumb).unwrap()["level"], "warning");
    /// ```
    pub fn with_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Adds one data entry.
    ///
    /// ```
    /// let crumb = scopeline::Breadcrumb::new("query")
    ///     .with_data("table", "users")
    ///     .with_data("rows", 3);
    /// assert_eq!(crumb.data["table"], "users");
    /// assert_eq!(crumb.data["rows"], 3);
    /// ```
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }
}

/// Anything [`add_breadcrumb`](crate::add_breadcrumb) accepts: one [`Breadcrumb`], an
/// `Option` or a `Vec` of them, or a closure returning any of these.
///
/// A closure runs only when a client will keep what it returns, so a breadcrumb that is
/// costly to build (formatting, a clock read) costs nothing while no client is bound.
///
/// # Examples
///
/// ```
/// use scopeline::{Breadcrumb, IntoBreadcrumbs};
///
/// scopeline::add_breadcrumb(Breadcrumb::new("cache miss"));
/// scopeline::add_breadcrumb(|| Breadcrumb::new(format!("cache miss for {}", 42)));
/// scopeline::add_breadcrumb(vec![Breadcrumb::new("a"), Breadcrumb::new("b")]);
///
/// let crumbs: Vec<_> = (|| Some(Breadcrumb::new("lazy"))).into_breadcrumbs().into_iter().collect();
/// assert_eq!(crumbs[0].message.as_deref(), Some("lazy"));
/// ```
pub trait IntoBreadcrumbs {
    /// What the breadcrumbs come as.
    type Breadcrumbs: IntoIterator<Item = Breadcrumb>;

    /// Turns `self` into breadcrumbs, running the closure if it is one.
    ///
    /// ```
    /// use scopeline::{Breadcrumb, IntoBreadcrumbs};
    ///
    /// let none: Option<Breadcrumb> = None;
    /// assert_eq!(none.into_breadcrumbs(), None);
    /// let both = (|| vec![Breadcrumb::new("a"), Breadcrumb::new("b")]).into_breadcrumbs();
    /// assert_eq!(both.len(), 2);
    /// ```
    fn into_breadcrumbs(self) -> Self::Breadcrumbs;
}

impl IntoBreadcrumbs for Breadcrumb {
    type Breadcrumbs = Option<Breadcrumb>;

    fn into_breadcrumbs(self) -> Option<Breadcrumb> {
        Some(self)
    }
}

impl IntoBreadcrumbs for Option<Breadcrumb> {
    type Breadcrumbs = Option<Breadcrumb>;

    fn into_breadcrumbs(self) -> Option<Breadcrumb> {
        self
    }
}

impl IntoBreadcrumbs for Vec<Breadcrumb> {
    type Breadcrumbs = Vec<Breadcrumb>;

    fn into_breadcrumbs(self) -> Vec<Breadcrumb> {
        self
    }
}

impl<F, B> IntoBreadcrumbs for F
where
    F: FnOnce() -> B,
    B: IntoBreadcrumbs,
{
    type Breadcrumbs = B::Breadcrumbs;

    fn into_breadcrumbs(self) -> B::Breadcrumbs {
        self().into_breadcrumbs()
    }
}

/// The user an event is about.
///
/// # Examples
///
/// ```
/// use scopeline::User;
///
/// let user = User::with_id("42").email("ada@example.com");
/// assert_eq!(user.id.as_deref(), Some("42"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// Your id for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Their email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their IP address, or `{{auto}}` to let the server use the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Their user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Anything else about them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, Value>,
}

impl User {
    /// A user known by id.
    ///
    /// ```
    /// let user = scopeline::User::with_id("42");
    /// assert_eq!(user.id.as_deref(), Some("42"));
    /// assert_eq!(user.email, None);
    /// ```
    pub fn with_id(id: impl Into<String>) -> Self {
        User {
            id: Some(id.into()),
            ..Default::default()
        }
    }

    /// Sets the email address.
    ///
    /// ```
    /// let user = scopeline::User::with_id("42").email("ada@example.com");
    /// assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    /// ```
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the user name.
    ///
    /// ```
    /// let user = scopeline::User::with_id("42").username("ada");
    /// assert_eq!(user.username.as_deref(), Some("ada"));
    /// ```
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the IP address.
    ///
    /// ```
    /// // `{{auto}}`: let the server use the address the event came from.
    /// let user = scopeline::User::with_id("42").ip_address("{{auto}}");
    /// assert_eq!(serde_json::to_value(&user).unwrap()["ip_address"], "{{auto}}");
    /// ```
    pub fn ip_address(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }
}

/// The HTTP request an event happened in.
///
/// Data you set here yourself is sent as you set it, whatever `send_default_pii` says.
///
/// # Examples
///
/// ```
/// use scopeline::protocol::Request;
///
/// let mut req = Request::default();
/// req.method = Some("GET".into());
/// req.url = Some("https://example.com/items/7".into());
/// assert_eq!(serde_json::to_value(&req).unwrap()["method"], "GET");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Request {
    /// The URL, without query string or credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The query string, without the `?`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_string: Option<String>,
    /// Request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Cookies, when collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookies: Option<String>,
    /// CGI-style environment, such as `REMOTE_ADDR`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The body, when collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// One frame of a stack trace.
///
/// ```
/// use scopeline::protocol::Frame;
///
/// let mut frame = Frame::default();
/// frame.function = Some("my_app::handler".into());
/// frame.lineno = Some(42);
/// frame.in_app = Some(true);
/// let json = serde_json::to_value(&frame).unwrap();
/// assert_eq!(json["lineno"], 42);
/// assert!(json.get("colno").is_none(), "unset fields are left out");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Frame {
    /// The function's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The module path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The file, relative to the project where that can be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The absolute path of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abs_path: Option<String>,
    /// 1-based line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineno: Option<u64>,
    /// 1-based column number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colno: Option<u64>,
    /// Whether the frame is the application's own code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<bool>,
}

/// A stack trace, frames ordered from the outermost caller to where it was taken.
///
/// ```
/// use scopeline::protocol::{Frame, Stacktrace};
///
/// let mut frame = Frame::default();
/// frame.function = Some("main".into());
/// let mut stacktrace = Stacktrace::default();
/// stacktrace.frames.push(frame);
/// assert_eq!(serde_json::to_value(&stacktrace).unwrap()["frames"][0]["function"], "main");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stacktrace {
    /// The frames, oldest first.
    pub frames: Vec<Frame>,
}

/// How an exception was captured.
///
/// ```
/// use scopeline::protocol::Mechanism;
///
/// let mut mechanism = Mechanism::default();
/// mechanism.ty = "generic".into();
/// mechanism.handled = Some(false);
/// let json = serde_json::to_value(&mechanism).unwrap();
/// assert_eq!(json["type"], "generic");
/// assert_eq!(json["handled"], false);
/// assert!(json.get("synthetic").is_none(), "left out while false");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mechanism {
    /// `generic` for captures you make; a name such as `panic` or `auto.tracing` for the
    /// ones scopeline makes on its own.
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether the application handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled: Option<bool>,
    /// Whether the exception is a wrapper the SDK made rather than a real error type.
    #[serde(default, skip_serializing_if = "is_false")]
    pub synthetic: bool,
    /// Where a chained exception came from (`source` for `Error::source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Index of this exception in the chain (0 is the outermost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_id: Option<u32>,
    /// Index of the exception that this one is the source of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u32>,
}

/// One error of an event's exception chain.
///
/// ```
/// use scopeline::protocol::{Event, Exception};
///
/// let mut exception = Exception::default();
/// exception.ty = "ConnectionRefused".into();
/// exception.value = Some("connect to db:5432".into());
/// let mut event = Event::new();
/// event.exceptions.push(exception);
/// let json = serde_json::to_value(&event).unwrap();
/// assert_eq!(json["exception"]["values"][0]["type"], "ConnectionRefused");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Exception {
    /// The error's type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Its module path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// How it was captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<Mechanism>,
    /// Where it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacktrace: Option<Stacktrace>,
}

/// A thread and its stack, for an event with no exception to carry the stack it was
/// captured from (see [`ClientOptions::attach_stacktrace`](crate::ClientOptions::attach_stacktrace)).
///
/// ```
/// use scopeline::protocol::{Frame, Stacktrace, Thread};
///
/// let mut frame = Frame::default();
/// frame.function = Some("my_app::checkout".into());
/// let mut stacktrace = Stacktrace::default();
/// stacktrace.frames.push(frame);
/// let mut thread = Thread::default();
/// thread.id = "1".into();
/// thread.current = true;
/// thread.stacktrace = Some(stacktrace);
/// let json = serde_json::to_value(&thread).unwrap();
/// assert_eq!(json["current"], true);
/// assert_eq!(json["stacktrace"]["frames"][0]["function"], "my_app::checkout");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Thread {
    /// An id unique among the event's threads (read from a number or a string).
    #[serde(default, deserialize_with = "number_or_string")]
    pub id: String,
    /// The thread's name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the event was captured on this thread.
    #[serde(default)]
    pub current: bool,
    /// Whether this thread crashed (a capture is no crash).
    #[serde(default)]
    pub crashed: bool,
    /// Its stack, oldest frame first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacktrace: Option<Stacktrace>,
}

/// Information about the SDK that sent an event.
///
/// ```
/// use scopeline::protocol::ClientSdkInfo;
///
/// let sdk = ClientSdkInfo::default();
/// assert_eq!(sdk.name, "scopeline.rust");
/// assert!(sdk.packages.iter().any(|p| p.name == "cargo:scopeline"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientSdkInfo {
    /// The SDK's name, `scopeline.rust`.
    pub name: Cow<'static, str>,
    /// The SDK's version.
    pub version: Cow<'static, str>,
    /// Integrations in use. On events scopeline fills in, the ones the process has put to
    /// use so far: `panic` (the panic hook is installed), `tracing` (a `TracingLayer` is
    /// attached to a subscriber), `tower` (a `ScopeLayer` wraps a service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integrations: Vec<Cow<'static, str>>,
    /// Packages the SDK is made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<SdkPackage>,
}

/// A package an SDK is made of, such as `cargo:scopeline`.
///
/// ```
/// use scopeline::protocol::{ClientSdkInfo, SdkPackage};
///
/// let mut sdk = ClientSdkInfo::default();
/// assert_eq!(sdk.packages[0].name, "cargo:scopeline");
/// sdk.packages.push(SdkPackage::new("cargo:my-service", "1.4.0"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SdkPackage {
    /// `registry:name`.
    pub name: Cow<'static, str>,
    /// Its version (empty when a received package had none).
    #[serde(default)]
    pub version: Cow<'static, str>,
}

impl SdkPackage {
    /// A package named `registry:name`, at `version`.
    ///
    /// ```
    /// let package = scopeline::protocol::SdkPackage::new("cargo:my-service", "1.4.0");
    /// let json = serde_json::to_value(&package).unwrap();
    /// assert_eq!(json["name"], "cargo:my-service");
    /// assert_eq!(json["version"], "1.4.0");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>, version: impl Into<Cow<'static, str>>) -> Self {
        SdkPackage {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl Default for ClientSdkInfo {
    fn default() -> Self {
        ClientSdkInfo {
            name: Cow::Borrowed("scopeline.rust"),
            version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
            integrations: Vec::new(),
            packages: vec![SdkPackage::new(
                "cargo:scopeline",
                env!("CARGO_PKG_VERSION"),
            )],
        }
    }
}

/// A message with optional parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct LogEntry {
    message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    params: Vec<Value>,
}

#[derive(Serialize, Deserialize)]
struct Values<T> {
    values: Vec<T>,
}

/// A value other SDKs write as a number or as a string (a thread's id), read as a string.
fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(serde_json::Number),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Number(n) => n.to_string(),
        Either::Text(s) => s,
    })
}

mod values {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<T: Serialize, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Ref<'a, T> {
            values: &'a [T],
        }
        Ref { values: v }.serialize(s)
    }

    pub(super) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Values::<T>::deserialize(d).map(|v| v.values)
    }
}

/// Breadcrumbs written to bytes by hand: the bulk of an event's JSON, with static keys and
/// mostly plain strings, which serde would scan byte by byte for escapes one call at a time.
/// The envelope writer serializes the rest of the event with serde (told to leave the
/// breadcrumbs out) and appends them with [`crumbs::write`].
pub(crate) mod crumbs {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        static APART: Cell<bool> = const { Cell::new(false) };
    }

    /// Whether serde leaves `breadcrumbs` out: when there are none, or while
    /// [`leave_out`] runs.
    pub(super) fn left_to_the_writer(crumbs: &[Breadcrumb]) -> bool {
        crumbs.is_empty() || APART.with(Cell::get)
    }

    /// Runs `f` (a serialization of events) with their breadcrumbs left out.
    pub(crate) fn leave_out<R>(f: impl FnOnce() -> R) -> R {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                APART.with(|a| a.set(self.0));
            }
        }
        let _restore = Restore(APART.with(|a| a.replace(true)));
        f()
    }

    /// Appends `"breadcrumbs":{"values":[...]}` for `crumbs`, exactly as serde would write it.
    pub(crate) fn write(crumbs: &[Breadcrumb], out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"\"breadcrumbs\":{\"values\":[");
        let mut times = timestamp_float::FloatWriter::default();
        for (i, crumb) in crumbs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_one(crumb, &mut times, out)?;
        }
        out.extend_from_slice(b"]}");
        Ok(())
    }

    /// One breadcrumb, its fields in the order `#[derive(Serialize)]` writes them.
    fn write_one(
        crumb: &Breadcrumb,
        times: &mut timestamp_float::FloatWriter,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        struct Float(SystemTime);
        impl Serialize for Float {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                timestamp_float::serialize(&self.0, s)
            }
        }
        out.extend_from_slice(b"{\"timestamp\":");
        if !times.write(crumb.timestamp, out) {
            serde_json::to_writer(&mut *out, &Float(crumb.timestamp))?;
        }
        if !is_default_type(&crumb.ty) {
            out.extend_from_slice(b",\"type\":");
            string(&crumb.ty, out)?;
        }
        if let Some(category) = &crumb.category {
            out.extend_from_slice(b",\"category\":");
            string(category, out)?;
        }
        if !is_info(&crumb.level) {
            out.extend_from_slice(b",\"level\":");
            serde_json::to_writer(&mut *out, &crumb.level)?;
        }
        if let Some(message) = &crumb.message {
            out.extend_from_slice(b",\"message\":");
            string(message, out)?;
        }
        if !crumb.data.is_empty() {
            out.extend_from_slice(b",\"data\":");
            serde_json::to_writer(&mut *out, &crumb.data)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// A JSON string: copied as it is when nothing in it needs escaping.
    fn string(s: &str, out: &mut Vec<u8>) -> serde_json::Result<()> {
        if crate::trim::needs_escape(s) {
            serde_json::to_writer(&mut *out, s)
        } else {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
            Ok(())
        }
    }
}

mod logentry {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(m: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match m {
            Some(message) => LogEntry {
                message: message.clone(),
                params: Vec::new(),
            }
            .serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<LogEntry>::deserialize(d)?.map(|l| l.message))
    }
}

/// An error or message event, as sent to Sentry.
///
/// You rarely build one yourself: [`capture_error`](crate::capture_error) and
/// [`capture_message`](crate::capture_message) do it and merge the scopes in. Use
/// [`capture_event`](crate::capture_event) when you need full control.
///
/// # Examples
///
/// ```
/// use scopeline::protocol::Event;
/// use scopeline::Level;
///
/// let mut event = Event::new();
/// event.message = Some("cache warmed".into());
/// event.level = Level::Info;
/// event.tags.insert("shard".into(), "7".into());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id.
    pub event_id: EventId,
    /// When it happened.
    #[serde(with = "timestamp_rfc3339")]
    pub timestamp: SystemTime,
    /// Its severity.
    pub level: Level,
    /// The platform, `native` for Rust.
    pub platform: Cow<'static, str>,
    /// The logger or module that produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    /// The transaction (route, job) it happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
    /// The host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<Cow<'static, str>>,
    /// The release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Cow<'static, str>>,
    /// The build variant of the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist: Option<Cow<'static, str>>,
    /// The environment, such as `production`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Cow<'static, str>>,
    /// The message, for message events (sent as `logentry`).
    #[serde(
        rename = "logentry",
        default,
        skip_serializing_if = "Option::is_none",
        with = "logentry"
    )]
    pub message: Option<String>,
    /// Searchable string tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Arbitrary extra data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Value>,
    /// Structured contexts (`os`, `runtime`, `trace`, your own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contexts: BTreeMap<String, Context>,
    /// The user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// Breadcrumbs, oldest first.
    #[serde(
        default,
        skip_serializing_if = "crumbs::left_to_the_writer",
        with = "values"
    )]
    pub breadcrumbs: Vec<Breadcrumb>,
    /// The exception chain, the root cause first and the outermost error last.
    #[serde(
        rename = "exception",
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "values"
    )]
    pub exceptions: Vec<Exception>,
    /// The threads of an event with no exception to carry its stack: the one it was
    /// captured on, with [`attach_stacktrace`](crate::ClientOptions::attach_stacktrace).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "values")]
    pub threads: Vec<Thread>,
    /// Grouping fingerprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprint: Vec<String>,
    /// The SDK that sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<ClientSdkInfo>,
    /// `transaction` for transactions; `None` for error and message events.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<Cow<'static, str>>,
    /// When a transaction started (transactions only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "timestamp_rfc3339_opt"
    )]
    pub start_timestamp: Option<SystemTime>,
    /// The finished child spans of a transaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<SpanRecord>,
    /// Where a transaction's name came from (transactions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_info: Option<TransactionInfo>,
}

/// Where a transaction's name came from, which tells Sentry whether it may group by it.
///
/// ```
/// use scopeline::protocol::TransactionInfo;
///
/// let info = TransactionInfo::new("route");
/// assert_eq!(serde_json::to_value(&info).unwrap()["source"], "route");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionInfo {
    /// `custom`, `url`, `route`, `view`, `component` or `task`.
    pub source: Cow<'static, str>,
}

impl TransactionInfo {
    /// Names the source.
    ///
    /// ```
    /// let info = scopeline::protocol::TransactionInfo::new("url");
    /// assert_eq!(info.source, "url");
    /// ```
    pub fn new(source: impl Into<Cow<'static, str>>) -> Self {
        TransactionInfo {
            source: source.into(),
        }
    }
}

/// A finished span, as it travels inside a transaction's `spans`.
///
/// ```
/// use scopeline::protocol::{SpanId, SpanRecord, TraceId};
///
/// let span = SpanRecord::new(TraceId::random(), SpanId::random(), "db.query");
/// let json = serde_json::to_value(&span).unwrap();
/// assert_eq!(json["op"], "db.query");
/// assert_eq!(json["span_id"].as_str().unwrap().len(), 16);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpanRecord {
    /// The trace it belongs to.
    pub trace_id: TraceId,
    /// Its own id.
    pub span_id: SpanId,
    /// The span it is a child of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<SpanId>,
    /// What kind of work it is, such as `db.query` or `http.client`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Cow<'static, str>>,
    /// What it did, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// How it ended: `ok`, `internal_error`, `cancelled`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Cow<'static, str>>,
    /// When it started.
    #[serde(with = "timestamp_rfc3339")]
    pub start_timestamp: SystemTime,
    /// When it ended.
    #[serde(with = "timestamp_rfc3339")]
    pub timestamp: SystemTime,
    /// Short indexed values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Structured detail.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, Value>,
    /// What made it: `manual` or `auto.<category>.<integration>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Cow<'static, str>>,
}

impl SpanRecord {
    /// A span that starts and ends now.
    ///
    /// ```
    /// use scopeline::protocol::{SpanId, SpanRecord, TraceId};
    ///
    /// let span = SpanRecord::new(TraceId::random(), SpanId::random(), "cache.get");
    /// assert_eq!(span.start_timestamp, span.timestamp);
    /// assert_eq!(span.op.as_deref(), Some("cache.get"));
    /// assert_eq!(span.parent_span_id, None);
    /// ```
    pub fn new(trace_id: TraceId, span_id: SpanId, op: impl Into<Cow<'static, str>>) -> Self {
        let now = SystemTime::now();
        SpanRecord {
            trace_id,
            span_id,
            parent_span_id: None,
            op: Some(op.into()),
            description: None,
            status: None,
            start_timestamp: now,
            timestamp: now,
            tags: BTreeMap::new(),
            data: BTreeMap::new(),
            origin: None,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event {
            event_id: EventId::new(),
            timestamp: SystemTime::now(),
            level: Level::Error,
            platform: Cow::Borrowed("native"),
            logger: None,
            transaction: None,
            server_name: None,
            release: None,
            dist: None,
            environment: None,
            message: None,
            tags: BTreeMap::new(),
            extra: BTreeMap::new(),
            contexts: BTreeMap::new(),
            user: None,
            request: None,
            breadcrumbs: Vec::new(),
            exceptions: Vec::new(),
            threads: Vec::new(),
            fingerprint: Vec::new(),
            sdk: None,
            ty: None,
            start_timestamp: None,
            spans: Vec::new(),
            transaction_info: None,
        }
    }
}

impl Event {
    /// A new event with a fresh id, stamped now, at level error.
    ///
    /// ```
    /// use scopeline::{Level, protocol::Event};
    ///
    /// let event = Event::new();
    /// assert_eq!(event.level, Level::Error);
    /// assert_ne!(event.event_id, Event::new().event_id);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use proptest::prelude::*;

    use super::*;

    fn crumb() -> impl Strategy<Value = Breadcrumb> {
        let text = "(plain|\"|\\\\|\n|\u{1}|é|\u{7f}|[a-z ]{0,6}){0,4}";
        (
            // Times written by hand (to 2242) and through serde (the rest).
            prop_oneof![
                1_000_000u64..(1 << 33) * 1_000_000,
                0u64..=253_402_300_799_999_999
            ],
            prop_oneof![Just("default".to_owned()), text],
            proptest::option::of(text),
            proptest::option::of(text),
            prop_oneof![Just(Level::Info), Just(Level::Error), Just(Level::Debug)],
            proptest::collection::btree_map(text, any::<i32>(), 0..3),
        )
            .prop_map(|(micros, ty, category, message, level, data)| Breadcrumb {
                timestamp: UNIX_EPOCH + Duration::from_micros(micros),
                ty: ty.into(),
                category: category.map(Into::into),
                level,
                message: message.map(Into::into),
                data: data.into_iter().map(|(k, v)| (k, v.into())).collect(),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The hand-written breadcrumbs are exactly what serde writes, escapes included.
        #[test]
        fn hand_written_breadcrumbs_are_what_serde_writes(crumbs in proptest::collection::vec(crumb(), 0..4)) {
            let mut ours = Vec::new();
            crumbs::write(&crumbs, &mut ours).unwrap();
            let serde = format!(
                r#""breadcrumbs":{{"values":{}}}"#,
                serde_json::to_string(&crumbs).unwrap()
            );
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde);
        }
    }

    #[test]
    fn an_envelope_carries_the_event_serde_would_write() {
        let mut event = Event::new();
        event.message = Some("with \"quotes\"".into());
        event.breadcrumbs = vec![
            Breadcrumb::new("first").with_category("ui.click"),
            Breadcrumb::new("second\n"),
        ];
        let bytes = crate::protocol::Envelope::from_event(event.clone())
            .to_vec()
            .unwrap();
        let payload = bytes.split(|b| *b == b'\n').nth(2).unwrap();
        let written: Value = serde_json::from_slice(payload).unwrap();
        assert_eq!(written, serde_json::to_value(&event).unwrap());
        assert_eq!(written["breadcrumbs"]["values"][1]["message"], "second\n");
    }
}
