//! The breadcrumb cap holds after the scopes' breadcrumbs are merged: the newest
//! `max_breadcrumbs` of all of them, in time order.
mod common;

use scopeline::{Breadcrumb, ClientOptions, Level};

#[test]
fn two_full_scopes_still_give_at_most_max_breadcrumbs_newest_kept() {
    scopeline::with_isolation_scope(|iso| {
        let (_c, memory) = common::bind(ClientOptions::new().max_breadcrumbs(5));
        // Made alternately, so the newest five come from both scopes.
        for i in 0..8 {
            iso.add_breadcrumb(Breadcrumb::new(format!("iso {i}")));
            scopeline::get_current_scope().add_breadcrumb(Breadcrumb::new(format!("cur {i}")));
        }
        assert_eq!(iso.breadcrumbs().len(), 5, "cap per scope");
        scopeline::capture_message("m", Level::Info);
        let event = &memory.events()[0];
        assert_eq!(
            common::crumb_messages(event),
            ["cur 5", "iso 6", "cur 6", "iso 7", "cur 7"]
        );
        let crumbs = &event.breadcrumbs;
        assert!(crumbs.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    });
}

#[test]
fn a_fresh_isolation_scope_forks_breadcrumbs_without_sharing_later_ones() {
    scopeline::with_isolation_scope(|outer| {
        let (_c, memory) = common::bind(ClientOptions::new());
        scopeline::add_breadcrumb(Breadcrumb::new("outer before"));
        scopeline::with_isolation_scope(|_| {
            scopeline::add_breadcrumb(Breadcrumb::new("inner"));
            scopeline::capture_message("m", Level::Info);
        });
        scopeline::add_breadcrumb(Breadcrumb::new("outer after"));
        let inner_event = &memory.events()[0];
        let msgs: Vec<_> = inner_event
            .breadcrumbs
            .iter()
            .map(|c| c.message.clone().unwrap())
            .collect();
        assert_eq!(msgs, ["outer before", "inner"]);
        let outer_msgs: Vec<_> = outer
            .breadcrumbs()
            .iter()
            .map(|c| c.message.clone().unwrap())
            .collect();
        assert_eq!(outer_msgs, ["outer before", "outer after"]);
    });
}
