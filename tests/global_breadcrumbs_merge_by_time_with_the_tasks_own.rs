//! Breadcrumbs of the global scope merge with the isolation and current scopes' by time, and
//! a global breadcrumb added after a task started is in its next event: the global scope is
//! read at capture time.
mod common;

use scopeline::{Breadcrumb, ClientOptions, Level};

#[test]
fn all_three_scopes_breadcrumbs_in_time_order() {
    scopeline::with_isolation_scope(|iso| {
        let (_c, memory) = common::bind(ClientOptions::new());
        let global = scopeline::get_global_scope();
        global.add_breadcrumb(Breadcrumb::new("global 1"));
        iso.add_breadcrumb(Breadcrumb::new("iso 1"));
        scopeline::with_new_scope(|cur| {
            cur.add_breadcrumb(Breadcrumb::new("cur 1"));
            global.add_breadcrumb(Breadcrumb::new("global 2"));
            iso.add_breadcrumb(Breadcrumb::new("iso 2"));
            scopeline::capture_message("m", Level::Info);
        });
        let events = memory.events();
        assert_eq!(
            common::crumb_messages(&events[0]),
            ["global 1", "iso 1", "cur 1", "global 2", "iso 2"]
        );
    });
}
