//! An event the tracing layer captures says where it was logged (module, file, line) in a
//! `Rust Tracing Location` context, as sentry-tracing's do: with stack traces off (the
//! default) nothing else would.
#![cfg(feature = "tracing")]
mod common;

use scopeline::ClientOptions;

#[test]
fn the_event_carries_its_module_file_and_line() {
    common::traced(ClientOptions::new(), |memory| {
        let line = line!() + 1;
        tracing::error!("the ledger does not balance");

        let events = memory.events();
        let location = &events[0].contexts["Rust Tracing Location"];
        assert_eq!(location["module_path"], module_path!());
        assert_eq!(location["file"], file!());
        assert_eq!(location["line"], line);
    });
}
