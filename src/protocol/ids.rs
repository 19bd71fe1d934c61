use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of a captured event: a random UUID v4, written as 32 lowercase hex digits.
///
/// Every capture function returns `Option<EventId>`: `Some` once the event is queued for
/// the client's pipeline, `None` when it was dropped before that (no client, sampled out, a
/// full queue). An event dropped later (by an event processor, `before_send` or the
/// transport) has already returned its id.
///
/// # Examples
///
/// ```
/// use scopeline::protocol::EventId;
///
/// let id = EventId::new();
/// let text = id.to_string();
/// assert_eq!(text.len(), 32);
/// assert_eq!(text.parse::<EventId>().unwrap(), id);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(uuid::Uuid);

impl EventId {
    /// All zeros: never made by [`EventId::new`].
    pub(crate) const NIL: EventId = EventId(uuid::Uuid::nil());

    /// Makes a new random event id.
    ///
    /// ```
    /// use scopeline::protocol::EventId;
    ///
    /// assert_ne!(EventId::new(), EventId::new());
    /// ```
    pub fn new() -> Self {
        EventId(uuid::Uuid::new_v4())
    }

    /// Returns the id as a UUID.
    ///
    /// ```
    /// let id = scopeline::protocol::EventId::new();
    /// assert_eq!(id.as_uuid().get_version_num(), 4);
    /// assert_eq!(id.as_uuid().simple().to_string(), id.to_string());
    /// ```
    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl Default for EventId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.simple(), f)
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({})", self.0.simple())
    }
}

impl FromStr for EventId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(EventId)
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.simple())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Writes `bytes` as lowercase hex into `buf` (twice as long) and returns it as text.
fn hex<'b>(bytes: &[u8], buf: &'b mut [u8]) -> &'b str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in buf.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    // Only ASCII hex digits were written.
    std::str::from_utf8(buf).unwrap_or_default()
}

macro_rules! hex_id {
    ($(#[$meta:meta])* $name:ident, $bytes:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name([u8; $bytes]);

        impl $name {
            /// Makes a new random, non-zero id.
            ///
            /// ```
            #[doc = concat!("use scopeline::protocol::", stringify!($name), ";")]
            ///
            #[doc = concat!("let id = ", stringify!($name), "::random();")]
            #[doc = concat!("assert_ne!(id, ", stringify!($name), "::random());")]
            #[doc = concat!("assert_ne!(id.to_bytes(), [0u8; ", stringify!($bytes), "]);")]
            /// ```
            pub fn random() -> Self {
                let mut bytes = [0u8; $bytes];
                loop {
                    for chunk in bytes.chunks_mut(8) {
                        let n = fastrand::u64(..).to_le_bytes();
                        chunk.copy_from_slice(&n[..chunk.len()]);
                    }
                    if bytes.iter().any(|b| *b != 0) {
                        return $name(bytes);
                    }
                }
            }

            /// Builds an id from its raw bytes.
            ///
            /// ```
            #[doc = concat!("use scopeline::protocol::", stringify!($name), ";")]
            ///
            #[doc = concat!("let id = ", stringify!($name), "::from_bytes([0xab; ", stringify!($bytes), "]);")]
            #[doc = concat!("assert_eq!(id.to_string(), \"ab\".repeat(", stringify!($bytes), "));")]
            /// ```
            pub const fn from_bytes(bytes: [u8; $bytes]) -> Self {
                $name(bytes)
            }

            /// The raw bytes of the id.
            ///
            /// ```
            #[doc = concat!("use scopeline::protocol::", stringify!($name), ";")]
            ///
            #[doc = concat!("let id = ", stringify!($name), "::random();")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::from_bytes(id.to_bytes()), id);")]
            /// ```
            pub const fn to_bytes(self) -> [u8; $bytes] {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // One write of the whole id: ids are formatted for every span, header and
                // envelope, and a `write!` per byte costs several times more.
                let mut buf = [0u8; $bytes * 2];
                f.write_str(hex(&self.0, &mut buf))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.as_bytes();
                if s.len() != $bytes * 2 {
                    return Err(InvalidId(()));
                }
                let mut out = [0u8; $bytes];
                for (i, pair) in s.chunks(2).enumerate() {
                    out[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
                }
                if out.iter().all(|b| *b == 0) {
                    return Err(InvalidId(()));
                }
                Ok($name(out))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// A trace id: 16 random bytes, written as 32 lowercase hex digits.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::TraceId;
    ///
    /// let id: TraceId = "4bf92f3577b34da6a3ce929d0e0e4736".parse().unwrap();
    /// assert_eq!(id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    /// assert!("not-hex".parse::<TraceId>().is_err());
    /// ```
    TraceId,
    16
);

hex_id!(
    /// A span id: 8 random bytes, written as 16 lowercase hex digits.
    ///
    /// # Examples
    ///
    /// ```
    /// use scopeline::protocol::SpanId;
    ///
    /// let id = SpanId::random();
    /// assert_eq!(id.to_string().len(), 16);
    /// assert_eq!(id.to_string().parse::<SpanId>().unwrap(), id);
    /// ```
    SpanId,
    8
);

fn hex_digit(c: u8) -> Result<u8, InvalidId> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(InvalidId(())),
    }
}

/// The error returned when a [`TraceId`] or [`SpanId`] is not the right number of hex digits,
/// or is all zeros.
///
/// ```
/// use scopeline::protocol::SpanId;
///
/// assert!("00f067aa0ba902b7".parse::<SpanId>().is_ok());
/// // Too short, and all zeros.
/// assert!("00f067".parse::<SpanId>().is_err());
/// assert!("0000000000000000".parse::<SpanId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId(());

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid id: expected non-zero lowercase hex of the right length")
    }
}

impl std::error::Error for InvalidId {}
