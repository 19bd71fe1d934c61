//! A URL recorded on a `tracing` span or event (tower-http's `uri`, an HTTP client's `url`)
//! is reported as a request's URL is: without credentials or fragment, and with the values
//! of secret query keys filtered, whatever `send_default_pii` says.
#![cfg(feature = "tracing")]
mod common;

use scopeline::{ClientOptions, Level};

#[test]
fn url_fields_lose_their_secrets_in_breadcrumbs_and_spans() {
    let options = ClientOptions::new()
        .traces_sample_rate(1.0)
        .send_default_pii(true);
    common::traced(options, |memory| {
        tracing::info_span!(
            "request",
            uri = %"/oauth/callback?code=c&access_token=t0ps3cret&page=2",
            other = "?access_token=kept: not a URL field",
        )
        .in_scope(|| {
            tracing::info!(
                url = "https://me:pw@api.example/v1?api_key=k#top",
                "calling out"
            );
        });
        scopeline::capture_message("after", Level::Error);

        let events = memory.events();
        let crumbs = &events[0].breadcrumbs;
        // The span's breadcrumb is stamped when the span started, so it comes first.
        assert_eq!(crumbs.len(), 2, "{crumbs:#?}");
        assert_eq!(
            crumbs[1].data["url"],
            "https://api.example/v1?api_key=%5BFiltered%5D"
        );
        assert_eq!(
            crumbs[0].data["uri"],
            "/oauth/callback?code=c&access_token=%5BFiltered%5D&page=2"
        );
        assert_eq!(
            crumbs[0].data["other"],
            "?access_token=kept: not a URL field"
        );

        let transactions = memory.transactions();
        let data = &transactions[0].contexts["trace"]["data"];
        assert_eq!(
            data["uri"],
            "/oauth/callback?code=c&access_token=%5BFiltered%5D&page=2"
        );
        let text = serde_json::to_string(&transactions).unwrap()
            + &serde_json::to_string(&events).unwrap();
        assert!(
            !text.contains("t0ps3cret") && !text.contains(":pw@"),
            "{text}"
        );
    });
}
