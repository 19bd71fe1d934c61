//! `init` reads `SENTRY_DSN`, `SENTRY_RELEASE` and `SENTRY_ENVIRONMENT` without the white
//! space a secrets file leaves around them, and `.dsn("")` in code turns sending off even
//! with `SENTRY_DSN` set. What code sets wins over the environment.
// Setting the environment is `unsafe` in edition 2024; see the SAFETY note below.
#![allow(unsafe_code)]

use scopeline::ClientOptions;

#[test]
fn trimmed_values_and_an_explicit_empty_dsn() {
    // SAFETY: this test binary holds only this test, and no other thread exists yet that
    // could read the environment concurrently.
    unsafe {
        std::env::set_var("SENTRY_DSN", " https://public@o1.ingest.sentry.io/42\n");
        std::env::set_var("SENTRY_RELEASE", "shop@1.2.3\n");
        std::env::set_var("SENTRY_ENVIRONMENT", "  staging ");
    }
    let off = scopeline::try_init(ClientOptions::new().dsn("").capture_panics(false)).unwrap();
    assert!(
        !off.is_enabled(),
        "an empty DSN in code wins over SENTRY_DSN"
    );
    assert!(off.client().dsn().is_none());
    drop(off);

    let on = scopeline::try_init(ClientOptions::new().capture_panics(false)).unwrap();
    // Without the `http` feature a DSN has no transport to send through.
    assert_eq!(on.is_enabled(), cfg!(feature = "http"));
    assert_eq!(on.client().dsn().unwrap().project_id(), "42");
    let options = on.client().options();
    assert_eq!(options.get_release(), Some("shop@1.2.3"));
    assert_eq!(options.get_environment(), Some("staging"));
    drop(on);

    let coded = scopeline::try_init(
        ClientOptions::new()
            .dsn("https://key@self-hosted.example/7")
            .release("shop@2.0.0")
            .environment("production")
            .capture_panics(false),
    )
    .unwrap();
    assert_eq!(coded.client().dsn().unwrap().project_id(), "7");
    let options = coded.client().options();
    assert_eq!(options.get_release(), Some("shop@2.0.0"));
    assert_eq!(options.get_environment(), Some("production"));
}
