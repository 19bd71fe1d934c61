//! `init` reads `SENTRY_SAMPLE_RATE`, `SENTRY_TRACES_SAMPLE_RATE` and `SENTRY_DEBUG` for the
//! options code leaves unset, and refuses a value it cannot use with an error that names the
//! variable, rather than run with a guess.
// Setting the environment is `unsafe` in edition 2024; see the SAFETY note below.
#![allow(unsafe_code)]

use scopeline::{ClientOptions, InitError};

fn set(name: &str, value: &str) {
    // SAFETY: this test binary holds only this test, which sets the environment before it
    // starts any thread of its own; the clients `try_init` makes read no environment.
    unsafe { std::env::set_var(name, value) }
}

#[test]
fn the_environment_fills_what_code_leaves_unset_and_bad_values_are_refused() {
    set("SENTRY_SAMPLE_RATE", " 0.25\n");
    set("SENTRY_TRACES_SAMPLE_RATE", "0.5");
    set("SENTRY_DEBUG", "True");
    let guard = scopeline::try_init(ClientOptions::new().capture_panics(false)).unwrap();
    let options = guard.client().options();
    assert_eq!(options.get_sample_rate(), 0.25);
    assert_eq!(options.get_traces_sample_rate(), Some(0.5));
    assert!(options.get_debug());
    drop(guard);

    // Code wins, even where it sets what the default would be.
    let guard = scopeline::try_init(
        ClientOptions::new()
            .sample_rate(1.0)
            .traces_sample_rate(0.0)
            .debug(false)
            .capture_panics(false),
    )
    .unwrap();
    let options = guard.client().options();
    assert_eq!(options.get_sample_rate(), 1.0);
    assert_eq!(options.get_traces_sample_rate(), Some(0.0));
    assert!(!options.get_debug());
    drop(guard);

    for (name, value, expected) in [
        ("SENTRY_SAMPLE_RATE", "half", "a number from 0 to 1"),
        ("SENTRY_SAMPLE_RATE", "1.5", "a number from 0 to 1"),
        ("SENTRY_SAMPLE_RATE", "NaN", "a number from 0 to 1"),
        ("SENTRY_TRACES_SAMPLE_RATE", "-0.1", "a number from 0 to 1"),
        (
            "SENTRY_DEBUG",
            "verbose",
            "one of 1, true, yes, on, 0, false, no, off",
        ),
    ] {
        set("SENTRY_SAMPLE_RATE", "1");
        set("SENTRY_TRACES_SAMPLE_RATE", "1");
        set("SENTRY_DEBUG", "off");
        set(name, value);
        let err = scopeline::try_init(ClientOptions::new().capture_panics(false)).unwrap_err();
        assert!(
            matches!(&err, InitError::Env { name: n, value: v, .. } if *n == name && v == value),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{name}={value:?} is not {expected}")
        );
    }
}
