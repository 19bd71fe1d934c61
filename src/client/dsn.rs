use std::fmt;
use std::str::FromStr;

/// A parsed Sentry DSN: where to send events and the key to send them with.
///
/// The grammar is `{scheme}://{public_key}[:{secret_key}]@{host}[:{port}]{path}/{project_id}`.
///
/// # Examples
///
/// ```
/// use scopeline::Dsn;
///
/// let dsn: Dsn = "https://abc123@o42.ingest.sentry.io/1234".parse().unwrap();
/// assert_eq!(dsn.public_key(), "abc123");
/// assert_eq!(dsn.project_id(), "1234");
/// assert_eq!(dsn.envelope_url(), "https://o42.ingest.sentry.io/api/1234/envelope/");
///
/// let err = "https://o42.ingest.sentry.io/1234".parse::<Dsn>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid DSN: missing public key (expected https://KEY@host/PROJECT_ID)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    scheme: Scheme,
    public_key: String,
    secret_key: Option<String>,
    host: String,
    port: Option<u16>,
    path: String,
    project_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

/// Why a DSN could not be parsed.
///
/// # Examples
///
/// ```
/// use scopeline::{Dsn, DsnParseError};
///
/// assert_eq!("https://key@sentry.io/".parse::<Dsn>(), Err(DsnParseError::MissingProjectId));
/// assert_eq!(
///     "ftp://key@sentry.io/1".parse::<Dsn>(),
///     Err(DsnParseError::UnsupportedScheme("ftp".into()))
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DsnParseError {
    /// The text is not a URL.
    NotAUrl(String),
    /// The scheme is neither `http` nor `https`.
    UnsupportedScheme(String),
    /// There is no public key before the `@`.
    MissingPublicKey,
    /// There is no host.
    MissingHost,
    /// The path has no project id as its last segment.
    MissingProjectId,
}

impl fmt::Display for DsnParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid DSN: ")?;
        match self {
            DsnParseError::NotAUrl(why) => write!(f, "not a URL ({why})"),
            DsnParseError::UnsupportedScheme(s) => {
                write!(f, "unsupported scheme `{s}` (expected http or https)")
            }
            DsnParseError::MissingPublicKey => {
                f.write_str("missing public key (expected https://KEY@host/PROJECT_ID)")
            }
            DsnParseError::MissingHost => f.write_str("missing host"),
            DsnParseError::MissingProjectId => f.write_str(
                "missing project id (expected the last path segment, as in https://KEY@host/42)",
            ),
        }
    }
}

impl std::error::Error for DsnParseError {}

impl FromStr for Dsn {
    type Err = DsnParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s.trim()).map_err(|e| DsnParseError::NotAUrl(e.to_string()))?;
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(DsnParseError::UnsupportedScheme(other.to_owned())),
        };
        let public_key = url.username();
        if public_key.is_empty() {
            return Err(DsnParseError::MissingPublicKey);
        }
        // IPv6 addresses without their brackets: `base_url` puts them back.
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(url::Host::Domain(h)) if !h.is_empty() => h.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            _ => return Err(DsnParseError::MissingHost),
        };
        let path = url.path().trim_end_matches('/');
        let (prefix, project_id) = match path.rsplit_once('/') {
            Some((prefix, id)) if !id.is_empty() => (prefix, id),
            _ => return Err(DsnParseError::MissingProjectId),
        };
        Ok(Dsn {
            scheme,
            public_key: public_key.to_owned(),
            secret_key: url.password().map(str::to_owned),
            host,
            port: url.port(),
            path: format!("{prefix}/"),
            project_id: project_id.to_owned(),
        })
    }
}

impl Dsn {
    /// The public key.
    ///
    /// ```
    /// let dsn: scopeline::Dsn = "https://abc123@o1.ingest.sentry.io/42".parse().unwrap();
    /// assert_eq!(dsn.public_key(), "abc123");
    /// ```
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The secret key, for old self-hosted servers that still want one.
    ///
    /// ```
    /// use scopeline::Dsn;
    ///
    /// let old: Dsn = "http://public:secret@sentry.internal:9000/7".parse().unwrap();
    /// assert_eq!(old.secret_key(), Some("secret"));
    /// let new: Dsn = "https://public@o1.ingest.sentry.io/42".parse().unwrap();
    /// assert_eq!(new.secret_key(), None);
    /// ```
    pub fn secret_key(&self) -> Option<&str> {
        self.secret_key.as_deref()
    }

    /// The project id.
    ///
    /// ```
    /// let dsn: scopeline::Dsn = "https://key@o1.ingest.sentry.io/42".parse().unwrap();
    /// assert_eq!(dsn.project_id(), "42");
    /// ```
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The host name or IP address (an IPv6 address without its brackets).
    ///
    /// ```
    /// use scopeline::Dsn;
    ///
    /// let dsn: Dsn = "https://key@o1.ingest.sentry.io/42".parse().unwrap();
    /// assert_eq!(dsn.host(), "o1.ingest.sentry.io");
    /// let local: Dsn = "http://key@[::1]:9000/3".parse().unwrap();
    /// assert_eq!(local.host(), "::1");
    /// ```
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The organization id, when the host is of the form `o{digits}.ingest…`.
    ///
    /// ```
    /// use scopeline::Dsn;
    ///
    /// let saas: Dsn = "https://key@o1234.ingest.sentry.io/42".parse().unwrap();
    /// assert_eq!(saas.org_id(), Some("1234"));
    /// let self_hosted: Dsn = "https://key@sentry.example.com/42".parse().unwrap();
    /// assert_eq!(self_hosted.org_id(), None);
    /// ```
    pub fn org_id(&self) -> Option<&str> {
        let label = self.host.split('.').next()?;
        let digits = label.strip_prefix('o')?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
    }

    /// Whether envelopes go over TLS.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn is_https(&self) -> bool {
        matches!(self.scheme, Scheme::Https)
    }

    /// The base URL: scheme, host, port when not the default, and path prefix.
    ///
    /// ```
    /// use scopeline::Dsn;
    ///
    /// let dsn: Dsn = "http://key@localhost:9000/sentry/7".parse().unwrap();
    /// assert_eq!(dsn.base_url(), "http://localhost:9000/sentry");
    /// // The scheme's default port is left out.
    /// let dsn: Dsn = "https://key@sentry.example.com:443/7".parse().unwrap();
    /// assert_eq!(dsn.base_url(), "https://sentry.example.com");
    /// ```
    pub fn base_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!(
                "{scheme}://{host}:{port}{}",
                self.path.trim_end_matches('/')
            ),
            None => format!("{scheme}://{host}{}", self.path.trim_end_matches('/')),
        }
    }

    /// The URL envelopes are posted to: `{base}/api/{project_id}/envelope/`.
    ///
    /// ```
    /// let dsn: scopeline::Dsn = "http://key@localhost:9000/sentry/7".parse().unwrap();
    /// assert_eq!(dsn.envelope_url(), "http://localhost:9000/sentry/api/7/envelope/");
    /// ```
    pub fn envelope_url(&self) -> String {
        format!("{}/api/{}/envelope/", self.base_url(), self.project_id)
    }
}

impl fmt::Display for Dsn {
    /// Writes the DSN with its secret key, if any, replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, rest) = self.base_url().split_once("://").map_or_else(
            || (String::new(), String::new()),
            |(a, b)| (a.to_owned(), b.to_owned()),
        );
        let secret = if self.secret_key.is_some() {
            ":***"
        } else {
            ""
        };
        write!(
            f,
            "{scheme}://{}{secret}@{rest}/{}",
            self.public_key, self.project_id
        )
    }
}

impl fmt::Debug for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dsn({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefix_port_and_secret() {
        let dsn: Dsn = "http://pub:sec@localhost:9000/sentry/sub/7"
            .parse()
            .unwrap();
        assert_eq!(dsn.secret_key(), Some("sec"));
        assert_eq!(
            dsn.envelope_url(),
            "http://localhost:9000/sentry/sub/api/7/envelope/"
        );
        assert_eq!(
            dsn.to_string(),
            "http://pub:***@localhost:9000/sentry/sub/7"
        );
        assert!(!format!("{dsn:?}").contains("sec@"));
    }

    #[test]
    fn default_port_is_dropped_and_org_id_is_derived() {
        let dsn: Dsn = "https://k@o42.ingest.us.sentry.io:443/5".parse().unwrap();
        assert_eq!(
            dsn.envelope_url(),
            "https://o42.ingest.us.sentry.io/api/5/envelope/"
        );
        assert_eq!(dsn.org_id(), Some("42"));
    }

    #[test]
    fn rejects_what_is_wrong_with_a_reason() {
        let cases = [
            ("", "not a URL"),
            ("ftp://k@h/1", "unsupported scheme `ftp`"),
            ("https://h/1", "missing public key"),
            ("https://k@h/", "missing project id"),
            ("https://k@h", "missing project id"),
        ];
        for (text, why) in cases {
            let err = text.parse::<Dsn>().unwrap_err().to_string();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn any_text_parses_or_fails_with_a_reason(s in any::<String>()) {
                if let Err(e) = s.parse::<Dsn>() {
                    prop_assert!(e.to_string().starts_with("invalid DSN: "));
                }
            }

            #[test]
            fn url_like_text_never_panics(s in "(https?|ftp)://[a-z0-9:@\\[\\]./%?#-]{0,40}") {
                let _ = s.parse::<Dsn>();
            }

            #[test]
            fn valid_dsns_give_their_envelope_url_and_hide_the_secret(
                https in any::<bool>(),
                key in "[a-f0-9]{1,32}",
                secret in proptest::option::of("SECRET[G-Z0-9]{1,26}"),
                host in prop_oneof![
                    // `xn--` starts an internationalized (punycode) label, which must decode.
                    "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}"
                        .prop_filter("not a punycode label", |h| !h.starts_with("xn--")),
                    Just("127.0.0.1".to_owned()),
                    Just("[::1]".to_owned()),
                    Just("[2001:db8::7]".to_owned()),
                ],
                port in proptest::option::of(1u16..),
                prefix in "(/[a-z0-9_-]{1,8}){0,3}",
                project in "[1-9][0-9]{0,8}",
            ) {
                let scheme = if https { "https" } else { "http" };
                let auth = match &secret {
                    Some(s) => format!("{key}:{s}"),
                    None => key.clone(),
                };
                let default_port = if https { 443 } else { 80 };
                let authority = match port {
                    Some(p) if p != default_port => format!("{host}:{p}"),
                    _ => host.clone(),
                };
                let text = match port {
                    Some(p) => format!("{scheme}://{auth}@{host}:{p}{prefix}/{project}"),
                    None => format!("{scheme}://{auth}@{host}{prefix}/{project}"),
                };
                let dsn: Dsn = text.parse().unwrap();
                prop_assert_eq!(
                    dsn.envelope_url(),
                    format!("{scheme}://{authority}{prefix}/api/{project}/envelope/")
                );
                prop_assert_eq!(dsn.public_key(), key.as_str());
                prop_assert_eq!(dsn.secret_key(), secret.as_deref());
                prop_assert_eq!(dsn.project_id(), project.as_str());
                // What is written back parses to the same place, without the secret.
                let shown = dsn.to_string();
                let debug = format!("{dsn:?}");
                if let Some(secret) = &secret {
                    prop_assert!(!shown.contains(&format!(":{secret}@")), "{}", shown);
                    prop_assert!(!debug.contains(secret.as_str()), "{}", debug);
                }
                let again: Dsn = shown.parse().unwrap();
                prop_assert_eq!(again.envelope_url(), dsn.envelope_url());
            }
        }
    }
}
