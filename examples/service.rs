//! A service-shaped workload: concurrent requests, each in its own isolation scope with its
//! own user and request id, spawning child tasks, leaving breadcrumbs and failing sometimes.
//!
//! Run it with `cargo run --example service`. With `SENTRY_DSN` set the events go to that
//! server; with no DSN they come out on stdout as JSON lines (a summary goes to stderr).
//! Every event carries exactly its own request's user, tags and breadcrumbs:
//!
//! ```text
//! cargo run -q --example service | jq -c '{request: .tags.request_id, user: .user.id, crumbs: [.breadcrumbs.values[].message]}'
//! ```

use std::time::Duration;

use scopeline::transport::JsonLinesTarget;
use scopeline::{Breadcrumb, ClientOptions, Level, User};

#[derive(Debug)]
struct PaymentDeclined {
    order: u32,
    source: std::io::Error,
}

impl std::fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "payment for order {} declined", self.order)
    }
}

impl std::error::Error for PaymentDeclined {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Checks stock in a child task: it shares the request's isolation scope, so its breadcrumb
/// lands in the request's events.
async fn check_stock(order: u32) -> bool {
    scopeline::spawn(async move {
        tokio::time::sleep(Duration::from_millis(u64::from(order % 7))).await;
        scopeline::add_breadcrumb(
            Breadcrumb::new(format!("stock checked for order {order}")).with_category("inventory"),
        );
        true
    })
    .await
    .unwrap_or(false)
}

async fn charge(order: u32) -> Result<(), PaymentDeclined> {
    tokio::time::sleep(Duration::from_millis(u64::from(order % 3))).await;
    scopeline::add_breadcrumb(
        Breadcrumb::new(format!("charging order {order}")).with_category("payment"),
    );
    if order % 5 == 0 {
        return Err(PaymentDeclined {
            order,
            source: std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "card processor reset the connection",
            ),
        });
    }
    Ok(())
}

async fn handle_request(n: u32) -> Result<(), PaymentDeclined> {
    scopeline::set_user(Some(
        User::with_id(format!("user-{}", n % 17)).username(format!("shopper{}", n % 17)),
    ));
    scopeline::set_tag("request_id", format!("req-{n:04}"));
    scopeline::set_tag("route", "POST /orders");
    scopeline::add_breadcrumb(Breadcrumb::new(format!("received order {n}")).with_category("http"));
    if check_stock(n).await {
        charge(n).await?;
    }
    if n % 11 == 0 {
        scopeline::capture_message_with("order took the slow path", Level::Warning, |scope| {
            scope.set_extra("order", n.into());
        });
    }
    Ok(())
}

fn main() {
    // Events go to the server named by SENTRY_DSN when it is set, else to stdout.
    let _guard = scopeline::init(
        ClientOptions::new()
            .release(concat!("scopeline-example@", env!("CARGO_PKG_VERSION")))
            .environment("example")
            .json_lines(JsonLinesTarget::Stdout),
    );
    scopeline::get_global_scope().set_tag("service", "orders");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let failures = runtime.block_on(async {
        let requests: Vec<_> = (1..=60)
            .map(|n| {
                scopeline::spawn_isolated(async move {
                    let result = handle_request(n).await;
                    if let Err(err) = &result {
                        scopeline::capture_error(err);
                    }
                    result.is_err()
                })
            })
            .collect();
        let mut failures = 0;
        for request in requests {
            failures += usize::from(request.await.unwrap_or(true));
        }
        failures
    });
    let destination = match std::env::var("SENTRY_DSN") {
        Ok(dsn) if !dsn.is_empty() => "sent to the SENTRY_DSN server",
        _ => "on stdout",
    };
    eprintln!("handled 60 requests, {failures} failed; events are {destination}");
}
