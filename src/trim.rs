//! Trimming events to the limits Relay enforces (protocol sheet §6), so that oversized data
//! is cut, not rejected whole. Strings over a limit are cut and end in `...`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::protocol::{Breadcrumb, Event, Exception};

pub(crate) const TAG_KEY: usize = 200;
pub(crate) const TAG_VALUE: usize = 200;
pub(crate) const MESSAGE: usize = 8192;
pub(crate) const SHORT: usize = 64;
pub(crate) const NAME: usize = 200;
pub(crate) const SERVER_NAME: usize = 256;
pub(crate) const EXCEPTION_TYPE: usize = 256;
pub(crate) const CRUMB_KIND: usize = 128;
pub(crate) const USER_FIELD: usize = 128;
pub(crate) const EMAIL: usize = 75;
pub(crate) const URL: usize = 256;
/// Depth and byte budget of one `extra` value (Relay: depth 7, 16 KiB).
const EXTRA_VALUE: (usize, usize) = (7, 16 * 1024);
/// Byte budget of all of `extra` (Relay: 256 KiB).
const EXTRA_TOTAL: usize = 256 * 1024;
/// Depth and byte budget of breadcrumb data (Relay: depth 5, 2 KiB).
const CRUMB_DATA: (usize, usize) = (5, 2 * 1024);
/// Depth and byte budget of one context (docs: 8 kB per context).
const CONTEXT: (usize, usize) = (5, 8 * 1024);
/// The largest event item Relay takes.
pub(crate) const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Cuts `s` to at most `max` characters, ending in `...` when cut.
pub(crate) fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return; // fewer bytes than the limit means fewer characters too
    }
    let Some((cut, _)) = s.char_indices().nth(max.saturating_sub(3)) else {
        return;
    };
    if s[cut..].chars().count() <= 3 {
        return;
    }
    s.truncate(cut);
    s.push_str("...");
}

fn truncate_opt(s: &mut Option<String>, max: usize) {
    if let Some(s) = s {
        truncate(s, max);
    }
}

fn truncate_cow(s: &mut Option<std::borrow::Cow<'static, str>>, max: usize) {
    if let Some(c) = s {
        if c.len() > max {
            let mut owned = c.to_string();
            truncate(&mut owned, max);
            *c = owned.into();
        }
    }
}

/// Makes a tag key Relay accepts: trimmed, spaces turned into `-`, other characters outside
/// `a-zA-Z0-9_.:-` turned into `_`, at most 200 characters. `None` when nothing is left.
pub(crate) fn tag_key(key: &str) -> Option<String> {
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    let mut out: String = key
        .chars()
        .map(|c| match c {
            ' ' => '-',
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-') => c,
            _ => '_',
        })
        .collect();
    truncate(&mut out, TAG_KEY);
    Some(out)
}

/// Makes a tag value Relay accepts: no line breaks, trimmed, at most 200 characters.
/// `None` when empty.
pub(crate) fn tag_value(value: &str) -> Option<String> {
    let mut out: String = value
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.is_empty() {
        return None;
    }
    truncate(&mut out, TAG_VALUE);
    Some(out)
}

fn json_len(v: &Value) -> usize {
    serde_json::to_vec(v).map_or(0, |b| b.len())
}

/// Trims a JSON value to a depth and an estimated byte budget: long strings are cut,
/// containers at the last level become their JSON text, and items past the budget are
/// dropped. Returns the bytes used.
pub(crate) fn trim_value(value: &mut Value, depth: usize, budget: usize) -> usize {
    match value {
        Value::String(s) => {
            truncate(s, budget.clamp(16, MESSAGE * 2));
            s.len() + 2
        }
        Value::Array(_) | Value::Object(_) if depth == 0 => {
            let mut text = serde_json::to_string(value).unwrap_or_default();
            truncate(&mut text, budget.max(16));
            let used = text.len() + 2;
            *value = Value::String(text);
            used
        }
        Value::Array(items) => {
            let mut used = 2;
            let mut keep = items.len();
            for (i, item) in items.iter_mut().enumerate() {
                if used >= budget {
                    keep = i;
                    break;
                }
                used += trim_value(item, depth - 1, budget - used) + 1;
            }
            items.truncate(keep);
            used
        }
        Value::Object(map) => {
            let mut used = 2;
            let mut drop_from = None;
            for (i, (k, v)) in map.iter_mut().enumerate() {
                if used >= budget {
                    drop_from = Some(i);
                    break;
                }
                used += k.len() + 4;
                used += trim_value(v, depth - 1, budget.saturating_sub(used));
            }
            if let Some(from) = drop_from {
                let extra: Vec<String> = map.keys().skip(from).cloned().collect();
                for k in extra {
                    map.remove(&k);
                }
            }
            used
        }
        other => json_len(other),
    }
}

fn trim_map(map: &mut BTreeMap<String, Value>, (depth, each): (usize, usize), total: usize) {
    let mut used = 0;
    map.retain(|_, v| {
        if used >= total {
            return false;
        }
        used += trim_value(v, depth, each.min(total - used));
        true
    });
}

fn trim_exception(e: &mut Exception) {
    truncate(&mut e.ty, EXCEPTION_TYPE);
    truncate_opt(&mut e.value, MESSAGE);
    truncate_opt(&mut e.module, EXCEPTION_TYPE);
    if let Some(trace) = &mut e.stacktrace {
        // Relay keeps at most 250 frames; keep the newest (last) ones.
        let len = trace.frames.len();
        if len > 250 {
            trace.frames.drain(..len - 250);
        }
    }
}

fn trim_breadcrumb(c: &mut Breadcrumb) {
    truncate_cow(&mut c.message, MESSAGE);
    if c.ty.len() > CRUMB_KIND {
        let mut t = c.ty.to_string();
        truncate(&mut t, CRUMB_KIND);
        c.ty = t.into();
    }
    truncate_cow(&mut c.category, CRUMB_KIND);
    trim_map(&mut c.data, CRUMB_DATA, CRUMB_DATA.1);
}

/// Trims every field of an event that Relay limits.
pub(crate) fn trim_event(event: &mut Event) {
    truncate_opt(&mut event.message, MESSAGE);
    truncate_opt(&mut event.logger, SHORT);
    truncate_opt(&mut event.transaction, NAME);
    truncate_cow(&mut event.release, NAME);
    truncate_cow(&mut event.environment, SHORT);
    truncate_cow(&mut event.dist, SHORT);
    truncate_cow(&mut event.server_name, SERVER_NAME);

    let tags = std::mem::take(&mut event.tags);
    for (k, v) in tags {
        if let (Some(k), Some(v)) = (tag_key(&k), tag_value(&v)) {
            event.tags.insert(k, v);
        }
    }
    trim_map(&mut event.extra, EXTRA_VALUE, EXTRA_TOTAL);
    for ctx in event.contexts.values_mut() {
        let mut v = Value::Object(std::mem::take(ctx));
        trim_value(&mut v, CONTEXT.0, CONTEXT.1);
        if let Value::Object(map) = v {
            *ctx = map;
        }
    }
    if let Some(user) = &mut event.user {
        truncate_opt(&mut user.id, USER_FIELD);
        truncate_opt(&mut user.username, USER_FIELD);
        truncate_opt(&mut user.name, USER_FIELD);
        truncate_opt(&mut user.email, EMAIL);
        trim_map(&mut user.data, CRUMB_DATA, 8 * 1024);
    }
    if let Some(req) = &mut event.request {
        truncate_opt(&mut req.url, URL);
        if let Some(data) = &mut req.data {
            trim_value(data, 7, 8 * 1024);
        }
    }
    for e in &mut event.exceptions {
        trim_exception(e);
    }
    for c in &mut event.breadcrumbs {
        trim_breadcrumb(c);
    }
    for f in &mut event.fingerprint {
        truncate(f, NAME);
    }
}

/// Last resort for an event whose JSON is over Relay's item limit: sheds the oldest
/// breadcrumbs, then `extra`, rather than lose the event. Called where the event is
/// serialized, so events under the limit are serialized once.
pub(crate) fn shed_to_fit(event: &mut Event) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(event).unwrap_or_default();
    while bytes.len() > MAX_EVENT_BYTES && !event.breadcrumbs.is_empty() {
        let half = event.breadcrumbs.len().div_ceil(2);
        event.breadcrumbs.drain(..half);
        bytes = serde_json::to_vec(event).unwrap_or_default();
    }
    if bytes.len() > MAX_EVENT_BYTES {
        event.extra.clear();
        bytes = serde_json::to_vec(event).unwrap_or_default();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truncate_counts_characters_and_marks_the_cut() {
        let mut s = "é".repeat(300);
        truncate(&mut s, 200);
        assert_eq!(s.chars().count(), 200);
        assert!(s.ends_with("..."));
        let mut short = "abc".to_owned();
        truncate(&mut short, 3);
        assert_eq!(short, "abc");
    }

    #[test]
    fn tag_keys_and_values_are_made_valid() {
        assert_eq!(tag_key(" user id ").as_deref(), Some("user-id"));
        assert_eq!(tag_key("a/b").as_deref(), Some("a_b"));
        assert_eq!(tag_key("  "), None);
        assert_eq!(tag_value("line\nbreak").as_deref(), Some("line break"));
        assert_eq!(tag_value(""), None);
        assert_eq!(tag_key(&"k".repeat(500)).unwrap().chars().count(), 200);
    }

    #[test]
    fn deep_and_wide_values_are_cut_to_budget() {
        let mut deep = json!({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}});
        trim_value(&mut deep, 3, 1024);
        assert!(deep["a"]["b"]["c"].is_string(), "{deep}");

        let mut wide = Value::Array((0..10_000).map(|i| json!(i)).collect());
        trim_value(&mut wide, 5, 2048);
        assert!(json_len(&wide) <= 2048 + 16);
        assert!(!wide.as_array().unwrap().is_empty());
    }

    #[test]
    fn an_oversized_event_is_trimmed_not_rejected() {
        let mut event = Event::new();
        event.message = Some("m".repeat(100_000));
        event.tags.insert("t".repeat(300), "v".repeat(300));
        event
            .extra
            .insert("blob".into(), json!("x".repeat(100_000)));
        for i in 0..2_000 {
            event
                .breadcrumbs
                .push(Breadcrumb::new("c".repeat(2_000)).with_data("i", i));
        }
        trim_event(&mut event);
        let bytes = shed_to_fit(&mut event);
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert_eq!(event.message.as_ref().unwrap().chars().count(), MESSAGE);
        let (k, v) = event.tags.iter().next().unwrap();
        assert_eq!((k.chars().count(), v.chars().count()), (200, 200));
        assert!(serde_json::to_vec(&event).unwrap().len() <= MAX_EVENT_BYTES);
        assert!(!event.breadcrumbs.is_empty());
    }
}
