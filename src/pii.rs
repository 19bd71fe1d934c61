//! Personal data rules (protocol sheet §8.5) for data scopeline collects on its own: tracing
//! fields, request headers. Data users set explicitly is never touched.

/// What a filtered value is replaced with.
pub(crate) const FILTERED: &str = "[Filtered]";

/// Keys whose values are scrubbed from automatically collected data (exact match, case and
/// `-`/`_` insensitive), as in the Python SDK's default denylist.
const DENYLIST: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy_authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "phpsessid",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "xsrf_token",
];

/// Scrubbed too while `send_default_pii` is off: addresses that identify a person.
const PII_KEYS: &[&str] = &["x_real_ip", "ip_address", "remote_addr", "client_ip"];

/// Substrings that make a header's value secret whatever the PII setting.
const SECRET_HEADER_PARTS: &[&str] = &[
    "auth",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "key",
    "jwt",
    "bearer",
    "sso",
    "saml",
    "csrf",
    "xsrf",
    "credentials",
    "session",
    "cookie",
];

fn normalized(key: &str) -> String {
    key.trim()
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Whether an automatically collected value under `key` must be scrubbed.
pub(crate) fn is_sensitive_key(key: &str, send_default_pii: bool) -> bool {
    let key = normalized(key);
    // `tags.` and similar prefixes do not hide a sensitive name.
    let last = key.rsplit('.').next().unwrap_or(&key);
    DENYLIST.iter().any(|d| *d == key || *d == last)
        || (!send_default_pii && PII_KEYS.iter().any(|d| *d == key || *d == last))
}

/// Whether a request header's value is secret (always filtered) or, with PII off, personal.
#[allow(dead_code)] // used by the tower layer, which comes next
pub(crate) fn is_sensitive_header(name: &str, send_default_pii: bool) -> bool {
    let name = normalized(name);
    SECRET_HEADER_PARTS.iter().any(|part| name.contains(part))
        || (!send_default_pii
            && [
                "x_forwarded_for",
                "x_real_ip",
                "forwarded",
                "cf_connecting_ip",
            ]
            .contains(&name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_denylist_exactly_and_ignore_case_and_dashes() {
        assert!(is_sensitive_key("Password", true));
        assert!(is_sensitive_key("X-Api-Key", true));
        assert!(is_sensitive_key("tags.token", true));
        assert!(!is_sensitive_key("tokens_used", true));
        assert!(!is_sensitive_key("user_id", false));
        assert!(is_sensitive_key("ip_address", false));
        assert!(!is_sensitive_key("ip_address", true));
    }

    #[test]
    fn headers_match_by_substring() {
        assert!(is_sensitive_header("Authorization", true));
        assert!(is_sensitive_header("X-Upstream-Token", true));
        assert!(is_sensitive_header("Cookie", true));
        assert!(is_sensitive_header("X-Forwarded-For", false));
        assert!(!is_sensitive_header("X-Forwarded-For", true));
        assert!(!is_sensitive_header("Accept", false));
    }
}
