//! Invalid dsn fails init with a reason.
use scopeline::ClientOptions;

#[test]
fn try_init_says_what_is_wrong_and_binds_nothing() {
    let cases = [
        ("not a dsn", "invalid DSN: not a URL"),
        ("ftp://key@host/1", "unsupported scheme `ftp`"),
        ("https://sentry.example.com/1", "missing public key"),
        ("https://key@sentry.example.com", "missing project id"),
    ];
    for (dsn, expected) in cases {
        let err = scopeline::try_init(ClientOptions::new().dsn(dsn)).unwrap_err();
        assert!(err.to_string().contains(expected), "{dsn}: {err}");
        assert!(std::error::Error::source(&err).is_some());
    }
    assert!(scopeline::get_global_scope().client().is_none());
}

#[test]
#[should_panic(expected = "scopeline::init: invalid DSN: missing public key")]
fn init_panics_with_the_reason() {
    let _guard = scopeline::init(ClientOptions::new().dsn("https://sentry.example.com/1"));
}

#[test]
fn a_valid_dsn_is_accepted() {
    let client =
        scopeline::Client::try_new(ClientOptions::new().dsn("https://key@o1.ingest.sentry.io/42"))
            .unwrap();
    assert_eq!(client.dsn().unwrap().project_id(), "42");
}
