//! Breadcrumbs as a scope keeps them. Most breadcrumbs are evicted unread, so the tracing
//! layer's are kept in the form they were recorded in (`&'static` field names, no map) and
//! become a [`Breadcrumb`] only when an event or a caller reads them.
#![cfg_attr(not(feature = "tracing"), allow(dead_code))]

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::Value;

use crate::protocol::{Breadcrumb, Level};

/// Recorded fields, named by their `tracing` field names.
pub(crate) type Fields = Vec<(&'static str, Value)>;

/// Sets `key` to `value` in a short list of fields (a breadcrumb's or a span's data, in a
/// `Vec` or kept inline), replacing an earlier value of the same key.
pub(crate) fn put_field<L, K, V>(fields: &mut L, key: K, value: V)
where
    L: std::ops::DerefMut<Target = [(K, V)]> + Extend<(K, V)>,
    K: PartialEq,
{
    match fields.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => fields.extend([(key, value)]),
    }
}

/// The newest `cap` of `crumbs`, oldest first: sorted by time, stably, so crumbs with equal
/// timestamps keep the order they are given in.
pub(crate) fn newest<C: std::borrow::Borrow<Crumb>>(
    mut crumbs: Vec<C>,
    cap: usize,
) -> impl Iterator<Item = C> {
    crumbs.sort_by_key(|c| c.borrow().timestamp());
    let skip = crumbs.len().saturating_sub(cap);
    crumbs.into_iter().skip(skip)
}

#[derive(Clone, Debug)]
pub(crate) enum Crumb {
    /// Added through the API, or returned by `before_breadcrumb`.
    Built(Breadcrumb),
    /// Recorded by the tracing layer.
    Traced(TracedCrumb),
}

/// A closed span or an event, as the tracing layer saw it.
#[derive(Clone, Debug)]
pub(crate) struct TracedCrumb {
    pub(crate) timestamp: SystemTime,
    pub(crate) category: &'static str,
    pub(crate) level: Level,
    pub(crate) message: Cow<'static, str>,
    pub(crate) fields: Fields,
    /// A span's duration, kept as `duration_ms` in the breadcrumb's data.
    pub(crate) duration_ms: Option<f64>,
}

impl TracedCrumb {
    pub(crate) fn to_breadcrumb(&self) -> Breadcrumb {
        let mut data: BTreeMap<String, Value> = self
            .fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        if let Some(ms) = self.duration_ms {
            data.insert("duration_ms".into(), Value::from(ms));
        }
        Breadcrumb {
            category: Some(Cow::Borrowed(self.category)),
            level: self.level,
            data,
            // An event with no message (`info!(cache = "miss")`) has none, not an empty one.
            ..Breadcrumb::at(
                self.timestamp,
                (!self.message.is_empty()).then(|| self.message.clone()),
            )
        }
    }
}

impl From<Breadcrumb> for Crumb {
    fn from(crumb: Breadcrumb) -> Self {
        Crumb::Built(crumb)
    }
}

impl From<TracedCrumb> for Crumb {
    fn from(crumb: TracedCrumb) -> Self {
        Crumb::Traced(crumb)
    }
}

impl Crumb {
    pub(crate) fn timestamp(&self) -> SystemTime {
        match self {
            Crumb::Built(c) => c.timestamp,
            Crumb::Traced(c) => c.timestamp,
        }
    }

    /// The breadcrumb, borrowed when it is stored as one.
    pub(crate) fn breadcrumb(&self) -> Cow<'_, Breadcrumb> {
        match self {
            Crumb::Built(c) => Cow::Borrowed(c),
            Crumb::Traced(c) => Cow::Owned(c.to_breadcrumb()),
        }
    }

    pub(crate) fn into_breadcrumb(self) -> Breadcrumb {
        match self {
            Crumb::Built(c) => c,
            Crumb::Traced(c) => c.to_breadcrumb(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traced_crumb_reads_as_the_breadcrumb_it_stands_for() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7);
        let mut fields = Fields::new();
        put_field(&mut fields, "rows", Value::from(3));
        put_field(&mut fields, "rows", Value::from(4));
        put_field(&mut fields, "tags.shard", Value::from("a"));
        let crumb = Crumb::Traced(TracedCrumb {
            timestamp: at,
            category: "app::db",
            level: Level::Warning,
            message: Cow::Borrowed("query"),
            fields,
            duration_ms: Some(1.5),
        });
        assert_eq!(crumb.timestamp(), at);
        let b = crumb.into_breadcrumb();
        assert_eq!(b.timestamp, at);
        assert_eq!(b.category.as_deref(), Some("app::db"));
        assert_eq!(b.level, Level::Warning);
        assert_eq!(b.message.as_deref(), Some("query"));
        assert_eq!(b.data.len(), 3);
        assert_eq!(b.data["rows"], 4);
        assert_eq!(b.data["tags.shard"], "a");
        assert_eq!(b.data["duration_ms"], 1.5);
    }
}
