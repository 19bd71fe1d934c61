//! Stack traces from `std::backtrace`, turned into Sentry frames (oldest first).

use std::backtrace::Backtrace;

use crate::protocol::{Frame, Stacktrace};

/// Captures the calling thread's stack, without the frames of the backtrace machinery, the
/// panic machinery or scopeline itself.
pub(crate) fn capture() -> Option<Stacktrace> {
    let text = Backtrace::force_capture().to_string();
    let frames = parse(&text);
    (!frames.is_empty()).then_some(Stacktrace { frames })
}

fn is_internal(function: &str) -> bool {
    const INTERNAL: &[&str] = &[
        "std::backtrace",
        "std::panicking",
        "std::panic::",
        "core::panicking",
        "std::sys::backtrace",
        "rust_begin_unwind",
        "__rustc::rust_begin_unwind",
        "scopeline::",
        "<scopeline::",
        "<alloc::boxed::Box<F,A> as core::ops::function::Fn",
    ];
    INTERNAL.iter().any(|p| function.starts_with(p))
}

fn is_in_app(function: &str) -> bool {
    const NOT_APP: &[&str] = &[
        "std::",
        "core::",
        "alloc::",
        "tokio::",
        "futures::",
        "futures_",
        "<core::",
        "<std::",
        "<alloc::",
        "<tokio::",
        "<futures",
        "__libc",
        "_start",
        "start_thread",
        "clone3",
    ];
    !NOT_APP.iter().any(|p| function.starts_with(p))
}

/// Parses the text `std::backtrace::Backtrace` prints: `N: function` lines, each optionally
/// followed by an `at file:line:col` line. Returns frames oldest first.
pub(crate) fn parse(text: &str) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(location) = line.strip_prefix("at ") {
            if let Some(frame) = frames.last_mut() {
                let mut parts = location.rsplitn(3, ':');
                let col = parts.next().and_then(|c| c.parse().ok());
                let lineno = parts.next().and_then(|l| l.parse().ok());
                match (parts.next(), lineno, col) {
                    (Some(file), Some(l), Some(c)) => {
                        frame.abs_path = Some(file.to_owned());
                        frame.lineno = Some(l);
                        frame.colno = Some(c);
                    }
                    _ => frame.abs_path = Some(location.to_owned()),
                }
                frame.filename = frame.abs_path.as_deref().map(relative_path);
            }
            continue;
        }
        let Some((index, function)) = line.split_once(": ") else {
            continue;
        };
        if index.parse::<u32>().is_err() {
            continue;
        }
        let function = strip_hash(function);
        frames.push(Frame {
            in_app: Some(is_in_app(&function)),
            function: Some(function),
            ..Frame::default()
        });
    }
    // Drop the innermost frames that belong to the machinery, keep the rest.
    let first_real = frames
        .iter()
        .position(|f| !f.function.as_deref().is_some_and(is_internal))
        .unwrap_or(frames.len());
    frames.drain(..first_real);
    frames.reverse();
    frames
}

/// `foo::bar::h1a2b3c4d5e6f7a8b` → `foo::bar`.
fn strip_hash(function: &str) -> String {
    match function.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head.to_owned()
        }
        _ => function.to_owned(),
    }
}

/// A path that stays stable across machines: from `src/` (or the crate directory in the
/// cargo registry) on.
fn relative_path(path: &str) -> String {
    if let Some(idx) = path.find("/registry/src/") {
        let rest = &path[idx + "/registry/src/".len()..];
        return rest.split_once('/').map_or(rest, |(_, r)| r).to_owned();
    }
    if let Some(idx) = path.rfind("/src/") {
        let start = path[..idx].rfind('/').map_or(0, |i| i + 1);
        return path[start..].to_owned();
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_std_backtrace_text_oldest_first() {
        let text = "   0: std::backtrace::Backtrace::force_capture
             at /rustc/abc/library/std/src/backtrace.rs:312:13
   1: scopeline::client::stacktrace::capture
             at ./src/client/stacktrace.rs:9:16
   2: myapp::handler::charge::h0123456789abcdef
             at /home/me/myapp/src/handler.rs:42:9
   3: main
   4: tokio::runtime::park::CachedParkThread::block_on
             at /home/me/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.54.1/src/runtime/park.rs:281:63
";
        let frames = parse(text);
        let names: Vec<_> = frames.iter().map(|f| f.function.clone().unwrap()).collect();
        assert_eq!(
            names,
            [
                "tokio::runtime::park::CachedParkThread::block_on",
                "main",
                "myapp::handler::charge"
            ]
        );
        let handler = &frames[2];
        assert_eq!(handler.lineno, Some(42));
        assert_eq!(handler.colno, Some(9));
        assert_eq!(handler.filename.as_deref(), Some("myapp/src/handler.rs"));
        assert_eq!(handler.in_app, Some(true));
        assert_eq!(frames[0].in_app, Some(false));
        assert_eq!(
            frames[0].filename.as_deref(),
            Some("tokio-1.54.1/src/runtime/park.rs")
        );
    }

    #[test]
    fn a_live_capture_starts_outside_the_machinery() {
        let trace = capture().expect("std backtraces work in tests");
        let innermost = trace.frames.last().unwrap().function.clone().unwrap();
        assert!(!is_internal(&innermost), "{innermost}");
        assert!(
            trace.frames.iter().all(|f| !f
                .function
                .as_deref()
                .unwrap()
                .starts_with("std::backtrace"))
        );
    }
}
