//! `init` reads `SENTRY_SAMPLE_RATE`, `SENTRY_TRACES_SAMPLE_RATE` and `SENTRY_DEBUG` for the
//! options code leaves unset, and refuses a value it cannot use with an error that names the
//! variable, rather than run with a guess. One test: the environment is the process's.
// Setting the environment is `unsafe` in edition 2024; see the SAFETY note below.
#![allow(unsafe_code)]

use scopeline::{ClientOptions, InitError};

fn set(name: &str, value: &str) {
    // SAFETY: this test binary holds only this test, and its clients have no DSN (`.dsn("")`
    // wins over `SENTRY_DSN`), so they start no thread that could read the environment
    // while it is set.
    unsafe { std::env::set_var(name, value) }
}

#[test]
fn the_environment_fills_what_code_leaves_unset_and_bad_values_are_refused() {
    set("SENTRY_SAMPLE_RATE", " 0.25\n");
    set("SENTRY_TRACES_SAMPLE_RATE", "0.5");
    set("SENTRY_DEBUG", "True");
    let guard = scopeline::try_init(ClientOptions::new().dsn("").capture_panics(false)).unwrap();
    let options = guard.client().options();
    assert_eq!(options.get_sample_rate(), 0.25);
    assert_eq!(options.get_traces_sample_rate(), Some(0.5));
    assert!(options.get_debug());
    drop(guard);

    // Code wins, even where it sets what the default would be.
    let guard = scopeline::try_init(
        ClientOptions::new()
            .dsn("")
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
        let err =
            scopeline::try_init(ClientOptions::new().dsn("").capture_panics(false)).unwrap_err();
        assert!(
            matches!(&err, InitError::Env { name: n, value: v, .. } if *n == name && v == value),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{name}={value:?} is not {expected}")
        );
    }

    // A sampler set in code decides alone: the traces rate variable is not read.
    set("SENTRY_DEBUG", "off");
    set("SENTRY_TRACES_SAMPLE_RATE", "not read");
    let guard = scopeline::try_init(
        ClientOptions::new()
            .dsn("")
            .traces_sampler(|_| 1.0)
            .capture_panics(false),
    )
    .unwrap();
    assert_eq!(guard.client().options().get_traces_sample_rate(), None);
}
