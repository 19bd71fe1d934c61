//! `Scope::update_from_scope` merges the other scope's breadcrumbs with its own by time, so
//! the newest are kept whichever scope holds them, and an isolation scope takes the trace
//! of the isolation scope it copies (one continued from incoming headers, say).
mod common;

use std::time::{Duration, SystemTime};

use scopeline::{Breadcrumb, ClientOptions, Scope};

fn crumb_at(message: &str, secs_ago: u64) -> Breadcrumb {
    let mut crumb = Breadcrumb::new(message.to_owned());
    crumb.timestamp = SystemTime::now() - Duration::from_secs(secs_ago);
    crumb
}

#[test]
fn older_breadcrumbs_copied_in_do_not_push_out_newer_ones() {
    scopeline::with_isolation_scope(|_| {
        let _ = common::bind(ClientOptions::new().max_breadcrumbs(4));
        let base = Scope::new();
        base.add_breadcrumb(crumb_at("base 20s ago", 20));
        base.add_breadcrumb(crumb_at("base 2s ago", 2));
        let other = Scope::new();
        for (message, ago) in [
            ("other 40s ago", 40),
            ("other 30s ago", 30),
            ("other 10s ago", 10),
            ("other 1s ago", 1),
        ] {
            other.add_breadcrumb(crumb_at(message, ago));
        }
        base.update_from_scope(&other);
        let messages: Vec<_> = (base.breadcrumbs().into_iter())
            .map(|c| c.message.unwrap().into_owned())
            .collect();
        assert_eq!(
            messages,
            [
                "base 20s ago",
                "other 10s ago",
                "base 2s ago",
                "other 1s ago"
            ]
        );
    });
}

#[test]
fn an_isolation_scope_takes_the_trace_of_the_isolation_scope_it_copies() {
    const TRACE: &str = "771a43a4192642f0b136d5159a501700";
    let continued = scopeline::with_isolation_scope(|_| {
        assert!(scopeline::continue_trace([(
            "sentry-trace",
            format!("{TRACE}-b0e6f15b45c36b12-1")
        )]));
        scopeline::get_isolation_scope()
    });
    scopeline::with_isolation_scope(|isolation| {
        assert!(!scopeline::trace_headers().sentry_trace().starts_with(TRACE));
        isolation.update_from_scope(&continued);
        assert!(scopeline::trace_headers().sentry_trace().starts_with(TRACE));
    });
}
