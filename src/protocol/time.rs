//! Timestamps as Sentry wants them: float Unix seconds for breadcrumbs and client reports, RFC
//! 3339 with microseconds for the start and end of events, transactions and spans (what
//! `sentry-types`, and so the official SDK, reads for transactions and spans; one exact form
//! for both ends keeps `start <= end` true after parsing) and in headers. Every server accepts
//! both forms for every field.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serializer};

/// Formats a time as RFC 3339 in UTC with millisecond precision.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Serde helpers for `SystemTime` as float seconds since the epoch.
pub(crate) mod timestamp_float {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        // Microsecond precision is what Relay keeps: whole microseconds, so the JSON stays
        // short (the shortest decimal of micros / 1e6 has at most six decimals).
        let micros = |d: std::time::Duration| {
            (d.as_secs() * 1_000_000 + u64::from(d.subsec_micros())) as f64
        };
        let secs = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => micros(d) / 1e6,
            Err(e) => -micros(e.duration()) / 1e6,
        };
        s.serialize_f64(secs)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(serde::de::Error::custom("timestamp out of range"));
        }
        Ok(UNIX_EPOCH + std::time::Duration::from_secs_f64(secs))
    }
}

/// Like [`timestamp_rfc3339`], for an optional time.
pub(crate) mod timestamp_rfc3339_opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::timestamp_rfc3339::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        super::timestamp_rfc3339::deserialize(d).map(Some)
    }
}

/// Serde helpers for `SystemTime` as an RFC 3339 string in UTC with microsecond precision;
/// reads either that or float seconds.
pub(crate) mod timestamp_rfc3339 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_micros(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Secs(f64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Secs(secs) => {
                super::timestamp_float::deserialize(serde::de::value::F64Deserializer::new(secs))
            }
            Either::Text(text) => humantime::parse_rfc3339_weak(&text)
                .map_err(|e| serde::de::Error::custom(format!("timestamp {text:?}: {e}"))),
        }
    }
}
