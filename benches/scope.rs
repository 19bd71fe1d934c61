//! Scope.
fn main() {}
