//! Any text either parses as a DSN or fails with a reason; a parsed DSN has a usable
//! envelope URL, and what it prints parses back to the same place without the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopeline::Dsn;

fuzz_target!(|text: &str| {
    match text.parse::<Dsn>() {
        Err(e) => assert!(e.to_string().starts_with("invalid DSN: ")),
        Ok(dsn) => {
            let url = dsn.envelope_url();
            assert!(url.starts_with("http://") || url.starts_with("https://"));
            assert!(url.ends_with("/envelope/"));
            let shown = dsn.to_string();
            if let Some(secret) = dsn.secret_key() {
                assert!(!shown.contains(&format!(":{secret}@")));
            }
            let again: Dsn = shown
                .parse()
                .unwrap_or_else(|e| panic!("{shown:?} does not parse back: {e}"));
            assert_eq!(again.envelope_url(), url);
        }
    }
});
