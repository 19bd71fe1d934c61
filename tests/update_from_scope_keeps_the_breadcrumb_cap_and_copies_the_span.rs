//! `Scope::update_from_scope` copies the other scope's active span and keeps breadcrumbs to
//! the cap of the client the scope resolves to (100 with none), however often it is called.
mod common;

use scopeline::{Breadcrumb, ClientOptions, Scope, TransactionContext};

#[test]
fn breadcrumbs_stay_within_the_clients_cap() {
    scopeline::with_isolation_scope(|_| {
        let _ = common::bind(ClientOptions::new().max_breadcrumbs(5));
        let other = Scope::new();
        for i in 0..4 {
            other.add_breadcrumb(Breadcrumb::new(format!("crumb {i}")));
        }
        assert_eq!(other.breadcrumbs().len(), 4);
        let base = Scope::new();
        for _ in 0..10 {
            base.update_from_scope(&other);
        }
        let crumbs = base.breadcrumbs();
        assert_eq!(crumbs.len(), 5);
        assert_eq!(
            crumbs[4].message.as_deref(),
            Some("crumb 3"),
            "the newest are kept"
        );
    });
}

#[test]
fn the_active_span_is_copied_and_kept_when_the_other_has_none() {
    let tx = scopeline::start_transaction(TransactionContext::new("job", "task"));
    let with_span = Scope::new();
    with_span.set_span(Some(tx.clone()));
    let base = Scope::new();
    base.update_from_scope(&with_span);
    assert_eq!(base.span().map(|s| s.span_id()), Some(tx.span_id()));
    base.update_from_scope(&Scope::new());
    assert_eq!(base.span().map(|s| s.span_id()), Some(tx.span_id()));
}
