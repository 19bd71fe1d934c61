//! Panics are captured as fatal events with their scope.
mod common;

use scopeline::{ClientOptions, Level};

#[test]
fn a_panic_in_a_scoped_thread_becomes_a_fatal_event_with_that_scope() {
    scopeline::install_panic_hook();
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new());
        scopeline::set_tag("job", "resize");
        let result = scopeline::spawn_thread(|| panic!("image too large")).join();
        assert!(result.is_err());
        let events = memory.events();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.level, Level::Fatal);
        assert_eq!(e.tags["job"], "resize");
        let exc = &e.exceptions[0];
        assert_eq!(exc.ty, "panic");
        assert!(exc.value.as_ref().unwrap().starts_with("image too large"));
        let mechanism = exc.mechanism.as_ref().unwrap();
        assert_eq!(
            (mechanism.ty.as_str(), mechanism.handled),
            ("panic", Some(false))
        );
        // Oldest first; the innermost frame is the closure that panicked, not scopeline's
        // hook nor the panic machinery.
        let frames = &exc.stacktrace.as_ref().expect("a stack trace").frames;
        let functions: Vec<&str> = (frames.iter())
            .map(|f| f.function.as_deref().unwrap_or_default())
            .collect();
        let innermost = functions.last().expect("at least one frame");
        assert!(
            innermost.contains("a_panic_in_a_scoped_thread_becomes_a_fatal_event_with_that_scope"),
            "innermost frame {innermost}, all: {functions:#?}"
        );
    });
}
