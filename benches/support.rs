//! Shared by the benches: reading criterion's results back to print ratios.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// The mean time of one bench, in nanoseconds, from criterion's saved estimates.
pub fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// Prints one line of the ratio report.
pub fn report(label: &str, ours: Option<f64>, reference: Option<f64>, budget: &str) {
    match (ours, reference) {
        (Some(o), Some(r)) => println!(
            "{label:<58} ours {o:>9.1} ns  reference {r:>9.1} ns  ratio {:>6.3}  budget {budget}",
            o / r
        ),
        _ => println!("{label:<58} (not measured in this run)"),
    }
}
