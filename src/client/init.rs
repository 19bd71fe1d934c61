use std::fmt;
use std::io;

use super::{Client, ClientOptions, DsnParseError};

/// Why [`try_init`] or [`Client::try_new`] failed.
///
/// # Examples
///
/// ```
/// use scopeline::{Client, ClientOptions, DsnParseError, InitError};
///
/// let err = Client::try_new(ClientOptions::new().dsn("https://sentry.example.com/1")).unwrap_err();
/// assert!(matches!(err, InitError::Dsn(DsnParseError::MissingPublicKey)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// The DSN (from the options or `SENTRY_DSN`) is invalid.
    Dsn(DsnParseError),
    /// The JSON-lines file could not be opened.
    Io(io::Error),
    /// The HTTP transport could not be set up: its CA file (`ca_certs`) is unreadable or
    /// holds no certificate, or its thread could not start.
    Http(io::Error),
    /// An environment variable `init` reads holds a value it cannot use.
    Env {
        /// The variable, such as `SENTRY_SAMPLE_RATE`.
        name: &'static str,
        /// Its value, trimmed.
        value: String,
        /// What it should hold.
        expected: &'static str,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Dsn(e) => fmt::Display::fmt(e, f),
            InitError::Io(e) => write!(f, "cannot open the JSON-lines output: {e}"),
            InitError::Http(e) => write!(f, "cannot set up the HTTP transport: {e}"),
            InitError::Env {
                name,
                value,
                expected,
            } => write!(f, "{name}={value:?} is not {expected}"),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Dsn(e) => Some(e),
            InitError::Io(e) | InitError::Http(e) => Some(e),
            InitError::Env { .. } => None,
        }
    }
}

/// Keeps the client made by [`init`] alive; dropping it flushes queued events (for at most
/// the `shutdown_timeout` option) and closes the client.
///
/// Keep it in `main` for the life of the program. Dropping works the same under a sync
/// `main` and under `#[tokio::main]`: the transport runs on its own thread, so the wait never
/// needs the runtime.
///
/// # Examples
///
/// ```
/// use scopeline::{ClientOptions, transport::JsonLinesTarget};
///
/// let guard = scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
/// let client = guard.client().clone();
/// assert!(client.is_enabled());
/// drop(guard); // flushes and closes the client
/// assert!(!client.is_enabled());
/// ```
#[must_use = "dropping the guard flushes and closes the client at once"]
pub struct ClientInitGuard {
    client: Client,
}

impl fmt::Debug for ClientInitGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientInitGuard")
            .field("client", &self.client)
            .finish()
    }
}

impl ClientInitGuard {
    /// The client `init` made.
    ///
    /// ```
    /// use scopeline::{ClientOptions, transport::JsonLinesTarget};
    ///
    /// let guard = scopeline::init(
    ///     ClientOptions::new().release("app@1.0").json_lines(JsonLinesTarget::Stderr),
    /// );
    /// assert_eq!(guard.client().options().get_release(), Some("app@1.0"));
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether the client sends anything.
    ///
    /// ```
    /// use scopeline::{ClientOptions, transport::JsonLinesTarget};
    ///
    /// let guard = scopeline::init(ClientOptions::new().json_lines(JsonLinesTarget::Stderr));
    /// assert!(guard.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.client.is_enabled()
    }
}

impl Drop for ClientInitGuard {
    fn drop(&mut self) {
        let timeout = self.client.options().shutdown_timeout;
        if let Err(e) = self.client.close(timeout) {
            if self.client.options().debug {
                tracing::warn!(target: "scopeline", error = %e, "shutdown flush incomplete");
            }
        }
    }
}

/// An environment variable's value, without the surrounding white space a secrets file or
/// a shell may leave (a trailing newline would end up in every event's release).
fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// An environment variable's value read by `parse`; an [`InitError::Env`] that says it
/// should hold `expected` when `parse` cannot use it.
///
/// [`InitError::Env`]: super::InitError::Env
fn env_parsed<T>(
    name: &'static str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, super::InitError> {
    let Some(value) = env_var(name) else {
        return Ok(None);
    };
    match parse(&value) {
        Some(parsed) => Ok(Some(parsed)),
        None => Err(super::InitError::Env {
            name,
            value,
            expected,
        }),
    }
}

/// A sample rate from the environment: a number from 0 to 1.
fn env_rate(name: &'static str) -> Result<Option<f64>, super::InitError> {
    env_parsed(name, "a number from 0 to 1", |value| {
        value.parse().ok().filter(|rate| (0.0..=1.0).contains(rate))
    })
}

/// A switch from the environment: `1`, `true`, `yes`, `on` or their opposites, in any case.
fn env_switch(name: &'static str) -> Result<Option<bool>, super::InitError> {
    let expected = "one of 1, true, yes, on, 0, false, no, off";
    env_parsed(name, expected, |value| {
        match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Some(true),
            "0" | "false" | "no" | "off" => Some(false),
            _ => None,
        }
    })
}

/// Makes a client, binds it to the global scope and returns the guard that flushes it.
///
/// Options not set in code are read from the environment, trimmed: `SENTRY_DSN`,
/// `SENTRY_RELEASE`, `SENTRY_ENVIRONMENT`, `SENTRY_SAMPLE_RATE` and
/// `SENTRY_TRACES_SAMPLE_RATE` (numbers from 0 to 1) and `SENTRY_DEBUG` (`1`/`true`/`yes`/
/// `on` or `0`/`false`/`no`/`off`). `.dsn("")` in code keeps `SENTRY_DSN` from being read.
/// With `capture_panics` on (the default) it also installs the panic hook.
///
/// # Panics
///
/// Panics with the reason when [`try_init`] would fail (an invalid DSN or variable, a
/// JSON-lines file that cannot be opened, an HTTP transport that cannot be set up); use
/// `try_init` to handle it.
///
/// # Examples
///
/// ```
/// use scopeline::{ClientOptions, transport::JsonLinesTarget};
///
/// let _guard = scopeline::init(
///     ClientOptions::new()
///         .release("example@1.0.0")
///         .json_lines(JsonLinesTarget::Stderr),
/// );
/// scopeline::capture_message("started", scopeline::Level::Info);
/// ```
#[track_caller]
pub fn init(options: ClientOptions) -> ClientInitGuard {
    match try_init(options) {
        Ok(guard) => guard,
        Err(e) => panic!("scopeline::init: {e}"),
    }
}

/// Like [`init`], but returns the error instead of panicking.
///
/// # Errors
///
/// Fails when the DSN is invalid (saying what is wrong with it), when an environment variable
/// it reads holds a value it cannot use (naming the variable), or when the JSON-lines file
/// cannot be opened. Nothing is bound then.
///
/// # Examples
///
/// ```
/// let err = scopeline::try_init(scopeline::ClientOptions::new().dsn("https://key@sentry.io/")).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid DSN: missing project id (expected the last path segment, as in https://KEY@host/42)"
/// );
/// ```
pub fn try_init(mut options: ClientOptions) -> Result<ClientInitGuard, super::InitError> {
    if options.dsn.is_none() {
        options.dsn = env_var("SENTRY_DSN");
    }
    if options.release.is_none() {
        options.release = env_var("SENTRY_RELEASE").map(Into::into);
    }
    if options.environment.is_none() {
        options.environment = env_var("SENTRY_ENVIRONMENT").map(Into::into);
    }
    if !options.sample_rate_set {
        if let Some(rate) = env_rate("SENTRY_SAMPLE_RATE")? {
            options.sample_rate = rate;
        }
    }
    // A sampler set in code decides alone: the variable would not be used.
    if options.traces_sample_rate.is_none() && options.traces_sampler.is_none() {
        options.traces_sample_rate = env_rate("SENTRY_TRACES_SAMPLE_RATE")?;
    }
    if !options.debug_set {
        if let Some(on) = env_switch("SENTRY_DEBUG")? {
            options.debug = on;
        }
    }
    let capture_panics = options.capture_panics;
    let client = Client::try_new(options)?;
    crate::scope::set_global_client(Some(client.clone()));
    if capture_panics {
        crate::panic::install_panic_hook();
    }
    Ok(ClientInitGuard { client })
}
