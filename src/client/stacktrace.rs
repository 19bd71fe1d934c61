//! Stack traces from `std::backtrace`, turned into Sentry frames (oldest first).

use std::backtrace::Backtrace;
use std::path::Path;

use crate::protocol::{Event, Frame, Stacktrace, Thread};

/// A stack captured on the calling thread but not yet symbolized. Symbolizing holds std's
/// process-wide backtrace lock, which walking a stack takes too, and the first time reads the
/// binary's debug info (milliseconds to seconds): done on the pipeline thread, a capturing
/// task walks its own stack and waits at most for the one symbolization in progress, instead
/// of symbolizing its own while every other capture waits.
pub(crate) struct Unresolved {
    backtrace: Backtrace,
    trim: Trim,
    /// The thread it was taken on, for an event with no exception to carry it.
    thread: Thread,
}

impl Unresolved {
    /// The calling thread's stack; [`resolve`](Self::resolve) leaves out the frames of the
    /// backtrace machinery and of scopeline itself.
    pub(crate) fn capture() -> Self {
        Self::capture_with(Trim::Machinery)
    }

    /// The stack of the code that emitted a `tracing` event, from the layer's `on_event`:
    /// [`resolve`](Self::resolve) also leaves out the frames of the dispatch into the layer.
    #[cfg(feature = "tracing")]
    pub(crate) fn capture_in_tracing_layer() -> Self {
        Self::capture_with(Trim::Tracing)
    }

    /// The stack of a panicking thread, from its panic hook; [`resolve`](Self::resolve) also
    /// leaves out the frames of the hook and the panic machinery, so that the innermost frame
    /// is the code that panicked.
    pub(crate) fn capture_in_panic_hook() -> Self {
        Self::capture_with(Trim::Panic)
    }

    fn capture_with(trim: Trim) -> Self {
        // The thread first: its frames are not in the stack taken.
        let thread = Thread {
            id: THREAD_ID.with(|id| id.to_string()),
            name: std::thread::current().name().map(str::to_owned),
            current: true,
            crashed: false,
            stacktrace: None,
        };
        Unresolved {
            backtrace: Backtrace::force_capture(),
            trim,
            thread,
        }
    }

    /// Symbolizes the stack into Sentry frames, oldest first; `None` when no frame is left.
    pub(crate) fn resolve(self) -> Option<Stacktrace> {
        // Paths under the working directory come relative to it (`./src/main.rs`); `parse`
        // makes them whole. (The alternate form would print them whole, but in another
        // layout, with addresses and crate hashes in every name.)
        let frames = parse(&self.backtrace.to_string(), self.trim);
        (!frames.is_empty()).then_some(Stacktrace { frames })
    }

    /// Symbolizes the stack as the thread it was taken on; `None` when no frame is left.
    pub(crate) fn resolve_as_thread(mut self) -> Option<Thread> {
        let mut thread = std::mem::take(&mut self.thread);
        thread.stacktrace = Some(self.resolve()?);
        Some(thread)
    }
}

/// A number per thread, unique in the process (std's `ThreadId` has no stable number).
static NEXT_THREAD_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    static THREAD_ID: u64 = NEXT_THREAD_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Which innermost frames a capture leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trim {
    /// Those of the backtrace machinery and of scopeline.
    Machinery,
    /// Those too, and everything inside the panic's entry point (the panic runtime, the hook
    /// that captures), whatever names its inlined frames are printed with.
    Panic,
    /// Those too, and those of `tracing`'s dispatch of an event to the layer.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    Tracing,
}

/// Where the panic runtime is entered: the frame just outside the outermost of these is the
/// code that panicked.
fn is_panic_entry(function: &str) -> bool {
    const ENTRY: &[&str] = &[
        "core::panicking::",
        "std::panicking::begin_panic",
        "std::panicking::panic_with_hook",
        "std::panicking::panic_handler",
        "std::rt::begin_panic",
        "rust_begin_unwind",
        "__rustc::rust_begin_unwind",
        "core::result::unwrap_failed",
        "core::option::unwrap_failed",
        "core::option::expect_failed",
    ];
    ENTRY.iter().any(|p| function.starts_with(p))
}

/// Whether a frame's source file is one of scopeline's own: frames inlined into others are
/// printed with a bare name (`capture`, not `scopeline::client::capture`), but their file
/// still says whose they are. Compared by path components, so either separator works.
fn is_own_source(path: &Path) -> bool {
    (path.strip_prefix(env!("CARGO_MANIFEST_DIR"))).is_ok_and(|rest| rest.starts_with("src"))
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
        // `unwrap`/`expect` between a panic's entry point and the code that called them.
        "core::result::Result<",
        "core::option::Option<",
    ];
    INTERNAL.iter().any(|p| function.starts_with(p))
}

/// For a stack taken in the tracing layer, innermost frame first: the index of the first
/// frame past tracing's dispatch of the event, from `from`. That is the run of the tracing
/// crates' frames, with the standard library's between them (thread-locals, closures). The
/// closure an event macro expands to in the code that logged is tracing's by its source
/// (`tracing/src/macros.rs`), where a line-tables build names it bare (`{closure#0}`).
fn past_tracing_dispatch(frames: &[Frame], from: usize) -> usize {
    let mut past = from;
    for (i, frame) in frames.iter().enumerate().skip(from) {
        if is_tracing_frame(frame) {
            past = i + 1;
        } else if !frame.function.as_deref().is_some_and(is_std) {
            break;
        }
    }
    past
}

/// A frame of `tracing`, `tracing-core`, `tracing-subscriber`, `tracing-log` or `log`: by
/// its function's path, or by its source in the crate's directory (a line-tables build of
/// the dependencies prints their functions' names bare).
fn is_tracing_frame(frame: &Frame) -> bool {
    const CRATES: &[&str] = &[
        "tracing",
        "tracing_core",
        "tracing_subscriber",
        "tracing_log",
        "log",
    ];
    let named = frame.function.as_deref().is_some_and(|function| {
        let function = function.trim_start_matches('<');
        CRATES.iter().any(|c| {
            function
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
        })
    });
    let in_crate_dir = frame.abs_path.as_deref().is_some_and(|path| {
        Path::new(path).components().any(|part| {
            let part = part.as_os_str().to_string_lossy();
            CRATES.iter().any(|c| {
                let dir = c.replace('_', "-");
                (part.strip_prefix(dir.as_str()))
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            })
        })
    });
    named || in_crate_dir
}

fn is_std(function: &str) -> bool {
    let function = function.trim_start_matches('<');
    ["std::", "core::", "alloc::"]
        .iter()
        .any(|p| function.starts_with(p))
}

/// The type's and the trait's paths of a qualified name, `<Type as Trait>::item`; `None` for
/// other names. The impl behind such a frame is in the type's crate or the trait's.
fn qualified_paths(function: &str) -> Option<(&str, &str)> {
    let inner = function.strip_prefix('<')?;
    // The `as` at the outermost level of the brackets, then the `>` that closes them (a
    // `->` of a function type is no bracket).
    let mut depth = 0usize;
    let mut trait_from = None;
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if inner[..i].ends_with('-') => {}
            '>' if depth == 0 => {
                return trait_from.map(|from| (&inner[..from - 4], &inner[from..i]));
            }
            '>' => depth -= 1,
            ' ' if depth == 0 && trait_from.is_none() && inner[i..].starts_with(" as ") => {
                trait_from = Some(i + 4);
            }
            _ => {}
        }
    }
    None
}

/// Whether a function's name may be the application's: for a qualified name, when its type
/// or its trait may be (an application's extension trait on `Result` is its own code).
fn is_in_app(function: &str) -> bool {
    match qualified_paths(function) {
        Some((ty, tr)) => path_in_app(ty) || path_in_app(tr),
        None => path_in_app(function),
    }
}

fn path_in_app(function: &str) -> bool {
    const NOT_APP: &[&str] = &[
        "std::",
        "core::",
        "alloc::",
        "tokio::",
        "futures::",
        "futures_",
        "scopeline::",
        "<core::",
        "<std::",
        "<alloc::",
        "<tokio::",
        "<futures",
        "<scopeline::",
        // Well-known frameworks, whose frames are often inlined without a file.
        "axum::",
        "<axum::",
        "tower::",
        "<tower::",
        "tower_http::",
        "<tower_http::",
        "hyper::",
        "<hyper::",
        "hyper_util::",
        "<hyper_util::",
        "h2::",
        "<h2::",
        "tonic::",
        "<tonic::",
        "tracing::",
        "<tracing::",
        "tracing_subscriber::",
        "<tracing_subscriber::",
        "__libc",
        "__rust_",
        "_start",
        "start_thread",
        "clone3",
    ];
    !NOT_APP.iter().any(|p| function.starts_with(p))
}

/// Whether a source path is a dependency's rather than the application's: a crate from the
/// cargo registry or a git checkout, or the standard library's sources.
fn is_dependency_path(path: &str) -> bool {
    const DEPENDENCY: &[&str] = &[
        // `~/.cargo/…`, or a `CARGO_HOME` such as the Docker image's `/usr/local/cargo`.
        "cargo/registry/src/",
        "cargo/git/checkouts/",
        "cargo\\registry\\src\\",
        "cargo\\git\\checkouts\\",
        "/rustc/",
    ];
    DEPENDENCY.iter().any(|d| path.contains(d))
}

/// Whether a frame is the application's own code: not when its function is the standard
/// library's, a well-known runtime's, framework's or scopeline's, nor when its file is a
/// dependency's. A frame with no file, in a trace where others have one, is inlined code
/// the name alone cannot place: left unknown. Where no frame has a file (a release build
/// without line tables), the name decides.
fn in_app(frame: &Frame, files_known: bool) -> Option<bool> {
    let function = frame.function.as_deref().filter(|f| *f != "<unknown>")?;
    if !is_in_app(function) {
        return Some(false);
    }
    match frame.abs_path.as_deref() {
        Some(path) => Some(!is_dependency_path(path) && !is_own_source(Path::new(path))),
        None => (!files_known).then_some(true),
    }
}

/// Marks the frames of an event's stack traces by the client's `in_app_include` (first) and
/// `in_app_exclude` prefixes; frames neither names keep what scopeline guessed.
pub(crate) fn apply_in_app_options(event: &mut Event, include: &[String], exclude: &[String]) {
    if include.is_empty() && exclude.is_empty() {
        return;
    }
    let starts = |function: &str, prefixes: &[String]| {
        let function = function.trim_start_matches('<');
        prefixes.iter().any(|prefix| {
            function.strip_prefix(prefix.as_str()).is_some_and(|rest| {
                // A module boundary: the end, `::`, or a type's generics or `as` clause.
                rest.is_empty()
                    || rest.starts_with("::")
                    || rest.starts_with(['<', '>', ' '])
                    || prefix.ends_with("::")
            })
        })
    };
    // `<my_app::Order as core::fmt::Debug>::fmt` and `<core::result::Result<T, E> as
    // my_app::ResultExt>::report` are both `my_app`'s.
    let named = |function: &str, prefixes: &[String]| match qualified_paths(function) {
        Some((ty, tr)) => starts(ty, prefixes) || starts(tr, prefixes),
        None => starts(function, prefixes),
    };
    let frames = (event.exceptions.iter_mut())
        .filter_map(|e| e.stacktrace.as_mut())
        .chain(
            event
                .threads
                .iter_mut()
                .filter_map(|t| t.stacktrace.as_mut()),
        )
        .flat_map(|s| s.frames.iter_mut());
    for frame in frames {
        let Some(function) = frame.function.as_deref() else {
            continue;
        };
        if named(function, include) {
            frame.in_app = Some(true);
        } else if named(function, exclude) {
            frame.in_app = Some(false);
        }
    }
}

/// Parses the text `std::backtrace::Backtrace` prints: `N: function` lines (a function
/// inlined into another has a number of its own), each optionally followed by an
/// `at file:line:col` line. Returns frames oldest first.
pub(crate) fn parse(text: &str, trim: Trim) -> Vec<Frame> {
    // A path printed relative to the working directory (`./src/main.rs`) is made whole.
    // Asked for once, and only if a path needs it.
    let mut cwd: Option<Option<std::path::PathBuf>> = None;
    let mut absolute = |path: &str| {
        let relative = Path::new(path);
        if relative.is_absolute() {
            return path.to_owned();
        }
        match cwd.get_or_insert_with(|| std::env::current_dir().ok()) {
            Some(cwd) => (cwd.join(relative.strip_prefix(".").unwrap_or(relative)))
                .display()
                .to_string(),
            None => path.to_owned(),
        }
    };
    let mut frames: Vec<Frame> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(location) = line.strip_prefix("at ") {
            if let Some(frame) = frames.last_mut() {
                let (file, lineno, colno) = split_location(location);
                frame.lineno = lineno;
                // Columns count from 1; 0 means unknown.
                frame.colno = colno.filter(|c| *c > 0);
                let path = absolute(file);
                // Named from the whole path, so the same file has one name wherever the
                // process was started.
                frame.filename = Some(relative_path(&path));
                frame.abs_path = Some(path);
            }
            continue;
        }
        let Some((index, function)) = line.split_once(": ") else {
            continue;
        };
        if index.parse::<u32>().is_err() {
            continue;
        }
        frames.push(Frame {
            function: Some(strip_hash(function)),
            ..Frame::default()
        });
    }
    let files_known = frames.iter().any(|f| f.abs_path.is_some());
    // Drop the innermost frames that belong to the machinery, keep the rest.
    let from = match trim {
        Trim::Machinery | Trim::Tracing => 0,
        Trim::Panic => (frames.iter())
            .rposition(|f| f.function.as_deref().is_some_and(is_panic_entry))
            .map_or(0, |i| i + 1),
    };
    let internal = |f: &Frame| {
        f.function.as_deref().is_some_and(is_internal)
            || (f.abs_path.as_deref()).is_some_and(|p| is_own_source(Path::new(p)))
    };
    let mut first_real = (frames[from..].iter())
        .position(|f| !internal(f))
        .map_or(frames.len(), |i| from + i);
    if trim == Trim::Tracing {
        first_real = past_tracing_dispatch(&frames, first_real);
    }
    frames.drain(..first_real);
    // Judged for the frames kept only (whether files are known, over the whole trace).
    for frame in &mut frames {
        frame.in_app = in_app(frame, files_known);
    }
    frames.reverse();
    frames
}

/// `file:line:column`, or `file:line` where the debug info has no columns (Windows' has
/// none), split from the right: a file name may hold colons of its own (`C:\src\main.rs`).
fn split_location(location: &str) -> (&str, Option<u64>, Option<u64>) {
    let number = |s: &str| s.parse::<u64>().ok();
    let Some((rest, last)) = location.rsplit_once(':') else {
        return (location, None, None);
    };
    let Some(last) = number(last) else {
        return (location, None, None);
    };
    match rest
        .rsplit_once(':')
        .and_then(|(file, line)| Some((file, number(line)?)))
    {
        Some((file, line)) => (file, Some(line), Some(last)),
        None => (rest, Some(last), None),
    }
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

/// A path that stays stable across machines: from the crate's directory on (`myapp/src/…`,
/// `myapp/examples/…`, the directory above the last `src/`, else above the last
/// `examples/`, `tests/` or `benches/`), or from the crate directory in the cargo
/// registry.
fn relative_path(path: &str) -> String {
    // Windows paths are cut at the same places, and named with `/`.
    let unified;
    let path = if path.contains('\\') {
        unified = path.replace('\\', "/");
        unified.as_str()
    } else {
        path
    };
    if let Some(idx) = path.find("/registry/src/") {
        let rest = &path[idx + "/registry/src/".len()..];
        return rest.split_once('/').map_or(rest, |(_, r)| r).to_owned();
    }
    // The last `src/` names the crate (`~/src/myapp/src/main.rs` is `myapp`'s); failing
    // one, the last `examples/`, `tests/` or `benches/`.
    let crate_dir = path.rfind("/src/").or_else(|| {
        ["/examples/", "/tests/", "/benches/"]
            .iter()
            .filter_map(|d| path.rfind(d))
            .max()
    });
    if let Some(idx) = crate_dir {
        let start = path[..idx].rfind('/').map_or(0, |i| i + 1);
        return path[start..].to_owned();
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracing_dispatch_is_left_out_but_not_the_closures_that_logged() {
        let frame = |function: &str, path: &str| Frame {
            function: Some(function.into()),
            abs_path: (!path.is_empty()).then(|| path.into()),
            ..Frame::default()
        };
        let registry = "/home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f";
        // Innermost first, as `parse` sees them before reversing.
        let frames = [
            frame(
                "<tracing_subscriber::layer::layered::Layered<L,S> as tracing_core::subscriber::Subscriber>::event",
                "",
            ),
            frame("std::thread::local::LocalKey<T>::try_with", ""),
            frame("tracing_core::dispatcher::get_default", ""),
            // Named bare by a line-tables build, found by their sources: tracing's own and
            // the closure its event macro expands to in the caller.
            frame(
                "dispatch",
                &format!("{registry}/tracing-core-0.1.34/src/event.rs"),
            ),
            frame(
                "{closure#0}",
                &format!("{registry}/tracing-0.1.41/src/macros.rs"),
            ),
            frame("{closure#0}", "/home/me/app/src/main.rs"),
            frame("core::result::Result<T,E>::map_err", ""),
            frame("app::charge", "/home/me/app/src/main.rs"),
        ];
        // The macro's closure goes; the user's own `map_err` closure stays.
        assert_eq!(past_tracing_dispatch(&frames, 0), 5);
        // No dispatch frame first: nothing is left out, not even std.
        assert_eq!(past_tracing_dispatch(&frames[5..], 0), 0);
        assert_eq!(past_tracing_dispatch(&frames[6..], 0), 0);
        // `tracing-log`'s and `log`'s frames are dispatch too; a crate of another name is not.
        let log = [
            frame("log::__private_api::log", ""),
            frame(
                "on_event",
                &format!("{registry}/tracing-log-0.2.0/src/lib.rs"),
            ),
            frame(
                "logger",
                &format!("{registry}/tracing-extra-1.0.0/src/lib.rs"),
            ),
        ];
        assert_eq!(past_tracing_dispatch(&log, 0), 2);
    }

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
        let frames = parse(text, Trim::Machinery);
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
    fn windows_locations_keep_their_line_and_a_short_file_name() {
        let text = r"   0: myapp::handler::charge
             at C:\b\myapp\src\handler.rs:42
   1: tokio::runtime::park::CachedParkThread::block_on
             at C:\Users\me\.cargo\registry\src\index.crates.io-6f17d22bba15001f\tokio-1.54.1\src\runtime\park.rs:281:63
   2: weird::place
             at C:\odd:name\lib.rs
";
        let frames = parse(text, Trim::Machinery);
        let handler = &frames[2];
        assert_eq!(handler.lineno, Some(42));
        assert_eq!(handler.colno, None);
        assert_eq!(handler.filename.as_deref(), Some("myapp/src/handler.rs"));
        // (Its `abs_path` is whole on Windows; elsewhere the path is not absolute, and joined.)
        assert!(
            handler
                .abs_path
                .as_deref()
                .unwrap()
                .ends_with(r"C:\b\myapp\src\handler.rs")
        );
        assert_eq!(handler.in_app, Some(true));
        let tokio = &frames[1];
        assert_eq!((tokio.lineno, tokio.colno), (Some(281), Some(63)));
        assert_eq!(
            tokio.filename.as_deref(),
            Some("tokio-1.54.1/src/runtime/park.rs")
        );
        assert_eq!(tokio.in_app, Some(false));
        let weird = &frames[0];
        assert_eq!((weird.lineno, weird.colno), (None, None));
    }

    #[test]
    fn locations_split_from_the_right() {
        assert_eq!(split_location("/a/b.rs:3:7"), ("/a/b.rs", Some(3), Some(7)));
        assert_eq!(
            split_location(r"C:\a\b.rs:3:7"),
            (r"C:\a\b.rs", Some(3), Some(7))
        );
        assert_eq!(
            split_location(r"C:\a\b.rs:3"),
            (r"C:\a\b.rs", Some(3), None)
        );
        assert_eq!(split_location("/a/b.rs"), ("/a/b.rs", None, None));
        assert_eq!(split_location("/a/b.rs:x"), ("/a/b.rs:x", None, None));
    }

    #[test]
    fn frames_of_a_stripped_binary_do_not_claim_to_be_the_application() {
        let text = "   0: myapp::handler::charge
             at /srv/myapp/src/handler.rs:42:9
   1: <unknown>
";
        let in_app: Vec<_> = parse(text, Trim::Machinery)
            .into_iter()
            .map(|f| f.in_app)
            .collect();
        assert_eq!(in_app, [None, Some(true)]);
    }

    #[test]
    fn dependencies_and_scopeline_are_not_the_application() {
        let text = "   0: myapp::handler::charge
             at /srv/myapp/src/handler.rs:42:9
   1: scopeline::task::spawn::{{closure}}
             at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeline-0.1.0/src/task.rs:60:5
   2: hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_catch
             at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hyper-1.7.0/src/proto/h1/dispatch.rs:120:9
   3: some_git_dep::run
             at /usr/local/cargo/git/checkouts/dep-0123/abcdef/src/lib.rs:3:1
   4: myapp::main
             at /srv/myapp/src/main.rs:7:5
";
        let in_app: Vec<_> = parse(text, Trim::Machinery)
            .iter()
            .map(|f| (f.function.clone().unwrap(), f.in_app))
            .collect();
        assert_eq!(
            in_app,
            [
                ("myapp::main".to_owned(), Some(true)),
                ("some_git_dep::run".to_owned(), Some(false)),
                (
                    "hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_catch".to_owned(),
                    Some(false)
                ),
                (
                    "scopeline::task::spawn::{{closure}}".to_owned(),
                    Some(false)
                ),
                ("myapp::handler::charge".to_owned(), Some(true)),
            ]
        );
    }

    #[test]
    fn in_app_options_mark_frames_include_first() {
        let mut event = Event::new();
        let frame = |function: &str, in_app| Frame {
            function: Some(function.to_owned()),
            in_app,
            ..Frame::default()
        };
        event.exceptions = vec![crate::protocol::Exception {
            stacktrace: Some(Stacktrace {
                frames: vec![
                    frame("tokio::runtime::park::block_on", Some(false)),
                    frame("vendored_http::client::send", Some(true)),
                    frame("vendored_http::client::retry", Some(true)),
                    frame("<my_app::Order as core::fmt::Debug>::fmt", None),
                    frame("my_app_ext::helper", None),
                    frame("my_app", None),
                ],
            }),
            ..Default::default()
        }];
        let include = [
            "my_app".to_owned(),
            "vendored_http::client::retry".to_owned(),
        ];
        let exclude = ["vendored_http::".to_owned()];
        apply_in_app_options(&mut event, &include, &exclude);
        let in_app: Vec<_> = (event.exceptions[0]
            .stacktrace
            .as_ref()
            .unwrap()
            .frames
            .iter())
        .map(|f| f.in_app)
        .collect();
        assert_eq!(
            in_app,
            [
                Some(false), // named by neither: as guessed
                Some(false), // excluded
                Some(true),  // included, which beats the exclusion
                Some(true),  // a method of an included module's type
                None,        // `my_app_ext` is not `my_app`: as guessed
                Some(true),  // the module itself
            ]
        );
    }

    #[test]
    fn an_applications_trait_on_a_foreign_type_is_the_application() {
        assert_eq!(
            qualified_paths("<core::result::Result<T,E> as my_app::ResultExt>::report"),
            Some(("core::result::Result<T,E>", "my_app::ResultExt"))
        );
        assert_eq!(
            qualified_paths("<fn() -> u8 as my_app::Job<A>>::run"),
            Some(("fn() -> u8", "my_app::Job<A>"))
        );
        assert_eq!(qualified_paths("<T>::f"), None);
        assert_eq!(qualified_paths("my_app::main"), None);
        let text = "   0: <core::result::Result<T,E> as my_app::ResultExt>::report
             at /srv/my_app/src/ext.rs:12:9
   1: <alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once
             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/alloc/src/boxed.rs:2000:9
   2: <my_app::Order as core::fmt::Debug>::fmt
             at /srv/my_app/src/order.rs:3:10
";
        let in_app: Vec<_> = parse(text, Trim::Machinery)
            .into_iter()
            .map(|f| f.in_app)
            .collect();
        assert_eq!(in_app, [Some(true), Some(false), Some(true)]);

        let mut event = Event::new();
        event.exceptions = vec![crate::protocol::Exception {
            stacktrace: Some(Stacktrace {
                frames: vec![Frame {
                    function: Some("<core::option::Option<T> as my_app::OptionExt>::or_log".into()),
                    in_app: Some(false),
                    ..Frame::default()
                }],
            }),
            ..Default::default()
        }];
        apply_in_app_options(&mut event, &["my_app".to_owned()], &[]);
        let frame = &event.exceptions[0].stacktrace.as_ref().unwrap().frames[0];
        assert_eq!(frame.in_app, Some(true));
    }

    #[test]
    fn a_frame_without_a_file_is_not_claimed_for_the_application() {
        let text = "   0: myapp::handler::charge
             at ./examples/handler.rs:42:0
   1: <axum::routing::route::RouteFuture<E> as core::future::future::Future>::poll
   2: <web_kit::Route as core::future::future::Future>::poll
   3: __rust_try
   4: core::ops::function::FnOnce::call_once
";
        let frames = parse(text, Trim::Machinery);
        let in_app: Vec<_> = (frames.iter())
            .map(|f| (f.function.as_deref().unwrap(), f.in_app))
            .collect();
        assert_eq!(
            in_app,
            [
                ("core::ops::function::FnOnce::call_once", Some(false)),
                ("__rust_try", Some(false)),
                // Inlined without a file: whose it is cannot be told.
                (
                    "<web_kit::Route as core::future::future::Future>::poll",
                    None
                ),
                // A well-known framework's, file or not.
                (
                    "<axum::routing::route::RouteFuture<E> as core::future::future::Future>::poll",
                    Some(false)
                ),
                ("myapp::handler::charge", Some(true)),
            ]
        );
        // A release build without line tables: no frame has a file, and the name decides.
        let no_files = "   0: myapp::handler::charge
   1: <web_kit::Route as core::future::future::Future>::poll
   2: tokio::runtime::park::block_on
";
        let in_app: Vec<_> = (parse(no_files, Trim::Machinery).into_iter())
            .map(|f| f.in_app)
            .collect();
        assert_eq!(in_app, [Some(false), Some(true), Some(true)]);
        // A path printed relative to the working directory: the file as the project names
        // it, the absolute path, and no column where the column is unknown (0).
        let handler = &frames[4];
        let cwd = std::env::current_dir().unwrap();
        let crate_dir = cwd.file_name().unwrap().to_str().unwrap();
        let filename = format!("{crate_dir}/examples/handler.rs");
        assert_eq!(handler.filename.as_deref(), Some(filename.as_str()));
        assert_eq!(
            handler.abs_path.as_deref(),
            Some(cwd.join("examples/handler.rs").to_str().unwrap())
        );
        assert_eq!((handler.lineno, handler.colno), (Some(42), None));
    }

    #[test]
    fn a_panics_trace_starts_at_the_code_that_panicked() {
        // As a panic hook sees it, with inlined frames printed by their bare names.
        let own = concat!(env!("CARGO_MANIFEST_DIR"), "/src/panic.rs");
        let text = format!(
            "   0: std::backtrace::Backtrace::force_capture
   1: event_from_panic
             at {own}:32:5
   2: core::ops::function::FnOnce::call_once{{{{vtable.shim}}}}
   3: capture
             at ./src/client/mod.rs:679:25
   4: <alloc::boxed::Box<dyn for<'a, 'b> core::ops::function::Fn<(&'a std::panic::PanicHookInfo<'b>,), Output = ()> + core::marker::Sync + core::marker::Send> as core::ops::function::Fn<(&std::panic::PanicHookInfo,)>>::call
   5: std::panicking::panic_with_hook
   6: __rustc::rust_begin_unwind
   7: core::panicking::panic_fmt
   8: core::result::unwrap_failed
   9: core::result::Result<T,E>::unwrap
             at /rustc/abc/library/core/src/result.rs:1167:23
  10: myapp::billing::charge
             at /srv/myapp/src/billing.rs:17:30
  11: std::panicking::catch_unwind::do_call
  12: myapp::main
             at /srv/myapp/src/main.rs:3:5
"
        );
        let names = |trim| -> Vec<String> {
            let frames = parse(&text, trim);
            frames.into_iter().map(|f| f.function.unwrap()).collect()
        };
        assert_eq!(
            names(Trim::Panic),
            [
                "myapp::main",
                "std::panicking::catch_unwind::do_call",
                "myapp::billing::charge"
            ]
        );
        // Without the panic's entry point, trimming stops at the first frame it cannot tell
        // as scopeline's or the backtrace's: the shim of a boxed closure.
        assert_eq!(
            names(Trim::Machinery).last().unwrap(),
            "core::ops::function::FnOnce::call_once{{vtable.shim}}"
        );
    }

    #[test]
    fn file_names_start_at_the_crate_directory() {
        for (path, name) in [
            ("/home/me/src/myapp/src/main.rs", "myapp/src/main.rs"),
            (
                "/srv/myapp/src/tests/fixtures.rs",
                "myapp/src/tests/fixtures.rs",
            ),
            ("/srv/myapp/examples/server.rs", "myapp/examples/server.rs"),
            ("/srv/myapp/tests/it.rs", "myapp/tests/it.rs"),
            (
                "/home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/axum-0.8.4/src/routing/mod.rs",
                "axum-0.8.4/src/routing/mod.rs",
            ),
            ("/opt/build.rs", "/opt/build.rs"),
        ] {
            assert_eq!(relative_path(path), name, "{path}");
        }
    }

    #[test]
    fn a_frame_is_scopelines_by_its_file_when_its_name_is_bare() {
        let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/client/mod.rs");
        assert!(is_own_source(&own));
        let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it.rs");
        assert!(!is_own_source(&beside));
        assert!(!is_own_source(Path::new("/srv/myapp/src/main.rs")));
        // A sibling directory whose name starts the same is not scopeline's.
        let sibling = format!("{}-ext/src/lib.rs", env!("CARGO_MANIFEST_DIR"));
        assert!(!is_own_source(Path::new(&sibling)));
    }

    #[test]
    fn a_live_capture_starts_outside_the_machinery() {
        let trace = Unresolved::capture()
            .resolve()
            .expect("std backtraces work in tests");
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

    #[test]
    fn a_stack_resolved_on_another_thread_is_the_one_captured() {
        // Two captures from one call site: the same stack.
        let [here, there] = [(); 2].map(|()| Unresolved::capture());
        let there = std::thread::spawn(move || there.resolve())
            .join()
            .unwrap()
            .expect("std backtraces work in tests");
        let here = here.resolve().expect("std backtraces work in tests");
        let names = |t: &Stacktrace| {
            (t.frames.iter())
                .map(|f| (f.function.clone(), f.lineno))
                .collect::<Vec<_>>()
        };
        assert!(!here.frames.is_empty());
        assert_eq!(names(&here), names(&there));
    }
}
