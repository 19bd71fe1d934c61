//! `before_breadcrumb` sees every breadcrumb before it is stored, with its hint: those added
//! through the API and those the tracing layer records (a closed span, an INFO event, each
//! with its fields), and what it returns is what events carry.
#![cfg(feature = "tracing")]
mod common;

use scopeline::{Breadcrumb, ClientOptions, Hint, Level};
use tracing_subscriber::prelude::*;

/// A retry count handed to `before_breadcrumb` in a hint.
struct Attempt(u32);

#[test]
fn api_and_tracing_breadcrumbs_are_edited_or_dropped_before_they_are_kept() {
    let subscriber = tracing_subscriber::registry().with(scopeline::TracingLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        scopeline::with_isolation_scope(|scope| {
            let (_client, memory) =
                common::bind(ClientOptions::new().before_breadcrumb(|mut crumb, hint| {
                    if crumb.message.as_deref() == Some("noise") {
                        return None;
                    }
                    if let Some(Attempt(n)) = hint.and_then(Hint::get::<Attempt>) {
                        crumb.data.insert("attempt".into(), (*n).into());
                    }
                    crumb.data.insert("seen".into(), true.into());
                    Some(crumb)
                }));

            scopeline::add_breadcrumb(Breadcrumb::new("noise"));
            scopeline::add_breadcrumb(Breadcrumb::new("user clicked pay"));
            scope.add_breadcrumb_with_hint(
                Breadcrumb::new("retried"),
                Some(Hint::new().with(Attempt(3))),
            );
            {
                let _span = tracing::info_span!("db.query", rows = 3).entered();
                tracing::info!(cache = "miss", "loaded the order");
                tracing::info!("noise");
            }
            scopeline::capture_message("checkout failed", Level::Error);

            let events = memory.events();
            assert_eq!(events.len(), 1);
            let crumbs = &events[0].breadcrumbs;
            let messages: Vec<_> = crumbs.iter().filter_map(|c| c.message.as_deref()).collect();
            assert_eq!(
                messages,
                [
                    "user clicked pay",
                    "retried",
                    "db.query",
                    "loaded the order"
                ],
                "dropped ones are gone; the span's breadcrumb is stamped with its start"
            );
            assert!(crumbs.iter().all(|c| c.data["seen"] == true), "{crumbs:?}");
            assert_eq!(crumbs[1].data["attempt"], 3);
            // The tracing layer's breadcrumbs reach the callback whole: fields, category,
            // and a span's duration.
            let span = &crumbs[2];
            assert_eq!(span.data["rows"], 3);
            assert!(span.data.contains_key("duration_ms"), "{span:?}");
            let event = &crumbs[3];
            assert_eq!(event.data["cache"], "miss");
            assert_eq!(event.category.as_deref(), Some(module_path!()));
        });
    });
}
