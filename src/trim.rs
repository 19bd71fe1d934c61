//! Trimming events to the limits Relay enforces (protocol sheet §6), so that oversized data
//! is cut, not rejected whole. Strings over a limit are cut and end in `...`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::protocol::{Breadcrumb, Context, Event, Exception, Stacktrace, Thread};

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
/// Depth and byte budget of request headers, env and body (Relay: large bag, depth 7, 8 KiB).
const REQUEST_BAG: (usize, usize) = (7, 8 * 1024);
/// Byte budget of a query string (Relay: small bag, 1 KiB) and of cookies (medium, 2 KiB).
const QUERY: usize = 1024;
const COOKIES: usize = 2 * 1024;
/// Budget of a span's data (Relay: large bag) and length of its op and description.
const SPAN_DATA: (usize, usize) = (7, 8 * 1024);
const SPAN_OP: usize = 128;
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

/// Whether [`tag_key`] would return `key` unchanged.
fn is_valid_tag_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= TAG_KEY
        && (key.bytes())
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

/// Whether [`tag_value`] would return `value` unchanged.
fn is_valid_tag_value(value: &str) -> bool {
    !value.is_empty()
        && value.trim().len() == value.len()
        && !value.chars().any(char::is_control)
        && (value.len() <= TAG_VALUE || value.chars().count() <= TAG_VALUE)
}

/// Makes a tag value Relay accepts: no line breaks, trimmed, at most 200 characters.
/// `None` when empty.
pub(crate) fn tag_value(value: &str) -> Option<String> {
    let spaced: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = spaced.trim().to_owned();
    if out.is_empty() {
        return None;
    }
    truncate(&mut out, TAG_VALUE);
    Some(out)
}

/// The length of `v`'s JSON text, counted as it is written: nothing is allocated.
fn json_len(v: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, v).map_or(0, |()| count.0)
}

/// The bytes `s` takes as a JSON string, with its quotes.
fn json_str_len(s: &str) -> usize {
    if !needs_escape(s) {
        return s.len() + 2;
    }
    2 + s.chars().map(json_char_len).sum::<usize>()
}

/// Whether any byte of `s` is escaped in JSON (a quote, a backslash, a control character).
pub(crate) fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The bytes `c` takes inside a JSON string.
fn json_char_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// Cuts `s` so that, written as a JSON string, it takes at most `budget` bytes with its
/// quotes, ending in `...` when cut. Returns the bytes it takes.
fn cut_json_string(s: &mut String, budget: usize) -> usize {
    // Most strings have nothing to escape: then their bytes are their JSON length.
    if s.len() + 2 <= budget && !needs_escape(s) {
        return s.len() + 2;
    }
    let mut used = 2;
    // Where to cut if the string turns out too long: the last point with room for `...`.
    let mut cut = None;
    for (i, c) in s.char_indices() {
        let n = json_char_len(c);
        if cut.is_none() && used + n + 3 > budget {
            cut = Some((i, used));
        }
        if used + n > budget {
            let (at, before) = cut.unwrap_or((i, used));
            s.truncate(at);
            s.push_str("...");
            return before + 3;
        }
        used += n;
    }
    used
}

/// The longest map key kept whole inside a data bag, in JSON bytes.
const BAG_KEY: usize = 256;

/// The keys that identify a trace context: the server rejects a transaction without them, so
/// they are kept whole, whatever else the context holds.
const TRACE_IDS: [&str; 4] = ["type", "trace_id", "span_id", "parent_span_id"];

/// Trims one context to Relay's budget. Its identifying keys stay whole, its plain values (an
/// OS's name, a span's op) come next and its nested ones (a span's `data`) get what is left:
/// keys are in alphabetical order, so trimming in that order would let a big `data` push
/// `span_id` and `trace_id` out of a trace context.
fn trim_context(ctx: &mut Context) {
    if measure_map(ctx, CONTEXT.0, CONTEXT.1).is_some() {
        return; // within budget, as nearly every context is: nothing to reorder or cut
    }
    if !ctx.values().any(|v| v.is_object() || v.is_array())
        && !TRACE_IDS.iter().any(|k| ctx.contains_key(*k))
    {
        // Flat, as most contexts are (os, runtime): nothing to reorder.
        let mut flat = Value::Object(std::mem::take(ctx));
        // Measured above: it does not fit.
        cut_value(&mut flat, CONTEXT.0, CONTEXT.1);
        if let Value::Object(map) = flat {
            *ctx = map;
        }
        return;
    }
    let mut ids = serde_json::Map::new();
    let mut used = 2;
    for key in TRACE_IDS {
        if let Some(Value::String(id)) = ctx.get(key) {
            used += json_str_len(key) + json_str_len(id) + 2;
            if let Some(value) = ctx.remove(key) {
                ids.insert(key.to_owned(), value);
            }
        }
    }
    let (nested, plain): (
        serde_json::Map<String, Value>,
        serde_json::Map<String, Value>,
    ) = std::mem::take(ctx)
        .into_iter()
        .partition(|(_, v)| v.is_object() || v.is_array());
    let mut parts = [Value::Object(plain), Value::Object(nested)];
    for part in &mut parts {
        used += trim_value(part, CONTEXT.0, CONTEXT.1.saturating_sub(used));
    }
    ctx.extend(ids);
    for part in parts {
        if let Value::Object(map) = part {
            ctx.extend(map);
        }
    }
}

/// Trims a JSON value to a depth and a byte budget of its JSON text: long strings and keys
/// are cut, containers at the last level become their JSON text, and items past the budget
/// are dropped. A value that goes in keeps at least a short prefix (and a number all its
/// digits), so the result can pass the budget by a few bytes per level. Returns the bytes
/// used.
pub(crate) fn trim_value(value: &mut Value, depth: usize, budget: usize) -> usize {
    // Most values fit: then one read-only walk, and no map is rebuilt.
    match measure(value, depth, budget) {
        Some(used) => used,
        None => cut_value(value, depth, budget),
    }
}

/// [`trim_value`]'s cutting walk, for a value that [`measure`] found does not fit.
fn cut_value(value: &mut Value, depth: usize, budget: usize) -> usize {
    match value {
        Value::String(s) => cut_json_string(s, budget.clamp(16, MESSAGE * 2)),
        Value::Array(_) | Value::Object(_) if depth == 0 => {
            let mut text = serde_json::to_string(value).unwrap_or_default();
            let used = cut_json_string(&mut text, budget.max(16));
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
        // The common case, no key to cut: values are trimmed where they are.
        Value::Object(map) if map.keys().all(|k| json_str_len(k) <= BAG_KEY) => {
            let mut used = 2;
            let mut full = false;
            map.retain(|k, v| {
                // An entry goes in only if its key leaves room for a value.
                let key = json_str_len(k) + 2;
                full = full || used + key >= budget;
                if !full {
                    used += key;
                    used += trim_value(v, depth - 1, budget - used);
                }
                !full
            });
            used
        }
        Value::Object(map) => {
            let mut used = 2;
            let mut kept = serde_json::Map::new();
            for (mut k, mut v) in std::mem::take(map) {
                // An entry goes in only if its key leaves room for a value.
                let key = cut_json_string(&mut k, BAG_KEY) + 2;
                if used + key >= budget {
                    break;
                }
                used += key;
                used += trim_value(&mut v, depth - 1, budget - used);
                kept.insert(k, v);
            }
            *map = kept;
            used
        }
        other => json_len(other),
    }
}

/// The bytes [`trim_value`] would count for `value`, when it would leave the value as it is;
/// `None` when it would cut or drop something. Counts exactly as `trim_value` does.
fn measure(value: &Value, depth: usize, budget: usize) -> Option<usize> {
    match value {
        Value::String(s) => {
            let used = json_str_len(s);
            (used <= budget.clamp(16, MESSAGE * 2)).then_some(used)
        }
        Value::Array(_) | Value::Object(_) if depth == 0 => None,
        Value::Array(items) => {
            let mut used = 2;
            for item in items {
                if used >= budget {
                    return None;
                }
                used += measure(item, depth - 1, budget - used)? + 1;
            }
            Some(used)
        }
        Value::Object(map) => measure_map(map, depth, budget),
        other => Some(json_len(other)),
    }
}

/// [`measure`] for a map whose values sit one level below `depth`.
fn measure_map(map: &serde_json::Map<String, Value>, depth: usize, budget: usize) -> Option<usize> {
    if depth == 0 {
        return None;
    }
    let mut used = 2;
    for (k, v) in map {
        let key = json_str_len(k);
        if key > BAG_KEY || used + key + 2 >= budget {
            return None;
        }
        used += key + 2;
        used += measure(v, depth - 1, budget - used)?;
    }
    Some(used)
}

/// Cuts a data bag (breadcrumb or span data, `extra`, a user's data) to `total` JSON bytes,
/// its keys included, each value to `each`; entries past the budget are dropped.
fn trim_map(map: &mut BTreeMap<String, Value>, (depth, each): (usize, usize), total: usize) {
    // Most breadcrumbs carry no data: not even `retain`'s set-up for them.
    if map.is_empty() {
        return;
    }
    cut_keys(map);
    // The braces, then for each entry its key, colon and comma.
    let mut used = 2;
    map.retain(|k, v| {
        let key = json_str_len(k) + 2;
        if used + key >= total {
            return false;
        }
        used += key;
        used += trim_value(v, depth, each.min(total - used));
        true
    });
}

/// Cuts keys longer than [`BAG_KEY`]; a map holding none (almost every one) is not rebuilt.
fn cut_keys<V>(map: &mut BTreeMap<String, V>) {
    if map.keys().all(|k| json_str_len(k) <= BAG_KEY) {
        return;
    }
    *map = std::mem::take(map)
        .into_iter()
        .map(|(mut k, v)| {
            cut_json_string(&mut k, BAG_KEY);
            (k, v)
        })
        .collect();
}

/// Makes every tag valid (see [`tag_key`], [`tag_value`]); drops those that cannot be.
fn trim_tags(tags: &mut BTreeMap<String, String>) {
    // Almost always every tag is valid already: then nothing is copied.
    if tags
        .iter()
        .all(|(k, v)| is_valid_tag_key(k) && is_valid_tag_value(v))
    {
        return;
    }
    *tags = std::mem::take(tags)
        .iter()
        .filter_map(|(k, v)| Some((tag_key(k)?, tag_value(v)?)))
        .collect();
}

/// Cuts a map of strings (headers, env) to a budget of JSON bytes: long values are cut,
/// entries past the budget dropped.
fn trim_strings(map: &mut BTreeMap<String, String>, budget: usize) {
    cut_keys(map);
    let mut used = 0;
    map.retain(|k, v| {
        if used >= budget {
            return false;
        }
        // The key, its colon and the comma after the entry.
        used += json_str_len(k) + 2;
        used += cut_json_string(v, budget.saturating_sub(used).max(16));
        true
    });
}

fn trim_exception(e: &mut Exception) {
    truncate(&mut e.ty, EXCEPTION_TYPE);
    truncate_opt(&mut e.value, MESSAGE);
    truncate_opt(&mut e.module, EXCEPTION_TYPE);
    if let Some(trace) = &mut e.stacktrace {
        trim_frames(trace);
    }
}

/// Relay keeps at most 250 frames; keeps the newest (last) ones.
fn trim_frames(trace: &mut Stacktrace) {
    let len = trace.frames.len();
    if len > 250 {
        trace.frames.drain(..len - 250);
    }
}

fn trim_thread(t: &mut Thread) {
    truncate(&mut t.id, SHORT);
    truncate_opt(&mut t.name, SHORT);
    if let Some(trace) = &mut t.stacktrace {
        trim_frames(trace);
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

    trim_tags(&mut event.tags);
    trim_map(&mut event.extra, EXTRA_VALUE, EXTRA_TOTAL);
    for ctx in event.contexts.values_mut() {
        trim_context(ctx);
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
        truncate_opt(&mut req.method, SHORT);
        // Relay's limits for these are JSON bytes, not characters.
        for (text, budget) in [(&mut req.query_string, QUERY), (&mut req.cookies, COOKIES)] {
            if let Some(text) = text {
                cut_json_string(text, budget);
            }
        }
        trim_strings(&mut req.headers, REQUEST_BAG.1);
        trim_strings(&mut req.env, REQUEST_BAG.1);
        if let Some(data) = &mut req.data {
            trim_value(data, REQUEST_BAG.0, REQUEST_BAG.1);
        }
    }
    for span in &mut event.spans {
        truncate_cow(&mut span.op, SPAN_OP);
        truncate_cow(&mut span.description, MESSAGE);
        truncate_cow(&mut span.status, SHORT);
        trim_tags(&mut span.tags);
        trim_map(&mut span.data, SPAN_DATA, SPAN_DATA.1);
    }
    for e in &mut event.exceptions {
        trim_exception(e);
    }
    for t in &mut event.threads {
        trim_thread(t);
    }
    for c in &mut event.breadcrumbs {
        trim_breadcrumb(c);
    }
    // Fingerprint entries are kept whole: Relay sets them no limit, and two long entries
    // cut to one length could merge two issues into one.
}

/// Last resort for an event whose JSON is over Relay's item limit: sheds data, least useful
/// first, rather than lose the event: the oldest breadcrumbs, a transaction's last spans,
/// `extra`, contexts other than `trace`, tags, threads, the innermost causes of a long
/// exception chain, request data, and finally the message's tail. Each step halves what it
/// sheds until the event fits, so the JSON is written a few times at most. Called where the
/// event is serialized, so events under the limit are serialized once.
pub(crate) fn shed_to_fit(event: &mut Event) -> Vec<u8> {
    fn halve<T>(items: &mut Vec<T>, keep_last: bool) -> bool {
        let len = items.len();
        if len == 0 {
            return false;
        }
        if keep_last {
            items.drain(..len.div_ceil(2));
        } else {
            items.truncate(len / 2);
        }
        true
    }
    fn halve_map<V>(map: &mut BTreeMap<String, V>) -> bool {
        let keep = map.len() / 2;
        match map.keys().nth(keep).cloned() {
            Some(first_dropped) => {
                map.split_off(&first_dropped);
                true
            }
            None => false,
        }
    }
    let mut bytes = serde_json::to_vec(event).unwrap_or_default();
    let mut step = 0;
    while bytes.len() > MAX_EVENT_BYTES {
        let shed = match step {
            0 => halve(&mut event.breadcrumbs, true),
            1 => halve(&mut event.spans, false),
            2 => !std::mem::take(&mut event.extra).is_empty(),
            3 => {
                let before = event.contexts.len();
                event.contexts.retain(|k, _| k == "trace");
                event.contexts.len() < before
            }
            4 => halve_map(&mut event.tags),
            5 if !event.threads.is_empty() => {
                event.threads.clear();
                true
            }
            5 if event.exceptions.len() > 1 => halve(&mut event.exceptions, true),
            5 => false,
            6 => event.request.take().is_some(),
            // Only a fingerprint that is itself large: dropping it regroups the event.
            7 if json_len(&event.fingerprint) > 64 * 1024 => {
                event.fingerprint.drain(..).count() > 0
            }
            7 => false,
            // A cut counts only if it shortened the message: 1,024 characters of `é` are
            // 2,048 bytes, and are not cut any further.
            8 => match &mut event.message {
                Some(m) => {
                    let before = m.len();
                    truncate(m, 1024);
                    m.len() < before
                }
                None => false,
            },
            _ => break,
        };
        if shed {
            bytes = serde_json::to_vec(event).unwrap_or_default();
        } else {
            step += 1;
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
    fn fingerprints_are_kept_whole() {
        let long = format!("SELECT * FROM orders WHERE {}", "x = 1 AND ".repeat(40));
        let mut event = Event::new();
        event.fingerprint = vec!["{{ default }}".into(), long.clone()];
        trim_event(&mut event);
        assert_eq!(event.fingerprint[1], long);
        // Shedding an event over the limit leaves a small fingerprint alone.
        event
            .extra
            .insert("blob".into(), json!("y".repeat(MAX_EVENT_BYTES)));
        let bytes = shed_to_fit(&mut event);
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert_eq!(event.fingerprint.len(), 2);
    }

    #[test]
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
    fn shedding_ends_when_a_non_ascii_message_cannot_be_cut_further() {
        // Over 1 MiB with nothing else to shed, and a message of 1,024 two-byte characters:
        // the message step once repeated forever.
        let mut event = Event::new();
        event.message = Some("é".repeat(1024));
        event.exceptions = vec![Exception {
            ty: "Big".into(),
            value: Some("x".repeat(MAX_EVENT_BYTES + 1)),
            ..Exception::default()
        }];
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let bytes = shed_to_fit(&mut event);
            let _ = done.send((bytes.len(), event.message));
        });
        let (len, message) = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("shedding ends");
        assert!(len > MAX_EVENT_BYTES, "nothing could bring it under");
        assert_eq!(message.unwrap().chars().count(), 1024);
    }

    /// The bytes `value` takes as JSON.
    fn json_bytes(value: &impl serde::Serialize) -> usize {
        serde_json::to_vec(value).unwrap().len()
    }

    #[test]
    fn data_bags_count_their_keys_and_cut_long_ones() {
        // A hundred entries of long keys and one-byte values: about 10 KB of data.
        let mut crumb = Breadcrumb::new("many keys");
        for i in 0..100 {
            crumb
                .data
                .insert(format!("{i:03}{}", "k".repeat(100)), json!(1));
        }
        trim_breadcrumb(&mut crumb);
        assert!(!crumb.data.is_empty());
        assert!(
            json_bytes(&crumb.data) <= CRUMB_DATA.1,
            "{}",
            json_bytes(&crumb.data)
        );

        let mut event = Event::new();
        event.extra.insert("x".repeat(4096), json!("v"));
        event.extra.insert("short".into(), json!("kept"));
        trim_event(&mut event);
        assert_eq!(event.extra["short"], "kept");
        let long = event.extra.keys().find(|k| k.starts_with('x')).unwrap();
        assert!(
            json_str_len(long) <= BAG_KEY && long.ends_with("..."),
            "{}",
            long.len()
        );
    }

    #[test]
    fn query_strings_cookies_and_header_names_are_cut_in_json_bytes() {
        let mut event = Event::new();
        let mut request = crate::protocol::Request {
            query_string: Some("€".repeat(1024)),
            cookies: Some("\"".repeat(2048)),
            ..Default::default()
        };
        request.headers.insert("h".repeat(10_000), "v".into());
        event.request = Some(request);
        trim_event(&mut event);
        let request = event.request.unwrap();
        assert!(json_bytes(&request.query_string) <= QUERY);
        assert!(json_bytes(&request.cookies) <= COOKIES);
        let name = request.headers.keys().next().unwrap();
        assert!(json_str_len(name) <= BAG_KEY, "{}", name.len());
    }

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

    /// JSON values of every kind, nested a few levels, with strings and keys around the
    /// lengths where cutting starts.
    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = "[a-z\"\n\u{e9}]{0,40}|a{250,260}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            text.prop_map(Value::from),
        ];
        let nested = leaf.clone().prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(text, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        prop_oneof![leaf, nested]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        #[cfg_attr(miri, ignore = "proptest: too slow under Miri")]
        fn a_value_is_measured_as_fitting_exactly_when_cutting_would_leave_it_alone(
            value in any_value(),
            depth in 0usize..5,
            budget in proptest::prop_oneof![0usize..32, 32usize..600],
        ) {
            let mut cut = value.clone();
            let used = cut_value(&mut cut, depth, budget);
            match measure(&value, depth, budget) {
                Some(measured) => {
                    proptest::prop_assert_eq!(&cut, &value);
                    proptest::prop_assert_eq!(measured, used);
                }
                None => proptest::prop_assert_ne!(&cut, &value),
            }
        }
    }

    proptest::proptest! {
        #[test]
        #[cfg_attr(miri, ignore = "proptest: too slow under Miri")]
        fn a_tag_is_valid_exactly_when_making_it_valid_leaves_it_alone(
            s in "(\\PC|[ \t\n\u{85}\u{a0}\u{1b}_.:/-]){0,8}|[a-z]{195,205}|\u{e9}{195,205}"
        ) {
            proptest::prop_assert_eq!(is_valid_tag_key(&s), tag_key(&s).as_deref() == Some(&*s));
            proptest::prop_assert_eq!(is_valid_tag_value(&s), tag_value(&s).as_deref() == Some(&*s));
        }
    }

    #[test]
    fn tag_keys_and_values_are_made_valid() {
        assert_eq!(tag_key(" user id ").as_deref(), Some("user-id"));
        assert_eq!(tag_key("a/b").as_deref(), Some("a_b"));
        assert_eq!(tag_key("  "), None);
        assert_eq!(tag_value("line\nbreak").as_deref(), Some("line break"));
        assert_eq!(tag_value(""), None);
        assert_eq!(tag_value("\t\u{7}\n"), None);
        assert_eq!(tag_value("\u{1b}[1mbold\n").as_deref(), Some("[1mbold"));
        assert_eq!(tag_key(&"k".repeat(500)).unwrap().chars().count(), 200);
    }

    #[test]
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
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
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
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

    #[test]
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
    fn shedding_keeps_the_message_and_the_newest_breadcrumbs() {
        let mut event = Event::new();
        event.message = Some("kept".into());
        // About 400 KB of tags, which fit once the breadcrumbs (3.2 MB) are shed.
        for i in 0..1_000 {
            event
                .tags
                .insert(format!("{i:05}{}", "k".repeat(190)), "v".repeat(200));
        }
        for i in 0..400 {
            event
                .breadcrumbs
                .push(Breadcrumb::new("c".repeat(8_000)).with_data("i", i));
        }
        event.contexts.insert("trace".into(), Default::default());
        event.contexts.insert("big".into(), Default::default());
        let bytes = shed_to_fit(&mut event);
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert_eq!(event.message.as_deref(), Some("kept"));
        assert!(event.contexts.contains_key("trace"));
        // Breadcrumbs go oldest first, halved until the event fits: 400, 200, 100, 50.
        let kept: Vec<_> = event
            .breadcrumbs
            .iter()
            .map(|c| c.data["i"].clone())
            .collect();
        assert_eq!(kept, (350..400).map(Value::from).collect::<Vec<_>>());
        assert_eq!(
            event.tags.len(),
            1_000,
            "tags are shed only after breadcrumbs"
        );
    }

    #[test]
    #[cfg_attr(miri, ignore = "a megabyte of JSON: too slow under Miri")]
    fn shedding_halves_tags_that_alone_are_too_big() {
        let mut event = Event::new();
        event.message = Some("kept".into());
        // About 1.2 MB of tags: more than an event may hold, with nothing else to shed.
        for i in 0..3_000 {
            event
                .tags
                .insert(format!("{i:05}{}", "k".repeat(190)), "v".repeat(200));
        }
        let bytes = shed_to_fit(&mut event);
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert_eq!(event.message.as_deref(), Some("kept"));
        assert!(!event.tags.is_empty() && event.tags.len() < 3_000);
    }

    #[test]
    #[cfg_attr(miri, ignore = "megabytes of JSON: too slow under Miri")]
    fn shedding_causes_keeps_the_error_and_every_kept_causes_parent() {
        #[derive(Debug)]
        struct Layer(usize, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "layer {} {}", self.0, "x".repeat(100_000))
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let chain = (1..16)
            .rev()
            .fold(None, |inner, i| Some(Box::new(Layer(i, inner))));
        let error = Layer(0, chain);
        let mut event = Event::new();
        event.exceptions = crate::client::exceptions_from_error(
            "Layer".into(),
            error.to_string(),
            std::error::Error::source(&error),
        );
        assert_eq!(event.exceptions.len(), 16);
        let bytes = shed_to_fit(&mut event);
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert!(event.exceptions.len() < 16);
        let ids: Vec<_> = (event.exceptions.iter())
            .map(|e| e.mechanism.as_ref().unwrap())
            .collect();
        // The error itself (id 0, last: causes come first) is kept.
        assert_eq!(ids.last().unwrap().exception_id, Some(0));
        for m in &ids {
            if let Some(parent) = m.parent_id {
                assert!(ids.iter().any(|p| p.exception_id == Some(parent)), "{m:?}");
            }
        }
    }

    #[test]
    fn header_maps_are_cut_by_the_size_of_their_json() {
        // Quotes take two bytes each in JSON: by raw length these would fit.
        let mut headers: BTreeMap<String, String> = (0..64)
            .map(|i| (format!("x-h{i:02}"), "\"".repeat(100)))
            .collect();
        trim_strings(&mut headers, REQUEST_BAG.1);
        let len = serde_json::to_vec(&headers).unwrap().len();
        assert!(len <= REQUEST_BAG.1 + 32, "{len}");
        assert!(headers.len() < 64 && !headers.is_empty());
    }

    #[test]
    fn bags_stay_within_a_few_bytes_of_their_budget() {
        let mut v = json!({
            "a": {"b": "¡".repeat(20_000), "a long second key, ¥ and more to pass the budget": 3_464_535_862_244_817_468u64},
            "c": "never reached",
        });
        trim_value(&mut v, 7, 16 * 1024);
        let len = serde_json::to_vec(&v).unwrap().len();
        assert!(len <= 16 * 1024 + 32, "{len}");
        assert!(v["a"]["b"].as_str().unwrap().ends_with("..."));
    }

    #[test]
    fn strings_are_cut_by_their_json_size() {
        for (input, budget) in [
            ("\u{1}".repeat(1000), 100),
            ("🦀".repeat(1000), 100),
            ("\"".repeat(50), 33),
        ] {
            let mut s = input.clone();
            let used = cut_json_string(&mut s, budget);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(used, json.len(), "{json}");
            assert!(json.len() <= budget, "{} > {budget}", json.len());
            assert!(s.ends_with("..."));
        }
        let mut short = "fits".to_owned();
        assert_eq!(cut_json_string(&mut short, 100), 6);
        assert_eq!(short, "fits");
    }
}
