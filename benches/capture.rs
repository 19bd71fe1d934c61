//! Capture.
fn main() {}
