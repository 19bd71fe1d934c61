//! Error source chain becomes exceptions cause first.
mod common;

use scopeline::ClientOptions;

#[derive(Debug)]
struct Outer(std::io::Error);
impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("could not save order")
    }
}
impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn the_root_cause_comes_first_with_linked_mechanisms() {
    scopeline::with_isolation_scope(|_| {
        let (_c, memory) = common::bind(ClientOptions::new().attach_stacktrace(true));
        let err = Outer(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "db timed out",
        ));
        let id = scopeline::capture_error(&err).unwrap();
        assert_eq!(scopeline::last_event_id(), Some(id));

        let e = &memory.events()[0];
        assert_eq!(e.exceptions.len(), 2);
        let (cause, outer) = (&e.exceptions[0], &e.exceptions[1]);
        assert_eq!(cause.value.as_deref(), Some("db timed out"));
        assert_eq!(outer.value.as_deref(), Some("could not save order"));
        assert!(outer.ty.ends_with("Outer"), "{}", outer.ty);
        assert_eq!(
            cause.ty, "std::io::Error",
            "a std error is named by the path users write, not by its private module \
             or its Debug output (`Custom`)"
        );
        let (mc, mo) = (
            cause.mechanism.as_ref().unwrap(),
            outer.mechanism.as_ref().unwrap(),
        );
        assert_eq!(
            (mo.ty.as_str(), mo.exception_id, mo.parent_id),
            ("generic", Some(0), None)
        );
        assert_eq!(
            (mc.ty.as_str(), mc.exception_id, mc.parent_id),
            ("chained", Some(1), Some(0))
        );
        assert!(
            outer.stacktrace.is_some(),
            "attach_stacktrace puts the stack on the outer error"
        );

        // A `dyn Error` works too.
        let boxed: Box<dyn std::error::Error + Send + Sync> =
            Box::new(std::io::Error::other("boxed"));
        scopeline::capture_error(&*boxed).unwrap();
        assert_eq!(
            memory.events()[1].exceptions[0].value.as_deref(),
            Some("boxed")
        );
        // Captured as itself, an `io::Error` is named by its public path too.
        scopeline::capture_error(&std::io::Error::other("direct")).unwrap();
        assert_eq!(memory.events()[2].exceptions[0].ty, "std::io::Error");
    });
}
