//! Timestamps as Sentry wants them: float Unix seconds for breadcrumbs and client reports, RFC
//! 3339 with microseconds for the start and end of events, transactions and spans (what
//! `sentry-types`, and so the official SDK, reads for transactions and spans; one exact form
//! for both ends keeps `start <= end` true after parsing) and in headers. Every server accepts
//! both forms for every field.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serializer};

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

/// Brings a time into the range RFC 3339 can write (the epoch to the end of year 9999), so a
/// clock gone wrong or a hand-made event never fails to serialize.
fn clamp(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Err(_) => UNIX_EPOCH,
        Ok(d) if d.as_secs() > LAST_SECOND => UNIX_EPOCH + Duration::from_secs(LAST_SECOND),
        Ok(_) => t,
    }
}

/// Formats a time as RFC 3339 in UTC with millisecond precision, for serializers to write
/// straight out.
pub(crate) fn rfc3339_display(t: SystemTime) -> impl std::fmt::Display {
    humantime::format_rfc3339_millis(clamp(t))
}

/// Serde helpers for `SystemTime` as float seconds since the epoch.
pub(crate) mod timestamp_float {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        // Microsecond precision is what Relay keeps: whole microseconds, so the JSON stays
        // short (the shortest decimal of micros / 1e6 has at most six decimals).
        // Clamped on the duration: one clock subtraction, not two.
        let micros = match t.duration_since(UNIX_EPOCH) {
            Err(_) => 0,
            Ok(d) if d.as_secs() > LAST_SECOND => LAST_SECOND * 1_000_000,
            Ok(d) => d.as_secs() * 1_000_000 + u64::from(d.subsec_micros()),
        };
        s.serialize_f64(micros as f64 / 1e6)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .ok_or_else(|| serde::de::Error::custom("timestamp out of range"))
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
        s.collect_str(&humantime::format_rfc3339_micros(clamp(*t)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Times {
        #[serde(with = "timestamp_float")]
        float: SystemTime,
        #[serde(with = "timestamp_rfc3339")]
        text: SystemTime,
    }

    #[test]
    fn times_out_of_range_are_clamped_not_an_error() {
        let before_epoch = UNIX_EPOCH - Duration::from_secs(86_400);
        let far_future = UNIX_EPOCH + Duration::from_secs(LAST_SECOND * 3);
        let json = serde_json::to_string(&[
            Times {
                float: before_epoch,
                text: before_epoch,
            },
            Times {
                float: far_future,
                text: far_future,
            },
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"[{"float":0.0,"text":"1970-01-01T00:00:00.000000Z"},{"float":253402300799.0,"text":"9999-12-31T23:59:59.000000Z"}]"#
        );
        assert_eq!(
            rfc3339_display(before_epoch).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn unreadable_float_times_are_an_error_not_a_panic() {
        for text in ["-1", "1e300", "1.8e19"] {
            let json = format!(r#"{{"float":{text},"text":0}}"#);
            assert!(serde_json::from_str::<Times>(&json).is_err(), "{text}");
        }
    }
}
