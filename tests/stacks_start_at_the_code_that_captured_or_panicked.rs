//! A stack trace starts at the user's code, whichever thread symbolizes it: an error
//! captured with `attach_stacktrace` (symbolized on the pipeline thread) and a panic in a
//! tokio task (likewise) have no frame of scopeline's or of the standard library's on top.
mod common;

use scopeline::protocol::Event;
use scopeline::{ClientOptions, Level};

fn innermost(event: &Event) -> String {
    let exception = event.exceptions.last().expect("an exception");
    let frames = &exception.stacktrace.as_ref().expect("a stack trace").frames;
    let functions: Vec<&str> = (frames.iter())
        .map(|f| f.function.as_deref().unwrap_or_default())
        .collect();
    format!("{} (all: {functions:#?})", functions.last().unwrap())
}

#[test]
fn a_captured_errors_stack_starts_in_the_function_that_captured_it() {
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new().attach_stacktrace(true));
        let err = "x".parse::<u8>().unwrap_err();
        scopeline::capture_error(&err);
        let events = memory.events();
        let top = innermost(&events[0]);
        assert!(
            top.starts_with(
                "stacks_start_at_the_code_that_captured_or_panicked::\
                 a_captured_errors_stack_starts_in_the_function_that_captured_it"
            ),
            "innermost frame {top}"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_tokio_task_has_its_stack_start_where_it_panicked() {
    scopeline::install_panic_hook();
    let (_c, memory) = common::bind_global(ClientOptions::new());
    let outcome = scopeline::spawn_isolated(async {
        panic_here();
    })
    .await;
    assert!(outcome.is_err());
    let events = memory.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level, Level::Fatal);
    let top = innermost(&events[0]);
    assert!(
        top.starts_with("stacks_start_at_the_code_that_captured_or_panicked::panic_here"),
        "innermost frame {top}"
    );
}

#[inline(never)]
fn panic_here() {
    panic!("in a task");
}
