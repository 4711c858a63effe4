//! The `alertctl` binary: parse arguments, run one command, map the outcome to an exit
//! code. All printing happens under this directory; the library never prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// Printing that never panics, for deploy paths: a closed pipe or terminal must not
/// abort an apply between writing files and reloading servers.
macro_rules! eline {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! oline {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

mod cli;
mod cmd;
mod exit;
mod help;
mod report;

use clap::Parser;

/// A run builds and drops millions of small strings and maps (glibc's malloc and free
/// were a quarter of a cold `validate`'s profile on the L estate); mimalloc takes about
/// a third off its CPU time at the same peak memory (docs/performance.md, round 3).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option calls: not wrapped by the `mimalloc` crate (its `extended` feature
// names no `purge_delay`); the symbols are in the `libmimalloc-sys` it links.
extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set_default(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (libmimalloc-sys 0.1.49
/// builds mimalloc 3.3.2); a test checks the index still names it.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long freed pages stay committed before mimalloc returns them to the OS.
/// mimalloc 3 waits 1000 ms, longer than a cold load: the parse's transient
/// structures (about 30 MB on L) were still resident when the render began, and the
/// render allocated on top of them. After 10 ms a cold `validate` on L starts its
/// render at ~110 MB instead of ~142 MB, in the same time.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Makes 10 ms the allocator's default purge delay. A default only: a delay from the
/// environment (`MIMALLOC_PURGE_DELAY` in any case, or the legacy
/// `MIMALLOC_RESET_DELAY`) still wins, as mimalloc reads it.
fn tune_allocator() {
    #[allow(unsafe_code)]
    // SAFETY: stores a plain number in mimalloc's option table; called first thing in
    // `main`, before any other thread exists to read the table.
    unsafe {
        mi_option_set_default(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS)
    };
}

fn main() {
    tune_allocator();
    alertctl::timings::start();
    // `alertctl ... | head` closes the pipe early: end quietly like other Unix tools
    // instead of panicking with a backtrace.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    let cli = cli::Cli::parse();
    let code = match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", e);
            exit::Exit::Failure
        }
    };
    print_timings();
    std::process::exit(code as i32);
}

/// With `ALERTCTL_TIMINGS` set: each phase's wall time, then the run's, on stderr
/// (a closed stderr does not change the exit code).
fn print_timings() {
    if !alertctl::timings::enabled() {
        return;
    }
    alertctl::timings::mark("exit");
    let marks = alertctl::timings::marks();
    // The exit mark's time, so that the phases add up to it; the time now if the
    // bound on marks left it out.
    let total = match marks.last() {
        Some(&("exit", at, _)) => at,
        _ => alertctl::timings::since_start(),
    };
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    for (phase, _, took) in marks {
        eline!("timing: {:>9.1} ms  {phase}", ms(took));
    }
    eline!("timing: {:>9.1} ms  total", ms(total));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Index 15 must still be `purge_delay`: no other option of mimalloc 3 defaults to
    /// 1000. Read only: setting it here would race the other tests' threads, which
    /// read the option while they free.
    #[test]
    fn the_purge_delay_option_is_at_its_index() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        #[allow(unsafe_code)]
        // SAFETY: reads one entry of mimalloc's option table.
        let delay = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000, "mi_option_t index 15 is not purge_delay");
    }
}
