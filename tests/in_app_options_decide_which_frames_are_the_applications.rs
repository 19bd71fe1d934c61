//! `in_app_include` and `in_app_exclude` decide which stack frames are the application's,
//! over what scopeline guesses, on the events the pipeline sends (and before `before_send`
//! sees them).
mod common;

use std::sync::{Arc, Mutex};

use scopeline::ClientOptions;

/// `(function, in_app)` of the captured error's frames, innermost last, as `before_send` saw
/// them and as they were sent.
fn frames_with(options: ClientOptions) -> Vec<(String, Option<bool>)> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let options = options.attach_stacktrace(true).before_send(move |event| {
        let frames = &event.exceptions.last()?.stacktrace.as_ref()?.frames;
        *record.lock().unwrap() = frames.iter().map(|f| f.in_app).collect();
        Some(event)
    });
    // On a thread of its own, so that the standard library's thread frames are on the stack
    // however the test harness runs tests.
    std::thread::spawn(move || {
        scopeline::with_isolation_scope(|_| {
            let (_client, memory) = common::bind(options);
            scopeline::capture_error(&std::io::Error::other("disk full"));
            let event = memory.events().pop().expect("the error was sent");
            let frames = &event
                .exceptions
                .last()
                .unwrap()
                .stacktrace
                .as_ref()
                .unwrap()
                .frames;
            let in_app: Vec<_> = frames.iter().map(|f| f.in_app).collect();
            assert_eq!(*seen.lock().unwrap(), in_app, "before_send saw the same");
            (frames.iter())
                .map(|f| (f.function.clone().unwrap_or_default(), f.in_app))
                .collect()
        })
    })
    .join()
    .unwrap()
}

const THIS_TEST: &str = "in_app_options_decide_which_frames_are_the_applications";

#[test]
fn include_and_exclude_override_the_guess() {
    let guessed = frames_with(ClientOptions::new());
    let own = |frames: &[(String, Option<bool>)]| -> Vec<Option<bool>> {
        (frames.iter())
            .filter(|(f, _)| f.starts_with(THIS_TEST))
            .map(|(_, in_app)| *in_app)
            .collect()
    };
    let std_threads = |frames: &[(String, Option<bool>)]| -> Vec<Option<bool>> {
        (frames.iter())
            .filter(|(f, _)| f.starts_with("std::thread::"))
            .map(|(_, in_app)| *in_app)
            .collect()
    };
    // Guessed: this test's frames are the application's, the standard library's are not.
    assert!(!own(&guessed).is_empty(), "{guessed:#?}");
    assert!(
        own(&guessed).iter().all(|a| *a == Some(true)),
        "{guessed:#?}"
    );
    assert!(!std_threads(&guessed).is_empty(), "{guessed:#?}");
    assert!(std_threads(&guessed).iter().all(|a| *a == Some(false)));

    let told = frames_with(
        ClientOptions::new()
            .in_app_exclude([THIS_TEST])
            .in_app_include(["std::thread"]),
    );
    assert!(own(&told).iter().all(|a| *a == Some(false)), "{told:#?}");
    assert!(
        std_threads(&told).iter().all(|a| *a == Some(true)),
        "{told:#?}"
    );
}
