//! Personal data rules (protocol sheet §8.5) for data scopeline collects on its own: tracing
//! fields, request headers. Data users set explicitly is never touched.
// Used by the tracing and tower layers.
#![cfg_attr(not(any(feature = "tracing", feature = "tower")), allow(dead_code))]

use std::borrow::Cow;

/// What a filtered value is replaced with.
pub(crate) const FILTERED: &str = "[Filtered]";

/// Substrings that make a header's value secret whatever the PII setting.
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
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
    // The draft data-collection spec's additions; its `sid` is matched as a whole name
    // (`pii::denied`), since as a part it would hit `side` and `inside`.
    "identity",
    // Relay's default rule for secrets names one-time passwords and two-factor codes too.
    "otp",
    "two_factor",
    "two-factor",
];

/// Writes `key` lowercased, with `-` read as `_`, into `buf`; `None` when it is too long
/// to be any listed key.
fn fold<'b>(key: &str, buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..key.len())?;
    for (o, k) in out.iter_mut().zip(key.bytes()) {
        *o = if k == b'-' {
            b'_'
        } else {
            k.to_ascii_lowercase()
        };
    }
    Some(out)
}

/// Keys whose values are scrubbed from automatically collected data (exact match after
/// [`fold`]), as in the Python SDK's default denylist.
fn denied(key: &[u8]) -> bool {
    matches!(
        key,
        b"password"
            | b"passwd"
            | b"secret"
            | b"api_key"
            | b"apikey"
            | b"auth"
            | b"credentials"
            | b"mysql_pwd"
            | b"privatekey"
            | b"private_key"
            | b"token"
            | b"otp"
            | b"two_factor"
            | b"sid"
            | b"session"
            | b"csrftoken"
            | b"sessionid"
            | b"x_csrftoken"
            | b"x_forwarded_for"
            | b"set_cookie"
            | b"cookie"
            | b"authorization"
            | b"proxy_authorization"
            | b"x_api_key"
            | b"aiohttp_session"
            | b"connect.sid"
            | b"csrf_token"
            | b"csrf"
            | b"_csrf"
            | b"_csrf_token"
            | b"phpsessid"
            | b"_session"
            | b"symfony"
            | b"user_session"
            | b"_xsrf"
            | b"xsrf_token"
    )
}

/// Scrubbed too while `send_default_pii` is off: addresses that identify a person.
fn personal(key: &[u8]) -> bool {
    matches!(
        key,
        b"x_real_ip" | b"ip_address" | b"remote_addr" | b"client_ip"
    )
}

/// Whether an automatically collected value under `key` must be scrubbed. Allocates
/// nothing: this runs for every field of every span and event the tracing layer sees.
pub(crate) fn is_sensitive_key(key: &str, send_default_pii: bool) -> bool {
    let key = key.trim();
    // `tags.` and similar prefixes do not hide a sensitive name.
    let last = key.rsplit('.').next().unwrap_or(key);
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    let whole = fold(key, &mut a);
    // Most keys have no dot: then the last segment is the whole key, checked once.
    let last = if last.len() < key.len() {
        fold(last, &mut b)
    } else {
        None
    };
    let listed = |f: fn(&[u8]) -> bool| whole.is_some_and(f) || last.is_some_and(f);
    listed(denied) || (!send_default_pii && listed(personal))
}

/// [`is_sensitive_key`] for a `tracing` field name, remembered per name and thread: a program
/// has few field names, each one `&'static str`, and the tracing layer asks for every field
/// of every span and event.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn is_sensitive_field(name: &'static str, send_default_pii: bool) -> bool {
    type Slot = Option<(&'static str, bool, bool)>;
    thread_local! {
        static SEEN: std::cell::RefCell<[Slot; 64]> = const { std::cell::RefCell::new([None; 64]) };
    }
    let slot = (name.as_ptr() as usize >> 3) % 64;
    let answer = || is_sensitive_key(name, send_default_pii);
    SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        match seen[slot] {
            Some((n, pii, sensitive)) if std::ptr::eq(n, name) && pii == send_default_pii => {
                sensitive
            }
            _ => {
                let sensitive = answer();
                seen[slot] = Some((name, send_default_pii, sensitive));
                sensitive
            }
        }
    })
    .unwrap_or_else(|_| answer())
}

/// Whether a request header's value is secret (always filtered) or, with PII off, personal.
/// Allocates nothing for names of real-world length: it runs for every header of every
/// captured request.
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) fn is_sensitive_header(name: &str, send_default_pii: bool) -> bool {
    let name = name.trim();
    if has_secret_part(name) {
        return true;
    }
    let mut buf = [0u8; 32];
    !send_default_pii
        && fold(name, &mut buf).is_some_and(|n| {
            matches!(
                n,
                b"x_forwarded_for"
                    | b"x_forwarded"
                    | b"forwarded_for"
                    | b"client_ip"
                    | b"remote_addr"
                    | b"x_remote_addr"
                    | b"x_remote_ip"
                    | b"x_originating_ip"
                    | b"cf_connecting_ipv6"
                    | b"x_real_ip"
                    | b"forwarded"
                    | b"cf_connecting_ip"
                    | b"true_client_ip"
                    | b"x_client_ip"
                    | b"fastly_client_ip"
                    | b"x_cluster_client_ip"
                    | b"x_original_forwarded_for"
                    | b"fly_client_ip"
                    | b"x_envoy_external_address"
                    | b"x_vercel_forwarded_for"
                    | b"x_azure_clientip"
                    | b"x_appengine_user_ip"
                    | b"cloudfront_viewer_address"
                    | b"x_arr_clientip"
                    | b"http_x_forwarded_for"
                    | b"do_connecting_ip"
                    | b"oxygen_buyer_ip"
                    // Who the user is, as an authenticating proxy in front tells the
                    // service (oauth2-proxy, Azure App Service, AWS ALB, Apache).
                    // (`X-Auth-Request-*` names hold `auth`: always filtered.)
                    | b"x_forwarded_user"
                    | b"x_forwarded_email"
                    | b"x_forwarded_preferred_username"
                    | b"x_ms_client_principal"
                    | b"x_ms_client_principal_name"
                    | b"x_ms_client_principal_id"
                    | b"x_amzn_oidc_data"
                    | b"x_amzn_oidc_identity"
                    | b"remote_user"
                    | b"x_remote_user"
                    | b"x_user"
                    | b"x_user_email"
                    | b"x_email"
                    | b"from"
            )
        })
}

/// Whether the value under a query key or cookie name is secret (the header substrings, as
/// the draft data-collection spec applies them to both, or a listed key) or, with PII off,
/// personal.
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) fn is_sensitive_name(name: &str, send_default_pii: bool) -> bool {
    has_secret_part(name.trim()) || is_sensitive_key(name, send_default_pii)
}

/// Whether `name` contains one of [`SECRET_HEADER_PARTS`], ignoring ASCII case. The name is
/// lowercased once (on the stack unless it is longer than any real header name); at each
/// byte, a part is compared further only if its first byte matches.
fn has_secret_part(name: &str) -> bool {
    let mut buf = [0u8; 64];
    let mut long = Vec::new();
    let lower = match buf.get_mut(..name.len()) {
        Some(lower) => lower,
        None => {
            long.resize(name.len(), 0);
            &mut long[..]
        }
    };
    for (l, b) in lower.iter_mut().zip(name.bytes()) {
        *l = b.to_ascii_lowercase();
    }
    (0..lower.len()).any(|i| {
        let rest = &lower[i..];
        SECRET_HEADER_PARTS
            .iter()
            .any(|part| part.as_bytes()[0] == rest[0] && rest.starts_with(part.as_bytes()))
    })
}

/// The query string with the values of sensitive keys filtered (any key containing a secret
/// header's part, such as `access_token`, and, with PII off, keys that name an address, such
/// as `client_ip`), and the credentials of a URL held in any other value
/// (`next=https://user:password@host/`, written as it is or percent-encoded) removed.
pub(crate) fn filter_query(query: &str, send_default_pii: bool) -> String {
    query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            if is_sensitive_name(&decoded, send_default_pii) {
                return format!("{key}=%5BFiltered%5D");
            }
            if value.contains('@') || value.contains("%40") {
                let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
                if let Some(userinfo) = credentials(&decoded) {
                    let mut plain = decoded.into_owned();
                    plain.replace_range(userinfo, "");
                    return format!(
                        "{key}={}",
                        percent_encoding::utf8_percent_encode(&plain, QUERY_VALUE)
                    );
                }
            }
            pair.to_owned()
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What a query value re-encoded after losing its credentials escapes: everything but
/// letters, digits and the characters a URL keeps as they are.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'/');

/// Where the user information of the URL `text` is (`user:password@`, `@` included), for a
/// URL with a scheme (`https://…`, at the start or after a space: `GET https://…`) or
/// relative to one (`//…`). A URL inside a query (`/cb?next=https://…`) is not this one:
/// [`filter_query`] sees to it, value by value.
///
/// The authority runs to the first `/` after it and the user information to its last `@`.
/// RFC 3986 forbids a raw `?` or `#` in it, but a password written by hand may hold one: so
/// user information with a `?` or `#` still counts when a `:` and something other than a
/// port come before it (a password follows), though not otherwise
/// (`https://host?mail=a@b`, `https://host:8443?mail=a@b` and `https://[::1]?mail=a@b` are
/// queries). A password holding a `/` cannot be told from a path holding an `@`: the
/// authority ends at that `/`.
pub(crate) fn credentials(text: &str) -> Option<std::ops::Range<usize>> {
    let is_scheme_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    let start = if text.starts_with("//") {
        2
    } else {
        let (scheme, _) = text.split_once("://")?;
        let word = scheme.trim_end_matches(is_scheme_char);
        let token = &scheme[word.len()..];
        let valid = token.starts_with(|c: char| c.is_ascii_alphabetic())
            && (word.is_empty() || word.ends_with(char::is_whitespace));
        if !valid {
            return None;
        }
        scheme.len() + 3
    };
    let authority = &text[start..];
    let end = authority.find(|c: char| c == '/' || c.is_whitespace());
    let authority = &authority[..end.unwrap_or(authority.len())];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let credentials = match userinfo.find(['?', '#']) {
        None => true,
        // An IPv6 host (`[::1]`) is no user name.
        Some(_) if userinfo.starts_with('[') => false,
        Some(delimiter) => userinfo[..delimiter]
            .split_once(':')
            .is_some_and(|(_, after)| !after.bytes().all(|b| b.is_ascii_digit())),
    };
    credentials.then_some(start..start + at + 1)
}

/// Field names whose values are URLs (tower-http's `uri`, OpenTelemetry's `url.full`...):
/// their query and credentials are filtered like a request's.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn is_url_field(name: &str) -> bool {
    matches!(
        name,
        "uri" | "url" | "http.url" | "http.uri" | "url.full" | "http.target" | "url.query"
    )
}

/// A URL written as text (a field's value, so perhaps no URL at all), as the request's own
/// URL is reported: without credentials (see [`credentials`]) or fragment, its query filtered
/// by [`filter_query`]. Borrowed when it has none of them.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn filter_url_text(value: &str, send_default_pii: bool) -> Cow<'_, str> {
    if !value.contains(['?', '#', '@']) {
        return Cow::Borrowed(value);
    }
    // Credentials first: a password may hold a `?` or `#` of its own.
    let mut rest = Cow::Borrowed(value);
    if let Some(userinfo) = credentials(value) {
        rest.to_mut().replace_range(userinfo, "");
    }
    let without_fragment = rest.split('#').next().unwrap_or(&rest);
    let Some((base, query)) = without_fragment.split_once('?') else {
        return match rest {
            Cow::Borrowed(_) if without_fragment.len() == value.len() => Cow::Borrowed(value),
            _ => Cow::Owned(without_fragment.to_owned()),
        };
    };
    Cow::Owned(format!("{base}?{}", filter_query(query, send_default_pii)))
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
        // Remembered answers are per name and setting.
        for _ in 0..2 {
            assert!(is_sensitive_field("ip_address", false));
            assert!(!is_sensitive_field("ip_address", true));
            assert!(is_sensitive_field("password", true));
            assert!(!is_sensitive_field("rows", false));
        }
    }

    #[test]
    fn headers_match_by_substring() {
        assert!(is_sensitive_header("Authorization", true));
        assert!(is_sensitive_header("X-Upstream-Token", true));
        assert!(is_sensitive_header("Cookie", true));
        assert!(is_sensitive_header("X-Forwarded-For", false));
        assert!(!is_sensitive_header("X-Forwarded-For", true));
        assert!(!is_sensitive_header("Accept", false));
        // Who the user is, as an authenticating proxy says: personal, not secret.
        for name in [
            "X-Forwarded-Email",
            "X-MS-CLIENT-PRINCIPAL-NAME",
            "Remote-User",
            "From",
        ] {
            assert!(is_sensitive_header(name, false), "{name}");
            assert!(!is_sensitive_header(name, true), "{name}");
        }
        assert!(is_sensitive_header(
            &format!("{}-Key", "x".repeat(80)),
            true
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The one-pass search answers as a plain substring search would, for any name.
        #[test]
        fn the_secret_part_search_agrees_with_a_plain_one(
            name in "([a-zA-Z0-9_-]|auth|Token|KEY|sso|é){0,40}",
        ) {
            let plain = SECRET_HEADER_PARTS.iter().any(|part| {
                name.to_ascii_lowercase().contains(part)
            });
            proptest::prop_assert_eq!(has_secret_part(&name), plain);
        }

        /// A URL's password never survives, whatever its password holds (but a `/`, which
        /// ends the authority), wherever the URL stands, and any text is taken without a
        /// panic.
        #[test]
        fn passwords_never_survive_and_nothing_panics(
            scheme in "(https?|//|ftp)",
            password in "pw[a-zA-Z0-9?#:@&=%é.]{1,12}",
            host in "(h\\.example|\\[::1\\]|10\\.0\\.0\\.1)(:[0-9]{1,5})?",
            path in "(/[a-z@?#]{0,6}){0,2}",
            nested in proptest::bool::ANY,
            noise in "\\PC{0,40}",
        ) {
            let sep = if scheme == "//" { "" } else { "://" };
            let url = format!("{scheme}{sep}user:{password}@{host}{path}");
            let text = if nested {
                let encoded = percent_encoding::utf8_percent_encode(&url, QUERY_VALUE);
                format!("/cb?page=2&next={encoded}")
            } else {
                url.clone()
            };
            for pii in [false, true] {
                let out = filter_url_text(&text, pii);
                let plain = percent_encoding::percent_decode_str(&out).decode_utf8_lossy();
                proptest::prop_assert!(!plain.contains(&password), "{text:?} -> {out:?}");
                proptest::prop_assert!(!plain.contains("user:"), "{text:?} -> {out:?}");
                let _ = filter_url_text(&noise, pii);
                let _ = filter_query(&noise, pii);
            }
        }
    }

    #[test]
    fn urls_in_text_lose_credentials_fragment_and_secret_query_values() {
        let cases = [
            ("/items/7", "/items/7"),
            ("/items?page=2", "/items?page=2"),
            (
                "/callback?code=x&access_token=t&page=2#frag",
                "/callback?code=x&access_token=%5BFiltered%5D&page=2",
            ),
            (
                "https://u:p@api.example:8443/a?api_key=k",
                "https://api.example:8443/a?api_key=%5BFiltered%5D",
            ),
            (
                "https://api.example/user@host",
                "https://api.example/user@host",
            ),
            ("not a url at all", "not a url at all"),
            // A password with a `?` or `#` of its own (one with a `/` reads as a path).
            ("https://u:p?ss@host/a", "https://host/a"),
            ("https://u:p#ss@host/a?x=1", "https://host/a?x=1"),
            // Relative to a scheme, even with a URL in its query.
            ("//u:p@host/a", "//host/a"),
            ("//u:p@host/a?next=https://x", "//host/a?next=https://x"),
            // A URL in a query value, as it is or percent-encoded.
            (
                "/login?next=https://u:p@evil.example/x&page=2",
                "/login?next=https://evil.example/x&page=2",
            ),
            (
                "/login?next=https%3A%2F%2Fu%3Ap%40evil.example%2Fx",
                "/login?next=https://evil.example/x",
            ),
            // An `@` in a query is not user information.
            (
                "https://host?mail=a@b.example",
                "https://host?mail=a@b.example",
            ),
            ("https://host:8443?mail=a@b", "https://host:8443?mail=a@b"),
            ("https://[::1]?mail=a@b", "https://[::1]?mail=a@b"),
            ("https://[::1]:8080?mail=a@b", "https://[::1]:8080?mail=a@b"),
            // A URL in a query value ends at its `&`.
            (
                "/cb?next=https://partner.example&code=1&user=a@b",
                "/cb?next=https://partner.example&code=1&user=a@b",
            ),
            ("mail me at a@b.example", "mail me at a@b.example"),
            ("see http://u:p@host/a then", "see http://host/a then"),
            ("GET https://u:p@host", "GET https://host"),
            ("x=https://u:p@host", "x=https://u:p@host"),
        ];
        for (value, filtered) in cases {
            assert_eq!(filter_url_text(value, true), filtered, "{value:?}");
        }
        // With PII off, keys that name an address go too.
        assert_eq!(
            filter_url_text("/x?client_ip=1.2.3.4", false),
            "/x?client_ip=%5BFiltered%5D"
        );
        assert_eq!(
            filter_url_text("/x?client_ip=1.2.3.4", true),
            "/x?client_ip=1.2.3.4"
        );
    }
}
