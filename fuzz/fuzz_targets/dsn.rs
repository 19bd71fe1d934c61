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
            if dsn.secret_key().is_some() {
                // The secret is masked where it sits, in the user info. (The same text may
                // also be part of the path, which is shown as it is.)
                let user_info = shown
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split_once('@'))
                    .map(|(user_info, _)| user_info);
                let masked = user_info.and_then(|u| u.split_once(':')).map(|(_, s)| s);
                assert_eq!(masked, Some("***"), "{shown:?} shows its secret");
            }
            let again: Dsn = shown
                .parse()
                .unwrap_or_else(|e| panic!("{shown:?} does not parse back: {e}"));
            assert_eq!(again.envelope_url(), url);
        }
    }
});
